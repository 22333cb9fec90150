// Reading one parameter from a request target's query string, percent-decoded.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wshub::core {

// The path part of a target ("/ws?x=1" -> "/ws").
std::string_view target_path(std::string_view target) noexcept;

// The first value of `name` in the target's query, or nullopt when absent or
// badly percent-encoded. '+' decodes to a space.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace wshub::core
