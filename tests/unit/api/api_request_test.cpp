#include "api/api_request.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace wshub::api {
namespace {

core::Expected<ApiRequest, ApiError> decode(ApiEndpoint endpoint, std::string_view body,
                                            ApiLimits limits = {16, 100}) {
  static core::JsonFieldDecoder decoder;
  std::string buf(body.size() + core::k_json_padding, '\0');
  std::memcpy(buf.data(), body.data(), body.size());
  return decode_api_request(endpoint, buf.data(), body.size(), buf.size(), decoder, limits);
}

std::string error_of(ApiEndpoint endpoint, std::string_view body) {
  auto r = decode(endpoint, body);
  EXPECT_FALSE(r) << body;
  return r ? std::string() : std::to_string(r.error().status) + " " + r.error().message;
}

TEST(ApiRequest, Publish) {
  auto r = decode(ApiEndpoint::publish, R"({"channel":"chat:a","data":{"x":1}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->channel, "chat:a");
  EXPECT_EQ(r->data, R"({"x":1})");
  EXPECT_EQ(error_of(ApiEndpoint::publish, ""), "400 missing JSON body");
  EXPECT_EQ(error_of(ApiEndpoint::publish, R"({"data":1})"), "400 missing \"channel\"");
  EXPECT_EQ(error_of(ApiEndpoint::publish, R"({"channel":"a b","data":1})"),
            "400 invalid channel name: 1 to 255 bytes of [A-Za-z0-9_:.@=/-] and at most one inner '#'");
  EXPECT_EQ(error_of(ApiEndpoint::publish, R"({"channel":"a"})"), "400 missing \"data\"");
  EXPECT_EQ(error_of(ApiEndpoint::publish, R"({"channel":"a","data":"0123456789abcdef"})"),
            "413 data too large: at most 16 bytes");
  EXPECT_EQ(error_of(ApiEndpoint::publish, R"({"channel":1,"data":1})"), "400 \"channel\" must be a string");
  EXPECT_EQ(error_of(ApiEndpoint::publish, "[1]").substr(0, 4), "400 ");
}

TEST(ApiRequest, Broadcast) {
  auto r = decode(ApiEndpoint::broadcast, R"({"channels":["a","bad name"],"data":2})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->channels, (std::vector<std::string>{"a", "bad name"}));  // names are checked one by one later
  EXPECT_EQ(error_of(ApiEndpoint::broadcast, R"({"data":2})"), "400 missing \"channels\"");
  EXPECT_EQ(error_of(ApiEndpoint::broadcast, R"({"channels":[],"data":2})"),
            "400 \"channels\" must hold 1 to 1000 channel names");
}

TEST(ApiRequest, SendAndDisconnectSelectors) {
  auto send = decode(ApiEndpoint::send, R"({"user":"u1","data":3})");
  ASSERT_TRUE(send);
  EXPECT_EQ(send->user, "u1");
  EXPECT_TRUE(send->client.empty());
  EXPECT_EQ(error_of(ApiEndpoint::send, R"({"user":"u","client":"c","data":3})"),
            "400 give exactly one of \"client\" and \"user\"");
  EXPECT_EQ(error_of(ApiEndpoint::send, R"({"user":"","data":3})"), "400 \"user\" must not be empty");

  auto d = decode(ApiEndpoint::disconnect, R"({"client":"c-1"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->code, 4002);
  EXPECT_EQ(d->reason, "disconnected by the server");
  EXPECT_EQ(error_of(ApiEndpoint::disconnect, R"({"client":"c","code":1001})"),
            "400 \"code\" must be 1000 or in 4000-4999");
  EXPECT_EQ(error_of(ApiEndpoint::disconnect, R"({"client":"c","reason":")" + std::string(124, 'r') + "\"}"),
            "400 \"reason\" must be at most 123 bytes");
}

TEST(ApiRequest, History) {
  auto r = decode(ApiEndpoint::history, R"({"channel":"a","since":{"epoch":"e","offset":3}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->limit, 100u);
  ASSERT_TRUE(r->since);
  EXPECT_EQ(r->since->offset, 3u);
  EXPECT_EQ(error_of(ApiEndpoint::history, R"({"channel":"a","limit":-1})"), "400 \"limit\" must be >= 0");
}

}  // namespace
}  // namespace wshub::api
