// fanout and slow: N subscribers over C channels, publications at R/s for D s.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "api_publisher.hpp"
#include "clock.hpp"
#include "interrupt.hpp"
#include "scenarios.hpp"
#include "server_metrics.hpp"
#include "subscriber.hpp"
#include "ws_publisher.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

SubscriberSpec subscriber_spec(const BenchRun& run, std::size_t index, std::size_t connection_index, bool slow) {
  const Options& o = run.options();
  // cluster: subscriber k of a channel (index = channel + k * C) on instance k % T, so every
  // channel has subscribers on every instance (plain round-robin by index would put all of a
  // channel's subscribers on one instance whenever T divides C).
  SubscriberSpec spec;
  spec.index = index;
  spec.channel = index % o.channels;
  spec.channel_name = channel_name(o, spec.channel);
  spec.slow = slow;
  spec.socketio = o.protocol == Protocol::socketio;
  spec.connect.target =
      &target_for(run.targets(), o.scenario == Scenario::cluster ? index / o.channels : connection_index);
  spec.connect.sources = &run.sources();
  spec.connect.index = connection_index;
  spec.connect.path = o.ws_path;
  spec.connect.rcvbuf = slow ? o.slow_rcvbuf : 0;
  spec.setup_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(o.connect_timeout_s));
  return spec;
}

namespace {

constexpr std::string_view k_slow_close_metric = "wshub_slow_consumer_closes_total";

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

// Subscribers that got their subscription, by channel.
struct ChannelCounts {
  std::vector<std::uint64_t> measured;  // per channel
  std::uint64_t measured_total = 0;
  std::uint64_t slow_total = 0;
};

ChannelCounts count_subscribed(BenchRun& run) {
  ChannelCounts counts;
  counts.measured.assign(run.options().channels, 0);
  for (auto& w : run.workers()) {
    Worker* worker = w.get();
    worker->run_sync([&] {
      for (const auto& s : worker->subscribers()) {
        if (!s->subscribed()) continue;
        if (s->spec().slow) {
          ++counts.slow_total;
        } else {
          ++counts.measured[s->spec().channel];
          ++counts.measured_total;
        }
      }
    });
  }
  return counts;
}

std::uint64_t expected_deliveries(const PublishPlan& plan, const ChannelCounts& counts) {
  std::uint64_t n = 0;
  for (std::size_t c = 0; c < plan.channels(); ++c) n += plan.acked(c) * counts.measured[c];
  return n;
}

std::optional<double> slow_close_metric(BenchRun& run) {
  std::optional<double> sum;
  for (const auto& t : run.targets()) {
    auto v = read_metric(*run.workers()[0], t, run.options().api_key, k_slow_close_metric);
    if (v) sum = sum.value_or(0.0) + *v;
  }
  return sum;
}

// cluster: per instance, its subscribers, publishers and what they did, and the deliveries that
// crossed instances (published through one instance's API, received on another's socket).
JsonValue instances_json(BenchRun& run, const PublishPlan& plan) {
  const auto& targets = run.targets();
  const std::size_t t = targets.size();
  const auto instance_of_publisher = [&](std::size_t channel) { return (channel % plan.publishers()) % t; };
  std::vector<std::uint64_t> subscribed(t, 0), delivered(t, 0), expected(t, 0), published(t, 0);
  std::uint64_t cross_expected = 0, cross_delivered = 0;
  for (std::size_t c = 0; c < plan.channels(); ++c) published[instance_of_publisher(c)] += plan.acked(c);
  for (auto& w : run.workers()) {
    for (const auto& s : w->subscribers()) {
      if (!s->subscribed() || s->spec().slow) continue;
      const auto i = static_cast<std::size_t>(s->spec().connect.target - targets.data());
      if (i >= t) continue;
      const std::uint64_t want = plan.acked(s->spec().channel);
      const std::uint64_t got = std::min(want, s->tracker().unique());
      ++subscribed[i];
      expected[i] += want;
      delivered[i] += got;
      if (instance_of_publisher(s->spec().channel) != i) {
        cross_expected += want;
        cross_delivered += got;
      }
    }
  }
  JsonValue list = JsonValue::array();
  for (std::size_t i = 0; i < t; ++i) {
    JsonValue j = JsonValue::object();
    j.set("target", targets[i].text);
    j.set("subscribed", subscribed[i]);
    std::uint64_t pubs = 0;
    for (std::size_t p = i; p < plan.publishers(); p += t) ++pubs;
    j.set("publishers", pubs);
    j.set("publications_acknowledged", published[i]);
    j.set("expected", expected[i]);
    j.set("delivered", delivered[i]);
    list.push(std::move(j));
  }
  JsonValue out = JsonValue::object();
  out.set("count", t);
  out.set("list", std::move(list));
  out.set("cross_instance_expected", cross_expected);
  out.set("cross_instance_delivered", cross_delivered);
  out.set("cross_instance_lost", cross_expected - cross_delivered);
  return out;
}

}  // namespace

int run_fanout(BenchRun& run, JsonValue& doc) {
  const Options& o = run.options();
  const bool slow_run = o.scenario == Scenario::slow;
  const std::size_t slow_count = o.slow_subscribers();
  const std::size_t n = o.subscribers;
  JsonValue results = JsonValue::object();
  bool interrupted_run = false;
  const auto note_wait = [&](WaitEnd end) {
    if (end == WaitEnd::interrupted) interrupted_run = true;
  };

  std::vector<std::string> names;
  for (std::size_t c = 0; c < o.channels; ++c) names.push_back(channel_name(o, c));
  PublishPlan plan(o.rate, o.total_publications(), names, o.publishers, o.payload);
  const auto timeout = seconds(o.connect_timeout_s);

  // Publishers first, on connection indices after the subscribers'.
  run.progress().log("connecting " + std::to_string(plan.publishers()) + " publisher(s) via " +
                     (o.publish_via == PublishVia::api ? "api" : "ws"));
  run.launch(plan.publishers(), plan.publishers(), [&](Worker& w, std::size_t p) -> asio::awaitable<void> {
    const std::size_t conn = n + p;
    const Target& target = target_for(run.targets(), p);
    std::shared_ptr<Publisher> pub;
    if (o.publish_via == PublishVia::api) {
      pub = std::make_shared<ApiPublisher>(w, plan, p, target, run.sources(), conn, o.api_key, timeout);
    } else {
      ConnectPlan cp{&target, &run.sources(), conn, o.ws_path, 0, o.api_key};
      pub = std::make_shared<WsPublisher>(w, plan, p, cp, o.ws_publish_window, timeout);
    }
    w.publishers().push_back(pub);
    auto error = co_await pub->set_up();
    if (!error.empty()) ++w.stats().setup_errors["publisher " + error];
  });
  note_wait(run.wait_for([&](const LiveTotals& t) { return t.setups_ok + t.setups_failed >= plan.publishers(); },
                         o.connect_timeout_s + 5, nullptr));
  if (run.live().setups_ok < plan.publishers()) {
    run.close_all_and_stop();
    doc.set("error", "publishers could not connect");
    doc.set("setup_errors", counts_json(run.merged_stats().setup_errors));
    return 1;
  }

  // Subscribers.
  run.progress().log("connecting " + std::to_string(n) + " subscribers over " + std::to_string(o.channels) +
                     " channels" + (slow_count > 0 ? " (" + std::to_string(slow_count) + " slow)" : ""));
  const auto connect_start = steady_ns();
  run.launch(n, o.connect_concurrency, [&](Worker& w, std::size_t i) -> asio::awaitable<void> {
    auto spec = subscriber_spec(run, i, i, i < slow_count);
    spec.sequence_limit = plan.total() / o.channels + 2;
    auto sub = std::make_shared<Subscriber>(w, std::move(spec));
    w.subscribers().push_back(sub);
    if (co_await sub->set_up()) sub->start();
  });
  const std::uint64_t all_setups = plan.publishers() + n;
  note_wait(
      run.wait_for([&](const LiveTotals& t) { return t.setups_ok + t.setups_failed >= all_setups; },
                   o.connect_timeout_s * (static_cast<double>(n) / static_cast<double>(o.connect_concurrency) + 2) + 10,
                   [&](const LiveTotals& t, double el) {
                     char line[200];
                     std::snprintf(line, sizeof line, "%s %5.1fs connecting: subscribed %llu/%zu failed %llu",
                                   std::string(scenario_name(o.scenario)).c_str(), el,
                                   static_cast<unsigned long long>(t.setups_ok - plan.publishers()), n,
                                   static_cast<unsigned long long>(t.setups_failed));
                     return std::string(line);
                   }));
  const double connect_s = static_cast<double>(steady_ns() - connect_start) / 1e9;
  const ChannelCounts counts = count_subscribed(run);
  {
    char line[160];
    std::snprintf(line, sizeof line, "subscribed %llu/%zu in %.2f s",
                  static_cast<unsigned long long>(counts.measured_total + counts.slow_total), n, connect_s);
    run.progress().log(line);
  }
  if (counts.measured_total == 0) {
    run.close_all_and_stop();
    doc.set("error", "no subscriber could subscribe");
    doc.set("setup_errors", counts_json(run.merged_stats().setup_errors));
    return 1;
  }

  // A moment for the server to finish with the connection burst before the window opens.
  note_wait(run.hold(0.5, nullptr));
  std::optional<double> slow_metric_start;
  if (slow_run) slow_metric_start = slow_close_metric(run);
  const ProcessSamples start_samples = run.sample();

  // Publishing.
  {
    char line[160];
    std::snprintf(line, sizeof line, "publishing %llu messages of %zu bytes at %g/s for %g s",
                  static_cast<unsigned long long>(plan.total()), o.payload, o.rate, o.duration_s);
    run.progress().log(line);
  }
  plan.set_start(steady_ns() + 20'000'000);
  for (auto& w : run.workers()) {
    Worker* worker = w.get();
    worker->post([worker] {
      for (auto& p : worker->publishers()) p->start();
    });
  }
  const auto publish_status = [&](const LiveTotals& t, double) {
    const double el = static_cast<double>(steady_ns() - plan.start_ns()) / 1e9;
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s %5.1fs/%gs sent %s acked %s err %llu delivered %s (%s/s) open %llu closed %llu",
                  std::string(scenario_name(o.scenario)).c_str(), el, o.duration_s, format_count(t.published).c_str(),
                  format_count(t.acked).c_str(), static_cast<unsigned long long>(t.publish_errors),
                  format_count(t.delivered).c_str(),
                  format_count(el > 0 ? static_cast<std::uint64_t>(static_cast<double>(t.delivered) / el) : 0).c_str(),
                  static_cast<unsigned long long>(t.open), static_cast<unsigned long long>(t.closed_by_peer));
    return std::string(line);
  };
  const WaitEnd published = run.wait_for([&](const LiveTotals& t) { return t.publishers_done >= plan.publishers(); },
                                         o.duration_s + std::max(10.0, o.duration_s), publish_status);
  note_wait(published);
  if (published != WaitEnd::done) {
    run.progress().log(published == WaitEnd::timeout ? "publishers fell behind; stopping them"
                                                     : "interrupted; stopping the publishers");
    for (auto& w : run.workers()) {
      Worker* worker = w.get();
      worker->post([worker] {
        for (auto& p : worker->publishers()) p->stop();
      });
    }
    run.wait_for([&](const LiveTotals& t) { return t.publishers_done >= plan.publishers(); }, 5, nullptr);
  }
  const std::int64_t publish_end_ns = steady_ns();

  // Drain: deliveries still under way.
  if (!interrupted()) {
    note_wait(run.wait_for([&](const LiveTotals& t) { return t.delivered >= expected_deliveries(plan, counts); },
                           o.drain_s, publish_status));
  }
  const double drain_used_s = static_cast<double>(steady_ns() - publish_end_ns) / 1e9;
  const ProcessSamples end_samples = run.sample();

  // Slow subscribers: read again to learn how they ended.
  if (slow_run && counts.slow_total > 0) {
    run.progress().log("checking the slow subscribers");
    for (auto& w : run.workers()) {
      Worker* worker = w.get();
      const auto silence = seconds(o.slow_check_s);
      worker->post([worker, silence] {
        for (auto& s : worker->subscribers()) s->resume_slow(silence);
      });
    }
    note_wait(run.wait_for([&](const LiveTotals& t) { return t.slow_checked >= counts.slow_total; },
                           o.slow_check_s * 4 + 10, nullptr));
  }
  std::optional<double> slow_metric_end;
  if (slow_run) slow_metric_end = slow_close_metric(run);

  run.close_all_and_stop();

  // Tally, per measured subscriber, against what its channel's publisher had acknowledged.
  const WorkerStats stats = run.merged_stats();
  const PublisherStats pubs = run.merged_publisher_stats();
  std::uint64_t expected = 0, delivered = 0, lost = 0, duplicated = 0, out_of_order = 0, extra = 0;
  std::uint64_t subscribers_with_loss = 0, out_of_range = 0;
  for (auto& w : run.workers()) {
    for (const auto& s : w->subscribers()) {
      if (!s->subscribed() || s->spec().slow) continue;
      const std::uint64_t want = plan.acked(s->spec().channel);
      const auto& tr = s->tracker();
      expected += want;
      delivered += tr.unique();
      duplicated += tr.duplicates();
      out_of_order += tr.out_of_order();
      out_of_range += tr.out_of_range();
      if (tr.unique() < want) {
        lost += want - tr.unique();
        ++subscribers_with_loss;
      } else {
        extra += tr.unique() - want;
      }
    }
  }

  if (o.scenario == Scenario::cluster) results.set("instances", instances_json(run, plan));

  JsonValue subs = JsonValue::object();
  subs.set("requested", n);
  subs.set("subscribed", counts.measured_total + counts.slow_total);
  subs.set("failed", n - counts.measured_total - counts.slow_total);
  subs.set("measured", counts.measured_total);
  if (slow_run) subs.set("slow", counts.slow_total);
  subs.set("connect_s", round_to(connect_s, 3));
  subs.set("closed_by_server", counts_json(stats.close_reasons));
  results.set("subscribers", std::move(subs));

  const double send_window_s = static_cast<double>(pubs.last_send_ns - pubs.first_send_ns) / 1e9;
  JsonValue pj = JsonValue::object();
  pj.set("planned", plan.total());
  pj.set("sent", pubs.sent);
  pj.set("acknowledged", pubs.acked);
  pj.set("failed", pubs.failed);
  pj.set("unanswered", pubs.unanswered);
  pj.set("unsent", pubs.unsent);
  pj.set("errors", counts_json(pubs.errors));
  pj.set("achieved_rate", send_window_s > 0 ? round_to(static_cast<double>(pubs.sent - 1) / send_window_s, 1) : 0.0);
  pj.set("max_behind_ms", round_to(static_cast<double>(pubs.max_behind_ns) / 1e6, 3));
  // Publishers send when due, one request (api) or a window of ops (ws) in flight; when the
  // answers are slower than the schedule, the offered load falls below --rate.
  const bool behind = pubs.max_behind_ns > 1'000'000'000;
  pj.set("fell_behind", behind);
  if (behind) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "warning: the publishers fell %.1f s behind the schedule (achieved %.0f/s of %g/s); more "
                  "--publishers, or the server is saturated",
                  static_cast<double>(pubs.max_behind_ns) / 1e9,
                  send_window_s > 0 ? static_cast<double>(pubs.sent - 1) / send_window_s : 0.0, o.rate);
    run.progress().log(line);
  }
  pj.set("ack_latency", latency_json(pubs.ack_ns));
  results.set("publications", std::move(pj));

  const double delivery_window_s = stats.last_delivery_ns > plan.start_ns()
                                       ? static_cast<double>(stats.last_delivery_ns - plan.start_ns()) / 1e9
                                       : 0.0;
  JsonValue dj = JsonValue::object();
  dj.set("expected", expected);
  dj.set("delivered", delivered);
  dj.set("lost", lost);
  dj.set("duplicated", duplicated);
  dj.set("out_of_order", out_of_order);
  dj.set("subscribers_with_loss", subscribers_with_loss);
  dj.set("delivered_unacknowledged", extra);
  dj.set("delivered_per_second",
         delivery_window_s > 0 ? round_to(static_cast<double>(delivered) / delivery_window_s, 1) : 0.0);
  dj.set("window_s", round_to(delivery_window_s, 3));
  dj.set("drain_used_s", round_to(drain_used_s, 3));
  dj.set("frames", stats.frames);
  dj.set("lines", stats.lines);
  dj.set("wrong_channel", stats.wrong_channel);
  dj.set("foreign_payload", stats.foreign_payload + out_of_range);
  dj.set("other_lines", stats.other_lines);
  results.set("deliveries", std::move(dj));
  results.set("latency", latency_json(stats.latency_ns));

  if (slow_run) {
    JsonValue sj = JsonValue::object();
    sj.set("slow_subscribers", counts.slow_total);
    std::uint64_t closed_4000 = 0, still_open = 0;
    for (const auto& [k, v] : stats.slow_outcomes) {
      if (k == "closed 4000") closed_4000 += v;
      if (k == "open") still_open += v;
    }
    // closed_4000: the close frame was read. ended_by_server also counts sockets the
    // server dropped before the frame could be sent (after its close_timeout).
    sj.set("closed_4000", closed_4000);
    sj.set("ended_by_server", counts.slow_total - still_open);
    sj.set("still_open", still_open);
    sj.set("outcomes", counts_json(stats.slow_outcomes));
    sj.set("lines_read_at_end", stats.slow_lines);
    if (slow_metric_start && slow_metric_end) {
      sj.set("server_metric_slow_consumer_closes", static_cast<std::uint64_t>(*slow_metric_end - *slow_metric_start));
    }
    results.set("slow", std::move(sj));
  }
  results.set("setup", setup_json(stats));
  doc.set("results", std::move(results));

  std::uint64_t server_cpu = 0;
  doc.set("servers", servers_json(o.server_pids, start_samples, end_samples, &server_cpu));
  doc.set("client", process_window_json(::getpid(), start_samples.client, end_samples.client));
  if (!o.server_pids.empty() && delivered > 0) {
    doc.set("server_cpu_us_per_1000_deliveries",
            round_to(static_cast<double>(server_cpu) * 1000.0 / static_cast<double>(delivered), 2));
  } else {
    doc.set("server_cpu_us_per_1000_deliveries", JsonValue());
  }
  if (o.scenario == Scenario::cluster && !o.server_pids.empty() && delivered > 0) {
    // The broker's share: every --server-pid whose command is redis-server.
    std::uint64_t redis_cpu = 0;
    for (std::size_t i = 0; i < o.server_pids.size(); ++i) {
      const auto& s = start_samples.servers[i];
      const auto& e = end_samples.servers[i];
      if (s && e && process_name(o.server_pids[i]) == "redis-server") redis_cpu += cpu_us_between(*s, *e).us;
    }
    const auto per_1k = [&](std::uint64_t cpu) {
      return round_to(static_cast<double>(cpu) * 1000.0 / static_cast<double>(delivered), 2);
    };
    doc.set("instances_cpu_us_per_1000_deliveries", per_1k(server_cpu - redis_cpu));
    doc.set("redis_cpu_us_per_1000_deliveries", per_1k(redis_cpu));
  }
  doc.set("interrupted", interrupted_run);

  // The server went away (or refused everything): the figures above say what
  // happened, but the run did not measure what it was asked to.
  std::uint64_t closed_measured = 0;
  for (const auto& [reason, count] : stats.close_reasons) closed_measured += count;
  if (pubs.acked == 0 && plan.total() > 0) {
    doc.set("error", "no publication was acknowledged");
    return 1;
  }
  if (closed_measured >= counts.measured_total) {
    doc.set("error", "every measured subscriber was closed by the server");
    return 1;
  }
  return 0;
}

}  // namespace wshub::bench
