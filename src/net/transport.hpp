// Transport: the byte stream under one client connection, a non-blocking TCP
// socket that is either plain or TLS (an OpenSSL SSL* on the socket's file
// descriptor), offering the readiness-style operations the sessions use:
// non-blocking read_some/write_some that report would_block, and waits for
// the readiness the last attempt asked for.
//
// Plain: read_some and write_some are the socket's own (a gather write
// stays one syscall, nothing is copied). TLS: SSL_read_ex, and SSL_write_ex
// from a per-thread scratch copy of the gather list (at most
// k_max_tls_write bytes per call, record after record until the socket
// would block; SSL_MODE_ENABLE_PARTIAL_WRITE and
// SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, so a retry after would_block with the
// same remaining bytes is valid, which is what both sessions do). A TLS read
// or write may need the other direction's readiness (WANT_READ/WANT_WRITE);
// async_wait_readable/async_wait_writable wait for whatever the last attempt
// asked for, and async_wait_readable completes at once (posted) when OpenSSL
// already holds decrypted input, which a readiness wait on the fd would
// never report.
//
// The TLS connection holds the shared_ptr to the ssl::context it was created
// from, so replacing the store's context on SIGHUP affects only new
// connections.
//
// Thread-safety: not thread-safe; every call on the owning session's
// executor. A Transport is moved from the HttpSession to the
// WebSocketSession on upgrade, with no operation pending.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <memory>
#include <utility>

namespace wshub::net {

class Transport {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  static constexpr std::size_t k_max_tls_write = 64 * 1024 + 4096;  // a whole batch and its control frames

  // Plain TCP. Puts the socket in non-blocking mode.
  explicit Transport(boost::asio::ip::tcp::socket&& socket);
  // TLS server side with `context` (not null). Call async_handshake first.
  Transport(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<boost::asio::ssl::context> context);
  Transport(Transport&&) noexcept = default;
  Transport& operator=(Transport&&) noexcept = default;
  ~Transport() = default;

  bool is_tls() const noexcept { return context_ != nullptr; }
  executor_type get_executor() noexcept { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

  // Non-blocking. would_block: wait with async_wait_readable and retry.
  // End of stream (TCP FIN or TLS close_notify) is asio::error::eof.
  std::size_t read_some(boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
    if (!is_tls()) return socket_.read_some(buffer, ec);
    return tls_read(buffer, ec);
  }

  // Non-blocking; may write a prefix. would_block: wait with
  // async_wait_writable and retry with the same remaining bytes.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    if (!is_tls()) return socket_.write_some(buffers, ec);
    auto& scratch = tls_scratch();
    const std::size_t n = boost::asio::buffer_copy(boost::asio::buffer(scratch.get(), k_max_tls_write), buffers);
    return tls_write(scratch.get(), n, ec);
  }

  // Calls handler(error_code) once the last read_some can make progress.
  template <class Handler>
  void async_wait_readable(Handler&& handler) {
    // SSL_pending, not SSL_has_pending: without read-ahead OpenSSL buffers at
    // most a partial record, whose rest is still to come on the socket.
    if (ssl_ != nullptr && SSL_pending(ssl_.get()) > 0) {
      boost::asio::post(socket_.get_executor(),
                        [h = std::forward<Handler>(handler)]() mutable { h(boost::system::error_code{}); });
      return;
    }
    socket_.async_wait(read_wait_, std::forward<Handler>(handler));
  }

  // Calls handler(error_code) once the last write_some can make progress.
  template <class Handler>
  void async_wait_writable(Handler&& handler) {
    socket_.async_wait(write_wait_, std::forward<Handler>(handler));
  }

  // TLS server handshake; handler(error_code). Unbounded: the caller owns the
  // deadline and calls close() when it passes (the handler then sees
  // operation_aborted).
  // REQUIRES: is_tls(); the Transport is neither moved nor destroyed until
  // the handler runs (the handler keeps its owner alive).
  template <class Handler>
  void async_handshake(Handler handler) {
    boost::system::error_code ec;
    const bool done = handshake_step(ec);
    if (done || ec) {
      boost::asio::post(socket_.get_executor(), [h = std::move(handler), ec]() mutable { h(ec); });
      return;
    }
    socket_.async_wait(read_wait_, [this, h = std::move(handler)](boost::system::error_code wait_ec) mutable {
      if (wait_ec) {
        h(wait_ec);
        return;
      }
      async_handshake(std::move(h));
    });
  }

  // Sends close_notify (TLS, best effort) and the TCP FIN; reading goes on.
  void shutdown_send();
  // Closes the socket: pending waits complete with operation_aborted.
  void close();

 private:
  struct SslDeleter {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };
  struct ScratchDeleter {
    void operator()(unsigned char* p) const noexcept { delete[] p; }
  };
  using Scratch = std::unique_ptr<unsigned char, ScratchDeleter>;
  static Scratch& tls_scratch();

  std::size_t tls_read(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);
  std::size_t tls_write(const unsigned char* data, std::size_t size, boost::system::error_code& ec);
  // One SSL_do_handshake; true when complete. Otherwise read_wait_ says what to wait for.
  bool handshake_step(boost::system::error_code& ec);
  // Maps an SSL_get_error result; sets `wait` on WANT_READ/WANT_WRITE.
  boost::system::error_code map_error(int ssl_error, boost::asio::socket_base::wait_type& wait);

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> context_;  // TLS: held for the connection's life
  std::unique_ptr<SSL, SslDeleter> ssl_;
  boost::asio::socket_base::wait_type read_wait_ = boost::asio::socket_base::wait_read;
  boost::asio::socket_base::wait_type write_wait_ = boost::asio::socket_base::wait_write;
  bool tls_failed_ = false;  // a fatal TLS error: no close_notify afterwards
};

}  // namespace wshub::net
