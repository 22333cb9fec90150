// HttpSession: one accepted TCP connection while it speaks HTTP/1.1.
//
// Reads requests (bounded header and body size, a deadline per request so a
// slow or idle client cannot hold the socket), hands WebSocket upgrades to
// HttpRoutes::on_upgrade and everything else to HttpRoutes::on_request, and
// writes responses one at a time (keep-alive honoured). An upgrade is checked
// and answered here (websocket::check_upgrade: 426 or 400; the 101 goes out
// as the new WebSocketSession's first write, with the socket and any bytes
// already read behind the request).
// Thread-safety: lives on one shard executor; only the Responder it hands out
// may be called from other threads (it posts back).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "net/http_routes.hpp"

namespace wshub::net {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, const HttpRoutes& routes);
  void run();

 private:
  void do_read();
  void on_read(boost::beast::error_code ec);
  void respond(Response res);
  void on_write(bool close, boost::beast::error_code ec);
  void upgrade(Request&& req);
  void close();
  void linger_close();
  void do_linger();

  static constexpr std::chrono::seconds k_linger_time{2};

  boost::beast::tcp_stream stream_;
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
