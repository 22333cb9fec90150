// ReloadableAuthenticator: an Authenticator whose policy (and so its keys) can
// be replaced as a whole while it is in use, for rotating JWT keys on SIGHUP.
//
// Every call is passed to the current policy. replace() swaps in a new one
// that the caller built (make_authenticator reads the key files again); a
// reload that fails never gets here, so the old keys stay. A call that has
// already started keeps the policy it began with.
//
// Thread-safety: every method may be called from any thread (the shards
// verify tokens, the control thread replaces). A mutex guards the shared_ptr
// and is held only to copy or swap it, never while a token is verified.
#pragma once

#include <memory>
#include <mutex>

#include "auth/authenticator.hpp"

namespace wshub::auth {

class ReloadableAuthenticator final : public Authenticator {
 public:
  // REQUIRES: initial is not null.
  explicit ReloadableAuthenticator(std::unique_ptr<Authenticator> initial);

  // REQUIRES: next is not null.
  void replace(std::unique_ptr<Authenticator> next);

  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView& req) const override;
  core::Expected<Identity, AuthRefusal> verify_connection_token(std::string_view token) const override;
  core::Expected<SubscriptionGrant, AuthRefusal> verify_subscription_token(std::string_view token) const override;
  std::int64_t now() const override;

 private:
  std::shared_ptr<const Authenticator> current() const;

  mutable std::mutex mutex_;
  std::shared_ptr<const Authenticator> current_;
};

}  // namespace wshub::auth
