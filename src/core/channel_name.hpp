// Channel names and namespaces (PROTOCOL.md section 3).
//
// A channel name is 1 to 255 bytes of [A-Za-z0-9_:.@=/-], plus at most one
// '#' that is neither the first nor the last byte: `chat:inbox#42` is a
// user-limited channel of user "42" (auth/channel_policy.hpp). The part before
// the first ':' is its namespace, "" (the default namespace) when there is none.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshub::core {

inline constexpr std::size_t k_max_channel_name = 255;

// The error message for a name that is_valid_channel_name() refuses.
inline constexpr std::string_view k_invalid_channel_message =
    "invalid channel name: 1 to 255 bytes of [A-Za-z0-9_:.@=/-] and at most one inner '#'";

bool is_valid_channel_name(std::string_view name) noexcept;

// REQUIRES: is_valid_channel_name(name).
std::string_view channel_namespace(std::string_view name) noexcept;

// Stable hash for routing a channel to its owner shard (FNV-1a, 64-bit).
std::uint64_t channel_hash(std::string_view name) noexcept;

inline std::size_t owner_shard(std::string_view name, std::size_t shard_count) noexcept {
  return static_cast<std::size_t>(channel_hash(name) % shard_count);
}

}  // namespace wshub::core
