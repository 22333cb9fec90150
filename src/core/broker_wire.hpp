// BrokerWire: the payload of a publication on the broker's Pub/Sub channel,
// as the publish script writes it and every instance reads it:
//
//   <offset> SP <epoch> SP <data>
//
// `offset` is decimal, `epoch` has no space, and `data` is the publisher's raw
// JSON, unchanged, so an instance builds its `message` envelope without
// parsing JSON. Pure; thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace wshub::core {

struct BrokerWireMessage {
  std::uint64_t offset = 0;
  std::string_view epoch;
  std::string_view data;  // views into the decoded payload
};

std::string encode_broker_wire(std::uint64_t offset, std::string_view epoch, std::string_view data);

// An error message when the payload is not in the format above.
Expected<BrokerWireMessage, std::string> decode_broker_wire(std::string_view payload);

}  // namespace wshub::core
