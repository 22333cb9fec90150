#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>

#include "core/json_fields.hpp"

namespace wshub::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

std::int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

constexpr std::size_t k_keep_read_capacity = 16 * 1024;

}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, const WebSocketLimits& limits, TransportStats& stats)
    : ws_(std::move(stream)), limits_(limits), stats_(stats), queue_(limits.send_queue_bytes) {}

WebSocketSession::~WebSocketSession() { stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.bytes())); }

void WebSocketSession::accept(http::request<http::string_body> req, OpenHandler on_open) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts take over
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = limits_.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();  // keepalive is ours (close 4003)
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  ws_.read_message_max(limits_.max_message_size);
  ws_.auto_fragment(false);
  ws_.text(true);
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_rx_ = Clock::now(); });
  ws_.async_accept(req, [self = shared_from_this(), on_open = std::move(on_open)](beast::error_code ec) {
    if (ec) {
      self->state_ = State::closed;
      return;
    }
    self->state_ = State::open;
    self->last_rx_ = self->last_ping_ = Clock::now();
    on_open(self);
    self->do_read();
  });
}

void WebSocketSession::do_read() {
  ws_.async_read(read_buffer_,
                 [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t n) {
  if (ec) {
    finish();
    return;
  }
  last_rx_ = Clock::now();
  stats_.frames_in.add();
  stats_.bytes_in.add(static_cast<std::int64_t>(n));
  if (state_ == State::open) {
    if (!ws_.got_text()) {
      close(static_cast<std::uint16_t>(websocket::close_code::unknown_data), "binary frames are not supported", false);
    } else if (handler_ != nullptr) {
      const std::size_t len = read_buffer_.size();
      read_buffer_.prepare(core::k_json_padding);  // may move the data: take the pointer after
      auto* text = static_cast<char*>(read_buffer_.data().data());
      handler_->on_text(text, len, len + core::k_json_padding);
    }
  }
  read_buffer_.consume(read_buffer_.size());
  if (read_buffer_.capacity() > k_keep_read_capacity) read_buffer_.shrink_to_fit();
  if (read_paused_ && state_ == State::open) {
    read_parked_ = true;
    return;
  }
  do_read();
}

void WebSocketSession::resume_reading() {
  read_paused_ = false;
  if (!read_parked_) return;
  read_parked_ = false;
  if (state_ != State::closed) do_read();
}

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

void WebSocketSession::schedule_flush() {
  if (writing_ || flush_posted_) return;
  // Deferred, so that everything queued by the current handler (a fan-out
  // batch, the replies to a multi-op frame) leaves in one write.
  flush_posted_ = true;
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->do_write();
  });
}

void WebSocketSession::do_write() {
  if (writing_ || state_ == State::closed) return;
  if (queue_.empty()) {
    maybe_send_close();
    return;
  }
  batch_.clear();
  const std::size_t released = queue_.take_batch(batch_, k_max_batch_bytes);
  stats_.queued_bytes.add(-static_cast<std::int64_t>(released));
  asio::const_buffer buffer;
  if (batch_.size() == 1) {
    buffer = asio::buffer(batch_.front()->bytes);
  } else {
    batch_bytes_.clear();
    batch_bytes_.reserve(released);
    for (const auto& f : batch_) {
      if (!batch_bytes_.empty()) batch_bytes_.push_back('\n');
      batch_bytes_ += f->bytes;
    }
    buffer = asio::buffer(batch_bytes_);
  }
  writing_ = true;
  ws_.async_write(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t n) {
  writing_ = false;
  if (ec) {
    batch_.clear();
    abort();
    return;
  }
  const std::int64_t now = steady_ns(Clock::now());
  for (const auto& f : batch_) {
    if (f->created_ns != 0) stats_.delivery_latency.observe(now - f->created_ns);
  }
  stats_.messages_out.add(static_cast<std::int64_t>(batch_.size()));
  stats_.frames_out.add();
  stats_.bytes_out.add(static_cast<std::int64_t>(n));
  batch_.clear();
  if (batch_bytes_.capacity() > k_max_batch_bytes) std::string().swap(batch_bytes_);
  do_write();
}

void WebSocketSession::close(std::uint16_t code, std::string reason, bool flush) {
  if (state_ != State::open) return;
  state_ = State::closing;
  close_code_ = code;
  close_reason_ = std::move(reason);
  if (!flush) stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.clear()));
  close_deadline_ = std::make_unique<asio::steady_timer>(ws_.get_executor());
  close_deadline_->expires_after(limits_.close_timeout);
  close_deadline_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->abort();
  });
  if (!writing_) schedule_flush();  // do_write sends the close frame once the queue is empty
  resume_reading();                  // the close handshake needs the read loop
}

void WebSocketSession::maybe_send_close() {
  if (state_ != State::closing || close_sent_ || writing_) return;
  close_sent_ = true;
  websocket::close_reason cr(close_code_);
  cr.reason = close_reason_;
  ws_.async_close(cr, [self = shared_from_this()](beast::error_code ec) {
    // The read loop sees the peer's close frame (or the error) and finishes.
    if (ec) self->abort();
  });
}

void WebSocketSession::keepalive(Clock::time_point now, std::chrono::seconds interval) {
  if (state_ != State::open) return;
  if (now - last_rx_ >= 2 * interval) {
    stats_.keepalive_closes.add();
    close(4003, "no traffic within the keepalive window", false);
    return;
  }
  if (!ping_in_flight_ && now - last_ping_ >= interval) {
    ping_in_flight_ = true;
    last_ping_ = now;
    ws_.async_ping({}, [self = shared_from_this()](beast::error_code) { self->ping_in_flight_ = false; });
  }
}

void WebSocketSession::abort() {
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void WebSocketSession::finish() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  if (close_deadline_) close_deadline_->cancel();
  stats_.queued_bytes.add(-static_cast<std::int64_t>(queue_.clear()));
  abort();
  if (Handler* h = std::exchange(handler_, nullptr)) h->on_closed();
}

}  // namespace wshub::net
