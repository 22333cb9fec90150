#include "core/broker_wire.hpp"

#include <gtest/gtest.h>

namespace wshub::core {
namespace {

TEST(BrokerWireTest, RoundTripKeepsDataBytes) {
  const std::string data = R"({"text":"a b\nc","n":[1, 2]})";
  const std::string wire = encode_broker_wire(42, "0123abcd", data);
  EXPECT_EQ(wire, "42 0123abcd " + data);
  auto m = decode_broker_wire(wire);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->offset, 42u);
  EXPECT_EQ(m->epoch, "0123abcd");
  EXPECT_EQ(m->data, data);
}

TEST(BrokerWireTest, LargestOffset) {
  auto m = decode_broker_wire("18446744073709551615 e 1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->offset, 18446744073709551615u);
}

TEST(BrokerWireTest, RejectsMalformed) {
  for (const char* bad : {"", "42", "42 ", "42 e", "42 e ", " e 1", "x e 1", "0 e 1", "-1 e 1", "42  1",
                          "18446744073709551616 e 1", "4x2 e 1"}) {
    EXPECT_FALSE(decode_broker_wire(bad)) << bad;
  }
}

}  // namespace
}  // namespace wshub::core
