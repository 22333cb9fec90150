// Reply: an owned copy of one Redis reply (RESP2), detached from hiredis.
//
// hiredis frees its redisReply as soon as the reply callback returns; a Reply
// keeps the data for as long as the caller needs it. A Redis error reply
// ("-ERR ...") is a Reply of Type::error, not a failure: the command reached
// Redis and Redis answered.
//
// Thread-safety: a plain value type; no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct redisReply;  // hiredis/hiredis.h; only reply.cpp needs its layout

namespace wshub::redis {

struct Reply {
  enum class Type { string, status, error, integer, nil, array };

  Type type = Type::nil;
  std::string str;              // text of a string (bulk), status or error reply; binary-safe
  long long integer = 0;        // value of an integer reply
  std::vector<Reply> elements;  // elements of an array reply

  bool is_string() const noexcept { return type == Type::string; }
  bool is_status() const noexcept { return type == Type::status; }
  bool is_error() const noexcept { return type == Type::error; }
  bool is_integer() const noexcept { return type == Type::integer; }
  bool is_nil() const noexcept { return type == Type::nil; }
  bool is_array() const noexcept { return type == Type::array; }
  // A status reply with exactly this text: reply.is_status("OK").
  bool is_status(std::string_view text) const noexcept { return type == Type::status && str == text; }

  static Reply string_reply(std::string s) { return Reply{Type::string, std::move(s), 0, {}}; }
  static Reply status_reply(std::string s) { return Reply{Type::status, std::move(s), 0, {}}; }
  static Reply error_reply(std::string s) { return Reply{Type::error, std::move(s), 0, {}}; }
  static Reply integer_reply(long long v) { return Reply{Type::integer, {}, v, {}}; }
  static Reply nil_reply() { return Reply{}; }
  static Reply array_reply(std::vector<Reply> e) { return Reply{Type::array, {}, 0, std::move(e)}; }

  bool operator==(const Reply&) const = default;
};

// Deep copy of a hiredis reply. REQUIRES: reply != nullptr.
Reply from_hiredis(const redisReply* reply);

// redis-cli style text for logs and test messages: "OK", "\"value\"",
// "(error) ERR ...", "(integer) 3", "(nil)", "[\"a\", (integer) 1]". Bytes
// outside printable ASCII in strings are written as \xHH.
std::string to_string(const Reply& reply);

}  // namespace wshub::redis
