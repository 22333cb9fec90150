// BenchRun: the parts every scenario shares. It owns the worker threads and
// the resolved targets and source addresses, spreads connection set-ups over
// the workers with bounded concurrency, waits on phases while refreshing the
// progress line, samples the server and the tool from /proc, and closes
// everything at the end.
//
// The scenario code runs on the main thread and only posts to workers; a
// worker's stats are read after stop().
// Thread-safety: main thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json_value.hpp"
#include "options.hpp"
#include "proc_sampler.hpp"
#include "progress.hpp"
#include "publish_plan.hpp"
#include "source_addresses.hpp"
#include "target.hpp"
#include "worker.hpp"

namespace wshub::bench {

struct LiveTotals {
  std::uint64_t setups_started = 0, setups_ok = 0, setups_failed = 0, open = 0, closed_by_peer = 0;
  std::uint64_t delivered = 0, published = 0, acked = 0, publish_errors = 0, slow_checked = 0, publishers_done = 0;
};

// Samples of the server processes and of the tool itself at one moment.
struct ProcessSamples {
  std::vector<std::optional<ProcSample>> servers;  // one per --server-pid
  std::optional<ProcSample> client;
};

enum class WaitEnd { done, timeout, interrupted };

class BenchRun {
 public:
  BenchRun(const Options& options, std::vector<Target> targets, SourceAddresses sources, Progress& progress);
  ~BenchRun();

  const Options& options() const { return options_; }
  const std::vector<Target>& targets() const { return targets_; }
  const SourceAddresses& sources() const { return sources_; }
  Progress& progress() { return progress_; }
  std::vector<std::unique_ptr<Worker>>& workers() { return workers_; }
  Worker& worker_for(std::size_t index) { return *workers_[index % workers_.size()]; }

  // Starts `count` set-ups: set_up(i) runs on worker_for(i), at most
  // options().connect_concurrency in flight over all workers.
  using SetUp = std::function<boost::asio::awaitable<void>(Worker&, std::size_t)>;
  void launch(std::size_t count, std::size_t concurrency, SetUp set_up);

  LiveTotals live() const;

  // Polls every 50 ms until done(live) is true, timeout_s passes (< 0: never)
  // or the run is interrupted; shows status(live, elapsed seconds) as progress.
  WaitEnd wait_for(const std::function<bool(const LiveTotals&)>& done, double timeout_s,
                   const std::function<std::string(const LiveTotals&, double)>& status);
  // Sleeps `seconds` (interruptible) while showing status.
  WaitEnd hold(double seconds, const std::function<std::string(const LiveTotals&, double)>& status);

  ProcessSamples sample() const;

  // Close frames to every connection, up to close_timeout_s for the answers,
  // then drops whatever is left and stops the workers. Idempotent.
  void close_all_and_stop();

  // Worker stats merged; REQUIRES: close_all_and_stop() was called.
  WorkerStats merged_stats() const;
  PublisherStats merged_publisher_stats() const;

 private:
  const Options& options_;
  std::vector<Target> targets_;
  SourceAddresses sources_;
  Progress& progress_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool stopped_ = false;
};

// JSON helpers shared by the scenarios.
JsonValue latency_json(const Histogram& h);  // microseconds: count, min, p50, p90, p99, p99.9, max, mean
JsonValue counts_json(const std::map<std::string, std::uint64_t>& counts);
JsonValue process_window_json(pid_t pid, const std::optional<ProcSample>& start, const std::optional<ProcSample>& end);
// Per-server start/end samples and totals; `cpu_us` out: summed CPU over the servers (0 if unknown).
JsonValue servers_json(const std::vector<int>& pids, const ProcessSamples& start, const ProcessSamples& end,
                       std::uint64_t* cpu_us);
// Setup latencies and errors of the run's connections.
JsonValue setup_json(const WorkerStats& stats);
double round_to(double v, int decimals);
std::string format_count(std::uint64_t n);  // 12345 -> "12.3k"

}  // namespace wshub::bench
