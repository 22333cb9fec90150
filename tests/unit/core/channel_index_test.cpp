#include "core/channel_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace wshub::core {
namespace {

std::vector<int> sorted(const std::vector<int>* v) {
  if (v == nullptr) return {};
  std::vector<int> out = *v;
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ChannelIndex, StartsEmpty) {
  ChannelIndex<int> idx;
  EXPECT_EQ(idx.channel_count(), 0u);
  EXPECT_EQ(idx.subscription_count(), 0u);
  EXPECT_EQ(idx.find("a"), nullptr);
}

TEST(ChannelIndex, AddReturnsTrueForTheFirstSubscriberOnly) {
  ChannelIndex<int> idx;
  EXPECT_TRUE(idx.add("a", 1));
  EXPECT_FALSE(idx.add("a", 2));
  EXPECT_FALSE(idx.add("a", 3));
  EXPECT_TRUE(idx.add("b", 1));
  EXPECT_EQ(idx.channel_count(), 2u);
  EXPECT_EQ(idx.subscription_count(), 4u);
  EXPECT_EQ(sorted(idx.find("a")), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sorted(idx.find("b")), (std::vector<int>{1}));
}

TEST(ChannelIndex, RemoveReturnsTrueForTheLastSubscriberOnly) {
  ChannelIndex<int> idx;
  idx.add("a", 1);
  idx.add("a", 2);
  EXPECT_FALSE(idx.remove("a", 1));
  EXPECT_EQ(sorted(idx.find("a")), (std::vector<int>{2}));
  EXPECT_TRUE(idx.remove("a", 2));
  EXPECT_EQ(idx.find("a"), nullptr);
  EXPECT_EQ(idx.channel_count(), 0u);
  EXPECT_EQ(idx.subscription_count(), 0u);
}

TEST(ChannelIndex, RemovingAbsentSubscribersChangesNothing) {
  ChannelIndex<int> idx;
  EXPECT_FALSE(idx.remove("nope", 1));
  idx.add("a", 1);
  EXPECT_FALSE(idx.remove("a", 2));
  EXPECT_FALSE(idx.remove("b", 1));
  EXPECT_EQ(idx.channel_count(), 1u);
  EXPECT_EQ(idx.subscription_count(), 1u);
  EXPECT_EQ(sorted(idx.find("a")), (std::vector<int>{1}));
  EXPECT_TRUE(idx.remove("a", 1));
  EXPECT_FALSE(idx.remove("a", 1));  // twice
  EXPECT_EQ(idx.subscription_count(), 0u);
}

TEST(ChannelIndex, ChannelReappearsAfterBeingEmptied) {
  ChannelIndex<int> idx;
  idx.add("a", 1);
  idx.remove("a", 1);
  EXPECT_TRUE(idx.add("a", 1));
  EXPECT_EQ(idx.channel_count(), 1u);
}

TEST(ChannelIndex, ChannelDataLivesAsLongAsTheChannelHasSubscribers) {
  ChannelIndex<int, std::string> idx;
  EXPECT_EQ(idx.entry("a"), nullptr);
  idx.add("a", 1);
  ASSERT_NE(idx.entry("a"), nullptr);
  EXPECT_EQ(idx.entry("a")->data, "");
  idx.entry("a")->data = "kept";
  idx.add("a", 2);
  idx.remove("a", 1);
  EXPECT_EQ(idx.entry("a")->data, "kept");
  EXPECT_EQ(idx.entry("a")->subscribers, (std::vector<int>{2}));
  idx.remove("a", 2);
  EXPECT_EQ(idx.entry("a"), nullptr);
  idx.add("a", 3);
  EXPECT_EQ(idx.entry("a")->data, "") << "a channel that comes back starts with fresh data";
}

TEST(ChannelIndex, FindIsTransparent) {
  ChannelIndex<int> idx;
  const std::string name = "chat:lobby";
  idx.add(std::string_view(name).substr(0, 4), 1);
  EXPECT_NE(idx.find("chat"), nullptr);
  EXPECT_EQ(idx.find("chat:"), nullptr);
}

TEST(ChannelIndex, ForEachChannel) {
  ChannelIndex<int> idx;
  idx.add("a", 1);
  idx.add("a", 2);
  idx.add("b", 3);
  std::map<std::string, std::size_t> seen;
  idx.for_each_channel([&](std::string_view name, std::size_t n) { seen[std::string(name)] = n; });
  EXPECT_EQ(seen, (std::map<std::string, std::size_t>{{"a", 2}, {"b", 1}}));
}

TEST(ChannelIndex, CountsMatchAReferenceModel) {
  ChannelIndex<int> idx;
  std::map<std::string, std::multiset<int>> model;
  std::size_t subs = 0;
  unsigned x = 12345;
  for (int step = 0; step < 5000; ++step) {
    x = x * 1103515245u + 12345u;
    const std::string ch = "c" + std::to_string((x >> 8) % 7);
    const int s = static_cast<int>((x >> 16) % 5);
    if ((x >> 4) % 2 == 0) {
      auto& m = model[ch];
      const bool first = m.empty();
      m.insert(s);
      ++subs;
      ASSERT_EQ(idx.add(ch, s), first);
    } else {
      auto it = model.find(ch);
      bool last = false;
      if (it != model.end() && it->second.count(s) > 0) {
        it->second.erase(it->second.find(s));
        --subs;
        last = it->second.empty();
        if (last) model.erase(it);
      }
      ASSERT_EQ(idx.remove(ch, s), last);
    }
    ASSERT_EQ(idx.channel_count(), model.size());
    ASSERT_EQ(idx.subscription_count(), subs);
  }
  for (const auto& [ch, m] : model) {
    EXPECT_EQ(sorted(idx.find(ch)), std::vector<int>(m.begin(), m.end()));
  }
}

}  // namespace
}  // namespace wshub::core
