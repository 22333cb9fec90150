#include "apps/wshub/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/http/field.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <random>
#include <spdlog/spdlog.h>
#include <thread>

#include "api/api_router.hpp"
#include "broker/broker.hpp"
#include "auth/authenticator.hpp"
#include "auth/origin_policy.hpp"
#include "broker/memory_broker.hpp"
#include "broker/redis_broker.hpp"
#include "cluster/local_cluster.hpp"
#include "cluster/redis_cluster.hpp"
#include "config/listen_address.hpp"
#include "core/envelopes.hpp"
#include "core/iso8601.hpp"
#include "core/query_string.hpp"
#include "hub/channel_router.hpp"
#include "hub/client_directory.hpp"
#include "hub/client_session.hpp"
#include "hub/drain.hpp"
#include "hub/keepalive_sweep.hpp"
#include "hub/readiness.hpp"
#include "net/http_session.hpp"
#include "net/listener.hpp"
#include "redis/redis_url.hpp"

namespace wshub::app {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string random_instance_id() {
  std::random_device rd;
  const auto v = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  char buf[20];
  std::snprintf(buf, sizeof buf, "i-%012llx", static_cast<unsigned long long>(v & 0xffffffffffffull));
  return buf;
}

// Lets the process hold as many connections as the hard limit allows.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) spdlog::warn("could not raise the descriptor limit");
  }
}

unsigned worker_count(const config::Config& cfg) {
  if (cfg.workers != 0) return cfg.workers;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 64u);
}

net::Response refusal(unsigned status, std::string_view message) {
  return net::make_response(status, core::make_api_error(static_cast<int>(status), message));
}

}  // namespace

int run_server(const config::Config& cfg) {
  std::optional<redis::RedisUrl> redis_url;
  if (cfg.broker.starts_with("redis://")) {
    auto url = redis::parse_redis_url(cfg.broker);
    if (!url) {
      spdlog::error("broker: {}", url.error());
      return 2;
    }
    redis_url = std::move(*url);
  } else if (cfg.broker != "memory") {
    spdlog::error("broker \"{}\" is not supported by this build: use memory or redis://HOST:PORT[/DB]", cfg.broker);
    return 2;
  }
  auto authenticator_made = auth::make_authenticator(cfg);
  if (!authenticator_made) {
    spdlog::error("{}", authenticator_made.error());
    return 2;
  }
  const std::unique_ptr<auth::Authenticator> authenticator = std::move(*authenticator_made);
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();

  auto listen = config::parse_listen_address(cfg.listen);
  if (!listen) {
    spdlog::error("listen: {}", listen.error());
    return 2;
  }

  // Declared first, destroyed last: everything below holds executors of the shards.
  hub::ShardSet shards(worker_count(cfg));
  hub::ChannelRouter router(shards, cfg);
  const std::string instance_id = cfg.instance_id.empty() ? random_instance_id() : cfg.instance_id;
  std::unique_ptr<broker::Broker> broker_owner;
  if (redis_url) {
    broker::RedisBrokerOptions opts;
    opts.url = *redis_url;
    opts.instance_id = instance_id;
    broker_owner = std::make_unique<broker::RedisBroker>(shards.executors(), router, std::move(opts));
  } else {
    broker_owner = std::make_unique<broker::MemoryBroker>(shards.executors(), router);
  }
  broker::Broker& broker = *broker_owner;
  router.set_broker(broker);
  hub::ClientDirectory directory(shards);
  hub::Readiness readiness(broker);
  hub::HubContext hub{cfg, instance_id, shards, router, directory, readiness, broker};
  hub.authenticator = authenticator.get();
  const auth::OriginPolicy origins(cfg.allowed_origins);

  asio::io_context control{1};
  tcp::endpoint endpoint;
  try {
    tcp::resolver resolver(control);
    endpoint = *resolver.resolve(listen->host, std::to_string(listen->port)).begin();
  } catch (const std::exception& e) {
    spdlog::error("listen: cannot resolve \"{}\": {}", listen->host, e.what());
    return 2;
  }

  std::unique_ptr<api::ApiRouter> api;
  net::HttpRoutes routes;
  routes.websocket = {cfg.max_message_size, cfg.send_queue_bytes, cfg.handshake_timeout, cfg.close_timeout};
  routes.max_body_size = cfg.api_max_body_size;
  routes.request_timeout = cfg.handshake_timeout;
  routes.stats_for_this_shard = []() -> net::TransportStats& { return hub::Shard::current()->transport; };
  routes.on_request = [&api](net::Request&& req, net::Responder respond) {
    api->handle(std::move(req), std::move(respond));
  };
  routes.on_upgrade = [&](const net::Request& req) -> net::UpgradeVerdict {
    if (core::target_path(req.target()) != "/ws") return {refusal(404, "not found"), {}};
    if (readiness.draining()) return {refusal(503, "server shutting down"), {}};
    auto origin_it = req.find(http::field::origin);
    std::optional<std::string_view> origin;
    if (origin_it != req.end()) origin = origin_it->value();
    if (!origins.allows(origin)) return {refusal(403, "origin not allowed"), {}};
    auto identity = authenticator->authenticate({req.target(), req[http::field::authorization]});
    if (!identity) return {refusal(identity.error().status, identity.error().message), {}};
    return {std::nullopt, [&hub, id = std::move(*identity)](std::shared_ptr<net::WebSocketSession> ws) {
              auto session = std::make_shared<hub::ClientSession>(hub, *hub::Shard::current(), std::move(ws), id);
              session->start();
            }};
  };

  std::unique_ptr<net::Listener> listener;
  try {
    listener = std::make_unique<net::Listener>(control.get_executor(), endpoint, shards.executors(), routes);
  } catch (const std::exception& e) {
    spdlog::error("listen: cannot listen on {}: {}", cfg.listen, e.what());
    return 2;
  }
  const auto bound = listener->local_endpoint();
  const std::string address = (bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                        : bound.address().to_string()) +
                              ":" + std::to_string(bound.port());
  const cluster::InstanceIdentity identity{instance_id, address, core::iso8601_utc(std::time(nullptr))};
  std::unique_ptr<cluster::RedisCluster> redis_cluster;
  std::unique_ptr<cluster::Cluster> local_cluster;
  cluster::Cluster* hub_cluster = nullptr;
  if (redis_url) {
    redis_cluster = std::make_unique<cluster::RedisCluster>(control.get_executor(), *redis_url, identity,
                                                            cfg.heartbeat_interval, shards, directory);
    hub.observer = redis_cluster.get();
    hub_cluster = redis_cluster.get();
  } else {
    local_cluster = std::make_unique<cluster::LocalCluster>(identity, shards, directory, control.get_executor());
    hub_cluster = local_cluster.get();
  }
  api = std::make_unique<api::ApiRouter>(hub, *hub_cluster);

  std::vector<std::unique_ptr<hub::KeepaliveSweep>> sweeps;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    sweeps.push_back(std::make_unique<hub::KeepaliveSweep>(shards.at(i), cfg.ping_interval));
  }

  shards.start_threads();
  broker.start();
  if (redis_cluster) redis_cluster->start();
  for (auto& s : sweeps) s->start();
  listener->start();

  std::cout << "wshub listening on http://" << address << std::endl;
  spdlog::info("wshub serving: instance={} shards={} address={} {}", hub.instance_id, shards.size(), address,
               config::describe(cfg));

  hub::Drain drain(shards, control.get_executor());
  asio::signal_set signals(control, SIGINT, SIGTERM);
  int exit_code = 0;
  bool draining = false;
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (draining) {
      spdlog::warn("signal {} during the drain: exiting now", sig);
      exit_code = 1;
      control.stop();
      return;
    }
    draining = true;
    spdlog::info("signal {}: draining (readiness 503, closing {} s deadline)", sig, cfg.shutdown_timeout.count());
    readiness.start_draining();
    listener->stop();
    drain.run(cfg.shutdown_timeout, [&](bool all_closed) {
      if (all_closed) {
        spdlog::info("drain complete: every client closed");
      } else {
        spdlog::warn("drain deadline reached with clients still connected; closing them now");
      }
      signals.cancel();
      if (!redis_cluster) {
        control.stop();
        return;
      }
      // Leave the registry before exiting (bounded: Redis may be down).
      redis_cluster->stop(std::chrono::seconds(1), [&control] { control.stop(); });
    });
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  control.run();

  for (auto& s : sweeps) s->stop();
  broker.stop();
  shards.stop();
  shards.join();
  spdlog::info("wshub stopped");
  return exit_code;
}

}  // namespace wshub::app
