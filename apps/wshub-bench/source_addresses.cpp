#include "source_addresses.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // Linux 4.2; older libc headers lack the name
#endif

namespace wshub::bench {

std::size_t SourceAddresses::automatic_count(std::size_t connections) {
  const std::size_t n = (connections + k_connections_per_source_address - 1) / k_connections_per_source_address;
  return n == 0 ? 1 : n;
}

boost::asio::ip::address_v4 SourceAddresses::address_for(std::size_t connection_index) const {
  const auto host = static_cast<std::uint32_t>(1 + connection_index % count_);
  return boost::asio::ip::address_v4((127u << 24) | host);
}

boost::system::error_code SourceAddresses::prepare(boost::asio::ip::tcp::socket& socket,
                                                   std::size_t connection_index) const {
  boost::system::error_code ec;
  if (!socket.is_open()) {
    socket.open(boost::asio::ip::tcp::v4(), ec);
    if (ec) return ec;
  }
  if (!enabled()) return ec;
  const int one = 1;
  // Without this, bind() would reserve a port for the source address across all
  // destinations; the kernel then runs out at about 28k per address.
  if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) != 0) {
    return {errno, boost::system::system_category()};
  }
  socket.bind(boost::asio::ip::tcp::endpoint(address_for(connection_index), 0), ec);
  return ec;
}

std::string SourceAddresses::describe() const {
  if (!enabled()) return "kernel default";
  if (count_ == 1) return "127.0.0.1";
  return "127.0.0.1-" + address_for(count_ - 1).to_string();
}

}  // namespace wshub::bench
