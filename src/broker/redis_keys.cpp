#include "broker/redis_keys.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace wshub::broker::redis_keys {

std::string_view channel_of_pubsub(std::string_view name) {
  constexpr std::string_view prefix = "ws:{", suffix = "}:pub";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) return {};
  return name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
}

// A channel's meta hash and stream expire together; when the meta is gone the
// channel starts a new epoch and its stale stream is deleted so offsets can
// restart at 1.
const std::string_view k_publish_script = R"lua(
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch)
end
local offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
if tonumber(ARGV[3]) > 0 then
  local t = redis.call('TIME')
  local now = t[1] * 1000 + math.floor(t[2] / 1000)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], string.format('%d-0', offset), 't', string.format('%d', now),
             'd', ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', ARGV[1], string.format('%d', offset) .. ' ' .. epoch .. ' ' .. ARGV[2])
return {offset, epoch}
)lua";

const std::string_view k_read_script = R"lua(
local m = redis.call('HMGET', KEYS[1], 'e', 'o')
local epoch, top = m[1], tonumber(m[2] or '0')
if not epoch then
  epoch = ARGV[1]
  top = 0
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif ARGV[7] == 'touch' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local entries = {}
if ARGV[3] == 'latest' then
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[6])
elseif ARGV[3] == 'range' then
  entries = redis.call('XRANGE', KEYS[2], ARGV[4], ARGV[5], 'COUNT', ARGV[6])
end
return {epoch, top, now, entries}
)lua";

namespace {

std::string sha1_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace

const std::string& publish_script_sha() {
  static const std::string sha = sha1_hex(k_publish_script);
  return sha;
}

const std::string& read_script_sha() {
  static const std::string sha = sha1_hex(k_read_script);
  return sha;
}

}  // namespace wshub::broker::redis_keys
