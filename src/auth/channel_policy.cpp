#include "auth/channel_policy.hpp"

namespace wshub::auth {
namespace {

Decision allow() { return {true, {}}; }
Decision deny(std::string reason) { return {false, "permission denied: " + std::move(reason)}; }

}  // namespace

std::optional<std::string_view> ChannelPolicy::channel_owner(std::string_view channel) noexcept {
  const auto hash = channel.find('#');
  if (hash == std::string_view::npos) return std::nullopt;
  return channel.substr(hash + 1);
}

bool ChannelPolicy::claim_matches(std::string_view pattern, std::string_view channel) noexcept {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return channel.starts_with(pattern);
  }
  return !pattern.empty() && pattern == channel;
}

Decision ChannelPolicy::can_subscribe(const config::NamespaceOptions& ns, std::string_view channel,
                                      const Subject& who, bool has_subscription_token) const {
  if (dev_) return allow();
  if (auto owner = channel_owner(channel)) {
    if (has_subscription_token || (!who.user.empty() && *owner == who.user)) return allow();
    return deny("this channel belongs to another user");
  }
  if (has_subscription_token) return allow();
  if (who.channels != nullptr) {
    for (const auto& pattern : *who.channels) {
      if (claim_matches(pattern, channel)) return allow();
    }
  }
  if (who.user.empty()) {
    if (ns.allow_anonymous_subscribe) return allow();
    return deny("anonymous clients may not subscribe in this namespace");
  }
  if (ns.allow_subscribe) return allow();
  return deny("not allowed to subscribe to this channel");
}

Decision ChannelPolicy::can_publish(const config::NamespaceOptions& ns, std::string_view channel,
                                    const Subject& who) const {
  if (dev_) return allow();
  if (!ns.allow_client_publish) return deny("clients may not publish in this namespace");
  if (auto owner = channel_owner(channel); owner && (who.user.empty() || *owner != who.user)) {
    return deny("this channel belongs to another user");
  }
  return allow();
}

Decision ChannelPolicy::can_read(const config::NamespaceOptions& ns, std::string_view channel, const Subject& who,
                                 bool subscribed, bool namespace_allows, std::string_view what) const {
  if (dev_) return allow();
  if (!namespace_allows) return deny("clients may not read " + std::string(what) + " in this namespace");
  if (subscribed) return allow();
  auto may_subscribe = can_subscribe(ns, channel, who, false);
  if (!may_subscribe) return may_subscribe;
  return allow();
}

Decision ChannelPolicy::can_read_history(const config::NamespaceOptions& ns, std::string_view channel,
                                         const Subject& who, bool subscribed) const {
  return can_read(ns, channel, who, subscribed, ns.allow_client_history, "history");
}

Decision ChannelPolicy::can_read_presence(const config::NamespaceOptions& ns, std::string_view channel,
                                          const Subject& who, bool subscribed) const {
  return can_read(ns, channel, who, subscribed, ns.allow_client_presence, "presence");
}

}  // namespace wshub::auth
