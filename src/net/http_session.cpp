#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <iterator>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/envelopes.hpp"
#include "websocket/handshake.hpp"

namespace wshub::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

Response make_response(unsigned status, std::string body, unsigned version, bool keep_alive,
                       std::string_view content_type) {
  Response res{static_cast<http::status>(status), version};
  res.set(http::field::server, "wshub");
  res.set(http::field::content_type, content_type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpSession::HttpSession(Transport&& transport, const asio::ip::tcp::endpoint& peer, const HttpRoutes& routes)
    : transport_(std::move(transport)), deadline_(transport_.get_executor()), peer_(peer.address()), routes_(routes) {}

void HttpSession::run() {
  asio::dispatch(transport_.get_executor(), [self = shared_from_this()] {
    if (!self->transport_.is_tls()) {
      self->do_read();
      return;
    }
    // The TLS handshake and the first request share one request_timeout.
    self->arm_deadline(self->routes_.request_timeout);
    self->transport_.async_handshake([self](beast::error_code ec) { self->on_handshake(ec); });
  });
}

void HttpSession::on_handshake(beast::error_code ec) {
  if (ec) {
    if (timed_out_) routes_.stats_for_this_shard().tls_handshake_timeouts.add(1);
    routes_.stats_for_this_shard().tls_handshake_failures.add(1);
    close();  // a plain-HTTP client, a stalled or failed handshake
    return;
  }
  do_read(false);
}

// Like beast::tcp_stream's expiry, the deadline bounds everything until it is
// set again: reading the request, and writing its response.
void HttpSession::arm_deadline(std::chrono::steady_clock::duration timeout) {
  deadline_.expires_after(timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    // Cancelled, or re-armed after this wait had already completed.
    if (ec || self->deadline_.expiry() > std::chrono::steady_clock::now()) return;
    self->timed_out_ = true;
    self->transport_.close();  // the pending operation completes with operation_aborted
  });
}

void HttpSession::do_read(bool arm) {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(routes_.max_header_size));
  parser_->body_limit(routes_.max_body_size);
  if (arm) arm_deadline(routes_.request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void HttpSession::on_read(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    routes_.stats_for_this_shard().http_body_size_refusals.add(1);
    respond(make_response(413, core::make_api_error(413, "request body too large"), 11, false));
    return;
  }
  if (ec == http::error::header_limit) {
    routes_.stats_for_this_shard().http_header_size_refusals.add(1);
    respond(make_response(431, core::make_api_error(431, "request header fields too large"), 11, false));
    return;
  }
  if (ec) {
    if (timed_out_) routes_.stats_for_this_shard().http_request_timeouts.add(1);
    close();  // end of stream, timeout, malformed request
    return;
  }
  Request req = parser_->release();
  // The head's size is bounded already (header_limit), so counting after the
  // parse costs no more memory than refusing during it.
  if (static_cast<std::size_t>(std::distance(req.begin(), req.end())) > routes_.max_header_count) {
    routes_.stats_for_this_shard().http_header_count_refusals.add(1);
    respond(make_response(431, core::make_api_error(431, "too many request header fields"), 11, false));
    return;
  }
  if (beast::websocket::is_upgrade(req)) {
    upgrade(std::move(req));
    return;
  }
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  auto self = shared_from_this();
  routes_.on_request(std::move(req), [self, version, keep_alive](Response res) {
    res.version(version);
    res.keep_alive(keep_alive && res.keep_alive());
    asio::post(self->transport_.get_executor(),
               [self, res = std::move(res)]() mutable { self->respond(std::move(res)); });
  });
}

void HttpSession::respond(Response res) {
  response_ = std::make_shared<Response>(std::move(res));
  const bool close = !response_->keep_alive();
  http::async_write(stream_, *response_, [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
    self->on_write(close, ec);
  });
}

void HttpSession::on_write(bool close_after, beast::error_code ec) {
  response_.reset();
  if (ec) {
    close();
    return;
  }
  if (close_after) {
    linger_close();
    return;
  }
  do_read();
}

// After a response that ends the connection (often a refusal such as 431 sent
// before the request was read to its end), send FIN but keep reading and
// discarding for a moment: closing with unread input makes the kernel answer
// with a reset, which can destroy the response before the client reads it.
void HttpSession::linger_close() {
  transport_.shutdown_send();
  arm_deadline(k_linger_time);
  do_linger();
}

void HttpSession::do_linger() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->deadline_.cancel();
      self->transport_.close();  // the client closed too, or the linger time is over
      return;
    }
    self->do_linger();
  });
}

void HttpSession::upgrade(Request&& req) {
  // RFC 6455 4.2: our own checks and 101; never an extension or subprotocol.
  const auto check = websocket::check_upgrade(req[http::field::sec_websocket_version],
                                               req[http::field::sec_websocket_key]);
  if (check.status != 0) {
    auto res = make_response(check.status, core::make_api_error(check.status, check.message), 11, false);
    if (check.status == 426) {
      res.set(http::field::sec_websocket_version, "13");
      res.set(http::field::upgrade, "websocket");
    }
    respond(std::move(res));
    return;
  }
  UpgradeVerdict verdict = routes_.on_upgrade(req, peer_);
  if (verdict.refusal) {
    verdict.refusal->keep_alive(false);
    respond(std::move(*verdict.refusal));
    return;
  }
  deadline_.cancel();
  auto ws = std::make_shared<WebSocketSession>(
      std::move(transport_), routes_.websocket, routes_.stats_for_this_shard(),
      routes_.write_batcher_for_this_shard ? routes_.write_batcher_for_this_shard() : nullptr);
  // Frames the client sent right behind its request may already be in our buffer.
  const auto early = buffer_.data();
  ws->accept(websocket::make_accept_response(req[http::field::sec_websocket_key]),
             std::string_view(static_cast<const char*>(early.data()), early.size()), verdict.on_open);
  buffer_.consume(buffer_.size());
}

void HttpSession::close() {
  deadline_.cancel();
  transport_.shutdown_send();
  transport_.close();
}

}  // namespace wshub::net
