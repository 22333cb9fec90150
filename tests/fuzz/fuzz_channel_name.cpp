// Fuzzes channel names: validity against a plain reference, the namespace
// split, and shard routing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/channel_name.hpp"

namespace {

// Like assert, but also in release builds, and says which promise broke.
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

// [A-Za-z0-9_:.@=/-], plus at most one '#' that is neither first nor last.
bool reference_valid(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  int hashes = 0;
  for (char c : s) {
    if (c == '#') {
      ++hashes;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == ':' || c == '.' || c == '@' || c == '=' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return hashes == 0 || (hashes == 1 && s.front() != '#' && s.back() != '#');
}

std::uint64_t reference_fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace wshub::core;
  const std::string_view name(reinterpret_cast<const char*>(bytes), size);
  const bool valid = is_valid_channel_name(name);
  check(valid == reference_valid(name), "validity matches the reference");
  if (valid) {
    const std::string_view ns = channel_namespace(name);
    check(name.substr(0, ns.size()) == ns, "namespace is a prefix");
    check(ns.find(':') == std::string_view::npos, "namespace holds no colon");
    check(ns.empty() ? (name.find(':') == 0 || name.find(':') == std::string_view::npos) : name[ns.size()] == ':',
          "namespace ends at the first colon");
  }
  check(channel_hash(name) == reference_fnv1a(name), "hash is FNV-1a 64");
  for (std::size_t n : {1u, 2u, 3u, 7u, 64u}) check(owner_shard(name, n) < n, "shard in range");
  return 0;
}
