// HubContext: the instance-wide collaborators a client session needs.
//
// Thread-safety: every member is either immutable after start-up or safe to
// use from any thread (see each type).
#pragma once

#include <string>

#include "config/config.hpp"
#include "core/counter.hpp"

namespace wshub::broker {
class Broker;
}

namespace wshub::auth {
class Authenticator;
}

namespace wshub::hub {

class ChannelRouter;
class ClientDirectory;
class ConnectionObserver;
class Readiness;
class ShardSet;

// Reloads on SIGHUP (certificate, JWT keys): written by the control thread
// only, read by /metrics.
struct ReloadStats {
  core::Counter ok;
  core::Counter error;
};

struct HubContext {
  const config::Config& config;
  std::string instance_id;
  ShardSet& shards;
  ChannelRouter& router;
  ClientDirectory& directory;
  const Readiness& readiness;
  const broker::Broker& broker;
  // Told about every connection (the cluster registry); null on one instance.
  // REQUIRES: set before the listener starts, never changed afterwards.
  ConnectionObserver* observer = nullptr;
  // Verifies tokens presented after the upgrade (refresh, subscription
  // tokens); null: this server uses no tokens.
  // REQUIRES: set before the listener starts, never changed afterwards.
  const auth::Authenticator* authenticator = nullptr;
  // Null when the public listener is plain HTTP.
  // REQUIRES: set before the listener starts, never changed afterwards.
  const ReloadStats* tls_reloads = nullptr;
  // Null when no key file is configured (jwt_public_key, jwt_jwks_file).
  // REQUIRES: set before the listener starts, never changed afterwards.
  const ReloadStats* jwt_key_reloads = nullptr;
  // Appends the process-level families to /metrics (process_*, the heap);
  // null: none (tests that build a hub without the server executable).
  // REQUIRES: set before the listener starts, never changed afterwards.
  void (*process_metrics)(std::string& out) = nullptr;
};

}  // namespace wshub::hub
