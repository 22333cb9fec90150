#include "net/websocket_session.hpp"

#include <array>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <vector>

#include "core/json_fields.hpp"
#include "net/write_batcher.hpp"
#include "websocket/close_code.hpp"
#include "websocket/frame_header.hpp"

namespace wshub::net {

namespace asio = boost::asio;
using boost::system::error_code;
using websocket::Opcode;

namespace {

std::int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

constexpr std::size_t k_min_read = 512;
constexpr int k_max_reads_per_turn = 16;          // then yield to other connections
constexpr std::size_t k_max_pending_control = 1024;  // pongs beyond this are dropped (ping floods)
constexpr char k_separator = '\n';

// Drops the first `n` bytes from a gather list.
void consume(std::vector<asio::const_buffer>& buffers, std::size_t n) {
  auto first = buffers.begin();
  while (first != buffers.end() && n >= first->size()) {
    n -= first->size();
    ++first;
  }
  buffers.erase(buffers.begin(), first);
  if (n > 0) buffers.front() += n;
}

void append_frame(std::string& out, Opcode op, const char* data, std::size_t len) {
  std::uint8_t header[websocket::k_max_server_header];
  const std::size_t h = websocket::encode_frame_header(header, op, true, len);
  out.append(reinterpret_cast<const char*>(header), h);
  out.append(data, len);
}

}  // namespace

struct WebSocketSession::PendingWrite {
  std::string control;
  std::array<std::uint8_t, websocket::k_max_server_header> header{};
  std::vector<core::SharedFrame> frames;
  std::vector<asio::const_buffer> buffers;
  std::size_t total = 0;  // bytes of the whole write
};

struct WebSocketSession::Closing {
  explicit Closing(const asio::any_io_executor& ex) : deadline(ex) {}
  asio::steady_timer deadline;
  std::string frame;  // the encoded close frame, sent once the queue is done
};

WebSocketSession::WebSocketSession(Transport&& transport, const WebSocketLimits& limits, TransportStats& stats,
                                   WriteBatcher* batcher)
    : transport_(std::move(transport)),
      close_timeout_(limits.close_timeout),
      stats_(stats),
      batcher_(batcher),
      parser_(limits.max_message_size, core::k_json_padding),
      queue_(limits.send_queue_bytes) {}

WebSocketSession::~WebSocketSession() { stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.bytes())); }

void WebSocketSession::accept(std::string response, std::string_view early_bytes, const OpenHandler& on_open) {
  // The Transport made the socket non-blocking; TCP_NODELAY came from the
  // listening socket (open_listening_socket).
  control_ = std::move(response);
  if (!early_bytes.empty()) parser_.feed(early_bytes.data(), early_bytes.size());
  state_ = State::open;
  last_rx_ = last_ping_ = Clock::now();
  on_open(shared_from_this());
  schedule_flush();  // the 101 (and the welcome, when on_open queued it) in one write
  if (early_bytes.empty()) {
    // The HTTP layer read to the end of the request and a client normally
    // waits for our 101, so a read now would almost always be an EAGAIN
    // syscall. The wait still reports bytes that are already there (Asio
    // re-arms the descriptor in epoll) and, with TLS, input OpenSSL holds.
    arm_read();
    return;
  }
  pump();
}

// ---------------------------------------------------------------------------
// Read side

void WebSocketSession::pump() {
  for (int reads = 0;; ++reads) {
    if (!process_events()) return;
    if (reads == k_max_reads_per_turn) {
      asio::post(transport_.get_executor(), [self = shared_from_this()] { self->pump(); });
      return;
    }
    auto space = parser_.prepare(k_min_read);
    error_code ec;
    const std::size_t n = transport_.read_some(asio::buffer(space.data(), space.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      arm_read();
      return;
    }
    if (ec) {  // end of stream or a socket error
      finish();
      return;
    }
    parser_.commit(n);
    last_rx_ = Clock::now();
    stats_.bytes_in.add(static_cast<std::int64_t>(n));
    if (n < space.size()) {
      // Drained (for TLS: this record; arm_read resumes at once when OpenSSL
      // holds more): the socket reports readability again when more arrives.
      if (process_events()) arm_read();
      return;
    }
  }
}

void WebSocketSession::arm_read() {
  if (reading_ || state_ == State::closed) return;
  parser_.release_if_idle();
  reading_ = true;
  transport_.async_wait_readable([self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void WebSocketSession::on_readable(error_code ec) {
  reading_ = false;
  if (state_ == State::closed) return;
  if (ec) {
    finish();
    return;
  }
  pump();
}

// Hands out what the parser has. False when reading must stop for now
// (paused, or the session is gone).
bool WebSocketSession::process_events() {
  using Kind = websocket::FrameParser::EventKind;
  for (;;) {
    if (state_ == State::closed) return false;
    if (read_paused_ && state_ == State::open) {
      read_parked_ = true;
      return false;
    }
    const auto ev = parser_.next();
    switch (ev.kind) {
      case Kind::need_more:
        return true;
      case Kind::text:
        stats_.frames_in.add();
        if (state_ == State::open && handler_ != nullptr) handler_->on_text(ev.data, ev.size, ev.capacity);
        break;
      case Kind::ping:
        stats_.frames_in.add();
        if (state_ == State::open && control_.size() < k_max_pending_control) {
          queue_control(Opcode::pong, ev.data, ev.size);
        }
        break;
      case Kind::pong:
        stats_.frames_in.add();
        break;
      case Kind::close:
        stats_.frames_in.add();
        on_peer_close(ev.code);
        // Nothing may follow a close frame (RFC 6455 5.5.1), so reading stops
        // here: writing our close frame, or the close deadline, ends the
        // session. Waiting for more would only cost another readiness wait.
        return false;
      case Kind::error:
        fail(ev.code);
        return true;  // keep reading (and discarding) until the peer closes
    }
  }
}

void WebSocketSession::resume_reading() {
  read_paused_ = false;
  if (!read_parked_) return;
  read_parked_ = false;
  // Posted: resume_reading may be called from inside the handler.
  asio::post(transport_.get_executor(), [self = shared_from_this()] {
    if (self->state_ != State::closed && !self->reading_) self->pump();
  });
}

void WebSocketSession::on_peer_close(std::uint16_t code) {
  peer_closed_ = true;
  if (state_ == State::open) {
    // Echo the peer's code (an empty close is answered with an empty one).
    start_closing(code, {});
    stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.clear()));
    schedule_flush();
    return;
  }
  if (close_sent_ && !writing_) finish();  // our close went out earlier: the handshake is complete
}

void WebSocketSession::fail(std::uint16_t code) {
  if (state_ != State::open) return;
  std::string_view reason;
  switch (code) {
    case websocket::close_code::unsupported_data:
      reason = "binary frames are not supported";
      stats_.unsupported_data_closes.add();
      break;
    case websocket::close_code::invalid_payload:
      reason = "invalid UTF-8";
      stats_.invalid_utf8_closes.add();
      break;
    case websocket::close_code::message_too_big:
      reason = "message too big";
      stats_.message_too_big_closes.add();
      break;
    default:
      reason = "protocol error";
      stats_.protocol_error_closes.add();
  }
  close(code, reason, false);
}

// ---------------------------------------------------------------------------
// Write side

bool WebSocketSession::send(core::SharedFrame frame) {
  if (state_ != State::open) return false;
  const std::size_t before = queue_.bytes();
  if (!queue_.push(std::move(frame))) {
    stats_.slow_consumer_closes.add();
    close(4000, "slow consumer: send buffer overflowed", false);
    return false;
  }
  stats_.queued_bytes.add(static_cast<std::int64_t>(queue_.bytes() - before));
  schedule_flush();
  return true;
}

void WebSocketSession::queue_control(Opcode op, const char* data, std::size_t len) {
  append_frame(control_, op, data, len);
  schedule_flush();
}

void WebSocketSession::schedule_flush() {
  if (writing_ || flush_posted_ || state_ == State::closed) return;
  // Deferred, so that everything queued by the current handler (a fan-out
  // batch, the replies to a multi-op frame) leaves in one write.
  flush_posted_ = true;
  if (batcher_ != nullptr && !transport_.is_tls()) {
    batcher_->schedule(shared_from_this());
    return;
  }
  asio::post(transport_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->do_write();
  });
}

bool WebSocketSession::begin_batched_write(OutgoingWrite& w) {
  flush_posted_ = false;
  if (writing_ || state_ == State::closed || close_sent_) return false;
  return prepare_write(w);
}

void WebSocketSession::end_batched_write(OutgoingWrite& w, ssize_t result) {
  error_code ec;
  std::size_t n = 0;
  if (result >= 0) {
    n = static_cast<std::size_t>(result);
  } else if (result != -EAGAIN && result != -EWOULDBLOCK) {
    ec = error_code(static_cast<int>(-result), boost::system::system_category());
  }
  complete_write(w, n, ec);
  // Over the batch limits, or the close frame still to go: the next flush.
  if (!writing_ && state_ != State::closed && !close_sent_ &&
      (!queue_.empty() || !control_.empty() || state_ == State::closing)) {
    schedule_flush();
  }
}

void WebSocketSession::do_write() {
  while (!writing_ && state_ != State::closed && !close_sent_) {
    OutgoingWrite w;
    if (!prepare_write(w)) return;
    std::array<asio::const_buffer, OutgoingWrite::k_max_iov> buffers;
    for (std::size_t i = 0; i < w.iov_count; ++i) buffers[i] = asio::buffer(w.iov[i].iov_base, w.iov[i].iov_len);
    error_code ec;
    std::size_t n = transport_.write_some(std::span<const asio::const_buffer>(buffers.data(), w.iov_count), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      n = 0;
    }
    complete_write(w, n, ec);
  }
}

// Takes the next batch off the queue (and the close frame once the queue is
// empty while closing) and lays it out in `w`. control_ stays as it is until
// complete_write: `w` points into it.
bool WebSocketSession::prepare_write(OutgoingWrite& w) {
  if (state_ == State::closing && queue_.empty()) {
    control_ += closing_->frame;
    close_sent_ = true;
  }
  w.frame_count = 0;
  std::size_t payload = 0;
  if (!close_sent_ && !queue_.empty()) {
    std::size_t released = 0;
    w.frame_count = queue_.take_batch(std::span<core::SharedFrame>(w.frames), k_max_batch_bytes, released);
    stats_.queued_bytes.add(-static_cast<std::int64_t>(released));
    payload = released - 1;  // each frame counted its separator; there is one fewer
  }
  if (control_.empty() && w.frame_count == 0) return false;

  std::size_t nb = 0;
  if (!control_.empty()) w.iov[nb++] = iovec{control_.data(), control_.size()};
  if (w.frame_count > 0) {
    const std::size_t h = websocket::encode_frame_header(w.header.data(), Opcode::text, true, payload);
    w.iov[nb++] = iovec{w.header.data(), h};
    for (std::size_t i = 0; i < w.frame_count; ++i) {
      if (i > 0) w.iov[nb++] = iovec{const_cast<char*>(&k_separator), 1};
      const std::string& bytes = w.frames[i]->bytes;
      w.iov[nb++] = iovec{const_cast<char*>(bytes.data()), bytes.size()};
    }
  }
  w.iov_count = nb;
  w.total = 0;
  for (std::size_t i = 0; i < nb; ++i) w.total += w.iov[i].iov_len;
  return true;
}

// `n` bytes of `w` were written (ec: the socket failed). A partial write
// continues asynchronously, from storage that outlives `w`.
void WebSocketSession::complete_write(OutgoingWrite& w, std::size_t n, error_code ec) {
  if (ec) {
    w.release_frames();
    finish();
    return;
  }
  if (n == w.total) {
    control_.clear();
    written(w.total, w.frames.data(), w.frame_count);
    w.release_frames();
    if (close_sent_) after_close_written();
    return;
  }

  if (!pending_) pending_ = std::make_unique<PendingWrite>();
  PendingWrite& p = *pending_;
  const bool has_control = !control_.empty();
  p.control = std::move(control_);
  control_.clear();
  p.header = w.header;
  p.frames.assign(std::make_move_iterator(w.frames.begin()),
                  std::make_move_iterator(w.frames.begin() + static_cast<std::ptrdiff_t>(w.frame_count)));
  w.frame_count = 0;
  p.total = w.total;
  p.buffers.clear();
  std::size_t next = 0;
  if (has_control) {
    p.buffers.push_back(asio::buffer(p.control));
    ++next;
  }
  if (!p.frames.empty()) {
    p.buffers.push_back(asio::buffer(p.header.data(), w.iov[next].iov_len));
    for (std::size_t i = 0; i < p.frames.size(); ++i) {
      if (i > 0) p.buffers.push_back(asio::buffer(&k_separator, 1));
      p.buffers.push_back(asio::buffer(p.frames[i]->bytes));
    }
  }
  consume(p.buffers, n);
  writing_ = true;
  wait_writable();
}

void WebSocketSession::wait_writable() {
  transport_.async_wait_writable([self = shared_from_this()](error_code ec) { self->on_writable(ec); });
}

// The rest of a partial write. For TLS, the retry after would_block carries
// the same remaining bytes, as OpenSSL requires.
void WebSocketSession::on_writable(error_code ec) {
  if (state_ == State::closed) {
    writing_ = false;
    return;
  }
  if (!ec) {
    PendingWrite& w = *pending_;
    const std::size_t n = transport_.write_some(w.buffers, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      wait_writable();
      return;
    }
    if (!ec) {
      consume(w.buffers, n);
      if (!w.buffers.empty()) {
        wait_writable();
        return;
      }
    }
  }
  on_write(ec);
}

void WebSocketSession::on_write(error_code ec) {
  writing_ = false;
  if (state_ == State::closed) return;
  if (ec) {
    finish();
    return;
  }
  PendingWrite& w = *pending_;
  written(w.total, w.frames.data(), w.frames.size());
  w.frames.clear();
  w.frames.shrink_to_fit();
  std::string().swap(w.control);
  w.buffers.clear();
  if (close_sent_) {
    after_close_written();
    return;
  }
  do_write();
}

void WebSocketSession::written(std::size_t bytes, const core::SharedFrame* frames, std::size_t count) {
  stats_.bytes_out.add(static_cast<std::int64_t>(bytes));
  if (count == 0) return;
  const std::int64_t now = steady_ns(Clock::now());
  for (std::size_t i = 0; i < count; ++i) {
    if (frames[i]->created_ns != 0) stats_.delivery_latency.observe(now - frames[i]->created_ns);
  }
  stats_.messages_out.add(static_cast<std::int64_t>(count));
  stats_.frames_out.add();
}

void WebSocketSession::after_close_written() {
  if (peer_closed_) {
    finish();  // both close frames are out: the server closes TCP first (RFC 6455 7.1.1)
    return;
  }
  // Nothing more from us; wait (reading) for the peer's close frame or EOF.
  transport_.shutdown_send();
}

// ---------------------------------------------------------------------------
// Close

void WebSocketSession::start_closing(std::uint16_t code, std::string_view reason) {
  state_ = State::closing;
  closing_ = std::make_unique<Closing>(transport_.get_executor());
  if (code != websocket::close_code::no_status) {
    std::string payload;
    payload.reserve(2 + reason.size());
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason.substr(0, websocket::k_max_control_payload - 2));
    append_frame(closing_->frame, Opcode::close, payload.data(), payload.size());
  } else {
    append_frame(closing_->frame, Opcode::close, nullptr, 0);
  }
  closing_->deadline.expires_after(close_timeout_);
  closing_->deadline.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->finish();
  });
}

void WebSocketSession::close(std::uint16_t code, std::string_view reason, bool flush) {
  if (state_ != State::open) return;
  start_closing(code, reason);
  if (!flush) stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.clear()));
  schedule_flush();  // do_write sends the close frame once the queue is empty
  if (read_parked_) resume_reading();  // the close handshake needs the read loop
  read_paused_ = false;
}

void WebSocketSession::keepalive(Clock::time_point now, std::chrono::seconds interval) {
  if (state_ != State::open) return;
  if (now - last_rx_ >= 2 * interval) {
    stats_.keepalive_closes.add();
    close(4003, "no traffic within the keepalive window", false);
    return;
  }
  if (now - last_ping_ >= interval && control_.size() < k_max_pending_control) {
    last_ping_ = now;
    queue_control(Opcode::ping, nullptr, 0);
  }
}

void WebSocketSession::finish() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  if (closing_) closing_->deadline.cancel();
  stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.clear()));
  transport_.close();  // pending waits complete with operation_aborted
  if (Handler* h = std::exchange(handler_, nullptr)) h->on_closed();
}

}  // namespace wshub::net
