// ApiRequest: the decoded and checked JSON body of one POST to the server API
// (PROTOCOL.md section 6), and decode_api_request(), the pure function that
// makes it: JSON through core::JsonFieldDecoder, then each endpoint's rules
// (required fields, channel names, sizes, close codes). Everything that needs
// the hub (namespaces, brokers, clients) stays in ApiRouter.
//
// Kept free of I/O and of the hub so it is unit-tested and fuzzed
// (tests/fuzz/fuzz_api_bodies.cpp) on its own.
// Thread-safety: pure; the decoder passed in must not be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "core/json_fields.hpp"

namespace wshub::api {

// The POST endpoints that take a JSON body.
enum class ApiEndpoint { publish, broadcast, send, disconnect, history, presence };

inline constexpr std::size_t k_max_broadcast_channels = 1000;
inline constexpr std::size_t k_max_close_reason = 123;

struct ApiError {
  unsigned status = 400;  // 400, or 413 for data over max_publish_size
  std::string message;
};

struct ApiRequest {
  ApiEndpoint endpoint = ApiEndpoint::publish;
  std::string channel;                // publish, history, presence: a valid channel name
  std::vector<std::string> channels;  // broadcast: 1 to 1000 names, each checked by the caller
  std::string data;                   // publish, broadcast, send: raw JSON text
  std::string client;                 // send, disconnect: exactly one of client and user is set
  std::string user;
  std::uint16_t code = 4002;  // disconnect: 1000 or 4000-4999
  std::string reason;         // disconnect: at most 123 bytes
  std::optional<core::StreamPosition> since;  // history
  std::size_t limit = 0;                      // history
};

struct ApiLimits {
  std::size_t max_publish_size = 65536;
  std::size_t default_history_limit = 100;
};

// REQUIRES: bytes [body, body + capacity) are readable and
//           capacity >= len + core::k_json_padding.
core::Expected<ApiRequest, ApiError> decode_api_request(ApiEndpoint endpoint, const char* body, std::size_t len,
                                                        std::size_t capacity, core::JsonFieldDecoder& decoder,
                                                        const ApiLimits& limits);

}  // namespace wshub::api
