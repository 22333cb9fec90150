// ChannelTable: for the channels one shard owns, which shards hold local
// subscribers, and the instance's broker subscription state of each.
//
// The owner shard of a channel is core::owner_shard(channel, shard_count).
// A channel has an entry exactly while some shard holds a subscriber (or a
// pending subscribe); the first shard in makes the instance subscribe at the
// broker, the last shard out unsubscribes (lazy subscription). While the
// broker has not confirmed, later joiners wait in `waiters`.
// Thread-safety: owned by the owner shard's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/channel_index.hpp"

namespace wshub::hub {

struct ChannelEntry {
  enum class State { subscribing, active };
  std::uint64_t shard_mask = 0;  // bit i: shard i has subscribers (at most 64 shards)
  State state = State::subscribing;
  std::vector<std::function<void(bool ok)>> waiters;  // run when the broker answers
};

using ChannelTable = std::unordered_map<std::string, ChannelEntry, core::StringHash, std::equal_to<>>;

}  // namespace wshub::hub
