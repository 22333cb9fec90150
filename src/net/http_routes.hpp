// HttpRoutes: what the transport hands each HTTP request to. The transport
// knows no paths or features; apps/wshub/main.cpp wires the hub and API in.
//
// Thread-safety: the handlers are called on the connection's shard thread and
// must be safe to call concurrently from every shard (they are shared).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "net/websocket_session.hpp"

namespace wshub::net {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Answer to a WebSocket upgrade request: a refusal, or what to do once open.
struct UpgradeVerdict {
  std::optional<Response> refusal;
  WebSocketSession::OpenHandler on_open;
};

// Sends the response for one request; may be called from any thread, once.
using Responder = std::function<void(Response)>;

struct HttpRoutes {
  // `peer` is the TCP peer's address (the client, or a proxy in front of it).
  std::function<UpgradeVerdict(const Request&, const boost::asio::ip::address& peer)> on_upgrade;
  std::function<void(Request&&, Responder)> on_request;
  std::function<TransportStats&()> stats_for_this_shard;
  // The running shard's WriteBatcher; unset or null: sessions write on their own.
  std::function<WriteBatcher*()> write_batcher_for_this_shard;
  WebSocketLimits websocket;
  std::size_t max_body_size = 1 << 20;
  std::size_t max_header_size = 16 * 1024;
  std::size_t max_header_count = 100;  // header fields per request (431 beyond)
  std::chrono::seconds request_timeout{10};  // to receive one whole request, and idle between requests
};

}  // namespace wshub::net
