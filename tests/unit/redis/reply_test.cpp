#include "redis/reply.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <string>

namespace wshub::redis {
namespace {

using namespace std::string_literals;

// Parses one RESP reply with hiredis's own reader and copies it.
Reply parse(const std::string& resp) {
  redisReader* reader = redisReaderCreate();
  EXPECT_EQ(redisReaderFeed(reader, resp.data(), resp.size()), REDIS_OK);
  void* raw = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &raw), REDIS_OK);
  EXPECT_NE(raw, nullptr) << "incomplete reply: " << resp;
  Reply out = raw != nullptr ? from_hiredis(static_cast<redisReply*>(raw)) : Reply{};
  if (raw != nullptr) freeReplyObject(raw);
  redisReaderFree(reader);
  return out;
}

TEST(RedisReplyTest, ScalarsAreCopied) {
  EXPECT_EQ(parse("+OK\r\n"), Reply::status_reply("OK"));
  EXPECT_TRUE(parse("+OK\r\n").is_status("OK"));
  EXPECT_EQ(parse("-ERR wrong type\r\n"), Reply::error_reply("ERR wrong type"));
  EXPECT_TRUE(parse("-ERR x\r\n").is_error());
  EXPECT_EQ(parse(":-42\r\n"), Reply::integer_reply(-42));
  EXPECT_EQ(parse("$-1\r\n"), Reply::nil_reply());
  EXPECT_TRUE(parse("*-1\r\n").is_nil());
  EXPECT_EQ(parse("$0\r\n\r\n"), Reply::string_reply(""));
}

TEST(RedisReplyTest, StringsAreBinarySafe) {
  const Reply r = parse("$7\r\na\0b\r\nc\xff\r\n"s);
  ASSERT_TRUE(r.is_string());
  EXPECT_EQ(r.str, "a\0b\r\nc\xff"s);
}

TEST(RedisReplyTest, NestedArrays) {
  const Reply r = parse("*3\r\n$7\r\nmessage\r\n*2\r\n:1\r\n$-1\r\n*0\r\n");
  EXPECT_EQ(r, Reply::array_reply({Reply::string_reply("message"),
                                   Reply::array_reply({Reply::integer_reply(1), Reply::nil_reply()}),
                                   Reply::array_reply({})}));
}

TEST(RedisReplyTest, ToStringReadsLikeRedisCli) {
  EXPECT_EQ(to_string(parse("+OK\r\n")), "OK");
  EXPECT_EQ(to_string(parse("-ERR no\r\n")), "(error) ERR no");
  EXPECT_EQ(to_string(parse(":3\r\n")), "(integer) 3");
  EXPECT_EQ(to_string(parse("$-1\r\n")), "(nil)");
  EXPECT_EQ(to_string(parse("*2\r\n$4\r\na\"\0\n\r\n:1\r\n"s)), R"(["a\"\x00\x0a", (integer) 1])");
}

}  // namespace
}  // namespace wshub::redis
