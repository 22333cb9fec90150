#include "auth/reloadable_authenticator.hpp"

#include <utility>

namespace wshub::auth {

ReloadableAuthenticator::ReloadableAuthenticator(std::unique_ptr<Authenticator> initial)
    : current_(std::move(initial)) {}

void ReloadableAuthenticator::replace(std::unique_ptr<Authenticator> next) {
  std::shared_ptr<const Authenticator> incoming(std::move(next));
  std::lock_guard lock(mutex_);
  current_.swap(incoming);
  // The old policy is released after the lock, by `incoming`, unless a call still holds it.
}

std::shared_ptr<const Authenticator> ReloadableAuthenticator::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

core::Expected<Identity, AuthRefusal> ReloadableAuthenticator::authenticate(const UpgradeRequestView& req) const {
  return current()->authenticate(req);
}

core::Expected<Identity, AuthRefusal> ReloadableAuthenticator::verify_connection_token(std::string_view token) const {
  return current()->verify_connection_token(token);
}

core::Expected<SubscriptionGrant, AuthRefusal> ReloadableAuthenticator::verify_subscription_token(
    std::string_view token) const {
  return current()->verify_subscription_token(token);
}

std::int64_t ReloadableAuthenticator::now() const { return current()->now(); }

}  // namespace wshub::auth
