#include "ws_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "clock.hpp"

namespace wshub::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace {

constexpr auto k_use = asio::as_tuple(asio::use_awaitable);

std::string failure(std::string_view stage, const boost::system::error_code& ec) {
  return std::string(stage) + ": " + ec.message();
}

}  // namespace

WsConnection::WsConnection(asio::io_context& io) : ws_(io) {
  ws_.read_message_max(64u << 20);
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "wshub-bench"); }));
}

asio::awaitable<std::string> WsConnection::open(const ConnectPlan& plan, SetupTimes& times) {
  auto& stream = beast::get_lowest_layer(ws_);
  auto& socket = stream.socket();
  times.start_ns = steady_ns();
  if (auto ec = plan.sources->prepare(socket, plan.index)) co_return failure("bind", ec);
  if (plan.rcvbuf > 0) {
    boost::system::error_code ec;
    socket.set_option(asio::socket_base::receive_buffer_size(static_cast<int>(plan.rcvbuf)), ec);
    if (ec) co_return failure("rcvbuf", ec);
  }
  {
    auto [ec] = co_await stream.async_connect(plan.target->endpoint, k_use);
    if (ec) co_return failure("connect", ec);
  }
  times.tcp_ns = steady_ns();
  {
    boost::system::error_code ec;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
  }
  if (!plan.api_key.empty()) {
    std::string auth = "apikey " + std::string(plan.api_key);
    ws_.set_option(websocket::stream_base::decorator([auth](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "wshub-bench");
      req.set(beast::http::field::authorization, auth);
    }));
  }
  websocket::response_type response;
  auto [ec] = co_await ws_.async_handshake(response, plan.target->host_header, plan.path, k_use);
  if (ec) {
    if (ec == websocket::error::upgrade_declined) {
      co_return "upgrade: HTTP " + std::to_string(response.result_int());
    }
    co_return failure("upgrade", ec);
  }
  times.upgrade_ns = steady_ns();
  ws_.text(true);
  co_return std::string();
}

asio::awaitable<boost::system::error_code> WsConnection::read(std::string_view& frame) {
  buffer_.consume(buffer_.size());
  auto [ec, n] = co_await ws_.async_read(buffer_, k_use);
  if (ec) co_return ec;
  const auto data = buffer_.cdata();
  frame = std::string_view(static_cast<const char*>(data.data()), data.size());
  co_return ec;
}

asio::awaitable<boost::system::error_code> WsConnection::write(std::string_view text) {
  auto [ec, n] = co_await ws_.async_write(asio::buffer(text.data(), text.size()), k_use);
  co_return ec;
}

asio::awaitable<boost::system::error_code> WsConnection::close() {
  auto [ec] = co_await ws_.async_close(websocket::close_code::normal, k_use);
  co_return ec;
}

void WsConnection::close_now() {
  boost::system::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
}

void WsConnection::set_deadline(std::chrono::steady_clock::duration d) {
  beast::get_lowest_layer(ws_).expires_after(d);
}

void WsConnection::clear_deadline() { beast::get_lowest_layer(ws_).expires_never(); }

std::string WsConnection::describe_end(const boost::system::error_code& ec) const {
  if (ec == websocket::error::closed) return std::to_string(ws_.reason().code);
  if (ec == asio::error::eof || ec == beast::http::error::end_of_stream) return "eof";
  if (ec == asio::error::connection_reset) return "reset";
  if (ec == beast::error::timeout) return "timeout";
  if (ec == asio::error::operation_aborted) return "aborted";
  return ec.message();
}

}  // namespace wshub::bench
