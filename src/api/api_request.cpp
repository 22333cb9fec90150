#include "api/api_request.hpp"

#include "core/channel_name.hpp"

namespace wshub::api {
namespace {

using Result = core::Expected<ApiRequest, ApiError>;

Result fail(unsigned status, std::string message) { return core::unexpected(ApiError{status, std::move(message)}); }

std::optional<ApiError> take_channel(const core::JsonFields& f, ApiRequest& r) {
  if (!f.channel) return ApiError{400, "missing \"channel\""};
  if (!core::is_valid_channel_name(*f.channel)) return ApiError{400, std::string(core::k_invalid_channel_message)};
  r.channel = std::string(*f.channel);
  return std::nullopt;
}

std::optional<ApiError> take_data(const core::JsonFields& f, const ApiLimits& limits, ApiRequest& r) {
  if (!f.data) return ApiError{400, "missing \"data\""};
  if (f.data->size() > limits.max_publish_size) {
    return ApiError{413, "data too large: at most " + std::to_string(limits.max_publish_size) + " bytes"};
  }
  r.data = std::string(*f.data);
  return std::nullopt;
}

// Exactly one of "client" and "user".
std::optional<ApiError> take_selector(const core::JsonFields& f, ApiRequest& r) {
  if (f.client.has_value() == f.user.has_value()) return ApiError{400, "give exactly one of \"client\" and \"user\""};
  if (f.user && f.user->empty()) return ApiError{400, "\"user\" must not be empty"};
  r.client = std::string(f.client.value_or(""));
  r.user = std::string(f.user.value_or(""));
  return std::nullopt;
}

}  // namespace

core::Expected<ApiRequest, ApiError> decode_api_request(ApiEndpoint endpoint, const char* body, std::size_t len,
                                                        std::size_t capacity, core::JsonFieldDecoder& decoder,
                                                        const ApiLimits& limits) {
  if (len == 0) return fail(400, "missing JSON body");
  auto decoded = decoder.decode(body, len, capacity);
  if (!decoded) return fail(400, std::move(decoded.error()));
  const core::JsonFields& f = *decoded;
  if (!f.type_error.empty()) return fail(400, f.type_error);

  ApiRequest r;
  r.endpoint = endpoint;
  std::optional<ApiError> error;
  switch (endpoint) {
    case ApiEndpoint::publish:
      if (!(error = take_channel(f, r))) error = take_data(f, limits, r);
      break;
    case ApiEndpoint::broadcast:
      if (!f.channels) return fail(400, "missing \"channels\"");
      if (!f.data) return fail(400, "missing \"data\"");
      if (f.channels->empty() || f.channels->size() > k_max_broadcast_channels) {
        return fail(400, "\"channels\" must hold 1 to 1000 channel names");
      }
      if (!(error = take_data(f, limits, r))) r.channels.assign(f.channels->begin(), f.channels->end());
      break;
    case ApiEndpoint::send:
      if (!(error = take_selector(f, r))) error = take_data(f, limits, r);
      break;
    case ApiEndpoint::disconnect: {
      if ((error = take_selector(f, r))) break;
      const std::int64_t code = f.code.value_or(4002);
      if (code != 1000 && (code < 4000 || code > 4999)) return fail(400, "\"code\" must be 1000 or in 4000-4999");
      r.code = static_cast<std::uint16_t>(code);
      r.reason = std::string(f.reason.value_or("disconnected by the server"));
      if (r.reason.size() > k_max_close_reason) return fail(400, "\"reason\" must be at most 123 bytes");
      break;
    }
    case ApiEndpoint::history:
      if ((error = take_channel(f, r))) break;
      if (f.limit && *f.limit < 0) return fail(400, "\"limit\" must be >= 0");
      r.since = f.since;
      r.limit = f.limit ? static_cast<std::size_t>(*f.limit) : limits.default_history_limit;
      break;
    case ApiEndpoint::presence:
      error = take_channel(f, r);
      break;
  }
  if (error) return core::unexpected(std::move(*error));
  return r;
}

}  // namespace wshub::api
