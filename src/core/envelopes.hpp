// The JSON objects the server sends: message, push, welcome, and op replies.
//
// Each is written by hand in one pass; client `data` is spliced in raw.
// Thread-safety: pure functions, plus ReplyWriter which is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/publication.hpp"

namespace wshub::core {

// {"type":"message","channel":C,"data":D,"offset":O,"epoch":E}
PublicationPtr make_publication(std::string_view channel, std::uint64_t offset, std::string_view epoch,
                                std::string_view raw_data, std::int64_t created_ns);

// {"type":"push","data":D}
std::string make_push(std::string_view raw_data);

struct Welcome {
  std::string_view client, instance, user;
  std::int64_t ping_interval_s = 25;
};
std::string make_welcome(const Welcome& w);

// Builds {"type":"reply","id":N,"ok":true, ...fields}.
class ReplyWriter {
 public:
  explicit ReplyWriter(std::int64_t id);
  ReplyWriter& field_uint(std::string_view key, std::uint64_t v);
  ReplyWriter& field_int(std::string_view key, std::int64_t v);
  ReplyWriter& field_bool(std::string_view key, bool v);
  ReplyWriter& field_string(std::string_view key, std::string_view v);
  // `raw_json` must be valid JSON produced by the server.
  ReplyWriter& field_raw(std::string_view key, std::string_view raw_json);
  std::string finish();  // leaves the writer empty

 private:
  void key(std::string_view k);
  std::string out_;
};

// {"type":"reply","id":N,"ok":false,"error":{"code":C,"message":M}}; no "id" when absent.
std::string make_error_reply(std::optional<std::int64_t> id, int code, std::string_view message);

// {"error":{"code":C,"message":M}}: the HTTP API's error body.
std::string make_api_error(int code, std::string_view message);

// Appends the `message` objects of `pubs` as a JSON array.
template <class Range>
std::string messages_array(const Range& pubs) {
  std::string out = "[";
  bool first = true;
  for (const auto& p : pubs) {
    if (!first) out.push_back(',');
    first = false;
    out += p->frame.bytes;
  }
  out.push_back(']');
  return out;
}

}  // namespace wshub::core
