// ProcessSignals: chosen process signals (SIGINT, SIGTERM, SIGHUP) delivered
// to one io_context as ordinary reads from a signalfd, with no signal
// handler at all.
//
// Opening blocks the signals in the calling thread; threads started after
// that inherit the block, so the kernel keeps a signal pending until it is
// read here, whichever thread it was sent to and however early it comes (a
// SIGTERM right after start-up waits instead of taking the default action).
// Why not asio::signal_set: its handler runs asynchronously in whichever
// thread the kernel picks, and under ThreadSanitizer, which defers handlers
// to its own interception points, about one SIGTERM in 40 sent right after
// start-up under load was never seen by the control thread (CI run of
// test_sigterm_idle_server_exits_promptly; reproduced with the TSan build).
// A signalfd read has no such window in any build.
//
// Thread-safety: not thread-safe; create it on the control thread before any
// other thread starts, and use it there only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "core/expected.hpp"

namespace wshub::net {

class ProcessSignals {
 public:
  using Handler = std::function<void(int signal)>;

  // Blocks `signals` in the calling thread and opens the signalfd; an error
  // names the failing call.
  static core::Expected<std::unique_ptr<ProcessSignals>, std::string> open(boost::asio::any_io_executor executor,
                                                                          std::initializer_list<int> signals);

  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;
  // Closes the descriptor. The signals stay blocked: one that arrives while
  // the process exits must not take its default action instead.
  ~ProcessSignals() = default;

  // Calls handler once, on the executor, with the next signal (one already
  // received first). One wait at a time; the object must outlive it or the
  // executor's run().
  void async_wait(Handler handler);

 private:
  explicit ProcessSignals(boost::asio::posix::stream_descriptor descriptor);
  void arm();
  void read_available();
  void deliver();

  boost::asio::posix::stream_descriptor descriptor_;
  std::deque<int> received_;  // read but not yet handed to a wait
  Handler waiting_;
  bool descriptor_wait_pending_ = false;
};

}  // namespace wshub::net
