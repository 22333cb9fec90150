// ChannelPolicy: who may subscribe to, publish on, and read the history and
// presence of a channel. Deny by default outside --dev; --dev allows all.
//
// Rules for `subscribe`, in order (the first that applies decides):
//  - --dev: allowed.
//  - a user-limited channel, whose name has a `#` (`chat:inbox#42`): allowed
//    only to the user whose id is everything after the first `#` ("42"), or
//    with a subscription token for it; namespace rules and the channels claim
//    do not open it to anyone else.
//  - a valid subscription token naming this client and this channel: allowed.
//  - the connection token's `channels` claim lists the channel, exactly or by
//    a `*`-suffix pattern (`chat:*`, `news:eu-*`; a lone `*` matches all):
//    allowed.
//  - the namespace's allow_subscribe: allowed to clients with a user id;
//    allow_anonymous_subscribe: allowed to clients without one.
//  - otherwise denied (403).
// `publish` needs the namespace's allow_client_publish (or --dev), and on a
// user-limited channel the client must be its user. `history` and `presence`
// need allow_client_history / allow_client_presence and the right to
// subscribe to the channel (or a current subscription, which covers channels
// joined with a subscription token).
// Thread-safety: pure and immutable; call from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace wshub::auth {

// What the policy knows about the client asking.
struct Subject {
  std::string_view user;  // "" for anonymous
  const std::vector<std::string>* channels = nullptr;  // the token's channels claim, if any
};

struct Decision {
  bool allowed = false;
  std::string reason;  // why not, for the 403 reply; empty when allowed

  explicit operator bool() const noexcept { return allowed; }
};

class ChannelPolicy {
 public:
  explicit ChannelPolicy(bool dev) : dev_(dev) {}

  // `has_subscription_token`: the subscribe op carried a token already
  // verified to name this client and this channel.
  Decision can_subscribe(const config::NamespaceOptions& ns, std::string_view channel, const Subject& who,
                         bool has_subscription_token) const;
  Decision can_publish(const config::NamespaceOptions& ns, std::string_view channel, const Subject& who) const;
  // `subscribed`: the client currently holds a subscription to the channel.
  Decision can_read_history(const config::NamespaceOptions& ns, std::string_view channel, const Subject& who,
                            bool subscribed) const;
  Decision can_read_presence(const config::NamespaceOptions& ns, std::string_view channel, const Subject& who,
                             bool subscribed) const;

  // The user a user-limited channel belongs to (after its first '#'), or nullopt.
  static std::optional<std::string_view> channel_owner(std::string_view channel) noexcept;
  // Whether `channel` matches a channels-claim entry (exact, or prefix before a trailing '*').
  static bool claim_matches(std::string_view pattern, std::string_view channel) noexcept;

 private:
  Decision can_read(const config::NamespaceOptions& ns, std::string_view channel, const Subject& who, bool subscribed,
                    bool namespace_allows, std::string_view what) const;

  bool dev_;
};

}  // namespace wshub::auth
