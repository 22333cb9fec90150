// storm: N connections opened with K set-ups in flight (TCP connect, upgrade,
// welcome, subscribe): how fast the server takes them and at what latency.
#include <unistd.h>

#include <cstdio>

#include "clock.hpp"
#include "scenarios.hpp"
#include "subscriber.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

int run_storm(BenchRun& run, JsonValue& doc) {
  const Options& o = run.options();
  const std::size_t n = o.connections;
  bool interrupted_run = false;

  const ProcessSamples before = run.sample();
  run.progress().log("opening " + std::to_string(n) + " connections, " + std::to_string(o.connect_concurrency) +
                     " in flight");
  const auto start = steady_ns();
  std::int64_t last_done_ns = start;
  run.launch(n, o.connect_concurrency, [&](Worker& w, std::size_t i) -> asio::awaitable<void> {
    auto sub = std::make_shared<Subscriber>(w, subscriber_spec(run, i, i, false));
    w.subscribers().push_back(sub);
    if (co_await sub->set_up()) sub->start();
  });
  const auto end_wait = run.wait_for(
      [&](const LiveTotals& t) { return t.setups_ok + t.setups_failed >= n; },
      o.connect_timeout_s * (static_cast<double>(n) / static_cast<double>(o.connect_concurrency) + 2) + 10,
      [&](const LiveTotals& t, double el) {
        char line[200];
        std::snprintf(line, sizeof line, "storm %5.1fs: subscribed %llu/%zu failed %llu (%.0f/s)", el,
                      static_cast<unsigned long long>(t.setups_ok), n, static_cast<unsigned long long>(t.setups_failed),
                      el > 0 ? static_cast<double>(t.setups_ok) / el : 0.0);
        return std::string(line);
      });
  if (end_wait == WaitEnd::interrupted) interrupted_run = true;
  last_done_ns = steady_ns();
  const ProcessSamples after = run.sample();
  const LiveTotals totals = run.live();
  const double wall_s = static_cast<double>(last_done_ns - start) / 1e9;
  {
    char line[160];
    std::snprintf(line, sizeof line, "subscribed %llu/%zu in %.3f s (%.0f/s)",
                  static_cast<unsigned long long>(totals.setups_ok), n, wall_s,
                  wall_s > 0 ? static_cast<double>(totals.setups_ok) / wall_s : 0.0);
    run.progress().log(line);
  }
  run.close_all_and_stop();
  const WorkerStats stats = run.merged_stats();

  JsonValue results = JsonValue::object();
  results.set("requested", n);
  results.set("concurrency", o.connect_concurrency);
  results.set("subscribed", totals.setups_ok);
  results.set("failed", totals.setups_failed);
  results.set("not_finished", n - totals.setups_ok - totals.setups_failed);
  results.set("wall_s", round_to(wall_s, 4));
  results.set("connections_per_second", wall_s > 0 ? round_to(static_cast<double>(totals.setups_ok) / wall_s, 1) : 0.0);
  results.set("closed_by_server", counts_json(stats.close_reasons));
  results.set("setup", setup_json(stats));
  doc.set("results", std::move(results));

  std::uint64_t server_cpu = 0;
  doc.set("servers", servers_json(o.server_pids, before, after, &server_cpu));
  doc.set("client", process_window_json(::getpid(), before.client, after.client));
  if (!o.server_pids.empty() && totals.setups_ok > 0) {
    doc.set("server_cpu_us_per_connection",
            round_to(static_cast<double>(server_cpu) / static_cast<double>(totals.setups_ok), 1));
  }
  doc.set("interrupted", interrupted_run);
  return totals.setups_ok > 0 ? 0 : 1;
}

}  // namespace wshub::bench
