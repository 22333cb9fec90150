#include "options.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "source_addresses.hpp"

namespace wshub::bench {

std::string_view scenario_name(Scenario s) {
  switch (s) {
    case Scenario::fanout:
      return "fanout";
    case Scenario::slow:
      return "slow";
    case Scenario::idle:
      return "idle";
    case Scenario::storm:
      return "storm";
    case Scenario::cluster:
      return "cluster";
  }
  return "?";
}

std::size_t Options::total_connections() const {
  switch (scenario) {
    case Scenario::fanout:
    case Scenario::slow:
    case Scenario::cluster:
      return subscribers + publishers;
    case Scenario::idle:
    case Scenario::storm:
      return connections;
  }
  return 0;
}

std::size_t Options::slow_subscribers() const {
  if (scenario != Scenario::slow || slow_share <= 0) return 0;
  const auto n = static_cast<std::size_t>(std::llround(static_cast<double>(subscribers) * slow_share));
  return std::clamp<std::size_t>(n, 1, subscribers);
}

std::uint64_t Options::total_publications() const {
  return static_cast<std::uint64_t>(std::llround(rate * duration_s));
}

std::size_t automatic_publishers(PublishVia via, double rate, std::size_t channels) {
  const double per = via == PublishVia::api ? 50.0 : 500.0;
  const std::size_t floor = via == PublishVia::api ? 2 : 1;
  const auto wanted = std::max<std::size_t>(floor, static_cast<std::size_t>(std::ceil(rate / per)));
  return std::max<std::size_t>(1, std::min(channels, wanted));
}

void resolve_automatic_options(Options& o, bool targets_loopback) {
  const bool fanout = o.scenario == Scenario::fanout || o.scenario == Scenario::slow || o.scenario == Scenario::cluster;
  if (fanout && o.publishers == 0) {
    o.publishers = automatic_publishers(o.publish_via, o.rate, o.channels);
    // cluster: at least one publisher per instance, so that every instance's API publishes.
    if (o.scenario == Scenario::cluster) o.publishers = std::min(o.channels, std::max(o.publishers, o.targets.size()));
  }
  if (o.source_addresses == 0 && targets_loopback) {
    o.source_addresses = SourceAddresses::automatic_count(o.total_connections());
  }
  if (!targets_loopback) o.source_addresses = 0;
  if (o.run_id.empty()) {
    std::random_device rd;
    static constexpr char k_hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) o.run_id.push_back(k_hex[rd() % 16]);
  }
}

std::string channel_name(const Options& o, std::size_t channel) {
  return o.channel_prefix + ":" + o.run_id + "." + std::to_string(channel);
}

JsonValue Options::to_json() const {
  JsonValue j = JsonValue::object();
  JsonValue t = JsonValue::array();
  for (const auto& target : targets) t.push(target);
  j.set("targets", std::move(t));
  j.set("threads", threads);
  j.set("source_addresses", source_addresses);
  j.set("connect_concurrency", connect_concurrency);
  j.set("connect_timeout_s", connect_timeout_s);
  j.set("channels", channels);
  j.set("channel_prefix", channel_prefix);
  j.set("run_id", run_id);
  j.set("protocol", protocol == Protocol::socketio ? "socketio" : "wshub");
  switch (scenario) {
    case Scenario::slow:
      j.set("slow_share", slow_share);
      j.set("slow_subscribers", slow_subscribers());
      j.set("slow_rcvbuf", slow_rcvbuf);
      j.set("slow_check_s", slow_check_s);
      [[fallthrough]];
    case Scenario::fanout:
    case Scenario::cluster:
      j.set("subscribers", subscribers);
      j.set("rate", rate);
      j.set("duration_s", duration_s);
      j.set("payload_bytes", payload);
      j.set("publish_via", publish_via == PublishVia::api ? "api" : "ws");
      j.set("publishers", publishers);
      if (publish_via == PublishVia::ws) j.set("ws_publish_window", ws_publish_window);
      j.set("drain_s", drain_s);
      j.set("publications", total_publications());
      break;
    case Scenario::idle:
      j.set("connections", connections);
      j.set("duration_s", duration_s);
      break;
    case Scenario::storm:
      j.set("connections", connections);
      break;
  }
  return j;
}

}  // namespace wshub::bench
