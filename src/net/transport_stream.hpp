// TransportStream: a Transport seen as an Asio AsyncReadStream and
// AsyncWriteStream, for Beast's http::async_read and http::async_write in
// HttpSession. Plain TCP uses the socket's own asynchronous operations: they
// try the read or write at once and, when it would block, wait for the edge
// the reactor already watches, with no epoll_ctl (the request of a new
// connection is usually there already, and a response usually fits).
// TLS waits for readiness first (completing from the wait, never inside the
// initiating call), then tries the non-blocking read_some/write_some, and
// waits again on would_block. No timeouts: the HttpSession's deadline closes
// the Transport, and the pending operation then completes with
// operation_aborted.
//
// Thread-safety: as Transport (one executor). The Transport must outlive
// every operation started here.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <utility>

#include "net/transport.hpp"

namespace wshub::net {

class TransportStream {
 public:
  using executor_type = Transport::executor_type;

  explicit TransportStream(Transport& transport) noexcept : transport_(&transport) {}

  executor_type get_executor() noexcept { return transport_->get_executor(); }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    if (!transport_->is_tls()) return transport_->socket().async_read_some(buffers, std::forward<Token>(token));
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        [t = transport_, buffers, started = false](auto& self, boost::system::error_code ec = {}) mutable {
          if (ec) {
            self.complete(ec, 0);
            return;
          }
          // The first call only starts a wait, so completing is never inline.
          if (!started) {
            started = true;
            t->async_wait_readable(std::move(self));
            return;
          }
          boost::asio::mutable_buffer first;
          for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
               ++it) {
            first = *it;
            if (first.size() > 0) break;
          }
          if (first.size() == 0) {
            self.complete(ec, 0);
            return;
          }
          const std::size_t n = t->read_some(first, ec);
          if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
            t->async_wait_readable(std::move(self));
            return;
          }
          self.complete(ec, n);
        },
        token, transport_->socket());
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    if (!transport_->is_tls()) return transport_->socket().async_write_some(buffers, std::forward<Token>(token));
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        [t = transport_, buffers, started = false](auto& self, boost::system::error_code ec = {}) mutable {
          if (ec) {
            self.complete(ec, 0);
            return;
          }
          if (!started) {
            started = true;
            t->async_wait_writable(std::move(self));
            return;
          }
          const std::size_t n = t->write_some(buffers, ec);
          if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
            t->async_wait_writable(std::move(self));
            return;
          }
          self.complete(ec, n);
        },
        token, transport_->socket());
  }

 private:
  Transport* transport_;
};

}  // namespace wshub::net
