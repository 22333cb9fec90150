#include "core/json_fields.hpp"

#include <simdjson.h>

static_assert(wshub::core::k_json_padding >= simdjson::SIMDJSON_PADDING);

namespace wshub::core {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool valid_number(std::string_view s) {
  std::size_t i = 0;
  const auto n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < n && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  return i == n;
}

// A quoted string token (or a key's raw text up to its closing quote) must not
// hold raw control bytes: clients' JSON parsers reject them, and one bad
// publication would break every frame it is batched into.
bool has_control_bytes(std::string_view token) {
  for (char c : token) {
    if (static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

bool key_has_control_bytes(const od::raw_json_string& key) {
  const char* p = key.raw();
  for (;; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') return false;
    if (c < 0x20) return true;
    if (c == '\\') ++p;  // an escaped character cannot end the key
  }
}

error_code walk(od::value& v, int depth);

error_code walk_scalar_token(std::string_view raw, od::json_type t) {
  raw = trim_right(raw);
  switch (t) {
    case od::json_type::number:
      return valid_number(raw) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    case od::json_type::string:
      return has_control_bytes(raw) ? simdjson::UNESCAPED_CHARS : simdjson::SUCCESS;
    case od::json_type::boolean:
      return raw == "true" || raw == "false" ? simdjson::SUCCESS : simdjson::T_ATOM_ERROR;
    case od::json_type::null:
      return raw == "null" ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    default:
      return simdjson::INCORRECT_TYPE;
  }
}

error_code walk(od::value& v, int depth) {
  if (depth > k_max_json_depth) return simdjson::DEPTH_ERROR;
  od::json_type t;
  if (auto err = v.type().get(t)) return err;
  if (t == od::json_type::object) {
    od::object obj;
    if (auto err = v.get_object().get(obj)) return err;
    for (auto field_result : obj) {
      od::field field;
      if (auto err = std::move(field_result).get(field)) return err;
      if (key_has_control_bytes(field.key())) return simdjson::UNESCAPED_CHARS;
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return err;
      od::value fv = field.value();
      if (auto err = walk(fv, depth + 1)) return err;
    }
    return simdjson::SUCCESS;
  }
  if (t == od::json_type::array) {
    od::array arr;
    if (auto err = v.get_array().get(arr)) return err;
    for (auto element_result : arr) {
      od::value ev;
      if (auto err = std::move(element_result).get(ev)) return err;
      if (auto err = walk(ev, depth + 1)) return err;
    }
    return simdjson::SUCCESS;
  }
  std::string_view raw = v.raw_json_token();
  if (auto err = walk_scalar_token(raw, t)) return err;
  if (t == od::json_type::string) {
    std::string_view s;
    return v.get_string().get(s);  // validates escapes
  }
  return simdjson::SUCCESS;
}

std::string describe(error_code err) {
  switch (err) {
    case simdjson::DEPTH_ERROR: return "invalid JSON: nested too deeply";
    case simdjson::UTF8_ERROR: return "invalid JSON: not valid UTF-8";
    case simdjson::UNESCAPED_CHARS: return "invalid JSON: unescaped control character in a string";
    case simdjson::NUMBER_ERROR: return "invalid JSON: malformed number";
    case simdjson::STRING_ERROR: return "invalid JSON: malformed string";
    case simdjson::EMPTY: return "invalid JSON: empty input";
    default: return std::string("invalid JSON: ") + simdjson::error_message(err);
  }
}

std::string must_be(std::string_view key, std::string_view what) {
  std::string m = "\"";
  m += key;
  m += "\" must be ";
  m += what;
  return m;
}

bool only_whitespace(const char* p, const char* end) {
  for (; p < end; ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return false;
  }
  return true;
}

}  // namespace

struct JsonFieldDecoder::Impl {
  Impl() {
    // Fails only without memory; parse() then reports it.
    if (dom.allocate(64 * 1024, k_max_json_depth) != simdjson::SUCCESS) return;
  }

  simdjson::dom::parser dom{};
  od::parser validator{};
  od::parser reader{};

  // The DOM parser validates everything (structure, strings, depth, trailing
  // content) but refuses numbers beyond int64/double range, which are valid
  // JSON we must forward: only then take the slower walk.
  Expected<void, std::string> validate(const char* text, std::size_t len, std::size_t capacity) {
    simdjson::dom::element root;
    const auto err = dom.parse(text, len, false).get(root);
    if (!err) return {};
    if (err != simdjson::NUMBER_ERROR) return unexpected(describe(err));
    return validate_by_walk(text, len, capacity);
  }

  Expected<void, std::string> validate_by_walk(const char* text, std::size_t len, std::size_t capacity) {
    od::document doc;
    if (auto err = validator.iterate(text, len, capacity).get(doc)) return unexpected(describe(err));
    od::json_type t;
    if (auto err = doc.type().get(t)) return unexpected(describe(err));
    if (t == od::json_type::object || t == od::json_type::array) {
      od::value root;
      if (auto err = doc.get_value().get(root)) return unexpected(describe(err));
      if (auto err = walk(root, 1)) return unexpected(describe(err));
    } else {
      std::string_view raw;
      if (auto err = doc.raw_json_token().get(raw)) return unexpected(describe(err));
      if (auto err = walk_scalar_token(raw, t)) return unexpected(describe(err));
    }
    // The walk does not see what follows the root value: find its end.
    if (auto err = validator.iterate(text, len, capacity).get(doc)) return unexpected(describe(err));
    std::string_view extent;
    error_code err = simdjson::SUCCESS;
    if (t == od::json_type::object) {
      od::object o;
      err = doc.get_object().get(o);
      if (!err) err = o.raw_json().get(extent);
    } else if (t == od::json_type::array) {
      od::array a;
      err = doc.get_array().get(a);
      if (!err) err = a.raw_json().get(extent);
    } else {
      err = doc.raw_json_token().get(extent);
      extent = trim_right(extent);
    }
    if (err) return unexpected(describe(err));
    if (!only_whitespace(extent.data() + extent.size(), text + len)) {
      return unexpected(std::string("invalid JSON: trailing content"));
    }
    return {};
  }

  Expected<JsonFields, std::string> decode(const char* text, std::size_t len, std::size_t capacity) {
    if (auto valid = validate(text, len, capacity); !valid) return unexpected(valid.error());
    od::document doc;
    if (auto err = reader.iterate(text, len, capacity).get(doc)) return unexpected(describe(err));
    od::object obj;
    if (doc.get_object().get(obj)) return unexpected(std::string("expected a JSON object"));
    JsonFields f;
    auto type_error = [&f](std::string_view key, std::string_view what) {
      if (f.type_error.empty()) f.type_error = must_be(key, what);
    };
    // The first occurrence of a key wins, whatever its type; later ones are ignored.
    auto read_string = [&](od::value& v, std::string_view key, std::optional<std::string_view>& out, bool& seen) {
      if (seen) return;
      seen = true;
      std::string_view s;
      if (v.get_string().get(s)) {
        type_error(key, "a string");
      } else {
        out = s;
      }
    };
    bool op_seen = false, channel_seen = false, token_seen = false, client_seen = false, user_seen = false,
         reason_seen = false;
    bool id_seen = false, limit_seen = false, code_seen = false, since_seen = false, channels_seen = false;
    for (auto field_result : obj) {
      od::field field;
      if (auto err = std::move(field_result).get(field)) return unexpected(describe(err));
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return unexpected(describe(err));
      od::value v = field.value();
      if (key == "id") {
        if (id_seen) continue;
        id_seen = true;
        std::int64_t id;
        if (!v.get_int64().get(id)) f.id = id;
      } else if (key == "op") {
        read_string(v, key, f.op, op_seen);
      } else if (key == "channel") {
        read_string(v, key, f.channel, channel_seen);
      } else if (key == "token") {
        read_string(v, key, f.token, token_seen);
      } else if (key == "client") {
        read_string(v, key, f.client, client_seen);
      } else if (key == "user") {
        read_string(v, key, f.user, user_seen);
      } else if (key == "reason") {
        read_string(v, key, f.reason, reason_seen);
      } else if (key == "data") {
        if (f.data) continue;
        od::json_type t;
        if (auto err = v.type().get(t)) return unexpected(describe(err));
        std::string_view raw;
        error_code err = simdjson::SUCCESS;
        if (t == od::json_type::object) {
          od::object o;
          err = v.get_object().get(o);
          if (!err) err = o.raw_json().get(raw);
        } else if (t == od::json_type::array) {
          od::array a;
          err = v.get_array().get(a);
          if (!err) err = a.raw_json().get(raw);
        } else {
          raw = trim_right(v.raw_json_token());
        }
        if (err) return unexpected(describe(err));
        f.data = trim_right(raw);
      } else if (key == "limit" || key == "code") {
        bool& seen = key == "limit" ? limit_seen : code_seen;
        auto& out = key == "limit" ? f.limit : f.code;
        if (seen) continue;
        seen = true;
        std::int64_t n;
        if (v.get_int64().get(n)) {
          type_error(key, "an integer");
        } else {
          out = n;
        }
      } else if (key == "since") {
        if (since_seen) continue;
        since_seen = true;
        od::object so;
        if (v.get_object().get(so)) {
          type_error(key, "an object {\"epoch\": string, \"offset\": integer}");
          continue;
        }
        std::optional<std::string_view> epoch;
        std::optional<std::uint64_t> offset;
        bool bad = false;
        for (auto sf_result : so) {
          od::field sf;
          if (auto err = std::move(sf_result).get(sf)) return unexpected(describe(err));
          std::string_view skey;
          if (auto err = sf.unescaped_key().get(skey)) return unexpected(describe(err));
          od::value sv = sf.value();
          if (skey == "epoch" && !epoch) {
            std::string_view e;
            if (sv.get_string().get(e)) bad = true; else epoch = e;
          } else if (skey == "offset" && !offset) {
            std::uint64_t o;
            if (sv.get_uint64().get(o)) bad = true; else offset = o;
          }
        }
        if (bad || !epoch || !offset) {
          type_error(key, "an object {\"epoch\": string, \"offset\": integer >= 0}");
        } else {
          f.since = StreamPosition{std::string(*epoch), *offset};
        }
      } else if (key == "channels") {
        if (channels_seen) continue;
        channels_seen = true;
        od::array arr;
        if (v.get_array().get(arr)) {
          type_error(key, "an array of strings");
          continue;
        }
        std::vector<std::string_view> names;
        bool bad = false;
        for (auto el_result : arr) {
          od::value el;
          if (auto err = std::move(el_result).get(el)) return unexpected(describe(err));
          std::string_view s;
          if (el.get_string().get(s)) bad = true; else names.push_back(s);
        }
        if (bad) type_error(key, "an array of strings"); else f.channels = std::move(names);
      }
      // Unknown keys are ignored (forward compatibility); the first pass validated them.
    }
    return f;
  }
};

JsonFieldDecoder::JsonFieldDecoder() : impl_(std::make_unique<Impl>()) {}
JsonFieldDecoder::~JsonFieldDecoder() = default;

Expected<JsonFields, std::string> JsonFieldDecoder::decode(const char* text, std::size_t len, std::size_t capacity) {
  return impl_->decode(text, len, capacity);
}

Expected<void, std::string> JsonFieldDecoder::validate(const char* text, std::size_t len, std::size_t capacity) {
  return impl_->validate(text, len, capacity);
}

}  // namespace wshub::core
