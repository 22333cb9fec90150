#include "auth/jwt_token.hpp"

#include <simdjson.h>

#include <cmath>
#include <limits>
#include <new>

#include "auth/base64url.hpp"

namespace wshub::auth {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t k_max_json_depth = 32;

dom::parser& thread_parser() {
  thread_local dom::parser parser = [] {
    dom::parser p(k_max_token_size);
    // Memory for the largest token and the depth limit, once per thread.
    if (p.allocate(k_max_token_size, k_max_json_depth) != simdjson::SUCCESS) throw std::bad_alloc();
    return p;
  }();
  return parser;
}

using Result = core::Expected<void, std::string>;

Result read_string(dom::element value, std::string_view name, std::optional<std::string>& out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return core::unexpected("\"" + std::string(name) + "\" must be a string");
  }
  out = std::string(s);
  return {};
}

// A NumericDate: seconds since the epoch, integer or decimal (truncated).
Result read_date(dom::element value, std::string_view name, std::optional<std::int64_t>& out) {
  std::int64_t i = 0;
  if (value.get_int64().get(i) == simdjson::SUCCESS) {
    out = i;
    return {};
  }
  double d = 0;
  if (value.is_double() && value.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d) && d > -9.0e15 &&
      d < 9.0e15) {
    out = static_cast<std::int64_t>(d);
    return {};
  }
  return core::unexpected("\"" + std::string(name) + "\" must be a number of seconds");
}

Result read_string_list(dom::element value, std::string_view name, bool allow_single,
                        std::optional<std::vector<std::string>>& out) {
  std::string_view s;
  if (allow_single && value.get_string().get(s) == simdjson::SUCCESS) {
    out = std::vector<std::string>{std::string(s)};
    return {};
  }
  dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return core::unexpected("\"" + std::string(name) + "\" must be " +
                            (allow_single ? "a string or " : "") + "an array of strings");
  }
  std::vector<std::string> list;
  for (dom::element e : array) {
    if (e.get_string().get(s) != simdjson::SUCCESS) {
      return core::unexpected("\"" + std::string(name) + "\" must contain only strings");
    }
    list.emplace_back(s);
  }
  out = std::move(list);
  return {};
}

core::Expected<dom::object, std::string> parse_object(std::string_view json, std::string_view what) {
  if (json.size() > k_max_token_size) return core::unexpected(std::string(what) + " too large");
  dom::element root;
  if (thread_parser().parse(json.data(), json.size(), true).get(root) != simdjson::SUCCESS) {
    return core::unexpected(std::string(what) + " is not valid JSON");
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return core::unexpected(std::string(what) + " is not a JSON object");
  }
  return object;
}

// Remembers which known keys were seen, to refuse duplicates.
class SeenKeys {
 public:
  bool first(unsigned index) {
    const auto bit = 1u << index;
    if ((seen_ & bit) != 0) return false;
    seen_ |= bit;
    return true;
  }

 private:
  unsigned seen_ = 0;
};

}  // namespace

core::Expected<JwtParts, std::string> split_token(std::string_view token) {
  if (token.empty()) return core::unexpected(std::string("empty token"));
  if (token.size() > k_max_token_size) return core::unexpected(std::string("token too large"));
  const auto first = token.find('.');
  if (first == std::string_view::npos) return core::unexpected(std::string("not a JWT (expected three parts)"));
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return core::unexpected(std::string("not a JWT (expected three parts)"));
  }
  JwtParts parts{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
  if (parts.header_b64.empty() || parts.payload_b64.empty()) {
    return core::unexpected(std::string("not a JWT (empty header or payload)"));
  }
  return parts;
}

core::Expected<JoseHeader, std::string> parse_jose_header(std::string_view json) {
  auto object = parse_object(json, "header");
  if (!object) return core::unexpected(std::move(object.error()));
  JoseHeader header;
  std::optional<std::string> alg;
  SeenKeys seen;
  for (auto field : *object) {
    const std::string_view key = field.key;
    unsigned index = 0;
    Result r;
    if (key == "alg") {
      index = 0;
      r = read_string(field.value, key, alg);
    } else if (key == "kid") {
      index = 1;
      r = read_string(field.value, key, header.kid);
    } else if (key == "typ") {
      index = 2;
      r = read_string(field.value, key, header.typ);
    } else if (key == "crit") {
      return core::unexpected(std::string("header \"crit\" is not supported"));
    } else {
      continue;  // jku, x5u, jwk, x5c, cty...: ignored, keys come from the configuration
    }
    if (!seen.first(index)) return core::unexpected("header has \"" + std::string(key) + "\" twice");
    if (!r) return core::unexpected("header " + r.error());
  }
  if (!alg) return core::unexpected(std::string("header has no \"alg\""));
  header.alg = std::move(*alg);
  return header;
}

core::Expected<TokenClaims, std::string> parse_claims(std::string_view json) {
  auto object = parse_object(json, "payload");
  if (!object) return core::unexpected(std::move(object.error()));
  TokenClaims c;
  SeenKeys seen;
  for (auto field : *object) {
    const std::string_view key = field.key;
    unsigned index = 0;
    Result r;
    if (key == "sub") {
      index = 0;
      r = read_string(field.value, key, c.sub);
    } else if (key == "exp") {
      index = 1;
      r = read_date(field.value, key, c.exp);
    } else if (key == "nbf") {
      index = 2;
      r = read_date(field.value, key, c.nbf);
    } else if (key == "iat") {
      index = 3;
      r = read_date(field.value, key, c.iat);
    } else if (key == "iss") {
      index = 4;
      r = read_string(field.value, key, c.iss);
    } else if (key == "aud") {
      index = 5;
      r = read_string_list(field.value, key, true, c.aud);
    } else if (key == "channels") {
      index = 6;
      r = read_string_list(field.value, key, false, c.channels);
    } else if (key == "client") {
      index = 7;
      r = read_string(field.value, key, c.client);
    } else if (key == "channel") {
      index = 8;
      r = read_string(field.value, key, c.channel);
    } else {
      continue;
    }
    if (!seen.first(index)) return core::unexpected("claim \"" + std::string(key) + "\" given twice");
    if (!r) return core::unexpected("claim " + r.error());
  }
  return c;
}

core::Expected<ParsedToken, std::string> parse_token(std::string_view token) {
  auto parts = split_token(token);
  if (!parts) return core::unexpected("malformed token: " + parts.error());
  const auto header_json = base64url_decode(parts->header_b64);
  if (!header_json) return core::unexpected(std::string("malformed token: header is not base64url"));
  const auto payload_json = base64url_decode(parts->payload_b64);
  if (!payload_json) return core::unexpected(std::string("malformed token: payload is not base64url"));
  if (!base64url_decode(parts->signature_b64)) {
    return core::unexpected(std::string("malformed token: signature is not base64url"));
  }
  auto header = parse_jose_header(*header_json);
  if (!header) return core::unexpected("malformed token: " + header.error());
  auto claims = parse_claims(*payload_json);
  if (!claims) return core::unexpected("malformed token: " + claims.error());
  return ParsedToken{std::move(*header), std::move(*claims)};
}

}  // namespace wshub::auth
