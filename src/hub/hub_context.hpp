// HubContext: the instance-wide collaborators a client session needs.
//
// Thread-safety: every member is either immutable after start-up or safe to
// use from any thread (see each type).
#pragma once

#include <string>

#include "config/config.hpp"

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
};

}  // namespace wshub::hub
