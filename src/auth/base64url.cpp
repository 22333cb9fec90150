#include "auth/base64url.hpp"

#include <array>
#include <cstdint>

namespace wshub::auth {
namespace {

constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  std::int8_t n = 0;
  for (char c = 'A'; c <= 'Z'; ++c) t[static_cast<unsigned char>(c)] = n++;
  for (char c = 'a'; c <= 'z'; ++c) t[static_cast<unsigned char>(c)] = n++;
  for (char c = '0'; c <= '9'; ++c) t[static_cast<unsigned char>(c)] = n++;
  t[static_cast<unsigned char>('-')] = n++;
  t[static_cast<unsigned char>('_')] = n++;
  return t;
}
constexpr auto k_table = make_table();

}  // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // one char carries only 6 bits
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const auto v = k_table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace wshub::auth
