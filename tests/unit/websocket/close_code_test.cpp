#include "websocket/close_code.hpp"

#include <gtest/gtest.h>

namespace wshub::websocket {
namespace {

TEST(CloseCode, AcceptsRegisteredAndApplicationCodes) {
  for (std::uint16_t c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
                          4003, 4999}) {
    EXPECT_TRUE(is_valid_received_close_code(c)) << c;
  }
}

TEST(CloseCode, RefusesReservedUnassignedAndOutOfRange) {
  for (std::uint16_t c : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_FALSE(is_valid_received_close_code(c)) << c;
  }
}

}  // namespace
}  // namespace wshub::websocket
