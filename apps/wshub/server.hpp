// run_server: the composition root. Builds the shards, broker, router,
// directory, API and listener from a Config, serves until SIGTERM/SIGINT,
// drains, and returns the process exit code.
//
// Thread-safety: call once, from main(); it runs the control loop (signals,
// drain, TLS reload) on the calling thread and one thread per shard (each
// accepting its own connections).
#pragma once

#include "config/config.hpp"

namespace wshub::app {

int run_server(const config::Config& cfg);

}  // namespace wshub::app
