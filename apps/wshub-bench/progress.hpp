// Progress: what a run shows on stderr while it goes. On a terminal, one
// status line rewritten in place every second; otherwise (a log, CI) a plain
// line every 5 seconds. Log lines (phases, warnings) go above the status line.
// Thread-safety: main thread only.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "options.hpp"

namespace wshub::bench {

class Progress {
 public:
  explicit Progress(ProgressMode mode);
  ~Progress();

  // Shows `line` if its interval has passed since the last one (or `force`).
  void status(std::string_view line, bool force = false);
  // A line of its own (always shown unless the mode is off).
  void log(std::string_view line);
  // Ends the status line (terminal mode).
  void finish();

 private:
  void clear_status();

  bool tty_ = false;
  bool off_ = false;
  bool status_shown_ = false;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace wshub::bench
