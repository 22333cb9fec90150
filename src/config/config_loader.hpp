// The configuration loader: merges defaults, a TOML document, WSHUB_*
// environment variables and command-line flags into one validated Config.
//
// Precedence: flags > environment > TOML file > defaults (PROTOCOL.md section 8).
// The loader is pure: the caller reads the file and the process environment
// and passes their contents, so every rule is unit-tested without files or
// process state (apps/wshub/cli.cpp does the reading).
//
// The TOML document holds any option key at top level, plus [namespaces.NAME]
// tables with the namespace options (history_size, history_ttl, presence, and
// the permissions allow_client_publish, allow_subscribe, ...; see
// option_table.cpp). A
// namespace takes the keys it does not set from the top-level values after
// every layer has been applied, so `WSHUB_HISTORY_SIZE=10` changes every
// namespace that does not set its own history_size, and the order of keys in
// the file does not matter. Namespaces exist only in the file.
//
// Errors are one line naming where the bad value came from:
//   wshub.toml:12: unknown key "ping_intervall" (did you mean "ping_interval"?)
//   wshub.toml:3: ping_interval: expected a whole number of seconds, got a string ("30")
//   WSHUB_WORKERS: must be at most 64, got 65
//   --ping-interval: expected a whole number of seconds, got "abc"
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/expected.hpp"

namespace wshub::config {

// The environment variable naming the TOML file when --config is not given.
inline constexpr std::string_view k_config_file_env = "WSHUB_CONFIG";

// Builds the Config.
//  toml_text: the TOML file's contents, or nullopt when there is no file.
//  toml_origin_name: the file's name as it should appear in messages ("wshub.toml").
//  env: environment variables by name; only WSHUB_* names of options are read,
//       and an empty value counts as unset.
//  flags: options given on the command line, keyed by option key
//       ("ping_interval"; "ping-interval" and "--ping-interval" are accepted too),
//       value as typed. A boolean flag with an empty value means true.
core::Expected<Config, std::string> load_config(std::optional<std::string_view> toml_text,
                                                std::string_view toml_origin_name,
                                                const std::map<std::string, std::string>& env,
                                                const std::map<std::string, std::string>& flags);

// Checks a complete Config (load_config ends with it; also usable on a Config
// built in code): every value within its option's rules, valid namespace names,
// at most one of jwt_secret and jwt_public_key.
core::Expected<void, std::string> validate_config(const Config& config);

// A namespace name: 1 to 255 bytes of [A-Za-z0-9_.@=/-] (a channel name without ':').
bool is_valid_namespace_name(std::string_view name) noexcept;

// WSHUB_* variables in `env` that name no option (nor WSHUB_CONFIG), so that the
// command line can warn about a misspelt variable instead of ignoring it silently.
std::vector<std::string> unknown_environment_variables(const std::map<std::string, std::string>& env);

}  // namespace wshub::config
