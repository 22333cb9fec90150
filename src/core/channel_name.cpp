#include "core/channel_name.hpp"

#include <array>

namespace wshub::core {
namespace {

constexpr std::array<bool, 256> make_allowed() {
  std::array<bool, 256> t{};
  for (char c = 'a'; c <= 'z'; ++c) t[static_cast<unsigned char>(c)] = true;
  for (char c = 'A'; c <= 'Z'; ++c) t[static_cast<unsigned char>(c)] = true;
  for (char c = '0'; c <= '9'; ++c) t[static_cast<unsigned char>(c)] = true;
  for (char c : std::string_view("_:.@=/-")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto k_allowed = make_allowed();

}  // namespace

bool is_valid_channel_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > k_max_channel_name) return false;
  bool hash_seen = false;
  for (char c : name) {
    if (c == '#' && !hash_seen) {
      hash_seen = true;
      continue;
    }
    if (!k_allowed[static_cast<unsigned char>(c)]) return false;
  }
  return !hash_seen || (name.front() != '#' && name.back() != '#');
}

std::string_view channel_namespace(std::string_view name) noexcept {
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? std::string_view{} : name.substr(0, colon);
}

std::uint64_t channel_hash(std::string_view name) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace wshub::core
