#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace wshub::bench {

Progress::Progress(ProgressMode mode) {
  switch (mode) {
    case ProgressMode::automatic:
      tty_ = ::isatty(STDERR_FILENO) == 1;
      break;
    case ProgressMode::tty:
      tty_ = true;
      break;
    case ProgressMode::plain:
      tty_ = false;
      break;
    case ProgressMode::off:
      off_ = true;
      break;
  }
  interval_ = tty_ ? std::chrono::seconds(1) : std::chrono::seconds(5);
}

Progress::~Progress() { finish(); }

void Progress::clear_status() {
  if (tty_ && status_shown_) {
    std::fputs("\r\033[K", stderr);
    status_shown_ = false;
  }
}

void Progress::status(std::string_view line, bool force) {
  if (off_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < interval_) return;
  last_ = now;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(line.size()), line.data());
    status_shown_ = true;
  } else {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  }
  std::fflush(stderr);
}

void Progress::log(std::string_view line) {
  if (off_) return;
  clear_status();
  std::fprintf(stderr, "wshub-bench: %.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

void Progress::finish() {
  if (off_) return;
  if (tty_ && status_shown_) {
    std::fputc('\n', stderr);
    status_shown_ = false;
    std::fflush(stderr);
  }
}

}  // namespace wshub::bench
