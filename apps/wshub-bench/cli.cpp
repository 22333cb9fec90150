#include "cli.hpp"

#include <iostream>
#include <sstream>

// GCC 12 reports a false "potential null pointer dereference" inside CLI11's
// string splitting; not our code (same as apps/wshub/cli.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop

#include "core/text_wrap.hpp"
#include "socketio.hpp"
#include "source_addresses.hpp"

#ifndef WSHUB_VERSION
#define WSHUB_VERSION "0.0.0"
#endif

namespace wshub::bench {
namespace {

constexpr int k_usage_error = 2;
constexpr std::size_t k_help_width = 60;

std::string wrap(std::string_view text, std::size_t width = k_help_width) { return core::wrap_text(text, width); }

template <class T>
std::string show(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string described(std::string_view text, std::string_view default_value) {
  return wrap(std::string(text) + " Default: " + std::string(default_value) + ".");
}

// A validator that does not add its own text to the help's type column (the
// description already says what is allowed).
CLI::Validator quiet(CLI::Validator v) {
  v.description("");
  return v;
}

// Storage for enum-valued flags, converted after parsing.
struct Texts {
  std::string progress = "auto";
  std::string publish_via = "api";
  std::string protocol = "wshub";
};

void add_common(CLI::App& cmd, Options& o, Texts& texts) {
  cmd.add_option("--target", o.targets,
                 described("wshub instance to load, HOST:PORT; repeat for several instances (connections and "
                           "publishers are spread over them round-robin).",
                           "127.0.0.1:8000"))
      ->type_name("HOST:PORT")
      ->take_all();
  cmd.add_option("--threads", o.threads,
                 described("Client I/O threads, each with its own io_context. Keep 1 on a 2-core machine so the "
                           "server has the other core.",
                           show(o.threads)))
      ->check(quiet(CLI::Range(1u, 64u)))
      ->type_name("N");
  cmd.add_option("--source-addresses", o.source_addresses,
                 described("Bind connections to the source addresses 127.0.0.1 .. 127.0.0.N (round-robin) "
                           "before connecting, to get past the ephemeral port range of one address. Only "
                           "used for loopback targets. 0: automatic, one address per " +
                               std::to_string(k_connections_per_source_address) + " connections.",
                           "0"))
      ->check(quiet(CLI::Range(std::size_t{0}, k_max_source_addresses)))
      ->type_name("N");
  cmd.add_option("--server-pid", o.server_pids,
                 described("Process id of the server under test (repeatable): its CPU time (utime+stime) and "
                           "RSS (VmRSS) are sampled from /proc at the start and end of the measured window.",
                           "none"))
      ->type_name("PID");
  cmd.add_option("--out", o.out, described("File the JSON result is written to; - is stdout.", "-"))->type_name("FILE");
  cmd.add_option("--progress", texts.progress,
                 described("Progress on stderr: auto (a status line refreshed every second on a terminal, a "
                           "plain line every 5 s otherwise), tty, plain, or off.",
                           "auto"))
      ->check(quiet(CLI::IsMember({"auto", "tty", "plain", "off"})))
      ->type_name("auto|tty|plain|off");
  cmd.add_option("--api-key", o.api_key,
                 described("Key for the server API (Authorization: apikey KEY); not needed with wshub --dev.", "none"))
      ->type_name("KEY");
  cmd.add_option("--protocol", texts.protocol,
                 described("wshub: PROTOCOL.md over WebSocket; socketio: Socket.IO v4 over Engine.IO v4 "
                           "WebSocket (bench/peers/socketio_hub.js: the subscribe event with an ack, message "
                           "events carrying the envelope; --ws-path defaults to " +
                               std::string(socketio::k_default_path) + "). Publications still go through "
                               "POST /api/publish.",
                           "wshub"))
      ->check(quiet(CLI::IsMember({"wshub", "socketio"})))
      ->type_name("wshub|socketio");
  cmd.add_option("--ws-path", o.ws_path,
                 described("Path and query of the WebSocket upgrade request (e.g. /ws?token=JWT).", "/ws"))
      ->type_name("PATH");
  cmd.add_option("--channel-prefix", o.channel_prefix,
                 described("Namespace of the channels used: channel i is PREFIX:RUN.i.", o.channel_prefix))
      ->type_name("PREFIX");
  cmd.add_option(
         "--run-id", o.run_id,
         described("RUN part of the channel names, so that runs against one server do not mix.", "8 random hex digits"))
      ->type_name("ID");
  cmd.add_option("--connect-timeout", o.connect_timeout_s,
                 described("Seconds one connection may take from TCP connect to its subscription (or welcome, "
                           "for publishers).",
                           show(o.connect_timeout_s)))
      ->check(quiet(CLI::PositiveNumber))
      ->type_name("SECONDS");
  cmd.add_option("--close-timeout", o.close_timeout_s,
                 described("Seconds allowed at the end for the close handshakes before the remaining sockets "
                           "are dropped.",
                           show(o.close_timeout_s)))
      ->check(quiet(CLI::NonNegativeNumber))
      ->type_name("SECONDS");
}

void add_channels(CLI::App& cmd, Options& o) {
  cmd.add_option("--channels", o.channels,
                 described("Channels; subscriber (connection) i subscribes to channel i % C.", show(o.channels)))
      ->check(quiet(CLI::Range(std::size_t{1}, std::size_t{10'000'000})))
      ->type_name("C");
}

void add_connect_concurrency(CLI::App& cmd, Options& o, const char* name, std::string_view what) {
  cmd.add_option(name, o.connect_concurrency, described(what, show(o.connect_concurrency)))
      ->check(quiet(CLI::Range(std::size_t{1}, std::size_t{100'000})))
      ->type_name("K");
}

void add_fanout(CLI::App& cmd, Options& o, Texts& texts) {
  cmd.add_option("--subscribers", o.subscribers, described("Subscriber connections.", show(o.subscribers)))
      ->check(quiet(CLI::Range(std::size_t{1}, std::size_t{10'000'000})))
      ->type_name("N");
  add_channels(cmd, o);
  cmd.add_option("--rate", o.rate,
                 described("Publications per second over all channels (round-robin over the channels).", show(o.rate)))
      ->check(quiet(CLI::PositiveNumber))
      ->type_name("R");
  cmd.add_option("--duration", o.duration_s, described("Seconds of publishing.", show(o.duration_s)))
      ->check(quiet(CLI::PositiveNumber))
      ->type_name("SECONDS");
  cmd.add_option("--payload", o.payload,
                 described("Size in bytes of each publication's data, the JSON object "
                           "{\"t\":SEND_NS,\"s\":SEQ,\"p\":\"xx..\"} padded with x (at least its fixed part, "
                           "about 40 bytes).",
                           show(o.payload)))
      ->check(quiet(CLI::Range(std::size_t{0}, std::size_t{64u << 20})))
      ->type_name("S");
  cmd.add_option("--publish-via", texts.publish_via,
                 described("api: POST /api/publish over keep-alive HTTP connections, one request in flight "
                           "each; ws: the publish op over WebSocket publisher connections, several ops "
                           "pipelined.",
                           "api"))
      ->check(quiet(CLI::IsMember({"api", "ws"})))
      ->type_name("api|ws");
  cmd.add_option("--publishers", o.publishers,
                 described("Publisher connections; channel c is always published by publisher c % P, so that "
                           "its sequence is sent in order. 0: automatic, api min(C, max(2, ceil(R/50))) (one "
                           "request in flight each), ws min(C, max(1, ceil(R/500))) (half of wshub's default "
                           "per-connection op rate).",
                           "0"))
      ->type_name("P");
  cmd.add_option(
         "--ws-publish-window", o.ws_publish_window,
         described("With --publish-via ws: publish ops a publisher may have unanswered.", show(o.ws_publish_window)))
      ->check(quiet(CLI::Range(std::size_t{1}, std::size_t{1'000'000})))
      ->type_name("W");
  cmd.add_option("--drain", o.drain_s,
                 described("Seconds to wait after the last publication is acknowledged for deliveries still "
                           "under way, before what is missing counts as lost (ends early when everything "
                           "arrived).",
                           show(o.drain_s)))
      ->check(quiet(CLI::NonNegativeNumber))
      ->type_name("SECONDS");
  add_connect_concurrency(cmd, o, "--connect-concurrency", "Connection set-ups in flight at once.");
}

}  // namespace

CliResult parse_command_line(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"wshub-bench: load generator for wshub (and servers that speak its protocol).", "wshub-bench"};
  app.set_version_flag("--version", std::string("wshub-bench ") + WSHUB_VERSION);
  app.require_subcommand(1);
  app.get_formatter()->column_width(34);
  app.footer(
      wrap("Run 'wshub-bench SCENARIO --help' for its flags. Each run prints one JSON result "
           "(--out) and exits 0 when it ran to the end, 1 when it could not (nothing connected, the "
           "server went away), 2 on a usage error. See bench/README.md.",
           94));

  Options fanout_o, slow_o, idle_o, storm_o, cluster_o;
  fanout_o.scenario = Scenario::fanout;
  slow_o.scenario = Scenario::slow;
  slow_o.slow_share = 0.05;
  idle_o.scenario = Scenario::idle;
  idle_o.connect_concurrency = 256;
  storm_o.scenario = Scenario::storm;
  storm_o.connect_concurrency = 100;
  cluster_o.scenario = Scenario::cluster;
  cluster_o.targets.clear();  // no default: at least two instances must be named
  Texts fanout_t, slow_t, idle_t, storm_t, cluster_t;

  CLI::App* fanout = app.add_subcommand(
      "fanout", wrap("N subscribers over C channels, publications at R/s for D s: delivery, loss, order and "
                     "end-to-end latency.",
                     94));
  add_fanout(*fanout, fanout_o, fanout_t);
  add_common(*fanout, fanout_o, fanout_t);

  CLI::App* slow = app.add_subcommand(
      "slow", wrap("fanout where a share of the subscribers stop reading after subscribing: the fast ones' "
                   "latency, and how many slow ones the server closed (4000).",
                   94));
  add_fanout(*slow, slow_o, slow_t);
  slow->add_option("--slow-share", slow_o.slow_share,
                   described("Share of the subscribers that stop reading (spread evenly over the channels).",
                             show(slow_o.slow_share)))
      ->check(quiet(CLI::Range(0.0, 1.0)))
      ->type_name("SHARE");
  slow->add_option("--slow-rcvbuf", slow_o.slow_rcvbuf,
                   described("SO_RCVBUF of the slow subscribers' sockets, so that little of the backlog waits "
                             "in the client's kernel buffer; 0 leaves the kernel default. The server's socket send "
                             "buffer still takes up to net.ipv4.tcp_wmem's maximum (4 MiB by default) before the "
                             "server's own queue grows.",
                             show(slow_o.slow_rcvbuf)))
      ->type_name("BYTES");
  slow->add_option("--slow-check", slow_o.slow_check_s,
                   described("At the end the slow subscribers read again, to see a close frame; seconds of "
                             "silence after which one counts as still open.",
                             show(slow_o.slow_check_s)))
      ->check(quiet(CLI::PositiveNumber))
      ->type_name("SECONDS");
  add_common(*slow, slow_o, slow_t);

  CLI::App* idle = app.add_subcommand(
      "idle", wrap("N connections, each subscribed to a channel, held for D s: server RSS per connection "
                   "(with --server-pid) and idle CPU.",
                   94));
  idle->add_option("--connections", idle_o.connections, described("Connections.", show(idle_o.connections)))
      ->check(quiet(CLI::Range(std::size_t{1}, std::size_t{10'000'000})))
      ->type_name("N");
  add_channels(*idle, idle_o);
  idle->add_option("--duration", idle_o.duration_s,
                   described("Seconds to hold the connections once all are subscribed.", "10"))
      ->check(quiet(CLI::NonNegativeNumber))
      ->type_name("SECONDS");
  add_connect_concurrency(*idle, idle_o, "--connect-concurrency", "Connection set-ups in flight at once.");
  add_common(*idle, idle_o, idle_t);

  CLI::App* storm = app.add_subcommand(
      "storm", wrap("N connections opened with K in flight (TCP connect, upgrade, welcome, subscribe): "
                    "connections per second and set-up latency.",
                    94));
  storm->add_option("--connections", storm_o.connections, described("Connections.", show(storm_o.connections)))
      ->check(quiet(CLI::Range(std::size_t{1}, std::size_t{10'000'000})))
      ->type_name("N");
  add_connect_concurrency(*storm, storm_o, "--concurrency", "Connection set-ups in flight at once (K).");
  add_channels(*storm, storm_o);
  add_common(*storm, storm_o, storm_t);
  idle_o.duration_s = 10;

  CLI::App* cluster = app.add_subcommand(
      "cluster", wrap("fanout over several instances of one hub (e.g. wshub --broker redis://...): at least two "
                      "--target; subscriber k of each channel on instance k % T, publisher p on instance p % T, "
                      "so every channel has subscribers on every instance and publications cross instances. "
                      "Repeat --server-pid for each instance and the broker (redis-server): CPU is summed, and "
                      "reported per process and separately for redis-server.",
                      94));
  add_fanout(*cluster, cluster_o, cluster_t);
  add_common(*cluster, cluster_o, cluster_t);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);
      return {std::nullopt, 0};
    }
    err << "wshub-bench: " << e.what() << "\nRun 'wshub-bench --help' or 'wshub-bench SCENARIO --help'.\n";
    return {std::nullopt, k_usage_error};
  }

  Options* chosen = nullptr;
  Texts* texts = nullptr;
  if (fanout->parsed()) chosen = &fanout_o, texts = &fanout_t;
  if (slow->parsed()) chosen = &slow_o, texts = &slow_t;
  if (idle->parsed()) chosen = &idle_o, texts = &idle_t;
  if (storm->parsed()) chosen = &storm_o, texts = &storm_t;
  if (cluster->parsed()) chosen = &cluster_o, texts = &cluster_t;
  if (chosen == nullptr) return {std::nullopt, k_usage_error};

  const std::string& p = texts->progress;
  chosen->progress = p == "tty"     ? ProgressMode::tty
                     : p == "plain" ? ProgressMode::plain
                     : p == "off"   ? ProgressMode::off
                                    : ProgressMode::automatic;
  chosen->publish_via = texts->publish_via == "ws" ? PublishVia::ws : PublishVia::api;
  if (texts->protocol == "socketio") {
    chosen->protocol = Protocol::socketio;
    if (chosen->ws_path == "/ws") chosen->ws_path = std::string(socketio::k_default_path);
    if (chosen->publish_via == PublishVia::ws) {
      err << "wshub-bench: --protocol socketio publishes through the API only (--publish-via api)\n";
      return {std::nullopt, k_usage_error};
    }
  }
  if (chosen->targets.empty()) {
    err << "wshub-bench: --target needs HOST:PORT\n";
    return {std::nullopt, k_usage_error};
  }
  if (chosen->scenario == Scenario::cluster && chosen->targets.size() < 2) {
    err << "wshub-bench: cluster needs at least two --target HOST:PORT (one per instance)\n";
    return {std::nullopt, k_usage_error};
  }
  return {std::move(*chosen), 0};
}

}  // namespace wshub::bench
