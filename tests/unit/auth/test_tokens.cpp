#include "test_tokens.hpp"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

namespace wshub::auth::test {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

KeyPair make_pair(EVP_PKEY* key) {
  if (key == nullptr) throw std::runtime_error("key generation failed");
  KeyPair pair;
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  pair.private_pem = bio_text(priv);
  BIO_free(priv);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, key);
  pair.public_pem = bio_text(pub);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return pair;
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return bytes;
}

}  // namespace

std::string b64url(std::string_view bytes) {
  static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += k_alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
  }
  return out;
}

const KeyPair& rsa_key() {
  static const KeyPair pair = make_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  return pair;
}

const KeyPair& rsa_key2() {
  static const KeyPair pair = make_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  return pair;
}

const KeyPair& rsa_1024_key() {
  static const KeyPair pair = make_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  return pair;
}

const KeyPair& ec_key() {
  static const KeyPair pair = make_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  return pair;
}

std::string hs256_raw(std::string_view header_json, std::string_view payload_json, std::string_view secret) {
  const std::string input = b64url(header_json) + "." + b64url(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  char digest[] = "SHA256";
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac, &len) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return input + "." + b64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

std::string signed_token(std::string_view alg, std::string_view key, std::string_view claims_json,
                         std::string_view kid) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  const std::string claims(claims_json);
  if (jwt_add_grants_json(jwt, claims.c_str()) != 0) throw std::runtime_error("bad claims JSON");
  if (!kid.empty()) jwt_add_header(jwt, "kid", std::string(kid).c_str());
  const std::string alg_text(alg);
  if (jwt_set_alg(jwt, jwt_str_alg(alg_text.c_str()), reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0) {
    throw std::runtime_error("jwt_set_alg failed");
  }
  char* text = jwt_encode_str(jwt);
  if (text == nullptr) throw std::runtime_error("jwt_encode_str failed");
  std::string out(text);
  free(text);  // NOLINT: libjwt allocates with malloc
  jwt_free(jwt);
  return out;
}

std::string jwk_of(const std::string& public_pem, std::string_view kid, std::string_view alg) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::string out = "{";
  if (!kid.empty()) out += "\"kid\":\"" + std::string(kid) + "\",";
  if (!alg.empty()) out += "\"alg\":\"" + std::string(alg) + "\",";
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    out += "\"kty\":\"RSA\",\"n\":\"" + b64url(bn_param(key, OSSL_PKEY_PARAM_RSA_N)) + "\",\"e\":\"" +
           b64url(bn_param(key, OSSL_PKEY_PARAM_RSA_E)) + "\"}";
  } else {
    std::string x = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X);
    std::string y = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
    x.insert(0, 32 - x.size(), '\0');
    y.insert(0, 32 - y.size(), '\0');
    out += "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + b64url(x) + "\",\"y\":\"" + b64url(y) + "\"}";
  }
  EVP_PKEY_free(key);
  return out;
}

}  // namespace wshub::auth::test
