// RedisKeys: the Redis names of one channel's state, and the scripts that
// change or read it atomically.
//
//   ws:{<channel>}:meta    hash: e = epoch, o = latest offset
//   ws:{<channel>}:stream  stream: entry <offset>-0 with fields t (Redis time,
//                          ms) and d (the raw data); MAXLEN ~ history_size
//   ws:{<channel>}:pub     Pub/Sub channel; payloads in core/broker_wire.hpp
//
// The {hash tag} keeps a channel's keys on one Redis Cluster slot.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wshub::broker::redis_keys {

inline std::string meta(std::string_view channel) { return "ws:{" + std::string(channel) + "}:meta"; }
inline std::string stream(std::string_view channel) { return "ws:{" + std::string(channel) + "}:stream"; }
inline std::string pubsub(std::string_view channel) { return "ws:{" + std::string(channel) + "}:pub"; }
// The channel name of a Pub/Sub channel name, or empty when it is not one.
std::string_view channel_of_pubsub(std::string_view pubsub_name);

// KEYS: meta, stream. ARGV: pubsub channel, data, history_size,
// history_ttl_ms, meta_ttl_ms, epoch to use if the channel has none. The meta
// expires with the history (meta_ttl = history_ttl): a channel quiet for
// longer starts a new epoch, as the memory broker's does.
// Returns {offset, epoch}.
extern const std::string_view k_publish_script;

// KEYS: meta, stream. ARGV: epoch to use if the channel has none, meta_ttl_ms,
// mode (none | range | latest), first id, last id, count, and `touch` to
// refresh the meta's TTL (a subscription starts) or anything else.
// Returns {epoch, top offset, Redis time ms, entries of XRANGE/XREVRANGE}.
extern const std::string_view k_read_script;

// The SHA1 digests that EVALSHA and SCRIPT EXISTS name the scripts by.
const std::string& publish_script_sha();
const std::string& read_script_sha();

}  // namespace wshub::broker::redis_keys
