// WebSocketSession: one upgraded client connection on Boost.Beast.
//
// Owns the socket, a read loop, and the bounded send queue: one write in
// flight at a time, and everything queued meanwhile leaves in one '\n'-joined
// text frame (up to k_max_batch_bytes). Over the queue limit the session is
// closed with 4000 (slow consumer) and its queue dropped. close() sends the
// close frame once the in-flight write is done; if the peer does not finish
// the close handshake within close_timeout the TCP connection is dropped.
// Knows nothing of channels or ops: text messages go to a Handler.
//
// Thread-safety: every member function must be called on the session's
// executor (its shard thread).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/publication.hpp"
#include "core/send_queue.hpp"
#include "net/transport_stats.hpp"

namespace wshub::net {

struct WebSocketLimits {
  std::size_t max_message_size = 65536;
  std::size_t send_queue_bytes = 1 << 20;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds close_timeout{5};
};

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t k_max_batch_bytes = 64 * 1024;

  class Handler {
   public:
    virtual ~Handler() = default;
    // One complete text message. `text` is writable, and `capacity` bytes
    // from it are readable (capacity >= len + core::k_json_padding).
    // Valid only during the call.
    virtual void on_text(char* text, std::size_t len, std::size_t capacity) = 0;
    // The connection is gone. Called exactly once, after which the session
    // never calls the handler again.
    virtual void on_closed() = 0;
  };

  WebSocketSession(boost::beast::tcp_stream&& stream, const WebSocketLimits& limits, TransportStats& stats);
  ~WebSocketSession();

  using OpenHandler = std::function<void(std::shared_ptr<WebSocketSession>)>;
  // Completes the upgrade of `req`; on success `on_open` runs and the read
  // loop starts. On failure Beast has already answered (400, 426).
  void accept(boost::beast::http::request<boost::beast::http::string_body> req, OpenHandler on_open);

  // REQUIRES: called from on_open or later.
  void set_handler(Handler* handler) { handler_ = handler; }

  // Queues a frame. False when the session is closing, or when the frame
  // overflowed the queue (the session then closes with 4000).
  bool send(core::SharedFrame frame);

  // Closes with `code`. flush: send what is queued first; otherwise drop it.
  void close(std::uint16_t code, std::string reason, bool flush);

  // Keepalive step, called periodically by the shard: pings after
  // `interval` of our silence, closes with 4003 after 2 * interval without a
  // frame from the peer.
  void keepalive(Clock::time_point now, std::chrono::seconds interval);

  // While paused, no frame is read (the client's TCP window fills): the
  // handler uses it to finish an op before taking the next. Control frames
  // are not read either, so pauses must be short.
  void pause_reading() noexcept { read_paused_ = true; }
  void resume_reading();

  bool is_open() const noexcept { return state_ == State::open; }
  std::size_t queued_bytes() const noexcept { return queue_.bytes(); }

 private:
  enum class State { handshake, open, closing, closed };

  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void schedule_flush();
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t n);
  void maybe_send_close();
  void abort();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  WebSocketLimits limits_;
  TransportStats& stats_;
  Handler* handler_ = nullptr;

  State state_ = State::handshake;
  boost::beast::flat_buffer read_buffer_;
  core::SendQueue queue_;
  std::vector<core::SharedFrame> batch_;  // the frames of the write in flight
  std::string batch_bytes_;                // their '\n'-joined copy when more than one
  bool writing_ = false;
  bool read_paused_ = false;
  bool read_parked_ = false;  // a read is due but was held back by the pause
  bool flush_posted_ = false;
  bool ping_in_flight_ = false;
  bool close_sent_ = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
  Clock::time_point last_rx_;
  Clock::time_point last_ping_;
  std::unique_ptr<boost::asio::steady_timer> close_deadline_;  // only while closing
};

}  // namespace wshub::net
