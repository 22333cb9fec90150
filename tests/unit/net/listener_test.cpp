// open_listening_socket: accepted sockets must come with TCP_NODELAY, which
// the listener no longer sets per connection (Linux copies it from the
// listening socket).
#include "net/listener.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

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

}  // namespace
}  // namespace wshub::net
