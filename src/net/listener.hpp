// Listener: accepts TCP connections and spreads them round-robin over the
// shard executors, where each becomes an HttpSession. With a TLS context
// store, each connection is a TLS Transport on the store's current context
// (taken at accept, so a reload affects only later connections).
//
// Thread-safety: runs on the control executor; start/stop must be called there.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <vector>

#include "net/http_routes.hpp"
#include "tls/tls_context_store.hpp"

namespace wshub::net {

class Listener {
 public:
  // Throws at start-up when the address cannot be bound (bad config).
  // `tls`: null for plain HTTP; otherwise it must outlive the listener and,
  // like the listener, is used only on the control executor.
  Listener(boost::asio::any_io_executor control, const boost::asio::ip::tcp::endpoint& endpoint,
           std::vector<boost::asio::any_io_executor> shard_executors, const HttpRoutes& routes,
           const tls::TlsContextStore* tls = nullptr);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();
  void stop();

 private:
  void do_accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;  // after EMFILE and friends
  std::vector<boost::asio::any_io_executor> shards_;
  std::size_t next_ = 0;
  const HttpRoutes& routes_;
  const tls::TlsContextStore* tls_;
  bool stopped_ = false;
};

}  // namespace wshub::net
