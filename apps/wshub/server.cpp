#include "apps/wshub/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/field.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <spdlog/spdlog.h>

#include "apps/wshub/allocator.hpp"
#include "apps/wshub/cpu_budget_probe.hpp"
#include "apps/wshub/process_metrics.hpp"
#include "api/api_router.hpp"
#include "broker/broker.hpp"
#include "auth/authenticator.hpp"
#include "auth/origin_policy.hpp"
#include "auth/reloadable_authenticator.hpp"
#include "broker/memory_broker.hpp"
#include "broker/redis_broker.hpp"
#include "cluster/local_cluster.hpp"
#include "cluster/redis_cluster.hpp"
#include "config/listen_address.hpp"
#include "core/connection_limiter.hpp"
#include "core/cpu_budget.hpp"
#include "core/envelopes.hpp"
#include "core/ip_address.hpp"
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
#include "net/process_signals.hpp"
#include "redis/redis_url.hpp"
#include "tls/tls_context_store.hpp"
#include "web/static_files.hpp"

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

// `workers = 0`: one per CPU this process may use, which in a container or
// under taskset is fewer than the machine has.
unsigned worker_count(const config::Config& cfg) {
  if (cfg.workers != 0) return cfg.workers;
  const CpuBudget budget = probe_cpu_budget();
  const std::optional<double> limit = budget.limit ? std::optional(budget.limit->cpus) : std::nullopt;
  const unsigned n = core::default_workers(budget.affinity_cpus, limit, 64);
  spdlog::info("workers: {} (one per CPU this process may use: {} in its affinity mask; cgroup CPU limit: {})", n,
               budget.affinity_cpus,
               budget.limit ? fmt::format("{:g} CPUs in {}", budget.limit->cpus, budget.limit->file) : "none");
  return n;
}

net::Response refusal(unsigned status, std::string_view message) {
  return net::make_response(status, core::make_api_error(static_cast<int>(status), message));
}

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

core::IpAddress to_ip(const asio::ip::address& address) {
  core::IpAddress ip;
  const auto v6 = address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()) : address.to_v6();
  const auto bytes = v6.to_bytes();
  std::copy(bytes.begin(), bytes.end(), ip.bytes.begin());
  return ip;
}

// Who the client is for the connection limits: the TCP peer, or, when the peer
// is a trusted proxy, the right-most entry of its header (the address the
// proxy saw). A trusted proxy that sends no usable header is the client itself.
class ClientAddressPolicy {
 public:
  explicit ClientAddressPolicy(const config::Config& cfg) : header_(cfg.trusted_proxy_header) {
    for (const auto& text : cfg.trusted_proxies) {
      if (auto network = core::parse_ip_network(text)) proxies_.push_back(*network);  // validated at load
    }
  }

  core::IpAddress client_of(const net::Request& req, const asio::ip::address& peer) const {
    const core::IpAddress peer_ip = to_ip(peer);
    if (header_.empty()) return peer_ip;
    const bool trusted = std::any_of(proxies_.begin(), proxies_.end(),
                                     [&](const core::IpNetwork& n) { return n.contains(peer_ip); });
    if (!trusted) return peer_ip;
    // With several header lines, the last one is the proxy's.
    std::optional<std::string_view> value;
    for (auto [it, end] = req.equal_range(header_); it != end; ++it) value = it->value();
    if (!value) return peer_ip;
    return core::rightmost_forwarded_address(*value).value_or(peer_ip);
  }

 private:
  std::string header_;
  std::vector<core::IpNetwork> proxies_;
};

// What the per-IP limits counted `client` as: "this address", or for an IPv6
// client counted by its network, "this address's /64 network".
std::string counted_as(const core::IpAddress& client, unsigned ipv6_prefix) {
  if (client.is_v4() || ipv6_prefix >= 128) return "this address";
  return "this address's /" + std::to_string(ipv6_prefix) + " network";
}

// The answer to an upgrade from `client` refused by the connection limits, counted.
net::Response limit_refusal(core::AdmissionRefusal why, const core::IpAddress& client, unsigned ipv6_prefix,
                            hub::ShardCounters& counters) {
  switch (why) {
    case core::AdmissionRefusal::max_connections:
      counters.refused_max_connections.add(1);
      return refusal(503, "server at its connection limit; retry later");
    case core::AdmissionRefusal::max_connections_per_ip:
      counters.refused_max_connections_per_ip.add(1);
      return refusal(429, "too many connections from " + counted_as(client, ipv6_prefix));
    case core::AdmissionRefusal::handshake_rate:
    case core::AdmissionRefusal::none: break;
  }
  counters.refused_handshake_rate.add(1);
  auto res = refusal(429, "too many connection attempts from " + counted_as(client, ipv6_prefix) + "; retry later");
  res.set(http::field::retry_after, "1");
  return res;
}

std::string endpoint_text(const tcp::endpoint& bound) {
  return (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) + ":" +
         std::to_string(bound.port());
}

// /api/ and /metrics, which only the internal listener serves when api_listen is set.
bool is_internal_path(std::string_view path) {
  return path == "/metrics" || path == "/api" || path.starts_with("/api/");
}

// The operator dashboard, which follows the API to the internal listener.
bool is_dashboard_path(std::string_view path) { return path == "/admin" || path.starts_with("/admin/"); }

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
  // Replaced as a whole when SIGHUP reloads the key files.
  const auto authenticator = std::make_unique<auth::ReloadableAuthenticator>(std::move(*authenticator_made));
  const bool jwt_key_files = !cfg.jwt_public_key.empty() || !cfg.jwt_jwks_file.empty();
  std::optional<tls::TlsContextStore> tls_store;
  if (!cfg.tls_cert_file.empty()) {
    auto loaded = tls::TlsContextStore::load(cfg.tls_cert_file, cfg.tls_key_file);
    if (!loaded) {
      spdlog::error("TLS: {}", loaded.error());
      return 2;
    }
    tls_store.emplace(std::move(*loaded));
  }
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();

  auto listen = config::parse_listen_address(cfg.listen);
  if (!listen) {
    spdlog::error("listen: {}", listen.error());
    return 2;
  }
  std::optional<config::ListenAddress> api_listen;
  if (!cfg.api_listen.empty()) {
    auto parsed = config::parse_listen_address(cfg.api_listen);
    if (!parsed) {
      spdlog::error("api_listen: {}", parsed.error());
      return 2;
    }
    api_listen = std::move(*parsed);
  }
  core::ConnectionLimits limits;
  limits.max_connections = cfg.max_connections;
  limits.max_connections_per_ip = cfg.max_connections_per_ip;
  limits.handshake_rate_per_ip = cfg.handshake_rate_per_ip;
  limits.handshake_burst_per_ip = cfg.handshake_burst_per_ip;
  limits.ipv6_prefix_per_ip = cfg.ipv6_prefix_per_ip;
  core::ConnectionLimiter limiter(limits);
  const ClientAddressPolicy client_addresses(cfg);

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
  hub::ReloadStats tls_reloads;
  if (tls_store) hub.tls_reloads = &tls_reloads;
  hub.process_metrics = &render_process_metrics;
  hub::ReloadStats jwt_key_reloads;
  if (jwt_key_files) hub.jwt_key_reloads = &jwt_key_reloads;
  const auth::OriginPolicy origins(cfg.allowed_origins);

  asio::io_context control{1};
  // Opened before any thread starts (threads inherit the blocked signals) and
  // before anything is announced: a SIGTERM or SIGHUP sent as soon as the
  // listening line appears waits in the kernel until handled below.
  auto signals = net::ProcessSignals::open(control.get_executor(), {SIGINT, SIGTERM, SIGHUP});
  if (!signals) {
    spdlog::error("cannot set up signal handling: {}", signals.error());
    return 1;
  }
  tcp::endpoint endpoint;
  try {
    tcp::resolver resolver(control);
    endpoint = *resolver.resolve(listen->host, std::to_string(listen->port)).begin();
  } catch (const std::exception& e) {
    spdlog::error("listen: cannot resolve \"{}\": {}", listen->host, e.what());
    return 2;
  }
  tcp::endpoint api_endpoint;
  if (api_listen) {
    try {
      tcp::resolver resolver(control);
      api_endpoint = *resolver.resolve(api_listen->host, std::to_string(api_listen->port)).begin();
    } catch (const std::exception& e) {
      spdlog::error("api_listen: cannot resolve \"{}\": {}", api_listen->host, e.what());
      return 2;
    }
  }

  std::unique_ptr<api::ApiRouter> api;
  net::HttpRoutes routes;
  routes.websocket = {cfg.max_message_size, cfg.send_queue_bytes, cfg.handshake_timeout, cfg.close_timeout};
  routes.max_body_size = cfg.api_max_body_size;
  routes.request_timeout = cfg.handshake_timeout;
  routes.max_header_size = cfg.max_header_size;
  routes.max_header_count = cfg.max_header_count;
  routes.stats_for_this_shard = []() -> net::TransportStats& { return hub::Shard::current()->transport; };
  for (std::size_t i = 0; i < shards.size(); ++i) {
    shards.at(i).writes = std::make_unique<net::WriteBatcher>(shards.at(i).executor(), cfg.io_uring);
  }
  routes.write_batcher_for_this_shard = [] { return hub::Shard::current()->writes.get(); };
  std::optional<web::StaticFiles> static_files;
  if (!cfg.web_root.empty()) {
    static_files.emplace(cfg.web_root);
    std::error_code ec;
    if (!std::filesystem::is_directory(cfg.web_root, ec)) {
      spdlog::warn("web_root \"{}\" is not a directory: / and /admin will answer 404", cfg.web_root);
    }
  }
  // With api_listen set, the API, /metrics and the dashboard that uses them
  // are served only by the internal listener; the demo stays public.
  const bool internal_elsewhere = api_listen.has_value();
  routes.on_request = [&api, &static_files, internal_elsewhere](net::Request&& req, net::Responder respond) {
    const auto path = core::target_path(req.target());
    if (internal_elsewhere && (is_internal_path(path) || is_dashboard_path(path))) {
      respond(refusal(404, "not found"));
      return;
    }
    if (static_files && web::StaticFiles::claims(path)) {
      respond(static_files->serve(req));
      return;
    }
    api->handle(std::move(req), std::move(respond));
  };
  routes.on_upgrade = [&](const net::Request& req, const asio::ip::address& peer) -> net::UpgradeVerdict {
    if (core::target_path(req.target()) != "/ws") return {refusal(404, "not found"), {}};
    if (readiness.draining()) return {refusal(503, "server shutting down"), {}};
    // Every attempt counts against the handshake rate, also those refused below.
    const core::IpAddress client = client_addresses.client_of(req, peer);
    auto admission = limiter.admit(client, steady_now_ns());
    if (admission.refusal != core::AdmissionRefusal::none) {
      return {limit_refusal(admission.refusal, client, cfg.ipv6_prefix_per_ip, hub::Shard::current()->counters), {}};
    }
    auto ticket = std::make_shared<core::ConnectionLimiter::Ticket>(std::move(admission.ticket));
    auto origin_it = req.find(http::field::origin);
    std::optional<std::string_view> origin;
    if (origin_it != req.end()) origin = origin_it->value();
    if (!origins.allows(origin)) return {refusal(403, "origin not allowed"), {}};
    auto identity = authenticator->authenticate({req.target(), req[http::field::authorization]});
    if (!identity) return {refusal(identity.error().status, identity.error().message), {}};
    return {std::nullopt,
            [&hub, id = std::move(*identity), ticket](std::shared_ptr<net::WebSocketSession> ws) {
              auto session = std::make_shared<hub::ClientSession>(hub, *hub::Shard::current(), std::move(ws), id);
              session->hold_admission(std::move(*ticket));
              session->start();
            }};
  };

  // The internal listener (api_listen): the server API, /metrics, health; no WebSocket.
  net::HttpRoutes api_routes = routes;
  api_routes.on_request = [&api, &static_files](net::Request&& req, net::Responder respond) {
    if (static_files && web::StaticFiles::claims(core::target_path(req.target()))) {
      respond(static_files->serve(req));
      return;
    }
    api->handle(std::move(req), std::move(respond));
  };
  api_routes.on_upgrade = [](const net::Request&, const asio::ip::address&) -> net::UpgradeVerdict {
    return {refusal(404, "not found: WebSocket clients connect to the public listener"), {}};
  };

  std::unique_ptr<net::Listener> listener;
  try {
    listener = std::make_unique<net::Listener>(control.get_executor(), endpoint, cfg.tcp_defer_accept,
                                               shards.executors(), routes, tls_store ? &*tls_store : nullptr);
  } catch (const std::exception& e) {
    spdlog::error("listen: cannot listen on {}: {}", cfg.listen, e.what());
    return 2;
  }
  std::unique_ptr<net::Listener> api_listener;
  if (api_listen) {
    try {
      api_listener = std::make_unique<net::Listener>(control.get_executor(), api_endpoint, cfg.tcp_defer_accept,
                                                     shards.executors(), api_routes);
    } catch (const std::exception& e) {
      spdlog::error("api_listen: cannot listen on {}: {}", cfg.api_listen, e.what());
      return 2;
    }
  }
  const std::string address = endpoint_text(listener->local_endpoint());
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
  if (api_listener) api_listener->start();

  std::cout << "wshub listening on " << (tls_store ? "https://" : "http://") << address << std::endl;
  if (api_listener) {
    std::cout << "wshub API listening on http://" << endpoint_text(api_listener->local_endpoint()) << std::endl;
  }
  spdlog::info("wshub serving: instance={} shards={} writes={} allocator=\"{}\" address={} {}", hub.instance_id,
               shards.size(), shards.at(0).writes->mode() == net::BatchSender::Mode::io_uring ? "io_uring" : "sendmsg",
               allocator_description(), address, config::describe(cfg));

  hub::Drain drain(shards, control.get_executor());
  int exit_code = 0;
  bool draining = false;
  // SIGHUP: reload the certificate and key (new connections only) and the
  // JWT key files (tokens verified from then on); with neither it is logged
  // and ignored rather than terminating the process. A file that fails to
  // load leaves what was loaded before in place.
  auto reload_files = [&] {
    if (!tls_store && !jwt_key_files) {
      spdlog::info("SIGHUP: no TLS or JWT key files configured; nothing to reload");
      return;
    }
    if (jwt_key_files) {
      if (auto made = auth::make_authenticator(cfg); made) {
        authenticator->replace(std::move(*made));
        jwt_key_reloads.ok.add();
        spdlog::info("JWT keys reloaded from {}", cfg.jwt_jwks_file.empty() ? cfg.jwt_public_key : cfg.jwt_jwks_file);
      } else {
        jwt_key_reloads.error.add();
        spdlog::error("JWT key reload failed, keeping the current keys: {}", made.error());
      }
    }
    if (!tls_store) return;
    if (auto reloaded = tls_store->reload(); reloaded) {
      tls_reloads.ok.add();
      spdlog::info("TLS certificate reloaded from {} and {}", cfg.tls_cert_file, cfg.tls_key_file);
    } else {
      tls_reloads.error.add();
      spdlog::error("TLS certificate reload failed, keeping the current certificate: {}", reloaded.error());
    }
  };
  // SIGINT/SIGTERM: drain; a second one (also while leaving the Redis
  // registry) exits at once with status 1.
  net::ProcessSignals& process_signals = **signals;
  std::function<void(int)> on_signal = [&](int sig) {
    if (sig == SIGHUP) {
      reload_files();
    } else if (draining) {
      spdlog::warn("signal {} during the drain: exiting now", sig);
      exit_code = 1;
      control.stop();
      return;
    } else {
      draining = true;
      readiness.start_draining();
      listener->stop();
      if (api_listener) api_listener->stop();
      spdlog::info("signal {}: draining (readiness 503, closing {} s deadline)", sig, cfg.shutdown_timeout.count());
      drain.run(cfg.shutdown_timeout, [&](bool all_closed) {
        if (all_closed) {
          spdlog::info("drain complete: every client closed");
        } else {
          spdlog::warn("drain deadline reached with clients still connected; closing them now");
        }
        if (!redis_cluster) {
          control.stop();
          return;
        }
        // Leave the registry before exiting (bounded: Redis may be down).
        redis_cluster->stop(std::chrono::seconds(1), [&control] { control.stop(); });
      });
    }
    process_signals.async_wait(on_signal);
  };
  process_signals.async_wait(on_signal);

  control.run();
  // After a second signal the drain may not have closed the Redis
  // connections: close them here, so nothing they hold outlives the process's
  // objects (this instance's registry entries expire by themselves).
  if (redis_cluster) redis_cluster->abandon();

  for (auto& s : sweeps) s->stop();
  broker.stop();
  shards.stop();
  shards.join();
  spdlog::info("wshub stopped");
  return exit_code;
}

}  // namespace wshub::app
