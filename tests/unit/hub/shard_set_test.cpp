#include "hub/shard_set.hpp"

#include <gtest/gtest.h>

namespace wshub::hub {
namespace {

// ChannelRouter publishes in place only from a shard of its own set: a shard
// of another set (several hubs in one process, as in tests) must not pass
// for one of ours, whether its index is in range or beyond it.
TEST(ShardSet, ContainsOnlyItsOwnShards) {
  ShardSet mine(2);
  ShardSet other(3);
  EXPECT_TRUE(mine.contains(&mine.at(0)));
  EXPECT_TRUE(mine.contains(&mine.at(1)));
  EXPECT_FALSE(mine.contains(&other.at(0)));  // same index as one of ours
  EXPECT_FALSE(mine.contains(&other.at(2)));  // index beyond ours
  EXPECT_FALSE(mine.contains(nullptr));
}

}  // namespace
}  // namespace wshub::hub
