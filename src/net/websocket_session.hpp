// WebSocketSession: one upgraded client connection, on a Transport (plain
// TCP or TLS) and wshub's own RFC 6455 frame layer (src/websocket).
//
// Read side: waits for readability, then reads straight into the
// websocket::FrameParser's buffer (non-blocking reads until the socket is
// drained); the parser unmasks and reassembles in place, and each complete
// text message goes to the Handler. An idle connection holds no read buffer.
// Protocol errors close with the parser's code (1002, 1003, 1007, 1009).
//
// Write side: one write in flight. Everything queued meanwhile (up to
// k_max_batch_bytes and k_max_batch_frames) leaves as ONE '\n'-joined text
// frame, in a single gather write of [pending control frames][our header]
// [frame][\n][frame]... (an OutgoingWrite): the shared payloads are never
// copied. The write is deferred to the end of the current handler; on plain
// TCP with a WriteBatcher it goes out with every other session's write of
// that moment in one system call, otherwise on its own. Only a partial write
// takes the asynchronous path (a readiness wait on this socket). Pongs, pings
// and the close frame go out between data frames. Protocol errors are counted
// by close code in TransportStats. Over the queue limit the session closes
// with 4000 (slow consumer) and drops its queue. close() sends the close
// frame once the in-flight write is done; if the peer does not finish the
// close handshake within close_timeout the TCP connection is dropped. Knows
// nothing of channels or ops.
//
// Thread-safety: every member function must be called on the session's
// executor (its shard thread).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/publication.hpp"
#include "core/send_queue.hpp"
#include "net/outgoing_write.hpp"
#include "net/transport.hpp"
#include "net/transport_stats.hpp"
#include "websocket/frame_header.hpp"
#include "websocket/frame_parser.hpp"

namespace wshub::net {

class WriteBatcher;

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
  static constexpr std::size_t k_max_batch_frames = OutgoingWrite::k_max_frames;

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

  // `batcher`: the shard's WriteBatcher, or null (each write on its own).
  WebSocketSession(Transport&& transport, const WebSocketLimits& limits, TransportStats& stats,
                   WriteBatcher* batcher = nullptr);
  ~WebSocketSession();

  using OpenHandler = std::function<void(std::shared_ptr<WebSocketSession>)>;
  // Completes the upgrade: `response` (the 101 head) is the first thing
  // written; `early_bytes` are what the client sent after its request and
  // the HTTP layer already read. Then `on_open` runs and the read loop starts.
  // REQUIRES: the request was validated (websocket::check_upgrade).
  void accept(std::string response, std::string_view early_bytes, const OpenHandler& on_open);

  // REQUIRES: called from on_open or later.
  void set_handler(Handler* handler) { handler_ = handler; }

  // Queues a frame. False when the session is closing, or when the frame
  // overflowed the queue (the session then closes with 4000).
  bool send(core::SharedFrame frame);

  // Closes with `code`. flush: send what is queued first; otherwise drop it.
  void close(std::uint16_t code, std::string_view reason, bool flush);

  // Keepalive step, called periodically by the shard: pings after
  // `interval` since the last ping, closes with 4003 after 2 * interval
  // without any bytes from the peer.
  void keepalive(Clock::time_point now, std::chrono::seconds interval);

  // While paused, no frame is handed out (the client's TCP window fills): the
  // handler uses it to finish an op before taking the next. Control frames
  // are not read either, so pauses must be short.
  void pause_reading() noexcept { read_paused_ = true; }
  void resume_reading();

  bool is_open() const noexcept { return state_ == State::open; }
  std::size_t queued_bytes() const noexcept { return queue_.bytes(); }

  // --- for the WriteBatcher (plain TCP only) ---
  int native_handle() noexcept { return static_cast<int>(transport_.socket().native_handle()); }
  // Lays out the next write in `w`; false when there is nothing to send now.
  bool begin_batched_write(OutgoingWrite& w);
  // `result`: bytes written or -errno, as net::SendRequest. Consumes `w`.
  void end_batched_write(OutgoingWrite& w, ssize_t result);

 private:
  enum class State : std::uint8_t { handshake, open, closing, closed };
  struct PendingWrite;  // a write that did not complete synchronously
  struct Closing;       // the close frame to send and the close deadline

  void pump();
  bool process_events();
  void arm_read();
  void on_readable(boost::system::error_code ec);
  void on_peer_close(std::uint16_t code);
  void fail(std::uint16_t code);
  void start_closing(std::uint16_t code, std::string_view reason);
  void queue_control(websocket::Opcode op, const char* data, std::size_t len);
  void schedule_flush();
  void do_write();
  bool prepare_write(OutgoingWrite& w);
  void complete_write(OutgoingWrite& w, std::size_t n, boost::system::error_code ec);
  void wait_writable();
  void on_writable(boost::system::error_code ec);
  void on_write(boost::system::error_code ec);
  void written(std::size_t bytes, const core::SharedFrame* frames, std::size_t count);
  void after_close_written();
  void finish();

  Transport transport_;
  std::chrono::seconds close_timeout_;
  TransportStats& stats_;
  WriteBatcher* batcher_;
  Handler* handler_ = nullptr;
  websocket::FrameParser parser_;
  core::SendQueue queue_;
  std::string control_;  // encoded control frames (and first the 101 response) waiting to be written
  std::unique_ptr<PendingWrite> pending_;
  std::unique_ptr<Closing> closing_;  // only while closing
  Clock::time_point last_rx_;
  Clock::time_point last_ping_;
  State state_ = State::handshake;
  bool writing_ = false;
  bool reading_ = false;      // a wait for readability is pending
  bool read_paused_ = false;
  bool read_parked_ = false;  // reading stopped at a pause and must be resumed
  bool flush_posted_ = false;
  bool close_sent_ = false;
  bool peer_closed_ = false;
};

}  // namespace wshub::net
