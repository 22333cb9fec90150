#include "net/transport.hpp"

#include <openssl/err.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>

namespace wshub::net {

namespace asio = boost::asio;
using boost::system::error_code;

Transport::Transport(asio::ip::tcp::socket&& socket) : socket_(std::move(socket)) {
  error_code ignored;  // a socket that cannot be made non-blocking fails on its first read
  socket_.non_blocking(true, ignored);
}

Transport::Transport(asio::ip::tcp::socket&& socket, std::shared_ptr<asio::ssl::context> context)
    : socket_(std::move(socket)), context_(std::move(context)) {
  error_code ignored;
  socket_.non_blocking(true, ignored);
  SSL* ssl = SSL_new(context_->native_handle());
  if (ssl == nullptr) return;  // the handshake reports it
  ssl_.reset(ssl);
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_set_fd(ssl, static_cast<int>(socket_.native_handle())) != 1) {
    ssl_.reset();
    return;
  }
  SSL_set_accept_state(ssl);
}

Transport::Scratch& Transport::tls_scratch() {
  thread_local Scratch scratch(new unsigned char[k_max_tls_write]);
  return scratch;
}

error_code Transport::map_error(int ssl_error, asio::socket_base::wait_type& wait) {
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ:
      wait = asio::socket_base::wait_read;
      return asio::error::would_block;
    case SSL_ERROR_WANT_WRITE:
      wait = asio::socket_base::wait_write;
      return asio::error::would_block;
    case SSL_ERROR_ZERO_RETURN:
      return asio::error::eof;
    case SSL_ERROR_SYSCALL: {
      tls_failed_ = true;
      const int err = errno;
      ERR_clear_error();
      // No errno: the peer closed TCP without close_notify.
      if (err == 0) return asio::error::eof;
      return error_code(err, boost::system::system_category());
    }
    default: {
      tls_failed_ = true;
      const unsigned long err = ERR_get_error();
      ERR_clear_error();
      if (err == 0) return asio::error::connection_aborted;
      return error_code(static_cast<int>(err), asio::error::get_ssl_category());
    }
  }
}

std::size_t Transport::tls_read(asio::mutable_buffer buffer, error_code& ec) {
  if (!ssl_ || tls_failed_) {
    ec = asio::error::connection_aborted;
    return 0;
  }
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  if (SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &n) == 1) {
    ec = {};
    read_wait_ = asio::socket_base::wait_read;
    return n;
  }
  ec = map_error(SSL_get_error(ssl_.get(), 0), read_wait_);
  return 0;
}

std::size_t Transport::tls_write(const unsigned char* data, std::size_t size, error_code& ec) {
  if (!ssl_ || tls_failed_) {
    ec = asio::error::connection_aborted;
    return 0;
  }
  if (size == 0) {
    ec = {};
    return 0;
  }
  // Partial-write mode returns after each record: go on until the socket is
  // full. A call that stops on would_block after some records reports those
  // as written; the caller's retry then starts exactly where the stopped
  // SSL_write_ex did, with the same bytes, as OpenSSL requires.
  std::size_t done = 0;
  while (done < size) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    if (SSL_write_ex(ssl_.get(), data + done, size - done, &n) != 1) {
      ec = map_error(SSL_get_error(ssl_.get(), 0), write_wait_);
      if (done > 0 && ec == asio::error::would_block) ec = {};
      return done;
    }
    done += n;
  }
  ec = {};
  write_wait_ = asio::socket_base::wait_write;
  return done;
}

bool Transport::handshake_step(error_code& ec) {
  if (!ssl_) {
    ec = asio::error::no_memory;
    return false;
  }
  ERR_clear_error();
  errno = 0;
  const int r = SSL_do_handshake(ssl_.get());
  if (r == 1) {
    ec = {};
    read_wait_ = asio::socket_base::wait_read;
    return true;
  }
  ec = map_error(SSL_get_error(ssl_.get(), r), read_wait_);
  if (ec == asio::error::would_block) ec = {};
  return false;
}

void Transport::shutdown_send() {
  if (ssl_ && !tls_failed_ && SSL_is_init_finished(ssl_.get()) == 1) {
    ERR_clear_error();
    SSL_shutdown(ssl_.get());  // best effort: close_notify if the socket takes it now
    ERR_clear_error();
  }
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

void Transport::close() {
  // No shutdown(SHUT_RDWR) first: close alone sends the FIN (or the RST when
  // unread input is left, which shutdown would not prevent either), and the
  // descriptor is not shared. One system call per connection less.
  error_code ignored;
  socket_.close(ignored);
}

}  // namespace wshub::net
