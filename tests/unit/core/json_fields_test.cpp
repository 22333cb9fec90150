#include "core/json_fields.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "padded_json.hpp"

namespace wshub::core {
namespace {

using testing::PaddedJson;

std::string nested_arrays(int depth, std::string_view innermost) {
  return std::string(static_cast<std::size_t>(depth), '[') + std::string(innermost) +
         std::string(static_cast<std::size_t>(depth), ']');
}

std::string nested_objects(int depth, std::string_view innermost) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += R"({"a":)";
  s += innermost;
  s += std::string(static_cast<std::size_t>(depth), '}');
  return s;
}

class JsonFieldsTest : public ::testing::Test {
 protected:
  // Decodes and expects success; the fields' views stay valid until the next decode.
  JsonFields decode_ok(std::string_view text) {
    auto r = json_.decode(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error());
    return r ? std::move(r.value()) : JsonFields{};
  }

  // The raw `data` slice of a publish op whose data is `data_text` as written.
  std::string data_of(std::string_view data_text) {
    std::string text = R"({"id":1,"op":"publish","channel":"c","data":)";
    text += data_text;
    text += "}";
    auto f = decode_ok(text);
    EXPECT_TRUE(f.data) << text;
    return f.data ? std::string(*f.data) : std::string("<none>");
  }

  PaddedJson json_;
};

// --- Valid objects and the fields read from them ---

TEST_F(JsonFieldsTest, ReadsEveryKnownField) {
  auto f = decode_ok(R"({"id":7,"op":"history","channel":"chat:lobby","data":{"x":1},"token":"t.k.n","client":"c-1",)"
                     R"("user":"42","reason":"bye","limit":10,"code":4002,"since":{"epoch":"ab12","offset":5},)"
                     R"("channels":["a","b:c"]})");
  ASSERT_TRUE(f.id);
  EXPECT_EQ(*f.id, 7);
  EXPECT_EQ(f.op, "history");
  EXPECT_EQ(f.channel, "chat:lobby");
  EXPECT_EQ(f.data, R"({"x":1})");
  EXPECT_EQ(f.token, "t.k.n");
  EXPECT_EQ(f.client, "c-1");
  EXPECT_EQ(f.user, "42");
  EXPECT_EQ(f.reason, "bye");
  EXPECT_EQ(f.limit, 10);
  EXPECT_EQ(f.code, 4002);
  ASSERT_TRUE(f.since);
  EXPECT_EQ(f.since->epoch, "ab12");
  EXPECT_EQ(f.since->offset, 5u);
  ASSERT_TRUE(f.channels);
  EXPECT_EQ(*f.channels, (std::vector<std::string_view>{"a", "b:c"}));
  EXPECT_TRUE(f.type_error.empty());
}

TEST_F(JsonFieldsTest, AbsentFieldsStayEmpty) {
  auto f = decode_ok("{}");
  EXPECT_FALSE(f.id);
  EXPECT_FALSE(f.op);
  EXPECT_FALSE(f.channel);
  EXPECT_FALSE(f.data);
  EXPECT_FALSE(f.token);
  EXPECT_FALSE(f.client);
  EXPECT_FALSE(f.user);
  EXPECT_FALSE(f.reason);
  EXPECT_FALSE(f.limit);
  EXPECT_FALSE(f.code);
  EXPECT_FALSE(f.since);
  EXPECT_FALSE(f.channels);
  EXPECT_TRUE(f.type_error.empty());
}

TEST_F(JsonFieldsTest, FieldOrderDoesNotMatter) {
  auto f = decode_ok(R"({"channel":"c","data":[1],"op":"publish","id":3})");
  EXPECT_EQ(f.id, 3);
  EXPECT_EQ(f.op, "publish");
  EXPECT_EQ(f.channel, "c");
  EXPECT_EQ(f.data, "[1]");
}

TEST_F(JsonFieldsTest, UnknownFieldsAreIgnored) {
  auto f = decode_ok(R"({"x":{"id":9,"op":"nested"},"id":1,"y":[{"channel":"z"}],"op":"ping","zz":null})");
  EXPECT_EQ(f.id, 1);
  EXPECT_EQ(f.op, "ping");
  EXPECT_FALSE(f.channel);  // a nested "channel" is not the op's
  EXPECT_TRUE(f.type_error.empty());
}

TEST_F(JsonFieldsTest, EscapedKeysAndValuesAreUnescaped) {
  auto f = decode_ok(R"({"\u0069d":5,"op":"p\u0069ng","channel":"a\/b","user":"\u00e9\n"})");
  EXPECT_EQ(f.id, 5);
  EXPECT_EQ(f.op, "ping");
  EXPECT_EQ(f.channel, "a/b");
  EXPECT_EQ(f.user, "\xc3\xa9\n");
}

TEST_F(JsonFieldsTest, OddWhitespaceBetweenTokens) {
  auto f = decode_ok(" \t\r\n{ \"id\"\t:\r\n 12 ,\n\"op\" : \"ping\" ,\"data\"\t:\t[ 1 ,\t2 ]\r\n}\n \t");
  EXPECT_EQ(f.id, 12);
  EXPECT_EQ(f.op, "ping");
  EXPECT_EQ(f.data, "[ 1 ,\t2 ]");
}

// --- id ---

TEST_F(JsonFieldsTest, IdMustBeASigned64BitInteger) {
  EXPECT_EQ(decode_ok(R"({"id":0})").id, 0);
  EXPECT_EQ(decode_ok(R"({"id":-5})").id, -5);
  EXPECT_EQ(decode_ok(R"({"id":9223372036854775807})").id, INT64_MAX);
  EXPECT_EQ(decode_ok(R"({"id":-9223372036854775808})").id, INT64_MIN);
  for (const char* text :
       {R"({"id":"1"})", R"({"id":1.0})", R"({"id":1.5})", R"({"id":1e2})", R"({"id":9223372036854775808})",
        R"({"id":18446744073709551616})", R"({"id":-9223372036854775809})", R"({"id":123456789012345678901234567890})",
        R"({"id":1e400})", R"({"id":true})", R"({"id":null})", R"({"id":[1]})", R"({"id":{"id":1}})"}) {
    auto f = decode_ok(text);
    EXPECT_FALSE(f.id) << text;
    EXPECT_TRUE(f.type_error.empty()) << text << ": a bad id is decode_op's business";
  }
}

TEST_F(JsonFieldsTest, FirstIdWinsEvenWhenItIsNotAnInteger) {
  EXPECT_EQ(decode_ok(R"({"id":1,"id":2})").id, 1);
  EXPECT_EQ(decode_ok(R"({"id":1,"id":"x"})").id, 1);
  EXPECT_FALSE(decode_ok(R"({"id":"x","id":2})").id);
}

// --- Duplicate keys: the first occurrence counts ---

TEST_F(JsonFieldsTest, DuplicateKeysFirstWins) {
  auto f =
      decode_ok(R"({"id":1,"op":"ping","op":"subscribe","channel":"a","channel":"b","data":1,"data":{"x":2},)"
                R"("limit":5,"limit":6,"code":1000,"code":4000,"since":{"epoch":"e1","offset":1},)"
                R"("since":{"epoch":"e2","offset":2},"token":"t1","token":"t2","channels":["x"],"channels":["y"]})");
  EXPECT_EQ(f.op, "ping");
  EXPECT_EQ(f.channel, "a");
  EXPECT_EQ(f.data, "1");
  EXPECT_EQ(f.limit, 5);
  EXPECT_EQ(f.code, 1000);
  ASSERT_TRUE(f.since);
  EXPECT_EQ(f.since->epoch, "e1");
  EXPECT_EQ(f.token, "t1");
  ASSERT_TRUE(f.channels);
  EXPECT_EQ(*f.channels, (std::vector<std::string_view>{"x"}));
  EXPECT_TRUE(f.type_error.empty());
}

TEST_F(JsonFieldsTest, DuplicateKeyIgnoredEvenWhenLaterOneHasTheWrongType) {
  // docs/PROTOCOL.md: "When a key appears twice, the first occurrence counts."
  for (const char* text :
       {R"({"id":1,"op":"ping","op":5})", R"({"id":1,"channel":"a","channel":5})", R"({"id":1,"token":"t","token":[]})",
        R"({"id":1,"client":"c","client":null})", R"({"id":1,"user":"u","user":1})",
        R"({"id":1,"reason":"r","reason":{}})", R"({"id":1,"limit":5,"limit":"x"})", R"({"id":1,"code":5,"code":"x"})",
        R"({"id":1,"since":{"epoch":"e","offset":1},"since":5})", R"({"id":1,"channels":["a"],"channels":5})"}) {
    auto f = decode_ok(text);
    EXPECT_EQ(f.type_error, "") << text;
  }
}

TEST_F(JsonFieldsTest, FirstOccurrenceWithWrongTypeIsAnError) {
  auto f = decode_ok(R"({"id":1,"channel":5,"channel":"a"})");
  EXPECT_EQ(f.type_error, R"("channel" must be a string)");
}

// --- Wrong types ---

TEST_F(JsonFieldsTest, WrongTypedFieldsAreReportedNotFatal) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c :
       {Case{R"({"id":1,"op":1})", "op"}, Case{R"({"id":1,"channel":["a"]})", "channel"},
        Case{R"({"id":1,"token":null})", "token"}, Case{R"({"id":1,"client":2})", "client"},
        Case{R"({"id":1,"user":true})", "user"}, Case{R"({"id":1,"reason":{}})", "reason"},
        Case{R"({"id":1,"limit":"5"})", "limit"}, Case{R"({"id":1,"limit":1.5})", "limit"},
        Case{R"({"id":1,"limit":1e400})", "limit"}, Case{R"({"id":1,"limit":9223372036854775808})", "limit"},
        Case{R"({"id":1,"code":"4000"})", "code"}, Case{R"({"id":1,"since":5})", "since"},
        Case{R"({"id":1,"since":null})", "since"}, Case{R"({"id":1,"channels":"a"})", "channels"},
        Case{R"({"id":1,"channels":["a",1]})", "channels"}}) {
    auto f = decode_ok(c.text);
    EXPECT_EQ(f.id, 1) << c.text;
    EXPECT_EQ(f.type_error.rfind(std::string("\"") + c.key + "\" must be ", 0), 0u) << c.text << " -> " << f.type_error;
  }
}

TEST_F(JsonFieldsTest, TypeErrorNamesTheFirstWrongField) {
  auto f = decode_ok(R"({"id":1,"channel":1,"op":2})");
  EXPECT_EQ(f.type_error, R"("channel" must be a string)");
  EXPECT_EQ(decode_ok(R"({"limit":"x"})").type_error, R"("limit" must be an integer)");
}

TEST_F(JsonFieldsTest, NegativeLimitIsAnIntegerHere) {
  EXPECT_EQ(decode_ok(R"({"limit":-1})").limit, -1);  // the range is decode_op's business
  EXPECT_EQ(decode_ok(R"({"limit":0})").limit, 0);
}

TEST_F(JsonFieldsTest, EmptyChannelsArray) {
  auto f = decode_ok(R"({"channels":[]})");
  ASSERT_TRUE(f.channels);
  EXPECT_TRUE(f.channels->empty());
}

// --- since ---

TEST_F(JsonFieldsTest, SinceReadsEpochAndOffset) {
  auto f = decode_ok(R"({"since":{"offset":18446744073709551615,"extra":[1],"epoch":"q1w2"}})");
  ASSERT_TRUE(f.since);
  EXPECT_EQ(f.since->epoch, "q1w2");
  EXPECT_EQ(f.since->offset, UINT64_MAX);
  EXPECT_TRUE(f.type_error.empty());

  f = decode_ok(R"({"since":{"epoch":"","offset":0}})");
  ASSERT_TRUE(f.since);
  EXPECT_EQ(f.since->epoch, "");
  EXPECT_EQ(f.since->offset, 0u);
}

TEST_F(JsonFieldsTest, SinceInsideFirstKeyWins) {
  auto f = decode_ok(R"({"since":{"epoch":"a","offset":1,"epoch":"b","offset":2}})");
  ASSERT_TRUE(f.since);
  EXPECT_EQ(f.since->epoch, "a");
  EXPECT_EQ(f.since->offset, 1u);
}

TEST_F(JsonFieldsTest, SinceLaterDuplicatesInsideDoNotCount) {
  auto f = decode_ok(R"({"since":{"epoch":"e","offset":1,"epoch":2,"offset":"x"},"since":1})");
  ASSERT_TRUE(f.since);
  EXPECT_EQ(f.since->epoch, "e");
  EXPECT_EQ(f.since->offset, 1u);
  EXPECT_TRUE(f.type_error.empty()) << f.type_error;
}

TEST_F(JsonFieldsTest, SinceEpochOutlivesTheInput) {
  // StreamPosition owns its epoch: it must survive the input buffer.
  JsonFieldDecoder decoder;
  std::string text = R"({"since":{"epoch":"e\u0041","offset":3}})";
  text.reserve(text.size() + k_json_padding);
  auto r = decoder.decode(text.data(), text.size(), text.capacity());
  ASSERT_TRUE(r);
  text.assign(text.size(), 'x');
  ASSERT_TRUE(r->since);
  EXPECT_EQ(r->since->epoch, "eA");
}

TEST_F(JsonFieldsTest, SinceBadShapes) {
  for (const char* text :
       {R"({"since":{}})", R"({"since":{"epoch":"e"}})", R"({"since":{"offset":1}})",
        R"({"since":{"epoch":1,"offset":1}})", R"({"since":{"epoch":"e","offset":-1}})",
        R"({"since":{"epoch":"e","offset":1.5}})", R"({"since":{"epoch":"e","offset":"1"}})",
        R"({"since":{"epoch":"e","offset":18446744073709551616}})", R"({"since":{"epoch":"e","offset":1e400}})",
        R"({"since":{"epoch":null,"offset":1}})", R"({"since":[{"epoch":"e","offset":1}]})", R"({"since":"e:1"})",
        R"({"since":{"epoch":"e","offset":-1,"offset":1}})"}) {
    auto f = decode_ok(text);
    EXPECT_FALSE(f.since) << text;
    EXPECT_EQ(f.type_error.rfind(R"("since" must be an object)", 0), 0u) << text << " -> " << f.type_error;
  }
}

// --- data: the raw slice, byte for byte ---

TEST_F(JsonFieldsTest, DataIsTheRawSliceOfTheInput) {
  auto f = decode_ok(R"({"id":1,"data": {"b" : [1, 2.50, "x"], "a":{}} ,"op":"publish"})");
  ASSERT_TRUE(f.data);
  EXPECT_EQ(*f.data, R"({"b" : [1, 2.50, "x"], "a":{}})");
  const std::string& buf = json_.last();
  EXPECT_GE(f.data->data(), buf.data());
  EXPECT_LE(f.data->data() + f.data->size(), buf.data() + buf.size()) << "data must point into the input";
}

TEST_F(JsonFieldsTest, DataByteForByte) {
  struct Case {
    const char* written;
    const char* expected;
  };
  for (const Case& c : {
           Case{R"({})", R"({})"},
           Case{R"({ })", R"({ })"},
           Case{R"({"text":"hi"})", R"({"text":"hi"})"},
           Case{R"({"a":{"b":{"c":[{"d":null}]}}})", R"({"a":{"b":{"c":[{"d":null}]}}})"},
           Case{R"([])", R"([])"},
           Case{R"([ 1 ,2 , [ 3 ] ])", R"([ 1 ,2 , [ 3 ] ])"},
           Case{"[\t1,\r\n2\n]", "[\t1,\r\n2\n]"},
           Case{R"("plain")", R"("plain")"},
           Case{R"("")", R"("")"},
           Case{R"("q\"b\\s\/ \b\f\n\r\t\u0000\u00e9\ud83d\ude00")",
                R"("q\"b\\s\/ \b\f\n\r\t\u0000\u00e9\ud83d\ude00")"},
           Case{"\"\xc3\xa9\xf0\x9f\x98\x80\"", "\"\xc3\xa9\xf0\x9f\x98\x80\""},
           Case{R"("ends with backslash \\")", R"("ends with backslash \\")"},
           Case{R"(0)", R"(0)"},
           Case{R"(-0)", R"(-0)"},
           Case{R"(-12.500e+03)", R"(-12.500e+03)"},
           Case{R"(1E-7)", R"(1E-7)"},
           Case{R"(123456789012345678901234567890)", R"(123456789012345678901234567890)"},
           Case{R"(-123456789012345678901234567890.5)", R"(-123456789012345678901234567890.5)"},
           Case{R"(18446744073709551616)", R"(18446744073709551616)"},
           Case{R"(1e400)", R"(1e400)"},
           Case{R"(-1e400)", R"(-1e400)"},
           Case{R"(1e-400)", R"(1e-400)"},
           Case{R"(0.1000000000000000000000000000001)", R"(0.1000000000000000000000000000001)"},
           Case{R"(true)", R"(true)"},
           Case{R"(false)", R"(false)"},
           Case{R"(null)", R"(null)"},
           Case{" \t\r\n42 \t\r\n", "42"},
           Case{" [1] ", "[1]"},
           Case{" \"s\" ", "\"s\""},
       }) {
    EXPECT_EQ(data_of(c.written), c.expected) << c.written;
  }
}

TEST_F(JsonFieldsTest, DataFollowedByMoreFields) {
  for (const char* tail : {",\"x\":1}", " , \"x\":1}", "\t}", "\n}"}) {
    for (const char* value : {"1", "1e400", "\"s\"", "[1]", "{\"a\":1}", "true", "null"}) {
      std::string text = R"({"data":)" + std::string(value) + tail;
      auto f = decode_ok(text);
      EXPECT_EQ(f.data, value) << text;
    }
  }
}

TEST_F(JsonFieldsTest, DataBeforeAndAfterTheOtherFields) {
  EXPECT_EQ(decode_ok(R"({"data":[1,{"id":2}],"id":1})").data, R"([1,{"id":2}])");
  EXPECT_EQ(decode_ok(R"({"id":1,"data":[1,{"id":2}]})").id, 1);
}

TEST_F(JsonFieldsTest, LargeDataIsSlicedExactly) {
  std::string big = "[";
  for (int i = 0; i < 20000; ++i) big += (i ? ",\"item" : "\"item") + std::to_string(i) + "\"";
  big += "]";
  ASSERT_GT(big.size(), 128u * 1024);  // beyond the decoder's initial allocation
  EXPECT_EQ(data_of(big), big);
}

// --- validate(): any JSON value at the root ---

TEST_F(JsonFieldsTest, ValidateAcceptsAnyRootValue) {
  for (const char* text :
       {"{}", "[]", "1", "-0.5e3", "\"s\"", "true", "false", "null", " 1 ", "\n[1,2]\n",
        "123456789012345678901234567890", "1e400", "[1e400]", "{\"a\":1e400}", "\"\\ud83d\\ude00\"", "\"\x7f\""}) {
    auto r = json_.validate(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error());
  }
}

// --- Invalid JSON: decode() and validate() both refuse, with a message ---

struct InvalidCase {
  const char* name;
  std::string text;
};

std::vector<InvalidCase> invalid_cases() {
  return {
      {"empty", ""},
      {"whitespace_only", " \t\r\n"},
      {"trailing_word", "{} x"},
      {"trailing_brace", "{}}"},
      {"trailing_object", "{}{}"},
      {"trailing_bracket_after_array", "[1]]"},
      {"unclosed_object", "{\"a\":1"},
      {"unclosed_string", "{\"a\":\"abc"},
      {"missing_colon", "{\"a\" 1}"},
      {"missing_comma", "{\"a\":1 \"b\":2}"},
      {"trailing_comma_object", "{\"a\":1,}"},
      {"trailing_comma_array", "[1,]"},
      {"leading_comma_array", "[,1]"},
      {"array_missing_comma", "[1 2]"},
      {"mismatched_close", "{\"a\":1]"},
      {"non_string_key", "{1:1}"},
      {"single_quotes", "{'a':1}"},
      {"control_byte_in_string", "{\"a\":\"x\x01y\"}"},
      {"raw_newline_in_string", "{\"a\":\"x\ny\"}"},
      {"raw_tab_in_string", "{\"a\":\"x\ty\"}"},
      {"nul_byte_in_string", std::string("{\"a\":\"x\0y\"}", 11)},
      {"control_byte_in_key", "{\"a\x1f\":1}"},
      {"number_leading_zero", "{\"a\":01}"},
      {"number_trailing_dot", "{\"a\":1.}"},
      {"number_lone_minus", "{\"a\":-}"},
      {"number_leading_dot", "{\"a\":.5}"},
      {"number_plus", "{\"a\":+1}"},
      {"number_empty_exponent", "{\"a\":1e}"},
      {"number_exponent_sign_only", "{\"a\":1e+}"},
      {"number_hex", "{\"a\":0x10}"},
      {"number_nan", "{\"a\":NaN}"},
      {"number_infinity", "{\"a\":Infinity}"},
      {"number_minus_leading_zero", "{\"a\":-01}"},
      {"bad_escape", "{\"a\":\"\\x\"}"},
      {"bad_escape_single_quote", "{\"a\":\"\\'\"}"},
      {"bad_unicode_escape", "{\"a\":\"\\u12G4\"}"},
      {"short_unicode_escape", "{\"a\":\"\\u12\"}"},
      {"bad_escape_in_key", "{\"\\q\":1}"},
      {"lone_high_surrogate", "{\"a\":\"\\ud800\"}"},
      {"lone_low_surrogate", "{\"a\":\"\\udc00\"}"},
      {"high_surrogate_then_non_surrogate", "{\"a\":\"\\ud800\\u0041\"}"},
      {"reversed_surrogates", "{\"a\":\"\\ude00\\ud83d\"}"},
      {"invalid_utf8", "{\"a\":\"\xff\"}"},
      {"overlong_utf8", "{\"a\":\"\xc0\xaf\"}"},
      {"utf8_encoded_surrogate", "{\"a\":\"\xed\xa0\x80\"}"},
      {"truncated_utf8", "{\"a\":\"\xc3\"}"},
      {"bad_true", "{\"a\":tru}"},
      {"bad_true_suffix", "{\"a\":truex}"},
      {"bad_null", "{\"a\":nul}"},
      {"bad_false", "{\"a\":fals}"},
      {"capital_true", "{\"a\":True}"},
      {"comment", "{\"a\":1 /* c */}"},
      {"depth_129_arrays", "{\"a\":" + nested_arrays(128, "") + "}"},
      {"depth_129_objects", nested_objects(128, "{}")},
  };
}

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class InvalidJsonTest : public ::testing::TestWithParam<InvalidCase> {
 protected:
  PaddedJson json_;
};

TEST_P(InvalidJsonTest, DecodeRefuses) {
  auto r = json_.decode(GetParam().text);
  ASSERT_FALSE(r) << GetParam().text;
  EXPECT_EQ(r.error().rfind("invalid JSON", 0), 0u) << r.error();
}

TEST_P(InvalidJsonTest, ValidateRefuses) {
  auto r = json_.validate(GetParam().text);
  EXPECT_FALSE(r) << GetParam().text;
}

// Numbers beyond int64/double range take a slower validation path: every
// other defect must still be caught there.
class InvalidJsonSlowPathTest : public InvalidJsonTest {};

TEST_P(InvalidJsonSlowPathTest, RefusedWithAHugeNumberFirst) {
  const std::string& text = GetParam().text;
  for (const char* big : {"1e400", "123456789012345678901234567890"}) {
    std::string with_big;
    if (text[0] == '{') {
      with_big = text[1] == '}' ? "{\"big\":" + std::string(big) + text.substr(1)
                                : "{\"big\":" + std::string(big) + "," + text.substr(1);
    } else {
      with_big =
          text[1] == ']' ? "[" + std::string(big) + text.substr(1) : "[" + std::string(big) + "," + text.substr(1);
    }
    auto r = json_.decode(with_big);
    EXPECT_FALSE(r) << with_big;
    auto v = json_.validate(with_big);
    EXPECT_FALSE(v) << with_big;
  }
}

std::string case_name(const ::testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; }

// The cases whose root is an object or array, where a huge number can be put first.
std::vector<InvalidCase> container_cases() {
  std::vector<InvalidCase> out;
  for (auto& c : invalid_cases()) {
    if (c.text.size() >= 2 && (c.text[0] == '{' || c.text[0] == '[')) out.push_back(c);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, InvalidJsonTest, ::testing::ValuesIn(invalid_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Cases, InvalidJsonSlowPathTest, ::testing::ValuesIn(container_cases()), case_name);

TEST_F(JsonFieldsTest, InvalidJsonMessagesSayWhy) {
  EXPECT_EQ(json_.decode("").error(), "invalid JSON: empty input");
  EXPECT_EQ(json_.decode("{\"a\":\"\x01\"}").error(), "invalid JSON: unescaped control character in a string");
  EXPECT_EQ(json_.decode("{\"a\":01}").error(), "invalid JSON: malformed number");
  EXPECT_EQ(json_.decode("{\"a\":\"\\ud800\"}").error(), "invalid JSON: malformed string");
  EXPECT_EQ(json_.decode("{\"a\":\"\xff\"}").error(), "invalid JSON: not valid UTF-8");
  EXPECT_EQ(json_.decode(nested_arrays(129, "")).error(), "invalid JSON: nested too deeply");
  EXPECT_EQ(json_.decode("{\"a\":1e400} x").error().rfind("invalid JSON", 0), 0u);
}

TEST_F(JsonFieldsTest, NonObjectRootIsRefusedByDecode) {
  for (const char* text :
       {"[]", "[{\"id\":1}]", "1", "\"s\"", "true", "null", "1e400", "123456789012345678901234567890"}) {
    auto r = json_.decode(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error(), "expected a JSON object") << text;
  }
}

TEST_F(JsonFieldsTest, TrailingContentAfterHugeNumberRoot) {
  for (const char* text : {"1e400 x", "1e400 1", "[1e400]]", "[1e400] [", "{\"a\":1e400}}", "{\"a\":1e400} {}"}) {
    EXPECT_FALSE(json_.validate(text)) << text;
    EXPECT_FALSE(json_.decode(text)) << text;
  }
  EXPECT_TRUE(json_.validate(" 1e400 \r\n\t"));
}

// --- Depth: at most k_max_json_depth levels of values ---

TEST_F(JsonFieldsTest, DepthLimitIs128Levels) {
  ASSERT_EQ(k_max_json_depth, 128);
  // 128 containers (the innermost empty) are fine; 129 are not.
  EXPECT_TRUE(json_.validate(nested_arrays(128, "")));
  EXPECT_FALSE(json_.validate(nested_arrays(129, "")));
  EXPECT_TRUE(json_.validate(nested_objects(127, "{}")));
  EXPECT_FALSE(json_.validate(nested_objects(128, "{}")));
  // A scalar counts as a level: 127 arrays around it are 128 levels.
  EXPECT_TRUE(json_.validate(nested_arrays(127, "1")));
  EXPECT_FALSE(json_.validate(nested_arrays(128, "1")));
  // Same on the slow path taken for huge numbers.
  EXPECT_TRUE(json_.validate(nested_arrays(127, "1e400")));
  EXPECT_FALSE(json_.validate(nested_arrays(128, "1e400")));
  EXPECT_TRUE(json_.validate("[1e400," + nested_arrays(127, "") + "]"));
  EXPECT_FALSE(json_.validate("[1e400," + nested_arrays(128, "") + "]"));
  EXPECT_FALSE(json_.validate(nested_arrays(5000, "")));
  EXPECT_FALSE(json_.validate("[1e400," + nested_arrays(5000, "") + "]"));
}

TEST_F(JsonFieldsTest, DepthLimitHoldsForLargeDocuments) {
  // Larger than the decoder's initial buffer, so it reallocates: the limit must survive.
  std::string filler(100 * 1024, 'x');
  const std::string ok = "{\"f\":\"" + filler + "\",\"d\":" + nested_arrays(127, "") + "}";
  EXPECT_TRUE(json_.decode(ok));
  const std::string deep = "{\"f\":\"" + filler + "\",\"d\":" + nested_arrays(128, "") + "}";
  EXPECT_FALSE(json_.decode(deep));
}

TEST_F(JsonFieldsTest, DataMayNestUpToTheLimit) {
  // The op object is level 1, so data may have 127 levels.
  EXPECT_EQ(data_of(nested_arrays(127, "")), nested_arrays(127, ""));
  std::string text = R"({"id":1,"data":)" + nested_arrays(128, "") + "}";
  EXPECT_FALSE(json_.decode(text));
}

TEST_F(JsonFieldsTest, DecoderIsReusableAfterErrors) {
  EXPECT_FALSE(json_.decode("{\"a\":"));
  EXPECT_FALSE(json_.decode(nested_arrays(300, "")));
  EXPECT_FALSE(json_.decode("{\"a\":1e400,}"));
  auto f = decode_ok(R"({"id":2,"op":"ping"})");
  EXPECT_EQ(f.id, 2);
  EXPECT_EQ(f.op, "ping");
}

TEST_F(JsonFieldsTest, DelAndNonAsciiAreAllowedInStrings) {
  auto f = decode_ok("{\"user\":\"\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");
  EXPECT_EQ(f.user, "\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace wshub::core
