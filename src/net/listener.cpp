#include "net/listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <climits>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"

namespace wshub::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One shard's accept loop on its own descriptor of the listening socket.
// Thread-safety: lives on its shard's executor; only request_stop() may be
// called from another thread (the control thread, before it posts stop()).
class Listener::ShardAcceptor : public std::enable_shared_from_this<ShardAcceptor> {
 public:
  // Takes ownership of `fd` (a dup of the listening descriptor).
  ShardAcceptor(const asio::any_io_executor& shard, tcp protocol, int fd, const HttpRoutes& routes,
                const tls::TlsContextStore* tls)
      : executor_(shard), acceptor_(shard), backoff_(shard), routes_(routes), tls_(tls) {
    boost::system::error_code ec;
    acceptor_.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      throw boost::system::system_error(ec, "listener: cannot use the listening descriptor on a shard");
    }
  }

  const asio::any_io_executor& executor() const noexcept { return executor_; }

  // Any thread: accepted connections are dropped from now on.
  void request_stop() noexcept { stop_requested_.store(true, std::memory_order_release); }

  void do_accept() {
    if (stopped()) return;
    acceptor_.async_accept(peer_, [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void stop() {
    request_stop();
    boost::system::error_code ignored;
    acceptor_.close(ignored);  // the pending accept completes with operation_aborted
    backoff_.cancel();
  }

 private:
  bool stopped() const noexcept { return stop_requested_.load(std::memory_order_acquire); }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (stopped()) return;  // `socket`, if any, is closed on the way out
    if (ec) {
      // Out of descriptors or memory: pause this shard instead of spinning on the error.
      spdlog::warn("accept failed: {}; pausing accepts on this shard for 100 ms", ec.message());
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    // TCP_NODELAY comes from the listening socket (open_listening_socket).
    Transport transport =
        tls_ != nullptr ? Transport(std::move(socket), tls_->current()) : Transport(std::move(socket));
    std::make_shared<HttpSession>(std::move(transport), peer_, routes_)->run();
    do_accept();
  }

  const asio::any_io_executor executor_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;  // after EMFILE and friends
  tcp::endpoint peer_;          // filled by each accept (no getpeername)
  const HttpRoutes& routes_;
  const tls::TlsContextStore* tls_;
  // Set by Listener::stop() on the control thread, so that a connection this
  // shard accepts before the posted stop() runs is not served.
  std::atomic<bool> stop_requested_{false};
};

ListeningSocket open_listening_socket(const asio::any_io_executor& ex, const tcp::endpoint& endpoint,
                                      std::chrono::seconds defer_accept) {
  tcp::acceptor listening(ex);
  listening.open(endpoint.protocol());
  listening.set_option(asio::socket_base::reuse_address(true));
  // Linux copies it to every accepted socket: one setsockopt per listener
  // instead of one per connection.
  listening.set_option(tcp::no_delay(true));
  listening.bind(endpoint);
  listening.listen(asio::socket_base::max_listen_connections);
  if (defer_accept.count() > 0) {
    // The kernel keeps the finished three-way handshake to itself until data
    // arrives; after the deferral it hands the connection over anyway (on the
    // ACK of a retransmitted SYN-ACK), and handshake_timeout starts then.
    const int seconds = static_cast<int>(std::min<std::chrono::seconds::rep>(defer_accept.count(), INT_MAX));
    if (::setsockopt(listening.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds) != 0) {
      throw boost::system::system_error(errno, boost::system::system_category(), "setsockopt TCP_DEFER_ACCEPT");
    }
  }
  const tcp::endpoint local = listening.local_endpoint();
  return ListeningSocket{listening.release(), local};
}

Listener::Listener(asio::any_io_executor control, const tcp::endpoint& endpoint, std::chrono::seconds defer_accept,
                   const std::vector<asio::any_io_executor>& shard_executors, const HttpRoutes& routes,
                   const tls::TlsContextStore* tls) {
  // Out of any reactor: the control thread would otherwise wake for every
  // connection the shards accept.
  const ListeningSocket listening = open_listening_socket(control, endpoint, defer_accept);
  listen_fd_ = listening.fd;
  local_endpoint_ = listening.local_endpoint;
  acceptors_.reserve(shard_executors.size());
  for (const auto& shard : shard_executors) {
    const int fd = ::dup(listen_fd_);
    if (fd < 0) {
      const int err = errno;
      ::close(listen_fd_);
      throw boost::system::system_error(err, boost::system::system_category(), "listener: dup");
    }
    try {
      acceptors_.push_back(std::make_shared<ShardAcceptor>(shard, endpoint.protocol(), fd, routes, tls));
    } catch (...) {
      ::close(listen_fd_);
      throw;
    }
  }
}

Listener::~Listener() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void Listener::start() {
  for (const auto& acceptor : acceptors_) {
    asio::post(acceptor->executor(), [acceptor] { acceptor->do_accept(); });
  }
}

void Listener::stop() {
  for (const auto& acceptor : acceptors_) {
    acceptor->request_stop();
    asio::post(acceptor->executor(), [acceptor] { acceptor->stop(); });
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

}  // namespace wshub::net
