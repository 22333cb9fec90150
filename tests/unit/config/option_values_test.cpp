#include "config/option_values.hpp"

#include <gtest/gtest.h>

namespace wshub::config {
namespace {

TEST(OptionValues, TrimRemovesSurroundingWhitespace) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \r\n "), "");
}

TEST(OptionValues, BooleansAcceptEverySpelling) {
  for (const char* yes : {"true", "TRUE", "True", "1", "yes", "Yes", "on", "ON", " true "}) {
    auto v = parse_bool(yes);
    ASSERT_TRUE(v) << yes;
    EXPECT_TRUE(*v) << yes;
  }
  for (const char* no : {"false", "FALSE", "0", "no", "NO", "off", "Off", "false\n"}) {
    auto v = parse_bool(no);
    ASSERT_TRUE(v) << no;
    EXPECT_FALSE(*v) << no;
  }
}

TEST(OptionValues, BooleansRefuseAnythingElse) {
  for (const char* bad : {"", "maybe", "2", "y", "n", "tru", "enabled", "-1"}) {
    auto v = parse_bool(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_NE(v.error().find("expected true or false"), std::string::npos) << v.error();
  }
  EXPECT_EQ(parse_bool("maybe").error(), "expected true or false (also yes/no, on/off, 1/0), got \"maybe\"");
}

TEST(OptionValues, WholeNumbers) {
  EXPECT_EQ(*parse_whole_number("0", "", 0, 10), 0u);
  EXPECT_EQ(*parse_whole_number("10", "", 0, 10), 10u);
  EXPECT_EQ(*parse_whole_number(" 7 ", "", 0, 10), 7u);
  EXPECT_EQ(*parse_whole_number("18446744073709551615", "", 0, UINT64_MAX), UINT64_MAX);
}

TEST(OptionValues, WholeNumberErrorsSayWhatWasExpected) {
  EXPECT_EQ(parse_whole_number("abc", "seconds", 1, 100).error(), "expected a whole number of seconds, got \"abc\"");
  EXPECT_EQ(parse_whole_number("", "bytes", 1, 100).error(), "expected a whole number of bytes, got \"\"");
  EXPECT_EQ(parse_whole_number("1.5", "", 0, 100).error(), "expected a whole number, got \"1.5\"");
  EXPECT_EQ(parse_whole_number("+5", "", 0, 100).error(), "expected a whole number, got \"+5\"");
  EXPECT_EQ(parse_whole_number("5s", "seconds", 0, 100).error(), "expected a whole number of seconds, got \"5s\"");
  EXPECT_EQ(parse_whole_number("-5", "seconds", 0, 100).error(), "must not be negative, got -5");
  EXPECT_EQ(parse_whole_number("0", "seconds", 1, 100).error(), "must be greater than 0, got 0");
  EXPECT_EQ(parse_whole_number("3", "seconds", 5, 100).error(), "must be at least 5 seconds, got 3");
  EXPECT_EQ(parse_whole_number("101", "seconds", 1, 100).error(), "must be at most 100 seconds, got 101");
  EXPECT_EQ(parse_whole_number("67108865", "bytes", 1, 64u << 20).error(),
            "must be at most 67108864 (64 MiB), got 67108865");
  EXPECT_EQ(parse_whole_number("99999999999999999999999", "", 0, 100).error(),
            "must be at most 100, got 99999999999999999999999");
}

TEST(OptionValues, PositiveDecimals) {
  EXPECT_DOUBLE_EQ(*parse_positive_decimal("1000"), 1000.0);
  EXPECT_DOUBLE_EQ(*parse_positive_decimal("2.5"), 2.5);
  EXPECT_DOUBLE_EQ(*parse_positive_decimal(" 1e3 "), 1000.0);
  EXPECT_DOUBLE_EQ(*parse_positive_decimal("0.001"), 0.001);
  EXPECT_EQ(parse_positive_decimal("fast").error(), "expected a number, got \"fast\"");
  EXPECT_EQ(parse_positive_decimal("").error(), "expected a number, got \"\"");
  EXPECT_EQ(parse_positive_decimal("0").error(), "must be greater than 0, got 0");
  EXPECT_EQ(parse_positive_decimal("-1").error(), "must be greater than 0, got -1");
  EXPECT_FALSE(parse_positive_decimal("inf"));
  EXPECT_FALSE(parse_positive_decimal("nan"));
  EXPECT_FALSE(parse_positive_decimal("1e999"));
  EXPECT_FALSE(parse_positive_decimal("10 ops"));
}

TEST(OptionValues, SplitListTrimsAndDropsEmptyEntries) {
  EXPECT_EQ(split_list("a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_list(" a , b ,, c,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_list(" , "), std::vector<std::string>{});
  EXPECT_EQ(split_list("single"), std::vector<std::string>{"single"});
}

TEST(OptionValues, Origins) {
  for (const char* ok : {"https://app.example", "http://localhost:3000", "https://a-b.example.com:8443",
                         "http://127.0.0.1:8000", "http://[::1]:8000", "app://x", "HTTPS://APP.EXAMPLE"}) {
    EXPECT_TRUE(check_origin(ok)) << ok;
  }
  for (const char* bad :
       {"", "*", "https://*.example.com", "app.example", "https://app.example/", "https://app.example/path", "https://",
        "//app.example", "https://app.example:port", "https://a b", "1http://x"}) {
    EXPECT_FALSE(check_origin(bad)) << bad;
  }
  EXPECT_EQ(check_origin("*").error(), "\"*\" is not an origin; leave allowed_origins empty to allow every origin");
}

TEST(OptionValues, Brokers) {
  for (const char* ok : {"memory", "redis://127.0.0.1:6379", "redis://redis:6379/2", "redis+cluster://a:7000,b:7001"}) {
    EXPECT_TRUE(check_broker(ok)) << ok;
  }
  for (const char* bad : {"", "Memory", "redis://", "redis+cluster://", "mysql://x", "127.0.0.1:6379"}) {
    EXPECT_FALSE(check_broker(bad)) << bad;
  }
}

TEST(OptionValues, QuotedEscapes) {
  EXPECT_EQ(quoted("abc"), "\"abc\"");
  EXPECT_EQ(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quoted("a\nb"), "\"a\\x0ab\"");
}

}  // namespace
}  // namespace wshub::config
