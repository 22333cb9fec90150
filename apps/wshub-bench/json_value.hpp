// JsonValue: a small ordered JSON tree for the result document the tool
// writes (objects keep insertion order, so results read top-down).
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wshub::bench {

class JsonValue {
 public:
  using Object = std::vector<std::pair<std::string, JsonValue>>;
  using Array = std::vector<JsonValue>;

  JsonValue() = default;                                                  // null
  JsonValue(bool v) : v_(v) {}                                            // NOLINT: implicit by design
  JsonValue(int v) : v_(static_cast<std::int64_t>(v)) {}                  // NOLINT
  JsonValue(long v) : v_(static_cast<std::int64_t>(v)) {}                 // NOLINT
  JsonValue(long long v) : v_(static_cast<std::int64_t>(v)) {}            // NOLINT
  JsonValue(unsigned v) : v_(static_cast<std::uint64_t>(v)) {}            // NOLINT
  JsonValue(unsigned long v) : v_(static_cast<std::uint64_t>(v)) {}       // NOLINT
  JsonValue(unsigned long long v) : v_(static_cast<std::uint64_t>(v)) {}  // NOLINT
  JsonValue(double v) : v_(v) {}                                          // NOLINT
  JsonValue(const char* v) : v_(std::string(v)) {}                        // NOLINT
  JsonValue(std::string v) : v_(std::move(v)) {}                          // NOLINT
  JsonValue(std::string_view v) : v_(std::string(v)) {}                   // NOLINT

  static JsonValue object() {
    JsonValue j;
    j.v_ = Object{};
    return j;
  }
  static JsonValue array() {
    JsonValue j;
    j.v_ = Array{};
    return j;
  }

  // Object: sets `key` (replacing an existing one) and returns the new value.
  // REQUIRES: this is an object.
  JsonValue& set(std::string_view key, JsonValue value);
  // Object member, created as null when missing. REQUIRES: this is an object.
  JsonValue& operator[](std::string_view key);
  // Array append. REQUIRES: this is an array.
  JsonValue& push(JsonValue value);

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }

  // Pretty-printed with two-space indentation; doubles with up to 10 significant
  // digits, non-finite doubles as null.
  std::string dump() const;

 private:
  void dump_to(std::string& out, int indent) const;

  std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, Array, Object> v_;
};

}  // namespace wshub::bench
