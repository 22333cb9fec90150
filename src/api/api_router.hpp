// ApiRouter: the HTTP side of the listener: the server API (PROTOCOL.md
// section 6) under /api/, plus /healthz, /readyz and /metrics.
//
// Every /api/ request needs `Authorization: apikey <key>` unless --dev; with
// no api_key configured outside --dev the API is disabled (403, says why).
// Errors use the JSON error shape with the same HTTP status.
// Thread-safety: handle() is called from every shard thread concurrently; the
// router keeps no mutable state of its own.
#pragma once

#include <string>

#include "api/api_request.hpp"
#include "cluster/cluster.hpp"
#include "hub/hub_context.hpp"
#include "net/http_routes.hpp"

namespace wshub::api {

class ApiRouter {
 public:
  // `cluster` answers send, disconnect, channels and info for the whole hub.
  ApiRouter(hub::HubContext& hub, cluster::Cluster& cluster);
  void handle(net::Request&& req, net::Responder respond);

 private:
  struct Call;
  void route(Call& call);
  void publish(Call& call);
  void broadcast(Call& call);
  void send(Call& call);
  void disconnect(Call& call);
  void history(Call& call);
  void presence(Call& call);
  void channels(Call& call);
  void info(Call& call);

  hub::HubContext& hub_;
  cluster::Cluster& cluster_;
};

}  // namespace wshub::api
