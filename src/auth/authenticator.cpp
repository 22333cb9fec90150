#include "auth/authenticator.hpp"

#include "core/query_string.hpp"

namespace wshub::auth {
namespace {

constexpr std::size_t k_max_user_id = 255;

class DevAuthenticator final : public Authenticator {
 public:
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView& req) const override {
    auto user = core::query_param(req.target, "user");
    if (user && user->size() > k_max_user_id) {
      return core::unexpected(AuthRefusal{400, "user id longer than 255 bytes"});
    }
    return Identity{user.value_or("")};
  }
};

class AnonymousAuthenticator final : public Authenticator {
 public:
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView&) const override {
    return Identity{""};
  }
};

class RefusingAuthenticator final : public Authenticator {
 public:
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView&) const override {
    return core::unexpected(AuthRefusal{
        401, "authentication required: this server accepts no anonymous clients (set allow_anonymous, or use --dev "
             "for local testing)"});
  }
};

}  // namespace

std::unique_ptr<Authenticator> make_authenticator(const config::Config& cfg) {
  if (cfg.dev) return std::make_unique<DevAuthenticator>();
  if (cfg.allow_anonymous) return std::make_unique<AnonymousAuthenticator>();
  return std::make_unique<RefusingAuthenticator>();
}

}  // namespace wshub::auth
