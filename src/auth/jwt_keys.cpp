#include "auth/jwt_keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "auth/base64url.hpp"

namespace wshub::auth {
namespace {

namespace dom = simdjson::dom;

constexpr int k_min_rsa_bits = 2048;
constexpr std::size_t k_max_jwks_size = 1 << 20;

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using Params = std::unique_ptr<OSSL_PARAM, ParamFree>;

constexpr std::string_view k_algorithms[] = {"HS256", "HS384", "HS512", "RS256", "RS384",
                                             "RS512", "ES256", "ES384", "ES512"};

struct Curve {
  std::string_view jwk_name;      // "P-256"
  std::string_view openssl_name;  // "prime256v1"
  std::string_view algorithm;     // "ES256"
  std::size_t coordinate_bytes;
};
constexpr Curve k_curves[] = {
    {"P-256", "prime256v1", "ES256", 32},
    {"P-384", "secp384r1", "ES384", 48},
    {"P-521", "secp521r1", "ES512", 66},
};

const Curve* curve_by_openssl_name(std::string_view name) {
  for (const auto& c : k_curves) {
    if (c.openssl_name == name) return &c;
  }
  return nullptr;
}

const Curve* curve_by_jwk_name(std::string_view name) {
  for (const auto& c : k_curves) {
    if (c.jwk_name == name) return &c;
  }
  return nullptr;
}

// The configured algorithms that `family` (and, for EC, its curve) can verify.
std::vector<std::string> allow_list(KeyFamily family, const Curve* curve, const std::vector<std::string>& allowed,
                                    std::optional<std::string_view> only) {
  std::vector<std::string> out;
  for (const auto& alg : allowed) {
    bool fits = false;
    switch (family) {
      case KeyFamily::hmac: fits = alg.starts_with("HS"); break;
      case KeyFamily::rsa: fits = alg.starts_with("RS"); break;
      case KeyFamily::ec: fits = curve != nullptr && alg == curve->algorithm; break;
    }
    if (fits && (!only || alg == *only) && std::find(out.begin(), out.end(), alg) == out.end()) out.push_back(alg);
  }
  return out;
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "(none)" : out;
}

core::Expected<std::string, std::string> pem_of(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return core::unexpected(std::string("cannot write the key as PEM"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

core::Expected<VerificationKey, std::string> finish_key(VerificationKey key, const Curve* curve,
                                                        const std::vector<std::string>& allowed,
                                                        std::optional<std::string_view> only) {
  key.algorithms = allow_list(key.family, curve, allowed, only);
  if (key.algorithms.empty()) {
    return core::unexpected(key.origin + ": none of jwt_algorithms (" + joined(allowed) +
                            ") fits this key" + (only ? " and its \"alg\" " + std::string(*only) : std::string()));
  }
  return key;
}

core::Expected<Pkey, std::string> rsa_from_jwk(std::string_view n_b64, std::string_view e_b64) {
  const auto n = base64url_decode(n_b64);
  const auto e = base64url_decode(e_b64);
  if (!n || !e || n->empty() || e->empty()) {
    return core::unexpected(std::string("RSA key needs base64url \"n\" and \"e\""));
  }
  Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return core::unexpected(std::string("out of memory"));
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return core::unexpected(std::string("invalid RSA key"));
  }
  return Pkey(raw);
}

core::Expected<Pkey, std::string> ec_from_jwk(const Curve& curve, std::string_view x_b64, std::string_view y_b64) {
  const auto x = base64url_decode(x_b64);
  const auto y = base64url_decode(y_b64);
  if (!x || !y || x->size() != curve.coordinate_bytes || y->size() != curve.coordinate_bytes) {
    return core::unexpected("EC key needs base64url \"x\" and \"y\" of " + std::to_string(curve.coordinate_bytes) +
                            " bytes for " + std::string(curve.jwk_name));
  }
  std::string point = "\x04" + *x + *y;  // uncompressed point
  const std::string group(curve.openssl_name);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return core::unexpected(std::string("out of memory"));
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return core::unexpected(std::string("invalid EC key (the point is not on the curve)"));
  }
  Pkey key(raw);
  // fromdata does not always check the point; a public-key check does.
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return core::unexpected(std::string("invalid EC key (the point is not on the curve)"));
  }
  return key;
}

std::optional<std::string_view> string_member(dom::object object, std::string_view name) {
  std::string_view s;
  if (object.at_key(name).get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

core::Expected<std::string, std::string> read_file(const std::string& path, std::string_view option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::unexpected(std::string(option) + ": cannot read \"" + path + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return core::unexpected(std::string(option) + ": cannot read \"" + path + "\"");
  return text.str();
}

}  // namespace

bool is_supported_algorithm(std::string_view alg) noexcept {
  return std::find(std::begin(k_algorithms), std::end(k_algorithms), alg) != std::end(k_algorithms);
}

core::Expected<VerificationKey, std::string> key_from_secret(std::string_view secret,
                                                             const std::vector<std::string>& allowed) {
  if (secret.empty()) return core::unexpected(std::string("jwt_secret: empty secret"));
  VerificationKey key;
  key.family = KeyFamily::hmac;
  key.material = std::string(secret);
  key.origin = "jwt_secret";
  return finish_key(std::move(key), nullptr, allowed, std::nullopt);
}

core::Expected<VerificationKey, std::string> key_from_pem(std::string_view pem, const std::vector<std::string>& allowed,
                                                          std::string origin) {
  if (pem.size() > k_max_jwks_size) return core::unexpected(origin + ": file too large for a public key");
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!pkey) return core::unexpected(origin + ": not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
  VerificationKey key;
  key.origin = std::move(origin);
  const Curve* curve = nullptr;
  switch (EVP_PKEY_get_base_id(pkey.get())) {
    case EVP_PKEY_RSA:
      key.family = KeyFamily::rsa;
      if (EVP_PKEY_get_bits(pkey.get()) < k_min_rsa_bits) {
        return core::unexpected(key.origin + ": RSA key shorter than 2048 bits");
      }
      break;
    case EVP_PKEY_EC: {
      key.family = KeyFamily::ec;
      char group[64] = {};
      std::size_t group_len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) !=
          1) {
        return core::unexpected(key.origin + ": EC key without a named curve");
      }
      curve = curve_by_openssl_name(std::string_view(group, group_len));
      if (curve == nullptr) {
        return core::unexpected(key.origin + ": EC curve " + std::string(group, group_len) +
                                " is not supported (use P-256, P-384 or P-521)");
      }
      break;
    }
    default:
      return core::unexpected(key.origin + ": only RSA and EC public keys are supported");
  }
  auto written = pem_of(pkey.get());
  if (!written) return core::unexpected(key.origin + ": " + written.error());
  key.material = std::move(*written);
  return finish_key(std::move(key), curve, allowed, std::nullopt);
}

core::Expected<std::vector<VerificationKey>, std::string> keys_from_jwks(std::string_view json,
                                                                         const std::vector<std::string>& allowed) {
  if (json.size() > k_max_jwks_size) return core::unexpected(std::string("JWKS larger than 1 MiB"));
  dom::parser parser;
  dom::element root;
  if (parser.parse(json.data(), json.size(), true).get(root) != simdjson::SUCCESS) {
    return core::unexpected(std::string("not valid JSON"));
  }
  dom::array keys;
  if (root.at_key("keys").get_array().get(keys) != simdjson::SUCCESS) {
    return core::unexpected(std::string("expected {\"keys\": [...]}"));
  }
  std::vector<VerificationKey> out;
  std::size_t index = 0;
  for (dom::element element : keys) {
    const std::string where = "key " + std::to_string(index++);
    dom::object jwk;
    if (element.get_object().get(jwk) != simdjson::SUCCESS) return core::unexpected(where + ": not an object");
    if (auto use = string_member(jwk, "use"); use && *use != "sig") continue;
    const auto kty = string_member(jwk, "kty");
    if (!kty) return core::unexpected(where + ": no \"kty\"");
    VerificationKey key;
    if (auto kid = string_member(jwk, "kid")) key.kid = std::string(*kid);
    key.origin = "jwt_jwks_file " + where + (key.kid ? " (kid \"" + *key.kid + "\")" : std::string());
    std::optional<std::string_view> only = string_member(jwk, "alg");
    if (only && !is_supported_algorithm(*only)) {
      return core::unexpected(key.origin + ": unsupported \"alg\" \"" + std::string(*only) + "\"");
    }
    const Curve* curve = nullptr;
    if (*kty == "RSA") {
      key.family = KeyFamily::rsa;
      auto pkey = rsa_from_jwk(string_member(jwk, "n").value_or(""), string_member(jwk, "e").value_or(""));
      if (!pkey) return core::unexpected(key.origin + ": " + pkey.error());
      if (EVP_PKEY_get_bits(pkey->get()) < k_min_rsa_bits) {
        return core::unexpected(key.origin + ": RSA key shorter than 2048 bits");
      }
      auto pem = pem_of(pkey->get());
      if (!pem) return core::unexpected(key.origin + ": " + pem.error());
      key.material = std::move(*pem);
    } else if (*kty == "EC") {
      key.family = KeyFamily::ec;
      const auto crv = string_member(jwk, "crv");
      curve = crv ? curve_by_jwk_name(*crv) : nullptr;
      if (curve == nullptr) return core::unexpected(key.origin + ": \"crv\" must be P-256, P-384 or P-521");
      auto pkey = ec_from_jwk(*curve, string_member(jwk, "x").value_or(""), string_member(jwk, "y").value_or(""));
      if (!pkey) return core::unexpected(key.origin + ": " + pkey.error());
      auto pem = pem_of(pkey->get());
      if (!pem) return core::unexpected(key.origin + ": " + pem.error());
      key.material = std::move(*pem);
    } else if (*kty == "oct") {
      key.family = KeyFamily::hmac;
      const auto k = base64url_decode(string_member(jwk, "k").value_or(""));
      if (!k || k->empty()) return core::unexpected(key.origin + ": oct key needs a base64url \"k\"");
      key.material = *k;
    } else {
      return core::unexpected(key.origin + ": unsupported \"kty\" \"" + std::string(*kty) + "\"");
    }
    if (key.kid) {
      for (const auto& other : out) {
        if (other.kid == key.kid) return core::unexpected(key.origin + ": kid given twice");
      }
    }
    auto finished = finish_key(std::move(key), curve, allowed, only);
    if (!finished) return core::unexpected(finished.error());
    out.push_back(std::move(*finished));
  }
  if (out.empty()) return core::unexpected(std::string("no signing key in \"keys\""));
  return out;
}

core::Expected<std::vector<VerificationKey>, std::string> load_keys(const config::Config& config) {
  std::vector<VerificationKey> keys;
  if (!config.jwt_secret.empty()) {
    auto key = key_from_secret(config.jwt_secret, config.jwt_algorithms);
    if (!key) return core::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  if (!config.jwt_public_key.empty()) {
    auto pem = read_file(config.jwt_public_key, "jwt_public_key");
    if (!pem) return core::unexpected(pem.error());
    auto key = key_from_pem(*pem, config.jwt_algorithms, "jwt_public_key \"" + config.jwt_public_key + "\"");
    if (!key) return core::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  if (!config.jwt_jwks_file.empty()) {
    auto json = read_file(config.jwt_jwks_file, "jwt_jwks_file");
    if (!json) return core::unexpected(json.error());
    auto jwks = keys_from_jwks(*json, config.jwt_algorithms);
    if (!jwks) return core::unexpected("jwt_jwks_file \"" + config.jwt_jwks_file + "\": " + jwks.error());
    for (auto& key : *jwks) keys.push_back(std::move(key));
  }
  // A token without a kid is matched to the kid-less key that allows its alg:
  // that choice must be unique.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      if (keys[i].kid || keys[j].kid) continue;
      for (const auto& alg : keys[i].algorithms) {
        if (std::find(keys[j].algorithms.begin(), keys[j].algorithms.end(), alg) != keys[j].algorithms.end()) {
          return core::unexpected(keys[j].origin + " and " + keys[i].origin + " both verify " + alg +
                                  " tokens and neither has a kid: give them kids");
        }
      }
    }
  }
  return keys;
}

}  // namespace wshub::auth
