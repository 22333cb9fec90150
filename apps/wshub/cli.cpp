#include "cli.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

// GCC 12 reports a false "potential null pointer dereference" inside CLI11's
// string splitting (inlined std::vector<std::string> growth); not our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop

#include "config/config_loader.hpp"
#include "config/option_table.hpp"
#include "core/expected.hpp"
#include "core/text_wrap.hpp"

#ifndef WSHUB_VERSION
#define WSHUB_VERSION "0.0.0"
#endif

namespace wshub::app {
namespace {

constexpr int k_usage_error = 2;
constexpr std::size_t k_help_width = 62;  // characters of description per help line

std::string wrap(std::string_view text, std::size_t width) { return core::wrap_text(text, width); }

std::string option_description(const config::Option& option) {
  const std::string default_value = option.show(config::Config{});
  std::string text = option.help + " Env: " + option.env +
                     ". Default: " + (default_value.empty() ? std::string("none") : default_value) + ".";
  return wrap(text, k_help_width);
}

// The options of one subcommand, bound to strings CLI11 fills in.
struct BoundOptions {
  std::vector<std::pair<const config::Option*, CLI::Option*>> options;
  std::unique_ptr<std::vector<std::string>> storage;  // stable addresses for CLI11
  std::string config_file;
  CLI::Option* config_file_option = nullptr;
};

void add_config_options(CLI::App& command, BoundOptions& bound) {
  const auto table = config::options();
  bound.storage = std::make_unique<std::vector<std::string>>(table.size());
  bound.config_file_option =
      command
          .add_option("--config", bound.config_file,
                      wrap("TOML configuration file; every option below is also a key of the file "
                           "(see wshub.example.toml). Env: WSHUB_CONFIG.",
                           k_help_width))
          ->type_name("FILE");
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& option = table[i];
    std::string& target = (*bound.storage)[i];
    CLI::Option* cli_option = nullptr;
    if (option.key == "dev") {
      // A plain switch, as in the protocol's synopsis (`--dev=false` is accepted too).
      cli_option = command.add_flag(option.flag, target, option_description(option));
    } else if (option.kind == config::ValueKind::boolean) {
      // `--presence` alone means true; `--presence=false` or `--presence no` set it.
      cli_option =
          command.add_option(option.flag, target, option_description(option))->expected(0, 1)->type_name("[BOOL]");
    } else {
      cli_option = command.add_option(option.flag, target, option_description(option))->type_name(option.value_name);
    }
    cli_option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    bound.options.emplace_back(&option, cli_option);
  }
}

// Only options present on the command line: the rest must not hide the
// environment or the file.
std::map<std::string, std::string> given_flags(const BoundOptions& bound) {
  std::map<std::string, std::string> flags;
  for (const auto& [option, cli_option] : bound.options) {
    if (cli_option->count() == 0) continue;
    const auto& results = cli_option->results();
    flags[option->key] = results.empty() ? std::string() : results.back();
  }
  return flags;
}

core::Expected<std::string, std::string> read_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return core::unexpected("cannot read \"" + path + "\": " + std::strerror(errno));
  std::string content;
  char buffer[8192];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    content.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file.get())) return core::unexpected("cannot read \"" + path + "\": " + std::strerror(errno));
  return content;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!text.starts_with("WSHUB_")) continue;
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return env;
}

CliOutcome fail(std::ostream& err, std::string_view message) {
  err << "wshub: " << message << '\n';
  return {false, k_usage_error, {}};
}

}  // namespace

std::string version_line() { return std::string("wshub ") + WSHUB_VERSION + " (protocol 1)"; }

CliOutcome parse_command_line(int argc, char** argv) {
  return parse_command_line(argc, argv, process_environment(), std::cout, std::cerr);
}

CliOutcome parse_command_line(int argc, const char* const* argv, const std::map<std::string, std::string>& env,
                              std::ostream& out, std::ostream& err) {
  CLI::App app{"wshub: a WebSocket pub/sub gateway.", "wshub"};
  app.set_version_flag("--version", version_line(), "Print the version and exit");
  app.require_subcommand(1);
  app.footer("Run 'wshub serve --help' for the options.");
  app.get_formatter()->column_width(35);

  const std::string options_footer = wrap(
      "Every option is also a key of the TOML file (ping_interval = 25) and an environment variable "
      "(WSHUB_PING_INTERVAL=25). Precedence: flags, then environment, then file, then defaults. "
      "Booleans accept true/false, yes/no, on/off, 1/0. Namespaces are configured in the file only, as "
      "[namespaces.NAME] tables with history_size, history_ttl, presence and allow_client_publish; a "
      "namespace takes the keys it does not set from the top-level values.",
      k_help_width + 35);

  CLI::App* serve = app.add_subcommand("serve", "Run the server.");
  serve->footer(options_footer);
  BoundOptions serve_options;
  add_config_options(*serve, serve_options);

  CLI::App* check =
      app.add_subcommand("check-config", "Validate the configuration (same options as serve), print a summary.");
  check->footer(options_footer);
  BoundOptions check_options;
  add_config_options(*check, check_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);  // --help, --version
      return {false, 0, {}};
    }
    err << "wshub: " << e.what() << "\nRun 'wshub --help' or 'wshub serve --help' for usage.\n";
    return {false, k_usage_error, {}};
  }

  const bool serving = serve->parsed();
  const BoundOptions& bound = serving ? serve_options : check_options;

  for (const auto& name : config::unknown_environment_variables(env)) {
    err << "wshub: warning: ignoring " << name << ", which names no option\n";
  }

  std::string config_path;
  if (bound.config_file_option->count() > 0) {
    config_path = bound.config_file;
    if (config_path.empty()) return fail(err, "--config: expected a file name");
  } else if (const auto it = env.find(std::string(config::k_config_file_env)); it != env.end()) {
    config_path = it->second;
  }
  std::optional<std::string> file_text;
  if (!config_path.empty()) {
    auto text = read_file(config_path);
    if (!text) {
      const bool from_flag = bound.config_file_option->count() > 0;
      return fail(err, std::string(from_flag ? "--config" : config::k_config_file_env) + ": " + text.error());
    }
    file_text = std::move(*text);
  }

  auto loaded = config::load_config(file_text ? std::optional<std::string_view>(*file_text) : std::nullopt, config_path,
                                    env, given_flags(bound));
  if (!loaded) return fail(err, loaded.error());

  if (!serving) {
    out << "configuration OK: " << config::describe(*loaded) << '\n';
    return {false, 0, std::move(*loaded)};
  }
  return {true, 0, std::move(*loaded)};
}

}  // namespace wshub::app
