#include "core/op.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/envelopes.hpp"
#include "padded_json.hpp"

namespace wshub::core {
namespace {

using testing::PaddedJson;

class OpTest : public ::testing::Test {
 protected:
  // JSON text -> fields -> op. The op's views stay valid until the next call.
  Expected<Op, OpError> op(std::string_view text) {
    auto fields = json_.decode(text);
    if (!fields) {
      ADD_FAILURE() << "not valid JSON: " << text << ": " << fields.error();
      return unexpected(OpError{std::nullopt, 0, "bad test input"});
    }
    fields_ = std::move(fields.value());
    return decode_op(fields_);
  }

  Op op_ok(std::string_view text) {
    auto r = op(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
    return r ? r.value() : Op{};
  }

  // Expects a 400 carrying `id`; returns the message.
  std::string op_error(std::string_view text, std::optional<std::int64_t> id) {
    auto r = op(text);
    if (r) {
      ADD_FAILURE() << "accepted: " << text;
      return {};
    }
    EXPECT_EQ(r.error().code, 400) << text;
    EXPECT_EQ(r.error().id, id) << text;
    EXPECT_FALSE(r.error().message.empty()) << text;
    return r.error().message;
  }

  PaddedJson json_;
  JsonFields fields_;
};

// --- Every op with its required fields ---

TEST_F(OpTest, Subscribe) {
  auto o = op_ok(R"({"op":"subscribe","id":1,"channel":"chat:lobby"})");
  EXPECT_EQ(o.kind, OpKind::subscribe);
  EXPECT_EQ(o.id, 1);
  EXPECT_EQ(o.channel, "chat:lobby");
  EXPECT_FALSE(o.since);
}

TEST_F(OpTest, SubscribeWithSince) {
  auto o = op_ok(R"({"op":"subscribe","id":2,"channel":"c","since":{"epoch":"q1w2","offset":17}})");
  EXPECT_EQ(o.kind, OpKind::subscribe);
  ASSERT_TRUE(o.since);
  EXPECT_EQ(o.since->epoch, "q1w2");
  EXPECT_EQ(o.since->offset, 17u);
}

TEST_F(OpTest, Unsubscribe) {
  auto o = op_ok(R"({"op":"unsubscribe","id":3,"channel":"c"})");
  EXPECT_EQ(o.kind, OpKind::unsubscribe);
  EXPECT_EQ(o.channel, "c");
}

TEST_F(OpTest, Publish) {
  auto o = op_ok(R"({"op":"publish","id":4,"channel":"c","data":{"text":"hi"}})");
  EXPECT_EQ(o.kind, OpKind::publish);
  EXPECT_EQ(o.channel, "c");
  EXPECT_EQ(o.data, R"({"text":"hi"})");
}

TEST_F(OpTest, PublishAnyJsonValue) {
  for (const char* data : {"null", "false", "0", "\"\"", "[]", "{}", "1e400", "123456789012345678901234567890"}) {
    auto o = op_ok(std::string(R"({"op":"publish","id":4,"channel":"c","data":)") + data + "}");
    EXPECT_EQ(o.data, data);
  }
}

TEST_F(OpTest, History) {
  auto o = op_ok(R"({"op":"history","id":5,"channel":"c"})");
  EXPECT_EQ(o.kind, OpKind::history);
  EXPECT_EQ(o.channel, "c");
  EXPECT_EQ(o.limit, k_default_history_limit);
  EXPECT_EQ(o.limit, 100);
  EXPECT_FALSE(o.since);
}

TEST_F(OpTest, HistoryWithLimitAndSince) {
  auto o = op_ok(R"({"op":"history","id":5,"channel":"c","limit":0,"since":{"epoch":"e","offset":0}})");
  EXPECT_EQ(o.limit, 0);
  ASSERT_TRUE(o.since);
  EXPECT_EQ(o.since->epoch, "e");
  EXPECT_EQ(o.since->offset, 0u);
  EXPECT_EQ(op_ok(R"({"op":"history","id":5,"channel":"c","limit":9223372036854775807})").limit, INT64_MAX);
}

TEST_F(OpTest, HistoryNegativeLimit) {
  EXPECT_EQ(op_error(R"({"op":"history","id":6,"channel":"c","limit":-1})", 6), R"("limit" must be >= 0)");
  op_error(R"({"op":"history","id":6,"channel":"c","limit":-9223372036854775808})", 6);
}

TEST_F(OpTest, Presence) {
  auto o = op_ok(R"({"op":"presence","id":7,"channel":"c"})");
  EXPECT_EQ(o.kind, OpKind::presence);
  EXPECT_EQ(o.channel, "c");
}

TEST_F(OpTest, Ping) {
  auto o = op_ok(R"({"op":"ping","id":8})");
  EXPECT_EQ(o.kind, OpKind::ping);
  EXPECT_EQ(o.id, 8);
  EXPECT_TRUE(o.channel.empty());
}

TEST_F(OpTest, Refresh) {
  auto o = op_ok(R"({"op":"refresh","id":9,"token":"a.b.c"})");
  EXPECT_EQ(o.kind, OpKind::refresh);
  EXPECT_EQ(o.token, "a.b.c");
}

TEST_F(OpTest, MissingRequiredFields) {
  EXPECT_EQ(op_error(R"({"op":"subscribe","id":1})", 1), R"(missing "channel")");
  EXPECT_EQ(op_error(R"({"op":"unsubscribe","id":1})", 1), R"(missing "channel")");
  EXPECT_EQ(op_error(R"({"op":"publish","id":1,"data":1})", 1), R"(missing "channel")");
  EXPECT_EQ(op_error(R"({"op":"publish","id":1,"channel":"c"})", 1), R"(missing "data")");
  EXPECT_EQ(op_error(R"({"op":"history","id":1})", 1), R"(missing "channel")");
  EXPECT_EQ(op_error(R"({"op":"presence","id":1})", 1), R"(missing "channel")");
  EXPECT_EQ(op_error(R"({"op":"refresh","id":1})", 1), R"(missing "token")");
  EXPECT_EQ(op_error(R"({"id":1})", 1), R"(missing "op")");
  EXPECT_EQ(op_error(R"({"id":1,"channel":"c"})", 1), R"(missing "op")");
}

TEST_F(OpTest, FieldsOtherOpsNeedAreIgnored) {
  auto o = op_ok(R"({"op":"ping","id":1,"channel":"**not a channel**","data":1,"limit":-1})");
  EXPECT_EQ(o.kind, OpKind::ping);
  o = op_ok(R"({"op":"subscribe","id":1,"channel":"c","limit":-1,"data":[1]})");
  EXPECT_EQ(o.kind, OpKind::subscribe);
  EXPECT_TRUE(o.data.empty());
  o = op_ok(R"({"op":"publish","id":1,"channel":"c","data":1,"since":{"epoch":"e","offset":1}})");
  EXPECT_FALSE(o.since);
}

// --- id ---

TEST_F(OpTest, IdMissingOrNotAnIntegerGivesAnErrorWithoutId) {
  for (const char* text :
       {R"({"op":"ping"})", R"({"op":"ping","id":"1"})", R"({"op":"ping","id":1.5})", R"({"op":"ping","id":1.0})",
        R"({"op":"ping","id":null})", R"({"op":"ping","id":9223372036854775808})",
        R"({"op":"ping","id":123456789012345678901234567890})", R"({"op":"ping","id":1e400})",
        R"({"op":"ping","id":[1]})", R"({"op":"ping","id":true})"}) {
    auto r = op(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, 400) << text;
    EXPECT_FALSE(r.error().id) << text;
  }
}

TEST_F(OpTest, IdMissingWinsOverOtherProblems) {
  // Without an id nothing else can be attributed to a request.
  auto r = op(R"({"op":"nope","channel":5})");
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().id);
}

TEST_F(OpTest, IdExtremes) {
  EXPECT_EQ(op_ok(R"({"op":"ping","id":-9223372036854775808})").id, INT64_MIN);
  EXPECT_EQ(op_ok(R"({"op":"ping","id":9223372036854775807})").id, INT64_MAX);
  EXPECT_EQ(op_ok(R"({"op":"ping","id":0})").id, 0);
  EXPECT_EQ(op_ok(R"({"op":"ping","id":-1})").id, -1);
}

// --- Wrong-typed fields: 400 with the id ---

TEST_F(OpTest, WrongTypedFieldsGive400WithId) {
  EXPECT_EQ(op_error(R"({"op":"subscribe","id":11,"channel":5})", 11), R"("channel" must be a string)");
  EXPECT_EQ(op_error(R"({"op":5,"id":12})", 12), R"("op" must be a string)");
  EXPECT_EQ(op_error(R"({"op":"refresh","id":13,"token":{}})", 13), R"("token" must be a string)");
  EXPECT_EQ(op_error(R"({"op":"history","id":14,"channel":"c","limit":"10"})", 14), R"("limit" must be an integer)");
  EXPECT_EQ(op_error(R"({"op":"history","id":15,"channel":"c","limit":2.5})", 15), R"("limit" must be an integer)");
  op_error(R"({"op":"subscribe","id":16,"channel":"c","since":"x"})", 16);
  op_error(R"({"op":"subscribe","id":17,"channel":"c","since":{"epoch":"e"}})", 17);
  op_error(R"({"op":"subscribe","id":18,"channel":"c","since":{"epoch":"e","offset":-1}})", 18);
  op_error(R"({"op":"subscribe","id":19,"channel":"c","since":{"epoch":5,"offset":1}})", 19);
  op_error(R"({"op":"subscribe","id":20,"channel":null})", 20);
}

TEST_F(OpTest, DuplicateKeysFirstWins) {
  auto o = op_ok(R"({"id":1,"op":"subscribe","op":"publish","channel":"a","channel":"b","id":2})");
  EXPECT_EQ(o.id, 1);
  EXPECT_EQ(o.kind, OpKind::subscribe);
  EXPECT_EQ(o.channel, "a");
  // The later duplicate does not count, whatever its type.
  o = op_ok(R"({"id":1,"op":"subscribe","channel":"a","channel":7})");
  EXPECT_EQ(o.channel, "a");
}

// --- Unknown op ---

TEST_F(OpTest, UnknownOp) {
  EXPECT_EQ(op_error(R"({"op":"nope","id":21})", 21), R"(unknown op "nope")");
  op_error(R"({"op":"","id":22})", 22);
  op_error(R"({"op":"PING","id":23})", 23);
  op_error(R"({"op":"ping ","id":24})", 24);
  op_error(R"({"op":"subscribe\u0000","id":25})", 25);
}

TEST_F(OpTest, UnknownOpMessageIsBounded) {
  const std::string name(10000, 'x');
  auto message = op_error(R"({"op":")" + name + R"(","id":26})", 26);
  EXPECT_LT(message.size(), 100u);
}

TEST_F(OpTest, UnknownOpMessageStaysValidUtf8) {
  // The message is sent back in a text frame: shortening the echoed op name
  // must not cut a multi-byte character in half.
  std::string name = "a";  // then 20 x U+00E9: 41 bytes once unescaped
  for (int i = 0; i < 20; ++i) name += "\\u00e9";
  const auto message = op_error(R"({"op":")" + name + R"(","id":27})", 27);
  const std::string reply = make_error_reply(27, 400, message);
  PaddedJson check;
  auto valid = check.validate(reply);
  EXPECT_TRUE(valid) << reply << ": " << (valid ? "" : valid.error());
}

TEST_F(OpTest, UnknownFieldsIgnored) {
  auto o = op_ok(R"({"op":"publish","id":1,"channel":"c","data":2,"v":2,"meta":{"op":"ping","id":5}})");
  EXPECT_EQ(o.kind, OpKind::publish);
  EXPECT_EQ(o.id, 1);
}

// --- Channel names inside ops ---

TEST_F(OpTest, ChannelNameRules) {
  const std::string ok255(255, 'a');
  const std::string bad256(256, 'a');
  EXPECT_EQ(op_ok(R"({"op":"subscribe","id":1,"channel":")" + ok255 + R"("})").channel, ok255);
  op_error(R"({"op":"subscribe","id":1,"channel":")" + bad256 + R"("})", 1);
  for (const char* bad : {"", "a*", "*", "chat:*", "a?", "a b", "caf\\u00e9", "caf\xc3\xa9", "a\\\"b", "a\\n",
                          "\\u0000", "#x", "a,b", "a%20"}) {
    for (const char* kind : {"subscribe", "unsubscribe", "history", "presence"}) {
      const std::string text = std::string(R"({"id":31,"op":")") + kind + R"(","channel":")" + bad + R"("})";
      const auto message = op_error(text, 31);
      EXPECT_NE(message.find("channel"), std::string::npos) << text;
    }
    op_error(std::string(R"({"id":31,"op":"publish","data":1,"channel":")") + bad + R"("})", 31);
  }
  // Escapes are decoded before the check.
  EXPECT_EQ(op_ok(R"({"op":"subscribe","id":1,"channel":"a\/b\u003ac"})").channel, "a/b:c");
  EXPECT_EQ(op_ok(R"({"op":"subscribe","id":1,"channel":"A-z_0.9@x=y/z:w"})").channel, "A-z_0.9@x=y/z:w");
}

TEST_F(OpTest, ChannelNameUnicodeEscapeAt255Bytes) {
  // A name that is 255 bytes only after unescaping a multi-byte character is still refused.
  const std::string text = R"({"op":"subscribe","id":1,"channel":")" + std::string(253, 'a') + R"(\u00e9"})";
  op_error(text, 1);
}

}  // namespace
}  // namespace wshub::core
