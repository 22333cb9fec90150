// ChannelIndex<S, M>: channel -> local subscribers, for one shard, with a
// value of M kept per channel while the channel has subscribers (the hub
// keeps the channel's last delivered position there).
//
// The other direction (subscriber -> channels) lives with each subscriber.
// A channel's entry exists exactly while it has a subscriber; add/remove say
// whether they changed the set of known channels, which drives the shard's
// registration with the channel's owner (Redis pubsub.c does the same).
// Subscribers are kept in a vector: fan-out iterates contiguous memory.
// Thread-safety: not thread-safe; owned by one shard thread. Callers must not
// add or remove while iterating a channel's subscribers.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wshub::core {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct NoChannelData {};

template <class S, class M = NoChannelData>
class ChannelIndex {
 public:
  struct Entry {
    std::vector<S> subscribers;
    M data{};  // value-initialized when the channel gets its first subscriber
  };

  // Returns true when `channel` had no subscriber before.
  bool add(std::string_view channel, S s) {
    auto it = channels_.find(channel);
    if (it == channels_.end()) it = channels_.emplace(std::string(channel), Entry{}).first;
    const bool first = it->second.subscribers.empty();
    it->second.subscribers.push_back(s);
    ++subscriptions_;
    return first;
  }

  // Returns true when this removed the channel's last subscriber. Removing a
  // subscriber that is not there changes nothing and returns false.
  bool remove(std::string_view channel, S s) {
    auto it = channels_.find(channel);
    if (it == channels_.end()) return false;
    auto& subs = it->second.subscribers;
    auto pos = std::find(subs.rbegin(), subs.rend(), s);
    if (pos == subs.rend()) return false;
    *pos = subs.back();
    subs.pop_back();
    --subscriptions_;
    if (!subs.empty()) return false;
    channels_.erase(it);
    return true;
  }

  // nullptr when the channel has no subscriber here.
  const std::vector<S>* find(std::string_view channel) const {
    auto it = channels_.find(channel);
    return it == channels_.end() ? nullptr : &it->second.subscribers;
  }

  // The channel's subscribers and data; nullptr when it has no subscriber here.
  Entry* entry(std::string_view channel) {
    auto it = channels_.find(channel);
    return it == channels_.end() ? nullptr : &it->second;
  }
  const Entry* entry(std::string_view channel) const {
    auto it = channels_.find(channel);
    return it == channels_.end() ? nullptr : &it->second;
  }

  std::size_t channel_count() const noexcept { return channels_.size(); }
  std::size_t subscription_count() const noexcept { return subscriptions_; }

  template <class F>
  void for_each_channel(F&& f) const {
    for (const auto& [name, e] : channels_) f(std::string_view(name), e.subscribers.size());
  }

 private:
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> channels_;
  std::size_t subscriptions_ = 0;
};

}  // namespace wshub::core
