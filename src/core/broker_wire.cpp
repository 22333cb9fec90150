#include "core/broker_wire.hpp"

#include <charconv>

namespace wshub::core {

std::string encode_broker_wire(std::uint64_t offset, std::string_view epoch, std::string_view data) {
  std::string out = std::to_string(offset);
  out.reserve(out.size() + epoch.size() + data.size() + 2);
  out.push_back(' ');
  out += epoch;
  out.push_back(' ');
  out += data;
  return out;
}

Expected<BrokerWireMessage, std::string> decode_broker_wire(std::string_view payload) {
  const auto sp1 = payload.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return unexpected(std::string("no offset"));
  BrokerWireMessage m;
  const auto* first = payload.data();
  const auto [end, ec] = std::from_chars(first, first + sp1, m.offset);
  if (ec != std::errc() || end != first + sp1 || m.offset == 0) return unexpected(std::string("bad offset"));
  const auto sp2 = payload.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return unexpected(std::string("no epoch"));
  m.epoch = payload.substr(sp1 + 1, sp2 - sp1 - 1);
  m.data = payload.substr(sp2 + 1);
  if (m.data.empty()) return unexpected(std::string("no data"));
  return m;
}

}  // namespace wshub::core
