// Fuzzes the server API's body decoding: arbitrary bytes as the JSON body of
// every POST endpoint through api::decode_api_request (JsonFieldDecoder plus
// each endpoint's rules). Besides crashes and sanitizer reports, it checks the
// decoder's promises: a refusal is 400 or 413 with a message, and an accepted
// request holds what its endpoint needs (valid channel, data within the size
// limit and valid JSON by itself, one of client/user, a legal close code).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "api/api_request.hpp"
#include "core/channel_name.hpp"
#include "core/envelopes.hpp"
#include "core/json_fields.hpp"

namespace {

using namespace wshub;

std::string padded(std::string_view s) {
  std::string buf(s.size() + core::k_json_padding, '\0');
  std::memcpy(buf.data(), s.data(), s.size());
  return buf;
}

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

bool is_valid_json(core::JsonFieldDecoder& checker, std::string_view text) {
  const std::string buf = padded(text);
  return static_cast<bool>(checker.validate(buf.data(), text.size(), buf.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  static core::JsonFieldDecoder decoder;
  static core::JsonFieldDecoder checker;
  constexpr api::ApiLimits limits{256, 100};

  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const std::string buf = padded(input);
  for (auto endpoint : {api::ApiEndpoint::publish, api::ApiEndpoint::broadcast, api::ApiEndpoint::send,
                        api::ApiEndpoint::disconnect, api::ApiEndpoint::history, api::ApiEndpoint::presence}) {
    auto r = api::decode_api_request(endpoint, buf.data(), size, buf.size(), decoder, limits);
    if (!r) {
      check(r.error().status == 400 || r.error().status == 413, "refusal is 400 or 413");
      check(!r.error().message.empty(), "refusal has a message");
      const std::string reply = core::make_api_error(static_cast<int>(r.error().status), r.error().message);
      check(is_valid_json(checker, reply), "the error body we would send is valid JSON");
      continue;
    }
    check(r->endpoint == endpoint, "endpoint kept");
    switch (endpoint) {
      case api::ApiEndpoint::publish:
      case api::ApiEndpoint::broadcast:
      case api::ApiEndpoint::send:
        check(r->data.size() <= limits.max_publish_size, "data within max_publish_size");
        check(is_valid_json(checker, r->data), "data is valid JSON by itself, so it can be forwarded");
        break;
      default: break;
    }
    switch (endpoint) {
      case api::ApiEndpoint::publish:
      case api::ApiEndpoint::history:
      case api::ApiEndpoint::presence:
        check(core::is_valid_channel_name(r->channel), "channel is valid");
        break;
      case api::ApiEndpoint::broadcast:
        check(!r->channels.empty() && r->channels.size() <= api::k_max_broadcast_channels, "1 to 1000 channels");
        break;
      case api::ApiEndpoint::send:
      case api::ApiEndpoint::disconnect:
        check(r->client.empty() || r->user.empty(), "at most one of client and user");
        if (endpoint == api::ApiEndpoint::disconnect) {
          check(r->code == 1000 || (r->code >= 4000 && r->code <= 4999), "legal close code");
          check(r->reason.size() <= api::k_max_close_reason, "reason fits a close frame");
        }
        break;
    }
  }
  return 0;
}
