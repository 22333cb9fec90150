// Listener: one listening TCP socket whose connections are accepted on every
// shard, each becoming an HttpSession on the shard that accepted it. With a
// TLS context store, each connection is a TLS Transport on the store's
// current context (taken at accept, so a reload affects only later
// connections).
//
// The control thread binds and listens (bind errors are start-up
// exceptions); every shard then gets its own acceptor on a dup() of that
// descriptor, in its own reactor, and runs its own accept loop. A
// connection's whole life, accept included, is on one shard thread: no
// hand-off between threads, no wake-up of a second thread per connection.
// Whichever shard is waiting when a connection arrives takes it (the others
// see EAGAIN), so idle shards take more.
//
// Thread-safety: the constructor, start() and stop() run on the control
// executor. Each shard's acceptor is used only on its shard (start and stop
// post to it). Destroy the listener only once the shards no longer run
// (joined, or never started).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "net/http_routes.hpp"
#include "tls/tls_context_store.hpp"

namespace wshub::net {

// A listening TCP socket on `endpoint` (SO_REUSEADDR), with TCP_NODELAY
// set: Linux copies it to every socket accepted from it. With a non-zero
// `defer_accept`, TCP_DEFER_ACCEPT too: the kernel reports a connection only
// once its first bytes have arrived (or the deferral has passed), so that
// accepting it and reading its request take one wake-up, not two. The
// descriptor is registered with no reactor; the caller closes it. Throws
// boost::system::system_error when it cannot be opened or bound.
struct ListeningSocket {
  int fd = -1;
  boost::asio::ip::tcp::endpoint local_endpoint;  // the bound address (port 0 resolved)
};
ListeningSocket open_listening_socket(const boost::asio::any_io_executor& ex,
                                      const boost::asio::ip::tcp::endpoint& endpoint,
                                      std::chrono::seconds defer_accept = std::chrono::seconds(0));

class Listener {
 public:
  // Throws at start-up when the address cannot be bound (bad config) or a
  // shard's descriptor cannot be made.
  // `defer_accept`: see open_listening_socket (0: off).
  // `tls`: null for plain HTTP; otherwise it must outlive the listener
  // (current() is called on the shards).
  Listener(boost::asio::any_io_executor control, const boost::asio::ip::tcp::endpoint& endpoint,
           std::chrono::seconds defer_accept, const std::vector<boost::asio::any_io_executor>& shard_executors,
           const HttpRoutes& routes, const tls::TlsContextStore* tls = nullptr);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }
  // Starts every shard's accept loop.
  void start();
  // Closes the listening descriptor and, on each shard, its acceptor. Once
  // stop() has returned, no connection becomes a session.
  void stop();

 private:
  class ShardAcceptor;

  int listen_fd_ = -1;  // registered with no reactor: the control thread never wakes for a connection
  boost::asio::ip::tcp::endpoint local_endpoint_;
  std::vector<std::shared_ptr<ShardAcceptor>> acceptors_;
};

}  // namespace wshub::net
