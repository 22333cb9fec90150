// Process-wide logging set-up: spdlog's default logger writing to stderr.
//
// stdout is reserved for the start-up line (`wshub listening on ...`), so logs
// never go there. `text` is a readable line with timestamp, level and thread
// id; `json` is one object per line:
//   {"ts":"2026-11-28T04:22:33.123Z","level":"info","thread":1234,"msg":"..."}
// with the message JSON-escaped (invalid UTF-8 becomes U+FFFD).
// Thread-safety: call setup_logging once at start-up, before other threads
// log; afterwards spdlog's default logger (a _mt sink) may be used from any thread.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace wshub::app {

// REQUIRES: config.log_level and config.log_format were validated by the config loader.
void setup_logging(const config::Config& config);

// Logs a loud multi-line warning that --dev disables authentication.
void log_dev_mode_warning();

// Appends `text` to `out` escaped for the inside of a JSON string: quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by \ufffd.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace wshub::app
