// Worker: one client I/O thread of the tool: an io_context, the thread that
// runs it, the connections created on it, and what they record.
//
// Connection i of a run lives on worker i % threads for its whole life; its
// handlers run only on that thread, so WorkerStats needs no locks. The main
// thread reads LiveCounters (relaxed atomics) for progress, and WorkerStats
// only after stop() has joined the thread.
// Thread-safety: post()/run_sync() and live() from any thread; stats(),
// parser() and the connection lists on the worker's thread (or after stop()).
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "payload.hpp"

namespace wshub::bench {

class Subscriber;
class Publisher;

// A relaxed counter with one writer (the worker thread) and any readers.
class LiveCounter {
 public:
  void add(std::uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(std::uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

struct LiveCounters {
  LiveCounter setups_started;
  LiveCounter setups_ok;  // subscribed (subscribers) or welcomed (publishers)
  LiveCounter setups_failed;
  LiveCounter open;            // connections set up and not closed yet
  LiveCounter closed_by_peer;  // closed by the server (or the network) before the tool closed them
  LiveCounter delivered;       // unique deliveries to measured subscribers
  LiveCounter published;       // publications sent
  LiveCounter acked;           // publications acknowledged as published
  LiveCounter publish_errors;
  LiveCounter slow_checked;     // slow subscribers whose end state is known
  LiveCounter publishers_done;  // publishers that sent and heard back about everything
};

struct WorkerStats {
  Histogram latency_ns;  // end-to-end, unique deliveries to measured subscribers

  // Connection set-up, measured from the start of the TCP connect.
  Histogram tcp_connect_ns;
  Histogram upgrade_ns;     // HTTP 101 received
  Histogram welcome_ns;     // welcome frame read
  Histogram subscribed_ns;  // subscribe reply read

  std::map<std::string, std::uint64_t> setup_errors;   // "connect: Connection refused" -> count
  std::map<std::string, std::uint64_t> close_reasons;  // closes by the peer during the run: "4000", "eof", ...
  std::map<std::string, std::uint64_t> slow_outcomes;  // slow subscribers at the end: "closed 4000", "open", ...

  std::uint64_t lines = 0;  // lines read by measured subscribers
  std::uint64_t frames = 0;
  std::uint64_t wrong_channel = 0;    // a message for a channel the subscriber is not in
  std::uint64_t foreign_payload = 0;  // a message whose data is not ours
  std::uint64_t other_lines = 0;      // replies, pushes, unknown types after set-up
  std::uint64_t slow_lines = 0;       // lines the slow subscribers read at the end
  std::int64_t first_delivery_ns = 0;
  std::int64_t last_delivery_ns = 0;

  void merge(const WorkerStats& other);
};

class Worker {
 public:
  explicit Worker(unsigned index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  unsigned index() const { return index_; }
  boost::asio::io_context& io() { return io_; }
  LiveCounters& live() { return live_; }
  WorkerStats& stats() { return stats_; }
  LineParser& parser() { return parser_; }
  std::vector<std::shared_ptr<Subscriber>>& subscribers() { return subscribers_; }
  std::vector<std::shared_ptr<Publisher>>& publishers() { return publishers_; }

  void start();
  // Stops the io_context (pending handlers are dropped) and joins the thread.
  void stop();

  template <class F>
  void post(F&& f) {
    boost::asio::post(io_, std::forward<F>(f));
  }

  // Runs f on the worker thread and waits for it.
  void run_sync(std::function<void()> f);

 private:
  unsigned index_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::thread thread_;
  LiveCounters live_;
  WorkerStats stats_;
  LineParser parser_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::vector<std::shared_ptr<Publisher>> publishers_;
};

}  // namespace wshub::bench
