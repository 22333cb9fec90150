// Option values given as text: the one place that decides what "30", "yes" or
// "a, b" mean for an option, and how a refusal is worded.
//
// Flags and environment variables arrive as text; TOML scalars are rendered as
// text by the loader, so every source goes through the same checks. Error
// messages are written to follow "<option name>: ", for example
// `expected a whole number of seconds, got "abc"`.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace wshub::config {

// Longest accepted duration (one year), so that conversions to finer clock
// units can never overflow.
inline constexpr std::uint64_t k_max_seconds = 365ull * 24 * 3600;

// Leading and trailing ASCII whitespace removed.
std::string_view trim(std::string_view text) noexcept;

// true/false, yes/no, on/off, 1/0 (any letter case, surrounding spaces ignored).
core::Expected<bool, std::string> parse_bool(std::string_view text);

// A whole number in [min, max], digits only. `unit` names what is counted
// ("seconds", "bytes"; "" for a plain count) in the error message.
core::Expected<std::uint64_t, std::string> parse_whole_number(std::string_view text, std::string_view unit,
                                                              std::uint64_t min, std::uint64_t max);

// A finite decimal number greater than 0 ("1000", "2.5", "1e3").
core::Expected<double, std::string> parse_positive_decimal(std::string_view text);

// A comma-separated list: entries are trimmed and empty entries dropped, so
// "a, b," is {"a", "b"} and "" is {}.
std::vector<std::string> split_list(std::string_view text);

// Checks one allowed_origins entry: SCHEME://HOST[:PORT] without a path, as a
// browser sends it in the Origin header (matched exactly, ignoring case).
// "*" and wildcard hosts are refused: an empty list is how every origin is allowed.
core::Expected<void, std::string> check_origin(std::string_view origin);

// Checks a broker URL: memory, redis://HOST:PORT[/DB], redis+cluster://HOST:PORT,...
core::Expected<void, std::string> check_broker(std::string_view broker);

// `text` in double quotes, with quotes, backslashes and control characters
// escaped, for quoting input in error messages.
std::string quoted(std::string_view text);

// The shortest text that reads back as `value` ("1000", "2.5", "1e-05").
std::string format_decimal(double value);

}  // namespace wshub::config
