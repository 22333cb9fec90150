#include "core/client_id.hpp"

namespace wshub::core {

std::string format_client_id(std::uint64_t draw) {
  static constexpr char k_digits[] = "0123456789abcdefghijklmnopqrstuv";
  std::string id(k_client_id_length, 'c');
  id[1] = '-';
  // 13 digits of 5 bits hold 65 bits: the first digit carries the top 4.
  for (std::size_t i = k_client_id_length; i-- > 2;) {
    id[i] = k_digits[draw & 31u];
    draw >>= 5;
  }
  return id;
}

}  // namespace wshub::core
