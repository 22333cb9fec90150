#include "api/metrics_exposition.hpp"

#include <cstdio>

namespace wshub::api {
namespace {

struct Family {
  const char* name;
  const char* type;
  const char* help;
  std::int64_t (*read)(const hub::Shard&);
};

// clang-format off
const Family k_families[] = {
  {"wshub_connections", "gauge", "Open client WebSocket connections.",
   [](const hub::Shard& s) { return s.counters.connections.get(); }},
  {"wshub_connections_total", "counter", "Client WebSocket connections accepted.",
   [](const hub::Shard& s) { return s.counters.connections_total.get(); }},
  {"wshub_subscriptions", "gauge", "Active (connection, channel) subscriptions.",
   [](const hub::Shard& s) { return s.counters.subscriptions.get(); }},
  {"wshub_channels", "gauge", "Channels with at least one subscriber on this instance.",
   [](const hub::Shard& s) { return s.counters.channels.get(); }},
  {"wshub_publications_total", "counter", "Publications accepted from clients and the API.",
   [](const hub::Shard& s) { return s.counters.publications_in.get(); }},
  {"wshub_ops_total", "counter", "Client operations received.",
   [](const hub::Shard& s) { return s.counters.ops_in.get(); }},
  {"wshub_op_errors_total", "counter", "Client operations answered with an error.",
   [](const hub::Shard& s) { return s.counters.op_errors.get(); }},
  {"wshub_rate_limited_total", "counter", "Client operations refused by the per-connection rate limit.",
   [](const hub::Shard& s) { return s.counters.rate_limited.get(); }},
  {"wshub_messages_in_total", "counter", "WebSocket messages received from clients.",
   [](const hub::Shard& s) { return s.transport.frames_in.get(); }},
  {"wshub_bytes_in_total", "counter", "WebSocket payload bytes received from clients.",
   [](const hub::Shard& s) { return s.transport.bytes_in.get(); }},
  {"wshub_messages_out_total", "counter", "JSON objects (messages, pushes, replies) written to clients.",
   [](const hub::Shard& s) { return s.transport.messages_out.get(); }},
  {"wshub_frames_out_total", "counter", "WebSocket frames written to clients (after batching).",
   [](const hub::Shard& s) { return s.transport.frames_out.get(); }},
  {"wshub_bytes_out_total", "counter", "WebSocket payload bytes written to clients.",
   [](const hub::Shard& s) { return s.transport.bytes_out.get(); }},
  {"wshub_send_queue_bytes", "gauge", "Bytes waiting in client send queues.",
   [](const hub::Shard& s) { return s.transport.queued_bytes.get(); }},
  {"wshub_slow_consumer_closes_total", "counter", "Connections closed with 4000 for overflowing their send queue.",
   [](const hub::Shard& s) { return s.transport.slow_consumer_closes.get(); }},
  {"wshub_keepalive_closes_total", "counter", "Connections closed with 4003 for silence.",
   [](const hub::Shard& s) { return s.transport.keepalive_closes.get(); }},
  {"wshub_abuse_closes_total", "counter", "Connections closed with 1008 after client_abuse_limit rate-limited ops.",
   [](const hub::Shard& s) { return s.counters.abuse_closes.get(); }},
  {"wshub_channel_limit_refusals_total", "counter",
   "Subscribes refused (429) at max_channels_per_connection.",
   [](const hub::Shard& s) { return s.counters.channel_limit_refusals.get(); }},
  {"wshub_http_request_timeouts_total", "counter",
   "HTTP connections closed for not sending a whole request within handshake_timeout (slow or idle).",
   [](const hub::Shard& s) { return s.transport.http_request_timeouts.get(); }},
  {"wshub_tls_handshake_failures_total", "counter",
   "TLS handshakes that failed (not TLS, bad client hello, reset) or timed out.",
   [](const hub::Shard& s) { return s.transport.tls_handshake_failures.get(); }},
  {"wshub_tls_handshake_timeouts_total", "counter",
   "TLS handshakes not finished within handshake_timeout (also counted as failures).",
   [](const hub::Shard& s) { return s.transport.tls_handshake_timeouts.get(); }},
};

// A counter with one label: every value of the label is always shown.
struct LabeledFamily {
  const char* name;
  const char* help;
  const char* label;
  struct Sample {
    const char* value;
    std::int64_t (*read)(const hub::Shard&);
  };
  Sample samples[4];  // unused entries have no value
};

const LabeledFamily k_labeled_families[] = {
  {"wshub_refused_connections_total", "WebSocket upgrades refused by the connection limits.", "reason",
   {{"max_connections", [](const hub::Shard& s) { return s.counters.refused_max_connections.get(); }},
    {"max_connections_per_ip", [](const hub::Shard& s) { return s.counters.refused_max_connections_per_ip.get(); }},
    {"handshake_rate", [](const hub::Shard& s) { return s.counters.refused_handshake_rate.get(); }}}},
  {"wshub_http_refused_total", "HTTP requests refused for their size (431 head, 413 body).", "reason",
   {{"header_size", [](const hub::Shard& s) { return s.transport.http_header_size_refusals.get(); }},
    {"header_count", [](const hub::Shard& s) { return s.transport.http_header_count_refusals.get(); }},
    {"body_size", [](const hub::Shard& s) { return s.transport.http_body_size_refusals.get(); }}}},
  {"wshub_protocol_closes_total",
   "Connections closed for a frame-level violation (1002 protocol, 1003 binary, 1007 UTF-8, 1009 too big).", "code",
   {{"1002", [](const hub::Shard& s) { return s.transport.protocol_error_closes.get(); }},
    {"1003", [](const hub::Shard& s) { return s.transport.unsupported_data_closes.get(); }},
    {"1007", [](const hub::Shard& s) { return s.transport.invalid_utf8_closes.get(); }},
    {"1009", [](const hub::Shard& s) { return s.transport.message_too_big_closes.get(); }}}},
};
// clang-format on

void line(std::string& out, const char* fmt, auto... args) {
  char buf[256];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

}  // namespace

std::string render_metrics(const hub::ShardSet& shards, bool ready) {
  std::string out;
  out.reserve(4096);
  for (const auto& f : k_families) {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < shards.size(); ++i) total += f.read(shards.at(i));
    line(out, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", f.name, f.help, f.name, f.type, f.name,
         static_cast<long long>(total));
  }
  for (const auto& f : k_labeled_families) {
    line(out, "# HELP %s %s\n# TYPE %s counter\n", f.name, f.help, f.name);
    for (const auto& sample : f.samples) {
      if (sample.value == nullptr) continue;
      std::int64_t total = 0;
      for (std::size_t i = 0; i < shards.size(); ++i) total += sample.read(shards.at(i));
      line(out, "%s{%s=\"%s\"} %lld\n", f.name, f.label, sample.value, static_cast<long long>(total));
    }
  }
  line(out, "# HELP wshub_ready Whether /readyz answers 200.\n# TYPE wshub_ready gauge\nwshub_ready %d\n",
       ready ? 1 : 0);
  line(out, "# HELP wshub_shards Worker threads (shards).\n# TYPE wshub_shards gauge\nwshub_shards %zu\n",
       shards.size());

  const char* name = "wshub_delivery_latency_seconds";
  line(out, "# HELP %s Time from a publication's acceptance to the write of its frame to a subscriber.\n", name);
  line(out, "# TYPE %s histogram\n", name);
  const auto& bounds = core::LatencyHistogram::k_bounds_s;
  std::uint64_t cumulative = 0;
  std::uint64_t sum_ns = 0;
  for (std::size_t b = 0; b <= bounds.size(); ++b) {
    for (std::size_t i = 0; i < shards.size(); ++i) cumulative += shards.at(i).transport.delivery_latency.count(b);
    if (b < bounds.size()) {
      line(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[b], static_cast<unsigned long long>(cumulative));
    } else {
      line(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, static_cast<unsigned long long>(cumulative));
    }
  }
  for (std::size_t i = 0; i < shards.size(); ++i) sum_ns += shards.at(i).transport.delivery_latency.sum_ns();
  line(out, "%s_sum %.9f\n%s_count %llu\n", name, static_cast<double>(sum_ns) * 1e-9, name,
       static_cast<unsigned long long>(cumulative));
  return out;
}

void render_reload_metrics(std::string& out, const char* name, const char* help, std::int64_t ok, std::int64_t error) {
  line(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  line(out, "%s{result=\"ok\"} %lld\n%s{result=\"error\"} %lld\n", name, static_cast<long long>(ok), name,
       static_cast<long long>(error));
}

}  // namespace wshub::api
