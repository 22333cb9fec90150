// The wshub command line: subcommands, --help, --version, and the merge of the
// TOML file, the WSHUB_* environment and the flags into a Config.
//
//   wshub serve [--config FILE] [options]   run the server
//   wshub check-config [--config FILE] [options]
//                                           validate the configuration, print a summary
//   wshub --version                         wshub <version> (protocol 1)
//
// Flags are generated from the option table (src/config/option_table.hpp), so
// every option is a flag, an environment variable and a TOML key. Only options
// given on the command line count as flags, so precedence is
// flags > environment > file > defaults.
// Thread-safety: call from main() before other threads start (it reads the
// process environment and writes to stdout/stderr).
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "config/config.hpp"

namespace wshub::app {

struct CliOutcome {
  bool serve = false;  // true: run the server with `config`
  int exit_code = 0;   // when !serve: exit with this
  config::Config config;
};

// Parses argv (using CLI11), reads the TOML file named by --config (or
// WSHUB_CONFIG), the WSHUB_* environment, and the flags. Prints --help,
// --version and check-config to stdout, errors to stderr as
// `wshub: --ping-interval: expected a whole number of seconds, got "abc"`
// (exit code 2).
CliOutcome parse_command_line(int argc, char** argv);

// The same with the environment and output streams passed in (for tests).
CliOutcome parse_command_line(int argc, const char* const* argv, const std::map<std::string, std::string>& env,
                              std::ostream& out, std::ostream& err);

// "wshub 0.1.0 (protocol 1)".
std::string version_line();

}  // namespace wshub::app
