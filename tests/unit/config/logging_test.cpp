// apps/wshub/logging.cpp: JSON escaping and the two log formats on stderr.
#include "logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <regex>

namespace wshub::app {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(escaped("plain"), "plain");
  EXPECT_EQ(escaped("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(escaped("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
  EXPECT_EQ(escaped(std::string_view("\x00\x01\x1f\x7f", 4)), "\\u0000\\u0001\\u001f\\u007f");
  EXPECT_EQ(escaped("/"), "/");
}

TEST(JsonEscape, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
  EXPECT_EQ(escaped("\xff"), "\\ufffd");
  EXPECT_EQ(escaped("a\xc3"), "a\\ufffd");                                 // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), "\\ufffd\\ufffd");                        // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");             // UTF-16 surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // above U+10FFFF
}

config::Config with_logging(std::string level, std::string format) {
  config::Config c;
  c.log_level = std::move(level);
  c.log_format = std::move(format);
  return c;
}

TEST(Logging, JsonFormatWritesOneEscapedObjectPerLineToStderr) {
  setup_logging(with_logging("info", "json"));
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  spdlog::info("say \"hi\"\nback\\slash {}", 42);
  spdlog::debug("not shown at info");
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, "");
  const std::regex line(R"(\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"info","thread":\d+,)"
                        R"("msg":"say \\"hi\\"\\nback\\\\slash 42"\}\n)");
  EXPECT_TRUE(std::regex_match(err, line)) << err;
}

TEST(Logging, LevelFromConfig) {
  setup_logging(with_logging("warn", "json"));
  ::testing::internal::CaptureStderr();
  spdlog::info("hidden");
  spdlog::warn("shown");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("hidden"), std::string::npos);
  EXPECT_NE(err.find("\"level\":\"warning\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"msg\":\"shown\""), std::string::npos) << err;
}

TEST(Logging, TextFormatIsReadable) {
  setup_logging(with_logging("debug", "text"));
  ::testing::internal::CaptureStderr();
  spdlog::debug("hello {}", "world");
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::regex line(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[debug\] \[thread \d+\] hello world\n)");
  EXPECT_TRUE(std::regex_match(err, line)) << err;
}

TEST(Logging, DevModeWarningIsLoud) {
  setup_logging(with_logging("info", "text"));
  ::testing::internal::CaptureStderr();
  log_dev_mode_warning();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("AUTHENTICATION IS DISABLED"), std::string::npos) << err;
  EXPECT_NE(err.find("NEVER USE --dev IN PRODUCTION"), std::string::npos) << err;
  EXPECT_GE(std::count(err.begin(), err.end(), '\n'), 5);
  EXPECT_NE(err.find("[warning]"), std::string::npos);
}

}  // namespace
}  // namespace wshub::app
