#include "api/api_router.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "api/metrics_exposition.hpp"
#include "core/channel_name.hpp"
#include "core/constant_time.hpp"
#include "core/envelopes.hpp"
#include "core/json_fields.hpp"
#include "core/op.hpp"
#include "core/json_writer.hpp"
#include "core/query_string.hpp"
#include "hub/channel_router.hpp"
#include "hub/client_directory.hpp"
#include "hub/readiness.hpp"
#include "net/http_session.hpp"

namespace wshub::api {

namespace http = boost::beast::http;
using broker::BrokerError;

namespace {

core::JsonFieldDecoder& thread_decoder() {
  thread_local core::JsonFieldDecoder decoder;
  return decoder;
}

boost::asio::any_io_executor reply_executor(hub::HubContext& hub) {
  if (auto* shard = hub::Shard::current()) return shard->executor();
  return hub.shards.at(0).executor();
}


// Appends ,"error":{"code":C,"message":M} to an object being written.
void append_error_member(std::string& out, int code, std::string_view message) {
  out += R"(,"error":{"code":)";
  core::append_int(out, code);
  out += R"(,"message":)";
  core::append_json_string(out, message);
  out.push_back('}');
}

}  // namespace

struct ApiRouter::Call {
  net::Request req;
  net::Responder respond;
  std::string path;
  std::string body;     // padded copy of the request body
  ApiRequest request;   // the decoded body of a POST

  void json(unsigned status, std::string body_text) { respond(net::make_response(status, std::move(body_text))); }
  void error(unsigned status, std::string_view message) { json(status, core::make_api_error(static_cast<int>(status), message)); }
  // Decodes and checks the JSON body; false (and the error sent) when refused.
  bool decode_body(ApiEndpoint endpoint, const ApiLimits& limits) {
    body.reserve(req.body().size() + core::k_json_padding);
    body.assign(req.body());
    auto r = decode_api_request(endpoint, body.data(), body.size(), body.capacity(), thread_decoder(), limits);
    if (!r) {
      error(r.error().status, r.error().message);
      return false;
    }
    request = std::move(*r);
    return true;
  }
  hub::ClientSelector selector() const { return hub::ClientSelector{request.client, request.user}; }
};

ApiRouter::ApiRouter(hub::HubContext& hub, cluster::Cluster& cluster) : hub_(hub), cluster_(cluster) {}

void ApiRouter::handle(net::Request&& req, net::Responder respond) {
  auto call = std::make_shared<Call>();
  call->path = std::string(core::target_path(req.target()));
  call->req = std::move(req);
  // While draining, every answer closes its connection so load balancers
  // reconnect, and the closed listener refuses them.
  call->respond = [this, respond = std::move(respond)](net::Response res) {
    if (hub_.readiness.draining()) res.keep_alive(false);
    respond(std::move(res));
  };
  route(*call);
}

void ApiRouter::route(Call& call) {
  const auto method = call.req.method();
  const std::string& path = call.path;
  auto only = [&](http::verb allowed) {
    if (method == allowed || (allowed == http::verb::get && method == http::verb::head)) return true;
    auto res = net::make_response(405, core::make_api_error(405, "method not allowed"));
    res.set(http::field::allow, allowed == http::verb::get ? "GET" : "POST");
    call.respond(std::move(res));
    return false;
  };

  if (path == "/healthz") {
    if (only(http::verb::get)) call.json(200, R"({"status":"ok"})");
    return;
  }
  if (path == "/readyz") {
    if (!only(http::verb::get)) return;
    if (hub_.readiness.ready()) {
      call.json(200, R"({"status":"ready"})");
    } else {
      call.json(503, hub_.readiness.draining() ? R"({"status":"draining"})" : R"({"status":"broker unavailable"})");
    }
    return;
  }
  if (path == "/metrics") {
    if (only(http::verb::get)) {
      std::string text = render_metrics(hub_.shards, hub_.readiness.ready());
      hub_.broker.render_metrics(text);
      if (hub_.tls_reloads != nullptr) {
        render_reload_metrics(text, "wshub_tls_reloads_total", "TLS certificate reloads on SIGHUP.",
                              hub_.tls_reloads->ok.get(), hub_.tls_reloads->error.get());
      }
      if (hub_.jwt_key_reloads != nullptr) {
        render_reload_metrics(text, "wshub_jwt_key_reloads_total", "JWT verification key reloads on SIGHUP.",
                              hub_.jwt_key_reloads->ok.get(), hub_.jwt_key_reloads->error.get());
      }
      if (hub_.process_metrics != nullptr) hub_.process_metrics(text);
      call.respond(net::make_response(200, std::move(text), 11, true,
                                      "text/plain; version=0.0.4; charset=utf-8"));
    }
    return;
  }
  if (path == "/ws") {
    auto res = net::make_response(426, core::make_api_error(426, "WebSocket upgrade required"));
    res.set(http::field::sec_websocket_version, "13");
    res.set(http::field::upgrade, "websocket");
    call.respond(std::move(res));
    return;
  }
  if (!path.starts_with("/api/")) {
    call.error(404, "not found");
    return;
  }

  const auto& cfg = hub_.config;
  if (!cfg.dev) {
    if (cfg.api_key.empty()) {
      call.error(403, "the server API is disabled: set api_key (flag --api-key, env WSHUB_API_KEY) to enable it");
      return;
    }
    std::string_view auth = call.req[http::field::authorization];
    constexpr std::string_view scheme = "apikey ";
    const bool ok = auth.size() > scheme.size() && auth.substr(0, scheme.size()) == scheme &&
                    core::constant_time_equal(auth.substr(scheme.size()), cfg.api_key);
    if (!ok) {
      call.error(401, "missing or wrong API key: send Authorization: apikey <key>");
      return;
    }
  }

  struct Route {
    std::string_view path;
    http::verb verb;
    void (ApiRouter::*handler)(Call&);
    ApiEndpoint body;  // POST only: how its JSON body is decoded
  };
  static constexpr Route k_routes[] = {
      {"/api/publish", http::verb::post, &ApiRouter::publish, ApiEndpoint::publish},
      {"/api/broadcast", http::verb::post, &ApiRouter::broadcast, ApiEndpoint::broadcast},
      {"/api/send", http::verb::post, &ApiRouter::send, ApiEndpoint::send},
      {"/api/disconnect", http::verb::post, &ApiRouter::disconnect, ApiEndpoint::disconnect},
      {"/api/history", http::verb::post, &ApiRouter::history, ApiEndpoint::history},
      {"/api/presence", http::verb::post, &ApiRouter::presence, ApiEndpoint::presence},
      {"/api/channels", http::verb::get, &ApiRouter::channels, ApiEndpoint::publish},
      {"/api/info", http::verb::get, &ApiRouter::info, ApiEndpoint::publish},
  };
  const ApiLimits limits{cfg.max_publish_size, static_cast<std::size_t>(core::k_default_history_limit)};
  for (const auto& r : k_routes) {
    if (r.path != path) continue;
    if (!only(r.verb)) return;
    if (r.verb == http::verb::post && !call.decode_body(r.body, limits)) return;
    (this->*r.handler)(call);
    return;
  }
  call.error(404, "no such API endpoint");
}

void ApiRouter::publish(Call& call) {
  if (auto* shard = hub::Shard::current()) shard->counters.publications_in.add(1);
  hub_.router.publish(std::move(call.request.channel), std::move(call.request.data), reply_executor(hub_),
                      [respond = call.respond](core::Expected<broker::PublishResult, BrokerError> r) {
                        if (!r) {
                          respond(net::make_response(r.error().code == 503 ? 503 : 500,
                                                     core::make_api_error(r.error().code, r.error().message)));
                          return;
                        }
                        std::string out = R"({"offset":)";
                        core::append_uint(out, r->offset);
                        out += R"(,"epoch":)";
                        core::append_json_string(out, r->epoch);
                        out.push_back('}');
                        respond(net::make_response(200, std::move(out)));
                      });
}

void ApiRouter::broadcast(Call& call) {
  const auto& names = call.request.channels;
  // Results in request order; every completion runs on this shard's thread.
  struct State {
    std::vector<std::string> results;
    std::size_t remaining;
    net::Responder respond;
  };
  auto st = std::make_shared<State>(State{std::vector<std::string>(names.size()), names.size(), call.respond});
  auto finish_one = [st] {
    if (--st->remaining != 0) return;
    std::string out = R"({"results":[)";
    for (std::size_t i = 0; i < st->results.size(); ++i) {
      if (i) out.push_back(',');
      out += st->results[i];
    }
    out += "]}";
    st->respond(net::make_response(200, std::move(out)));
  };
  const std::string data = std::move(call.request.data);
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string head = R"({"channel":)";
    core::append_json_string(head, names[i]);
    if (!core::is_valid_channel_name(names[i])) {
      st->results[i] = head;
      append_error_member(st->results[i], 400, core::k_invalid_channel_message);
      st->results[i].push_back('}');
      finish_one();
      continue;
    }
    if (auto* shard = hub::Shard::current()) shard->counters.publications_in.add(1);
    hub_.router.publish(std::string(names[i]), data, reply_executor(hub_),
                        [st, i, head, finish_one](core::Expected<broker::PublishResult, BrokerError> r) {
                          std::string out = head;
                          if (r) {
                            out += R"(,"offset":)";
                            core::append_uint(out, r->offset);
                            out += R"(,"epoch":)";
                            core::append_json_string(out, r->epoch);
                            out.push_back('}');
                          } else {
                            append_error_member(out, r.error().code, r.error().message);
                            out.push_back('}');
                          }
                          st->results[i] = std::move(out);
                          finish_one();
                        });
  }
}

void ApiRouter::send(Call& call) {
  cluster_.send(call.selector(), std::move(call.request.data),
                [respond = call.respond](core::Expected<std::size_t, cluster::ClusterError> n) {
                  if (!n) return respond(net::make_response(503, core::make_api_error(503, n.error().message)));
                  respond(net::make_response(200, R"({"delivered":)" + std::to_string(*n) + "}"));
                });
}

void ApiRouter::disconnect(Call& call) {
  cluster_.disconnect(call.selector(), call.request.code, std::move(call.request.reason),
                      [respond = call.respond](core::Expected<std::size_t, cluster::ClusterError> n) {
                        if (!n) return respond(net::make_response(503, core::make_api_error(503, n.error().message)));
                        respond(net::make_response(200, R"({"disconnected":)" + std::to_string(*n) + "}"));
                      });
}

void ApiRouter::history(Call& call) {
  const std::string channel = std::move(call.request.channel);
  if (hub_.router.namespace_of(channel).history_size == 0) {
    return call.error(404, "this channel's namespace keeps no history");
  }
  broker::HistoryQuery q{std::move(call.request.since), call.request.limit};
  hub_.router.history(channel, std::move(q), reply_executor(hub_),
                      [respond = call.respond](core::Expected<broker::HistoryResult, BrokerError> r) {
                        if (!r) {
                          respond(net::make_response(503, core::make_api_error(r.error().code, r.error().message)));
                          return;
                        }
                        std::string out = R"({"epoch":)";
                        core::append_json_string(out, r->epoch);
                        out += R"(,"offset":)";
                        core::append_uint(out, r->offset);
                        out += R"(,"messages":)";
                        out += core::messages_array(r->messages);
                        out.push_back('}');
                        respond(net::make_response(200, std::move(out)));
                      });
}

void ApiRouter::presence(Call& call) {
  const std::string channel = std::move(call.request.channel);
  if (!hub_.router.namespace_of(channel).presence) return call.error(404, "this channel's namespace keeps no presence");
  hub_.directory.presence(channel, reply_executor(hub_), [respond = call.respond](std::string clients) {
    respond(net::make_response(200, R"({"clients":)" + clients + "}"));
  });
}

void ApiRouter::channels(Call& call) {
  cluster_.channels([respond = call.respond](
                        core::Expected<std::map<std::string, std::size_t>, cluster::ClusterError> r) {
    if (!r) return respond(net::make_response(503, core::make_api_error(503, r.error().message)));
    const auto& counts = *r;
    std::string out = R"({"channels":[)";
    bool first = true;
    for (const auto& [name, n] : counts) {
      if (!first) out.push_back(',');
      first = false;
      out += R"({"channel":)";
      core::append_json_string(out, name);
      out += R"(,"subscribers":)";
      core::append_uint(out, n);
      out.push_back('}');
    }
    out += "]}";
    respond(net::make_response(200, std::move(out)));
  });
}

void ApiRouter::info(Call& call) {
  cluster_.instances([respond = call.respond](core::Expected<std::string, cluster::ClusterError> r) {
    if (!r) return respond(net::make_response(503, core::make_api_error(503, r.error().message)));
    respond(net::make_response(200, R"({"instances":)" + *r + "}"));
  });
}

}  // namespace wshub::api
