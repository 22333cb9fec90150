// ProcessSignals with real signals sent to this process: they arrive as
// reads on the io_context, in order, including one sent before the wait and
// one sent while other threads run.
#include "net/process_signals.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <thread>
#include <vector>

namespace wshub::net {
namespace {

namespace asio = boost::asio;

// Runs the context until `done` or 5 s; false on the timeout.
template <class Done>
bool run_until(asio::io_context& io, Done done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return true;
}

TEST(ProcessSignals, SignalSentBeforeTheWaitIsDeliveredOnTheContext) {
  asio::io_context io;
  auto signals = ProcessSignals::open(io.get_executor(), {SIGUSR1, SIGUSR2});
  ASSERT_TRUE(signals) << signals.error();
  ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);  // blocked: pending, not the default action
  std::vector<int> got;
  (*signals)->async_wait([&](int sig) { got.push_back(sig); });
  ASSERT_TRUE(run_until(io, [&] { return !got.empty(); }));
  EXPECT_EQ(got, std::vector<int>{SIGUSR1});
}

TEST(ProcessSignals, EachWaitGetsTheNextSignalInOrder) {
  asio::io_context io;
  auto signals = ProcessSignals::open(io.get_executor(), {SIGUSR1, SIGUSR2});
  ASSERT_TRUE(signals) << signals.error();
  std::vector<int> got;
  std::function<void(int)> on_signal = [&](int sig) {
    got.push_back(sig);
    if (got.size() < 2) (*signals)->async_wait(on_signal);
  };
  (*signals)->async_wait(on_signal);
  io.run_for(std::chrono::milliseconds(20));  // the wait is armed, nothing came
  io.restart();
  EXPECT_TRUE(got.empty());
  ASSERT_EQ(::kill(::getpid(), SIGUSR2), 0);
  ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);
  ASSERT_TRUE(run_until(io, [&] { return got.size() == 2; }));
  // The kernel dequeues standard signals lowest number first.
  EXPECT_EQ(got, (std::vector<int>{SIGUSR1, SIGUSR2}));
}

TEST(ProcessSignals, AProcessSignalReachesTheContextWhileOtherThreadsRun) {
  asio::io_context io;
  auto signals = ProcessSignals::open(io.get_executor(), {SIGUSR1});
  ASSERT_TRUE(signals) << signals.error();
  int got = 0;
  (*signals)->async_wait([&](int sig) { got = sig; });
  // Started after open(), the thread inherits the block: the kernel cannot
  // hand the signal to it, so it stays pending for the signalfd.
  std::atomic<bool> stop{false};
  std::thread other([&] {
    ::kill(::getpid(), SIGUSR1);
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  bool delivered = run_until(io, [&] { return got != 0; });
  stop = true;
  other.join();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(got, SIGUSR1);
}

}  // namespace
}  // namespace wshub::net
