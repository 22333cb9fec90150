#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "padded_json.hpp"

namespace wshub::core {
namespace {

std::string json_quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonWriter, PlainStringsAreQuoted) {
  EXPECT_EQ(json_quoted(""), R"("")");
  EXPECT_EQ(json_quoted("chat:lobby"), R"("chat:lobby")");
  EXPECT_EQ(json_quoted("a/b"), R"("a/b")");  // '/' needs no escape
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(json_quoted("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(json_quoted("C:\\dir\\"), R"("C:\\dir\\")");
  EXPECT_EQ(json_quoted("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(json_quoted(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(json_quoted("\x01\x08\x0c\x1f"), R"("\u0001\u0008\u000c\u001f")");
  EXPECT_EQ(json_quoted("\x1f "), R"("\u001f ")");
}

TEST(JsonWriter, LeavesDelAndUtf8Alone) {
  EXPECT_EQ(json_quoted("\x7f"), "\"\x7f\"");
  EXPECT_EQ(json_quoted("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
}

TEST(JsonWriter, AppendsToExistingText) {
  std::string out = "x=";
  append_json_string(out, "a\"");
  out += ',';
  append_int(out, -3);
  out += ',';
  append_uint(out, 4);
  EXPECT_EQ(out, R"(x="a\"",-3,4)");
}

TEST(JsonWriter, EveryByteRoundTripsAsValidJson) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  const std::string text = json_quoted(all);
  testing::PaddedJson json;
  auto r = json.validate(text);
  EXPECT_TRUE(r) << (r ? "" : r.error());
  auto f = json.decode(R"({"user":)" + text + "}");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->user, all);
}

TEST(JsonWriter, Integers) {
  auto i = [](std::int64_t v) {
    std::string s;
    append_int(s, v);
    return s;
  };
  auto u = [](std::uint64_t v) {
    std::string s;
    append_uint(s, v);
    return s;
  };
  EXPECT_EQ(i(0), "0");
  EXPECT_EQ(i(-1), "-1");
  EXPECT_EQ(i(INT64_MAX), "9223372036854775807");
  EXPECT_EQ(i(INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(u(0), "0");
  EXPECT_EQ(u(UINT64_MAX), "18446744073709551615");
}

}  // namespace
}  // namespace wshub::core
