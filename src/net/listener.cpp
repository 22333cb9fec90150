#include "net/listener.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"

namespace wshub::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(asio::any_io_executor control, const tcp::endpoint& endpoint,
                   std::vector<asio::any_io_executor> shard_executors, const HttpRoutes& routes,
                   const tls::TlsContextStore* tls)
    : acceptor_(control), backoff_(control), shards_(std::move(shard_executors)), routes_(routes), tls_(tls) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::start() { do_accept(); }

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
}

void Listener::do_accept() {
  if (stopped_) return;
  auto& shard = shards_[next_];
  next_ = (next_ + 1) % shards_.size();
  acceptor_.async_accept(shard, [this](boost::system::error_code ec, tcp::socket socket) {
    if (stopped_) return;
    if (ec) {
      // Out of descriptors or memory: pause instead of spinning on the error.
      spdlog::warn("accept failed: {}; pausing accepts for 100 ms", ec.message());
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) do_accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    Transport transport =
        tls_ != nullptr ? Transport(std::move(socket), tls_->current()) : Transport(std::move(socket));
    std::make_shared<HttpSession>(std::move(transport), routes_)->run();
    do_accept();
  });
}

}  // namespace wshub::net
