#include "json_value.hpp"

#include <cmath>
#include <cstdio>

#include "core/json_writer.hpp"

namespace wshub::bench {

JsonValue& JsonValue::set(std::string_view key, JsonValue value) {
  auto& obj = std::get<Object>(v_);
  for (auto& [k, v] : obj) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  obj.emplace_back(std::string(key), std::move(value));
  return obj.back().second;
}

JsonValue& JsonValue::operator[](std::string_view key) {
  auto& obj = std::get<Object>(v_);
  for (auto& [k, v] : obj) {
    if (k == key) return v;
  }
  obj.emplace_back(std::string(key), JsonValue());
  return obj.back().second;
}

JsonValue& JsonValue::push(JsonValue value) {
  auto& arr = std::get<Array>(v_);
  arr.push_back(std::move(value));
  return arr.back();
}

std::string JsonValue::dump() const {
  std::string out;
  dump_to(out, 0);
  out.push_back('\n');
  return out;
}

void JsonValue::dump_to(std::string& out, int indent) const {
  const auto newline = [&out](int level) {
    out.push_back('\n');
    out.append(static_cast<std::size_t>(level) * 2, ' ');
  };
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          core::append_int(out, v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          core::append_uint(out, v);
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) {
            out += "null";
          } else {
            char buf[64];
            const int n = std::snprintf(buf, sizeof buf, "%.10g", v);
            out.append(buf, static_cast<std::size_t>(n));
          }
        } else if constexpr (std::is_same_v<T, std::string>) {
          core::append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, Array>) {
          if (v.empty()) {
            out += "[]";
            return;
          }
          out.push_back('[');
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out.push_back(',');
            newline(indent + 1);
            v[i].dump_to(out, indent + 1);
          }
          newline(indent);
          out.push_back(']');
        } else {
          if (v.empty()) {
            out += "{}";
            return;
          }
          out.push_back('{');
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out.push_back(',');
            newline(indent + 1);
            core::append_json_string(out, v[i].first);
            out += ": ";
            v[i].second.dump_to(out, indent + 1);
          }
          newline(indent);
          out.push_back('}');
        }
      },
      v_);
}

}  // namespace wshub::bench
