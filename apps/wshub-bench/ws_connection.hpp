// WsConnection: one client WebSocket connection to a target, on Beast's
// websocket::stream over a tcp_stream: TCP connect from a chosen source
// address, the upgrade, then whole text frames in and out.
//
// One read and one write may be in flight at once (Beast's rule); a close may
// be started while a read is pending. A deadline set with set_deadline()
// covers every operation until it is cleared, so one deadline bounds the whole
// set-up (connect, upgrade, welcome, subscribe reply).
// Thread-safety: none; used on its worker's thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "source_addresses.hpp"
#include "target.hpp"

namespace wshub::bench {

struct ConnectPlan {
  const Target* target = nullptr;
  const SourceAddresses* sources = nullptr;
  std::size_t index = 0;     // picks the source address
  std::string_view path;     // "/ws?..."
  std::size_t rcvbuf = 0;    // SO_RCVBUF when > 0
  std::string_view api_key;  // sent as Authorization: apikey KEY when not empty
};

struct SetupTimes {
  std::int64_t start_ns = 0;
  std::int64_t tcp_ns = 0;
  std::int64_t upgrade_ns = 0;
};

class WsConnection {
 public:
  explicit WsConnection(boost::asio::io_context& io);

  // TCP connect and upgrade. Returns an empty string on success, else
  // "STAGE: reason" (e.g. "connect: Connection refused", "upgrade: HTTP 403").
  boost::asio::awaitable<std::string> open(const ConnectPlan& plan, SetupTimes& times);

  // Reads the next message; `frame` stays valid until the next read.
  boost::asio::awaitable<boost::system::error_code> read(std::string_view& frame);
  boost::asio::awaitable<boost::system::error_code> write(std::string_view text);
  // Sends a close frame (1000) and waits for the peer's; a pending read ends with closed.
  boost::asio::awaitable<boost::system::error_code> close();
  // Drops the socket at once; pending operations end with operation_aborted.
  void close_now();

  void set_deadline(std::chrono::steady_clock::duration d);
  void clear_deadline();

  // Why a read failed, for counts: the close code ("1000", "4000"), "eof",
  // "reset", "timeout", or the error message.
  std::string describe_end(const boost::system::error_code& ec) const;

  bool is_open() const { return ws_.is_open(); }

 private:
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace wshub::bench
