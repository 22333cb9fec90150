// JsonFieldDecoder: validates one JSON object and extracts the fields wshub
// understands, for client ops and for HTTP API bodies alike.
//
// Two passes over the text with simdjson On-Demand: the first walks every
// value (full validation, depth limit, no raw control bytes in strings, strict
// number grammar), the second reads the known keys. `data` comes back as its
// raw slice of the input, so it is forwarded byte-for-byte and never
// re-serialized. Views point into the input text or into the decoder's own
// buffers: valid until the next decode() call.
//
// Thread-safety: not thread-safe; one decoder per shard thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace wshub::core {

inline constexpr std::size_t k_json_padding = 64;  // >= SIMDJSON_PADDING
inline constexpr int k_max_json_depth = 128;

struct StreamPosition {
  std::string epoch;
  std::uint64_t offset = 0;
};

struct JsonFields {
  std::optional<std::int64_t> id;  // set only when "id" is an integer
  std::optional<std::string_view> op, channel, data, token, client, user, reason;
  std::optional<std::int64_t> limit, code;
  std::optional<StreamPosition> since;
  std::optional<std::vector<std::string_view>> channels;
  // The first field with a wrong type, as a message ("\"channel\" must be a string").
  std::string type_error;
};

class JsonFieldDecoder {
 public:
  JsonFieldDecoder();
  ~JsonFieldDecoder();
  JsonFieldDecoder(const JsonFieldDecoder&) = delete;
  JsonFieldDecoder& operator=(const JsonFieldDecoder&) = delete;

  // REQUIRES: bytes [text, text + capacity) are readable and
  //           capacity >= len + k_json_padding.
  // Errors: the text is not valid JSON, or not an object (message says which).
  Expected<JsonFields, std::string> decode(const char* text, std::size_t len, std::size_t capacity);

  // Full validation only (any JSON value at the root). Same REQUIRES.
  Expected<void, std::string> validate(const char* text, std::size_t len, std::size_t capacity);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wshub::core
