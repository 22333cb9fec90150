// open_listening_socket: accepted sockets must come with TCP_NODELAY, which
// the listener no longer sets per connection (Linux copies it from the
// listening socket); with a deferral, a connection is reported only once its
// first bytes are in.
#include "net/listener.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>

namespace wshub::net {
namespace {

using tcp = boost::asio::ip::tcp;

int option(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &len), 0);
  return value;
}

TEST(OpenListeningSocket, AcceptedSocketsHaveNoDelay) {
  boost::asio::io_context io;
  const ListeningSocket listening =
      open_listening_socket(io.get_executor(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  ASSERT_GE(listening.fd, 0);
  ASSERT_NE(listening.local_endpoint.port(), 0);
  EXPECT_NE(option(listening.fd, SOL_SOCKET, SO_REUSEADDR), 0);

  tcp::socket client(io);
  client.connect(listening.local_endpoint);
  const int accepted = ::accept(listening.fd, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  EXPECT_EQ(option(accepted, IPPROTO_TCP, TCP_NODELAY), 1);
  ::close(accepted);
  ::close(listening.fd);
}

TEST(OpenListeningSocket, AnAddressInUseIsAnError) {
  boost::asio::io_context io;
  const ListeningSocket first =
      open_listening_socket(io.get_executor(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  EXPECT_THROW(open_listening_socket(io.get_executor(), first.local_endpoint), boost::system::system_error);
  ::close(first.fd);
}

// Whether the listening descriptor reports a connection within `ms`.
bool acceptable_within(int listening_fd, int ms) {
  pollfd p{listening_fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1 && (p.revents & POLLIN) != 0;
}

TEST(OpenListeningSocket, WithoutDeferralAConnectionIsReportedAtOnce) {
  boost::asio::io_context io;
  const ListeningSocket listening =
      open_listening_socket(io.get_executor(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  EXPECT_EQ(option(listening.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);
  tcp::socket client(io);
  client.connect(listening.local_endpoint);
  EXPECT_TRUE(acceptable_within(listening.fd, 2000));
  ::close(listening.fd);
}

TEST(OpenListeningSocket, DeferredConnectionIsReportedOnceItsFirstBytesArrive) {
  boost::asio::io_context io;
  const ListeningSocket listening = open_listening_socket(
      io.get_executor(), tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0), std::chrono::seconds(5));
  EXPECT_GT(option(listening.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);

  tcp::socket client(io);
  client.connect(listening.local_endpoint);  // the three-way handshake is done
  EXPECT_FALSE(acceptable_within(listening.fd, 200)) << "a silent connection must wait in the kernel";
  const char request[] = "GET / HTTP/1.1\r\n";
  boost::asio::write(client, boost::asio::buffer(request, sizeof request - 1));
  ASSERT_TRUE(acceptable_within(listening.fd, 2000));
  const int accepted = ::accept(listening.fd, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  char first[4] = {};
  EXPECT_EQ(::recv(accepted, first, sizeof first, MSG_DONTWAIT), 4) << "the request is already there";
  EXPECT_EQ(std::string(first, 4), "GET ");
  ::close(accepted);
  ::close(listening.fd);
}

}  // namespace
}  // namespace wshub::net
