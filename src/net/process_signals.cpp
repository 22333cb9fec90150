#include "net/process_signals.hpp"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

namespace wshub::net {

namespace asio = boost::asio;

core::Expected<std::unique_ptr<ProcessSignals>, std::string> ProcessSignals::open(asio::any_io_executor executor,
                                                                                  std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) sigaddset(&set, sig);
  if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return core::unexpected(std::string("pthread_sigmask: ") + std::strerror(rc));
  }
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return core::unexpected(std::string("signalfd: ") + std::strerror(errno));
  return std::unique_ptr<ProcessSignals>(new ProcessSignals(asio::posix::stream_descriptor(executor, fd)));
}

ProcessSignals::ProcessSignals(asio::posix::stream_descriptor descriptor) : descriptor_(std::move(descriptor)) {}

void ProcessSignals::async_wait(Handler handler) {
  waiting_ = std::move(handler);
  if (!received_.empty()) {
    asio::post(descriptor_.get_executor(), [this] { deliver(); });
    return;
  }
  arm();
}

void ProcessSignals::arm() {
  if (descriptor_wait_pending_) return;
  descriptor_wait_pending_ = true;
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    descriptor_wait_pending_ = false;
    if (ec) return;  // the descriptor closed
    read_available();
    deliver();
  });
}

void ProcessSignals::read_available() {
  signalfd_siginfo info;
  for (;;) {
    ssize_t n = ::read(descriptor_.native_handle(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) return;  // EAGAIN: all read (EINTR cannot leave a partial record)
    received_.push_back(static_cast<int>(info.ssi_signo));
  }
}

void ProcessSignals::deliver() {
  if (!waiting_) return;
  if (received_.empty()) {
    arm();
    return;
  }
  Handler handler = std::move(waiting_);
  waiting_ = nullptr;
  int sig = received_.front();
  received_.pop_front();
  handler(sig);
}

}  // namespace wshub::net
