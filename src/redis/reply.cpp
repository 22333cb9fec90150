#include "redis/reply.hpp"

#include <hiredis/hiredis.h>

namespace wshub::redis {
namespace {

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char k_hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 0xf]);
    }
  }
  out.push_back('"');
}

void append_reply(std::string& out, const Reply& r) {
  switch (r.type) {
    case Reply::Type::string:
      append_escaped(out, r.str);
      return;
    case Reply::Type::status:
      out += r.str;
      return;
    case Reply::Type::error:
      out += "(error) " + r.str;
      return;
    case Reply::Type::integer:
      out += "(integer) " + std::to_string(r.integer);
      return;
    case Reply::Type::nil:
      out += "(nil)";
      return;
    case Reply::Type::array:
      out.push_back('[');
      for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i != 0) out += ", ";
        append_reply(out, r.elements[i]);
      }
      out.push_back(']');
      return;
  }
}

}  // namespace

Reply from_hiredis(const redisReply* reply) {
  Reply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = reply->integer;
      break;
    case REDIS_REPLY_NIL:
      out.type = Reply::Type::nil;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) out.elements.push_back(from_hiredis(reply->element[i]));
      break;
    default:
      // hiredis 0.14 parses RESP2 only, so this is unreachable; say so rather than guess.
      out.type = Reply::Type::error;
      out.str = "ERR unknown hiredis reply type " + std::to_string(reply->type);
      break;
  }
  return out;
}

std::string to_string(const Reply& reply) {
  std::string out;
  append_reply(out, reply);
  return out;
}

}  // namespace wshub::redis
