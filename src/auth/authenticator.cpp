#include "auth/authenticator.hpp"

#include "core/query_string.hpp"

namespace wshub::auth {
namespace {

constexpr std::size_t k_max_user_id = 255;

AuthRefusal no_tokens() { return {400, "this server does not use tokens"}; }

core::Expected<Identity, AuthRefusal> dev_identity(const UpgradeRequestView& req) {
  auto user = core::query_param(req.target, "user");
  if (user && user->size() > k_max_user_id) {
    return core::unexpected(AuthRefusal{400, "user id longer than 255 bytes"});
  }
  return Identity{user.value_or(""), std::nullopt, std::nullopt};
}

class DevAuthenticator final : public Authenticator {
 public:
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView& req) const override {
    return dev_identity(req);
  }
};

class AnonymousAuthenticator final : public Authenticator {
 public:
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView&) const override {
    return Identity{};
  }
};

class RefusingAuthenticator final : public Authenticator {
 public:
  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView&) const override {
    return core::unexpected(AuthRefusal{
        401, "authentication required: this server accepts no anonymous clients (configure jwt_secret, "
             "jwt_public_key or jwt_jwks_file, set allow_anonymous, or use --dev for local testing)"});
  }
};

// Connection tokens, plus what to do without one.
class JwtAuthenticator final : public Authenticator {
 public:
  enum class WithoutToken { refuse, anonymous, dev };

  JwtAuthenticator(JwtVerifier verifier, WithoutToken without) : verifier_(std::move(verifier)), without_(without) {}

  core::Expected<Identity, AuthRefusal> authenticate(const UpgradeRequestView& req) const override {
    auto token = connection_token(req);
    if (!token) {
      switch (without_) {
        case WithoutToken::dev: return dev_identity(req);
        case WithoutToken::anonymous: return Identity{};
        case WithoutToken::refuse: break;
      }
      return core::unexpected(
          AuthRefusal{401, "authentication required: pass a token (?token= or Authorization: Bearer)"});
    }
    return verify_connection_token(*token);
  }

  core::Expected<Identity, AuthRefusal> verify_connection_token(std::string_view token) const override {
    auto claims = verifier_.verify(token);
    if (!claims) return core::unexpected(AuthRefusal{401, "invalid token: " + claims.error()});
    return Identity{claims->sub.value_or(""), claims->exp, std::move(claims->channels)};
  }

  core::Expected<SubscriptionGrant, AuthRefusal> verify_subscription_token(std::string_view token) const override {
    auto claims = verifier_.verify(token);
    if (!claims) return core::unexpected(AuthRefusal{403, "invalid subscription token: " + claims.error()});
    if (!claims->client || !claims->channel) {
      return core::unexpected(AuthRefusal{403, "invalid subscription token: needs \"client\" and \"channel\" claims"});
    }
    return SubscriptionGrant{std::move(*claims->client), std::move(*claims->channel), claims->sub.value_or("")};
  }

  std::int64_t now() const override { return verifier_.now(); }

 private:
  JwtVerifier verifier_;
  WithoutToken without_;
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

core::Expected<Identity, AuthRefusal> Authenticator::verify_connection_token(std::string_view) const {
  return core::unexpected(no_tokens());
}

core::Expected<SubscriptionGrant, AuthRefusal> Authenticator::verify_subscription_token(std::string_view) const {
  return core::unexpected(no_tokens());
}

std::optional<std::string> connection_token(const UpgradeRequestView& req) {
  std::string_view auth = req.authorization;
  while (!auth.empty() && (auth.front() == ' ' || auth.front() == '\t')) auth.remove_prefix(1);
  while (!auth.empty() && (auth.back() == ' ' || auth.back() == '\t')) auth.remove_suffix(1);
  if (auth.size() > 7 && equal_ignoring_case(auth.substr(0, 7), "bearer ")) {
    auth.remove_prefix(7);
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    return std::string(auth);
  }
  auto token = core::query_param(req.target, "token");
  if (token) return token;
  if (!auth.empty()) return std::string();  // another scheme: treated as a bad token, never ignored
  return std::nullopt;
}

std::unique_ptr<Authenticator> make_authenticator(const config::Config& cfg, std::vector<VerificationKey> keys,
                                                  UnixClock clock) {
  if (keys.empty()) {
    if (cfg.dev) return std::make_unique<DevAuthenticator>();
    if (cfg.allow_anonymous) return std::make_unique<AnonymousAuthenticator>();
    return std::make_unique<RefusingAuthenticator>();
  }
  using W = JwtAuthenticator::WithoutToken;
  const W without = cfg.dev ? W::dev : cfg.allow_anonymous ? W::anonymous : W::refuse;
  VerifierOptions options{cfg.jwt_issuer, cfg.jwt_audience, cfg.jwt_leeway};
  return std::make_unique<JwtAuthenticator>(JwtVerifier(std::move(keys), std::move(options), std::move(clock)),
                                            without);
}

core::Expected<std::unique_ptr<Authenticator>, std::string> make_authenticator(const config::Config& cfg,
                                                                             UnixClock clock) {
  auto keys = load_keys(cfg);
  if (!keys) return core::unexpected(std::move(keys.error()));
  return make_authenticator(cfg, std::move(*keys), std::move(clock));
}

}  // namespace wshub::auth
