// Target: one wshub instance under test, given as HOST:PORT and resolved once
// at start. Several targets (the cluster scenario) are used round-robin:
// connection i goes to targets[i % targets.size()].
// Thread-safety: immutable after resolve_targets().
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/expected.hpp"

namespace wshub::bench {

struct Target {
  std::string text;         // as given: "127.0.0.1:8000"
  std::string host_header;  // Host: header value
  boost::asio::ip::tcp::endpoint endpoint;
  bool loopback = false;
};

// Parses "HOST:PORT" (HOST a name or IPv4 address) and resolves it to an IPv4 endpoint.
core::Expected<Target, std::string> resolve_target(const std::string& text);

core::Expected<std::vector<Target>, std::string> resolve_targets(const std::vector<std::string>& texts);

inline const Target& target_for(const std::vector<Target>& targets, std::size_t index) {
  return targets[index % targets.size()];
}

}  // namespace wshub::bench
