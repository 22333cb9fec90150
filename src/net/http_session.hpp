// HttpSession: one accepted TCP connection while it speaks HTTP/1.1.
//
// Reads requests (bounded header and body size, a deadline per request so a
// slow or idle client cannot hold the socket), hands WebSocket upgrades to
// HttpRoutes::on_upgrade and everything else to HttpRoutes::on_request, and
// writes responses one at a time (keep-alive honoured). An upgrade is checked
// and answered here (websocket::check_upgrade: 426 or 400; the 101 goes out
// as the new WebSocketSession's first write, with the socket and any bytes
// already read behind the request).
// The connection is a Transport: plain, or TLS, when run() first does the
// server handshake (bounded by request_timeout, like a request). Beast reads
// and writes through a TransportStream; the deadline is our own timer, which
// closes the Transport when it passes.
// Thread-safety: lives on one shard executor; only the Responder it hands out
// may be called from other threads (it posts back).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "net/http_routes.hpp"
#include "net/transport.hpp"
#include "net/transport_stream.hpp"

namespace wshub::net {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `peer`: the TCP peer, as the accept reported it.
  HttpSession(Transport&& transport, const boost::asio::ip::tcp::endpoint& peer, const HttpRoutes& routes);
  void run();

 private:
  void on_handshake(boost::beast::error_code ec);
  void arm_deadline(std::chrono::steady_clock::duration timeout);
  void do_read(bool arm = true);
  void on_read(boost::beast::error_code ec);
  void respond(Response res);
  void on_write(bool close, boost::beast::error_code ec);
  void upgrade(Request&& req);
  void close();
  void linger_close();
  void do_linger();

  static constexpr std::chrono::seconds k_linger_time{2};

  Transport transport_;
  TransportStream stream_{transport_};
  boost::asio::steady_timer deadline_;  // request_timeout (or the linger time); closes transport_
  bool timed_out_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<Response> response_;  // the one being written
  boost::asio::ip::address peer_;        // the TCP peer, for HttpRoutes::on_upgrade
  const HttpRoutes& routes_;
};

// An HTTP JSON response (also used for refusals before the upgrade).
Response make_response(unsigned status, std::string body, unsigned version = 11, bool keep_alive = true,
                       std::string_view content_type = "application/json");

}  // namespace wshub::net
