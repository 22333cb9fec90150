#include "bench_run.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <cmath>
#include <cstdio>
#include <thread>

#include "clock.hpp"
#include "interrupt.hpp"
#include "publisher.hpp"
#include "subscriber.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

namespace {

// The set-ups one worker still has to start: indices next, next + step, ... < end.
struct LaunchQueue {
  std::size_t next;
  std::size_t step;
  std::size_t end;
  BenchRun::SetUp set_up;
};

asio::awaitable<void> launch_loop(std::shared_ptr<LaunchQueue> queue, Worker& worker) {
  while (queue->next < queue->end) {
    const std::size_t index = queue->next;
    queue->next += queue->step;
    co_await queue->set_up(worker, index);
  }
}

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "wshub-bench: connection set-up: %s\n", ex.what());
  }
}

JsonValue sample_json(const ProcSample& s) {
  JsonValue j = JsonValue::object();
  j.set("cpu_us", s.cpu_us);
  j.set("cpu_ns", s.cpu_ns);
  j.set("rss_kb", s.rss_kb);
  j.set("threads", s.threads);
  j.set("open_fds", s.open_fds);
  return j;
}

}  // namespace

BenchRun::BenchRun(const Options& options, std::vector<Target> targets, SourceAddresses sources, Progress& progress)
    : options_(options), targets_(std::move(targets)), sources_(sources), progress_(progress) {
  for (unsigned i = 0; i < options_.threads; ++i) workers_.push_back(std::make_unique<Worker>(i));
  for (auto& w : workers_) w->start();
}

BenchRun::~BenchRun() { close_all_and_stop(); }

void BenchRun::launch(std::size_t count, std::size_t concurrency, SetUp set_up) {
  const std::size_t t = workers_.size();
  const std::size_t per_worker = std::max<std::size_t>(1, (concurrency + t - 1) / t);
  for (std::size_t w = 0; w < t && w < count; ++w) {
    auto queue = std::make_shared<LaunchQueue>(LaunchQueue{w, t, count, set_up});
    const std::size_t mine = (count - w + t - 1) / t;
    Worker& worker = *workers_[w];
    for (std::size_t j = 0; j < std::min(per_worker, mine); ++j) {
      asio::co_spawn(worker.io(), launch_loop(queue, worker), log_exception);
    }
  }
}

LiveTotals BenchRun::live() const {
  LiveTotals t;
  for (const auto& w : workers_) {
    auto& l = w->live();
    t.setups_started += l.setups_started.get();
    t.setups_ok += l.setups_ok.get();
    t.setups_failed += l.setups_failed.get();
    t.open += l.open.get();
    t.closed_by_peer += l.closed_by_peer.get();
    t.delivered += l.delivered.get();
    t.published += l.published.get();
    t.acked += l.acked.get();
    t.publish_errors += l.publish_errors.get();
    t.slow_checked += l.slow_checked.get();
    t.publishers_done += l.publishers_done.get();
  }
  return t;
}

WaitEnd BenchRun::wait_for(const std::function<bool(const LiveTotals&)>& done, double timeout_s,
                           const std::function<std::string(const LiveTotals&, double)>& status) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const auto totals = live();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (done(totals)) return WaitEnd::done;
    if (interrupted()) return WaitEnd::interrupted;
    if (timeout_s >= 0 && elapsed >= timeout_s) return WaitEnd::timeout;
    if (status) progress_.status(status(totals, elapsed));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

WaitEnd BenchRun::hold(double seconds, const std::function<std::string(const LiveTotals&, double)>& status) {
  const auto end = wait_for([](const LiveTotals&) { return false; }, seconds, status);
  return end == WaitEnd::timeout ? WaitEnd::done : end;
}

ProcessSamples BenchRun::sample() const {
  ProcessSamples s;
  for (const int pid : options_.server_pids) s.servers.push_back(sample_process(pid));
  s.client = sample_process(::getpid());
  return s;
}

void BenchRun::close_all_and_stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->post([worker] {
      for (auto& p : worker->publishers()) p->stop();
      for (auto& s : worker->subscribers()) s->close();
    });
  }
  wait_for([](const LiveTotals& t) { return t.open == 0; }, options_.close_timeout_s,
           [](const LiveTotals& t, double) { return "closing: " + std::to_string(t.open) + " open"; });
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->run_sync([worker] {
      for (auto& s : worker->subscribers()) s->close_now();
    });
  }
  // Let the aborted operations finish before the io_contexts stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (auto& w : workers_) w->stop();
}

WorkerStats BenchRun::merged_stats() const {
  WorkerStats all;
  for (const auto& w : workers_) all.merge(w->stats());
  return all;
}

PublisherStats BenchRun::merged_publisher_stats() const {
  PublisherStats all;
  for (const auto& w : workers_) {
    for (const auto& p : w->publishers()) all.merge(p->stats());
  }
  return all;
}

double round_to(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string format_count(std::uint64_t n) {
  char buf[32];
  if (n < 10'000) {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  } else if (n < 10'000'000) {
    std::snprintf(buf, sizeof buf, "%.1fk", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(n) / 1e6);
  }
  return buf;
}

JsonValue latency_json(const Histogram& h) {
  const auto us = [](std::int64_t ns) { return round_to(static_cast<double>(ns) / 1e3, 1); };
  JsonValue j = JsonValue::object();
  j.set("count", h.count());
  j.set("min_us", us(h.min()));
  j.set("p50_us", us(h.percentile(0.50)));
  j.set("p90_us", us(h.percentile(0.90)));
  j.set("p99_us", us(h.percentile(0.99)));
  j.set("p999_us", us(h.percentile(0.999)));
  j.set("max_us", us(h.max()));
  j.set("mean_us", round_to(h.mean() / 1e3, 1));
  return j;
}

JsonValue counts_json(const std::map<std::string, std::uint64_t>& counts) {
  JsonValue j = JsonValue::object();
  for (const auto& [k, v] : counts) j.set(k, v);
  return j;
}

JsonValue process_window_json(pid_t pid, const std::optional<ProcSample>& start, const std::optional<ProcSample>& end) {
  JsonValue j = JsonValue::object();
  j.set("pid", static_cast<long>(pid));
  j.set("name", process_name(pid));
  if (!start || !end) {
    j.set("error", "could not read /proc/" + std::to_string(pid) + " at the " + (start ? "end" : "start"));
    if (start) j.set("start", sample_json(*start));
    return j;
  }
  j.set("start", sample_json(*start));
  j.set("end", sample_json(*end));
  const CpuDelta delta = cpu_us_between(*start, *end);
  const std::uint64_t cpu = delta.us;
  const double wall_s = static_cast<double>(end->at_ns - start->at_ns) / 1e9;
  j.set("window_s", round_to(wall_s, 3));
  j.set("cpu_us", cpu);
  j.set("cpu_clock", delta.clock);
  j.set("cpu_percent", wall_s > 0 ? round_to(static_cast<double>(cpu) / 1e4 / wall_s, 1) : 0.0);
  j.set("rss_delta_kb", static_cast<long long>(end->rss_kb) - static_cast<long long>(start->rss_kb));
  return j;
}

JsonValue servers_json(const std::vector<int>& pids, const ProcessSamples& start, const ProcessSamples& end,
                       std::uint64_t* cpu_us) {
  JsonValue arr = JsonValue::array();
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const auto& s = start.servers[i];
    const auto& e = end.servers[i];
    arr.push(process_window_json(pids[i], s, e));
    if (s && e) total += cpu_us_between(*s, *e).us;
  }
  if (cpu_us != nullptr) *cpu_us = total;
  return arr;
}

JsonValue setup_json(const WorkerStats& stats) {
  JsonValue j = JsonValue::object();
  j.set("tcp_connect", latency_json(stats.tcp_connect_ns));
  j.set("upgrade", latency_json(stats.upgrade_ns));
  j.set("welcome", latency_json(stats.welcome_ns));
  j.set("subscribed", latency_json(stats.subscribed_ns));
  j.set("errors", counts_json(stats.setup_errors));
  return j;
}

}  // namespace wshub::bench
