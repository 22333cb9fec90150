// idle: N connections, each subscribed to a channel, held for D seconds.
// What it costs the server to keep them: RSS per connection and idle CPU.
#include <unistd.h>

#include <cstdio>

#include "clock.hpp"
#include "scenarios.hpp"
#include "subscriber.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

namespace {

std::string status_line(const char* phase, const LiveTotals& t, double elapsed, std::size_t n) {
  char line[200];
  std::snprintf(line, sizeof line, "idle %5.1fs %s: subscribed %llu/%zu failed %llu open %llu closed %llu", elapsed,
                phase, static_cast<unsigned long long>(t.setups_ok), n,
                static_cast<unsigned long long>(t.setups_failed), static_cast<unsigned long long>(t.open),
                static_cast<unsigned long long>(t.closed_by_peer));
  return line;
}

}  // namespace

int run_idle(BenchRun& run, JsonValue& doc) {
  const Options& o = run.options();
  const std::size_t n = o.connections;
  bool interrupted_run = false;

  const ProcessSamples before = run.sample();
  run.progress().log("opening " + std::to_string(n) + " connections over " + std::to_string(o.channels) + " channels");
  const auto connect_start = steady_ns();
  run.launch(n, o.connect_concurrency, [&](Worker& w, std::size_t i) -> asio::awaitable<void> {
    auto sub = std::make_shared<Subscriber>(w, subscriber_spec(run, i, i, false));
    w.subscribers().push_back(sub);
    if (co_await sub->set_up()) sub->start();
  });
  const auto connected =
      run.wait_for([&](const LiveTotals& t) { return t.setups_ok + t.setups_failed >= n; },
                   o.connect_timeout_s * (static_cast<double>(n) / static_cast<double>(o.connect_concurrency) + 2) + 10,
                   [&](const LiveTotals& t, double el) { return status_line("connecting", t, el, n); });
  if (connected == WaitEnd::interrupted) interrupted_run = true;
  const double connect_s = static_cast<double>(steady_ns() - connect_start) / 1e9;
  const std::uint64_t subscribed = run.live().setups_ok;
  {
    char line[160];
    std::snprintf(line, sizeof line, "subscribed %llu/%zu in %.2f s; holding for %g s",
                  static_cast<unsigned long long>(subscribed), n, connect_s, o.duration_s);
    run.progress().log(line);
  }

  const ProcessSamples after_connect = run.sample();
  if (!interrupted_run) {
    if (run.hold(o.duration_s, [&](const LiveTotals& t, double el) { return status_line("holding", t, el, n); }) ==
        WaitEnd::interrupted) {
      interrupted_run = true;
    }
  }
  const ProcessSamples end = run.sample();
  const std::uint64_t open_at_end = run.live().open;
  run.close_all_and_stop();
  const WorkerStats stats = run.merged_stats();

  JsonValue results = JsonValue::object();
  results.set("requested", n);
  results.set("subscribed", subscribed);
  results.set("failed", n - subscribed);
  results.set("open_at_end", open_at_end);
  results.set("closed_by_server", counts_json(stats.close_reasons));
  results.set("connect_s", round_to(connect_s, 3));
  results.set("hold_s", round_to(static_cast<double>(end.client ? end.client->at_ns : 0) / 1e9 -
                                     static_cast<double>(after_connect.client ? after_connect.client->at_ns : 0) / 1e9,
                                 3));
  results.set("lines_received", stats.lines);
  results.set("setup", setup_json(stats));
  doc.set("results", std::move(results));

  // Memory: before any connection -> after the hold; CPU: during the hold.
  JsonValue servers = JsonValue::array();
  for (std::size_t i = 0; i < o.server_pids.size(); ++i) {
    JsonValue s = process_window_json(o.server_pids[i], after_connect.servers[i], end.servers[i]);
    const auto& b = before.servers[i];
    const auto& e = end.servers[i];
    if (b && e) {
      s.set("rss_before_kb", b->rss_kb);
      s.set("rss_after_kb", e->rss_kb);
      const long long grown_kb = static_cast<long long>(e->rss_kb) - static_cast<long long>(b->rss_kb);
      s.set("rss_growth_kb", grown_kb);
      // Per connection on this server: the targets share the connections round-robin.
      const std::uint64_t here = subscribed / o.server_pids.size() + (i < subscribed % o.server_pids.size() ? 1 : 0);
      if (here > 0) {
        s.set("rss_per_connection_bytes",
              round_to(static_cast<double>(grown_kb) * 1024.0 / static_cast<double>(here), 0));
      }
    }
    servers.push(std::move(s));
  }
  doc.set("servers", std::move(servers));
  doc.set("client", process_window_json(::getpid(), after_connect.client, end.client));
  if (!o.server_pids.empty() && before.servers[0] && end.servers[0] && subscribed > 0) {
    const long long grown_kb =
        static_cast<long long>(end.servers[0]->rss_kb) - static_cast<long long>(before.servers[0]->rss_kb);
    const std::uint64_t here = o.server_pids.size() == 1 ? subscribed : subscribed / o.server_pids.size();
    doc.set("server_rss_per_connection_bytes",
            here > 0 ? JsonValue(round_to(static_cast<double>(grown_kb) * 1024.0 / static_cast<double>(here), 0))
                     : JsonValue());
  }
  doc.set("interrupted", interrupted_run);
  return subscribed > 0 ? 0 : 1;
}

}  // namespace wshub::bench
