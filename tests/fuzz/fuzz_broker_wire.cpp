// Fuzzes the broker wire format (payloads read from Redis Pub/Sub, which any
// Redis client can write to): decode never crashes, and what decodes
// re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/broker_wire.hpp"

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto m = wshub::core::decode_broker_wire(payload);
  if (!m) return 0;
  check(m->offset > 0, "offsets start at 1");
  check(!m->epoch.empty() && m->epoch.find(' ') == std::string_view::npos, "epoch is one word");
  check(!m->data.empty(), "data present");
  const auto again = wshub::core::encode_broker_wire(m->offset, m->epoch, m->data);
  // Leading zeros in the offset are the only non-canonical form accepted.
  if (payload.front() != '0') check(again == payload, "decode then encode gives the payload back");
  return 0;
}
