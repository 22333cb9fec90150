// The option table: one entry per setting, the single place to add an option.
//
// Each entry gives the TOML key (`ping_interval`), the flag (`--ping-interval`),
// the environment variable (`WSHUB_PING_INTERVAL`), help text, and functions to
// parse text into a Config and to show a Config's value. The command line
// (apps/wshub/cli.cpp), the loader (config_loader.hpp), `describe()` and the
// defaults in --help are all generated from it.
// Thread-safety: the table is built on first use (thread-safe static
// initialisation) and immutable afterwards; entries may be read from any thread.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/expected.hpp"

namespace wshub::config {

// What an option's value is; decides the TOML type accepted and the help text.
enum class ValueKind {
  text,          // TOML string
  boolean,       // TOML boolean; flags and env accept true/false/yes/no/on/off/1/0
  whole_number,  // TOML integer >= 0
  seconds,       // TOML integer, whole seconds
  decimal,       // TOML integer or float
  list,          // TOML array of strings; comma-separated in flags and env
};

using SetResult = core::Expected<void, std::string>;

struct Option {
  std::string key;         // TOML key: "ping_interval"
  std::string flag;        // "--ping-interval"
  std::string env;         // "WSHUB_PING_INTERVAL"
  std::string value_name;  // placeholder in --help: "SECONDS"
  std::string help;        // what the option does, one or two sentences
  ValueKind kind = ValueKind::text;
  bool secret = false;            // describe() shows only set/unset
  bool namespace_option = false;  // also a key of [namespaces.NAME]

  // Parses `text` into the config. On bad input returns a message without the
  // option's name, e.g. `expected a whole number of seconds, got "abc"`.
  std::function<SetResult(Config&, std::string_view text)> set;
  // The config's current value as text a flag would accept ("25", "a,b").
  std::function<std::string(const Config&)> show;
  // Namespace options only: the same, for one namespace's options.
  std::function<SetResult(NamespaceOptions&, std::string_view text)> set_in_namespace;
  std::function<std::string(const NamespaceOptions&)> show_in_namespace;
};

// Every option, in the order of --help and describe().
std::span<const Option> options();

// The option named by its key ("ping_interval") or flag ("--ping-interval",
// "ping-interval"); nullptr when there is none.
const Option* find_option(std::string_view name) noexcept;

// The option whose environment variable is `env` ("WSHUB_PING_INTERVAL"), or nullptr.
const Option* find_option_by_env(std::string_view env) noexcept;

// "ping_interval" -> "--ping-interval" and "WSHUB_PING_INTERVAL".
std::string flag_name(std::string_view key);
std::string env_name(std::string_view key);

}  // namespace wshub::config
