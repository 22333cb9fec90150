#include "core/envelopes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "padded_json.hpp"

namespace wshub::core {
namespace {

bool valid_json(std::string_view text) {
  testing::PaddedJson json;
  auto r = json.validate(text);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error());
  return static_cast<bool>(r);
}

TEST(Envelopes, Publication) {
  auto p = make_publication("chat:lobby", 19, "q1w2", R"({"text":"hi"})", 12345);
  EXPECT_EQ(p->frame.bytes,
            R"({"type":"message","channel":"chat:lobby","data":{"text":"hi"},"offset":19,"epoch":"q1w2"})");
  EXPECT_EQ(p->channel, "chat:lobby");
  EXPECT_EQ(p->offset, 19u);
  EXPECT_EQ(p->epoch, "q1w2");
  EXPECT_EQ(p->frame.created_ns, 12345);
  valid_json(p->frame.bytes);
}

TEST(Envelopes, PublicationDataIsSplicedRaw) {
  for (const char* data :
       {"1e400", "123456789012345678901234567890", R"( [ 1 ,2 ] )", R"("\u00e9\n")", "null", "{\"a\" : {}}"}) {
    auto p = make_publication("c", 1, "e", data, 0);
    EXPECT_NE(p->frame.bytes.find(std::string(R"("data":)") + data + R"(,"offset":1)"), std::string::npos)
        << p->frame.bytes;
    valid_json(p->frame.bytes);
  }
}

TEST(Envelopes, PublicationOffsetExtremes) {
  auto p = make_publication("c", UINT64_MAX, "", "0", 0);
  EXPECT_EQ(p->frame.bytes, R"({"type":"message","channel":"c","data":0,"offset":18446744073709551615,"epoch":""})");
}

TEST(Envelopes, FrameOfSharesThePublication) {
  auto p = make_publication("c", 1, "e", "1", 0);
  const long before = p.use_count();
  {
    SharedFrame f = frame_of(p);
    EXPECT_EQ(f.get(), &p->frame);
    EXPECT_EQ(p.use_count(), before + 1);
  }
  EXPECT_EQ(p.use_count(), before);
  SharedFrame f = frame_of(p);
  p.reset();
  EXPECT_EQ(f->bytes, R"({"type":"message","channel":"c","data":1,"offset":1,"epoch":"e"})");
}

TEST(Envelopes, MakeFrame) {
  auto f = make_frame("abc");
  EXPECT_EQ(f->bytes, "abc");
  EXPECT_EQ(f->created_ns, 0);
}

TEST(Envelopes, Push) {
  EXPECT_EQ(make_push(R"({"n":1})"), R"({"type":"push","data":{"n":1}})");
  EXPECT_EQ(make_push("1e400"), R"({"type":"push","data":1e400})");
  valid_json(make_push(R"("x")"));
}

TEST(Envelopes, Welcome) {
  EXPECT_EQ(make_welcome({"c-7f3a", "i-91bd", "42", 25}),
            R"({"type":"welcome","client":"c-7f3a","instance":"i-91bd","user":"42","ping_interval":25,"version":1})");
  EXPECT_EQ(make_welcome({"c", "i", "", 5}),
            R"({"type":"welcome","client":"c","instance":"i","user":"","ping_interval":5,"version":1})");
  const std::string w = make_welcome({"c", "i", "we\"ird\\user\n", 25});
  EXPECT_NE(w.find(R"("user":"we\"ird\\user\n")"), std::string::npos) << w;
  valid_json(w);
}

TEST(Envelopes, ReplyWithoutFields) {
  EXPECT_EQ(ReplyWriter(3).finish(), R"({"type":"reply","id":3,"ok":true})");
  EXPECT_EQ(ReplyWriter(-9223372036854775807 - 1).finish(), R"({"type":"reply","id":-9223372036854775808,"ok":true})");
}

TEST(Envelopes, ReplyWithFields) {
  ReplyWriter w(3);
  w.field_uint("offset", 18).field_string("epoch", "q1w2").field_bool("recovered", true).field_int("exp", -1);
  w.field_raw("messages", "[]").field_bool("more", false);
  const std::string r = w.finish();
  EXPECT_EQ(r, R"({"type":"reply","id":3,"ok":true,"offset":18,"epoch":"q1w2","recovered":true,"exp":-1,)"
               R"("messages":[],"more":false})");
  valid_json(r);
}

TEST(Envelopes, ReplyEscapesKeysAndStrings) {
  const std::string r = ReplyWriter(1).field_string("k\"", "v\n").finish();
  EXPECT_EQ(r, R"({"type":"reply","id":1,"ok":true,"k\"":"v\n"})");
  valid_json(r);
}

TEST(Envelopes, ErrorReplyWithAndWithoutId) {
  EXPECT_EQ(make_error_reply(4, 403, "permission denied"),
            R"({"type":"reply","id":4,"ok":false,"error":{"code":403,"message":"permission denied"}})");
  EXPECT_EQ(make_error_reply(std::nullopt, 400, "invalid JSON: empty input"),
            R"({"type":"reply","ok":false,"error":{"code":400,"message":"invalid JSON: empty input"}})");
  const std::string e = make_error_reply(0, 400, "unknown op \"\x01\\\"");
  EXPECT_EQ(e, R"({"type":"reply","id":0,"ok":false,"error":{"code":400,"message":"unknown op \"\u0001\\\""}})");
  valid_json(e);
}

TEST(Envelopes, ApiError) {
  EXPECT_EQ(make_api_error(401, "missing api key"), R"({"error":{"code":401,"message":"missing api key"}})");
  valid_json(make_api_error(400, "\"bad\"\n"));
}

TEST(Envelopes, MessagesArray) {
  std::vector<PublicationPtr> none;
  EXPECT_EQ(messages_array(none), "[]");
  std::vector<PublicationPtr> pubs{make_publication("c", 1, "e", "1", 0), make_publication("c", 2, "e", "[2]", 0)};
  const std::string a = messages_array(pubs);
  EXPECT_EQ(a, "[" + pubs[0]->frame.bytes + "," + pubs[1]->frame.bytes + "]");
  valid_json(a);
}

}  // namespace
}  // namespace wshub::core
