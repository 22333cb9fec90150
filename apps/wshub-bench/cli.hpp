// Command line of wshub-bench: one subcommand per scenario, CLI11, every flag
// documented with its default in --help.
// Thread-safety: call once from main().
#pragma once

#include <iosfwd>
#include <optional>

#include "options.hpp"

namespace wshub::bench {

struct CliResult {
  std::optional<Options> options;  // empty: exit with exit_code (help, version, usage error)
  int exit_code = 0;
};

CliResult parse_command_line(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace wshub::bench
