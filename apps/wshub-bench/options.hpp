// Options: everything one wshub-bench run is told, after the command line
// (cli.cpp) and the automatic choices (resolve_automatic_options).
// Thread-safety: a plain value; read-only once the run starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "json_value.hpp"

namespace wshub::bench {

enum class Scenario { fanout, slow, idle, storm, cluster };
enum class PublishVia { api, ws };
enum class Protocol { wshub, socketio };
enum class ProgressMode { automatic, tty, plain, off };

std::string_view scenario_name(Scenario s);

struct Options {
  Scenario scenario = Scenario::fanout;

  // Every scenario.
  std::vector<std::string> targets{"127.0.0.1:8000"};
  unsigned threads = 1;
  std::size_t source_addresses = 0;  // 0: automatic
  std::vector<int> server_pids;
  std::string out = "-";
  ProgressMode progress = ProgressMode::automatic;
  std::string api_key;
  Protocol protocol = Protocol::wshub;  // socketio: Engine.IO v4 / Socket.IO (socketio.hpp)
  std::string ws_path = "/ws";
  std::string channel_prefix = "bench";
  std::string run_id;  // empty: random
  std::size_t connect_concurrency = 256;
  double connect_timeout_s = 10;
  double close_timeout_s = 2;
  std::size_t channels = 100;

  // fanout, slow and cluster.
  std::size_t subscribers = 1000;
  double rate = 1000;
  double duration_s = 10;  // fanout/slow: publishing time; idle: holding time
  std::size_t payload = 100;
  PublishVia publish_via = PublishVia::api;
  std::size_t publishers = 0;  // 0: automatic
  std::size_t ws_publish_window = 256;
  double drain_s = 2;

  // slow.
  double slow_share = 0.0;
  std::size_t slow_rcvbuf = 4096;
  double slow_check_s = 2;

  // idle and storm.
  std::size_t connections = 1000;

  // Connections the run opens (subscribers, publishers or plain connections).
  std::size_t total_connections() const;
  std::size_t slow_subscribers() const;      // round(subscribers * slow_share), at least 1 when the share is > 0
  std::uint64_t total_publications() const;  // round(rate * duration)

  // The options as given and resolved, for the result document.
  JsonValue to_json() const;
};

// Fills in the automatic values (publishers, source addresses, run id).
void resolve_automatic_options(Options& o, bool targets_loopback);

// Automatic publisher count: api min(C, max(2, ceil(R / 50))), since an API publisher has one
// request in flight and a loaded server answers in milliseconds; ws min(C, max(1, ceil(R / 500))),
// which keeps each WebSocket publisher at half of wshub's default client_op_rate (1000/s).
std::size_t automatic_publishers(PublishVia via, double rate, std::size_t channels);

// Channel i's name: PREFIX:RUN.i
std::string channel_name(const Options& o, std::size_t channel);

}  // namespace wshub::bench
