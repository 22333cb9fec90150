// apps/wshub/cli.cpp: subcommands, help, version, errors and the merge of
// file, environment and flags.
#include "cli.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "config/option_table.hpp"

namespace wshub::app {
namespace {

using namespace std::chrono_literals;
using Map = std::map<std::string, std::string>;

struct Run {
  CliOutcome outcome;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args, const Map& env = {}) {
  args.insert(args.begin(), "wshub");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  Run r;
  r.outcome = parse_command_line(static_cast<int>(args.size()), argv.data(), env, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string write_temp_file(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(Cli, VersionPrintsVersionAndProtocol) {
  const auto r = run({"--version"});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_EQ(r.out, "wshub 9.8.7 (protocol 1)\n");
  EXPECT_EQ(version_line(), "wshub 9.8.7 (protocol 1)");
}

TEST(Cli, HelpListsSubcommands) {
  const auto r = run({"--help"});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_NE(r.out.find("serve"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("check-config"), std::string::npos) << r.out;
}

TEST(Cli, ServeHelpDocumentsEveryOption) {
  const auto r = run({"serve", "--help"});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_NE(r.out.find("--config FILE"), std::string::npos);
  EXPECT_NE(r.out.find("WSHUB_CONFIG"), std::string::npos);
  for (const auto& option : config::options()) {
    EXPECT_NE(r.out.find(option.flag + " "), std::string::npos) << option.flag;
    // The environment variable may be wrapped onto the next line, but never split.
    EXPECT_NE(r.out.find(option.env), std::string::npos) << option.env;
  }
  // Descriptions are wrapped; compare with runs of whitespace collapsed.
  std::string flat;
  for (char c : r.out) {
    const bool space = c == ' ' || c == '\n';
    if (!(space && !flat.empty() && flat.back() == ' ')) flat += space ? ' ' : c;
  }
  EXPECT_NE(flat.find("--ping-interval SECONDS Seconds between WebSocket pings"), std::string::npos) << flat;
  EXPECT_NE(flat.find("Env: WSHUB_PING_INTERVAL. Default: 25."), std::string::npos) << flat;
  EXPECT_NE(flat.find("Env: WSHUB_LISTEN. Default: 0.0.0.0:8000."), std::string::npos) << flat;
}

TEST(Cli, NoSubcommandIsAUsageError) {
  const auto r = run({});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_EQ(r.err.rfind("wshub: ", 0), 0u) << r.err;
}

TEST(Cli, ServeWithDefaults) {
  const auto r = run({"serve"});
  EXPECT_TRUE(r.outcome.serve);
  EXPECT_EQ(r.outcome.config, config::Config{});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(Cli, FlagsAreParsed) {
  const auto r =
      run({"serve", "--dev", "--listen", "127.0.0.1:0", "--ping-interval=3", "--allowed-origins",
           "https://a.example,https://b.example", "--presence", "--allow-client-publish=no", "--workers", "2"});
  ASSERT_TRUE(r.outcome.serve) << r.err;
  const auto& c = r.outcome.config;
  EXPECT_TRUE(c.dev);
  EXPECT_EQ(c.listen, "127.0.0.1:0");
  EXPECT_EQ(c.ping_interval, 3s);
  EXPECT_EQ(c.allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_TRUE(c.default_namespace.presence);
  EXPECT_FALSE(c.default_namespace.allow_client_publish);
  EXPECT_EQ(c.workers, 2u);
}

TEST(Cli, BooleanOptionsTakeAnOptionalValue) {
  EXPECT_FALSE(run({"serve", "--presence", "false"}).outcome.config.default_namespace.presence);
  EXPECT_FALSE(run({"serve", "--presence=off"}).outcome.config.default_namespace.presence);
  EXPECT_TRUE(run({"serve", "--allow-anonymous"}).outcome.config.allow_anonymous);
  EXPECT_FALSE(run({"serve", "--dev=false"}).outcome.config.dev);
}

TEST(Cli, TheLastOfARepeatedFlagWins) {
  EXPECT_EQ(run({"serve", "--ping-interval", "3", "--ping-interval", "4"}).outcome.config.ping_interval, 4s);
}

TEST(Cli, BadValueExitsTwoWithTheFlagName) {
  const auto r = run({"serve", "--ping-interval", "abc"});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_EQ(r.err, "wshub: --ping-interval: expected a whole number of seconds, got \"abc\"\n");
}

TEST(Cli, UnknownFlagExitsTwo) {
  const auto r = run({"serve", "--pign-interval", "3"});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_NE(r.err.find("--pign-interval"), std::string::npos) << r.err;
}

TEST(Cli, MissingValueExitsTwo) {
  const auto r = run({"serve", "--listen"});
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_FALSE(r.outcome.serve);
}

TEST(Cli, PrecedenceFileEnvironmentFlags) {
  const auto path = write_temp_file("wshub_cli_precedence.toml",
                                    "ping_interval = 10\nworkers = 2\nlog_level = \"debug\"\n"
                                    "[namespaces.chat]\nallow_client_publish = true\n");
  const Map env{{"WSHUB_PING_INTERVAL", "20"}, {"WSHUB_WORKERS", "3"}};
  const auto r = run({"serve", "--config", path, "--ping-interval", "30"}, env);
  ASSERT_TRUE(r.outcome.serve) << r.err;
  const auto& c = r.outcome.config;
  EXPECT_EQ(c.ping_interval, 30s);
  EXPECT_EQ(c.workers, 3u);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_TRUE(c.namespace_options("chat").allow_client_publish);
}

TEST(Cli, OptionsNotGivenDoNotHideTheEnvironment) {
  const auto r = run({"serve", "--dev"}, {{"WSHUB_LISTEN", "127.0.0.1:1234"}, {"WSHUB_PRESENCE", "no"}});
  ASSERT_TRUE(r.outcome.serve) << r.err;
  EXPECT_EQ(r.outcome.config.listen, "127.0.0.1:1234");
  EXPECT_FALSE(r.outcome.config.default_namespace.presence);
}

TEST(Cli, ConfigFileFromTheEnvironment) {
  const auto path = write_temp_file("wshub_cli_env.toml", "ping_interval = 9\n");
  const auto r = run({"serve"}, {{"WSHUB_CONFIG", path}});
  ASSERT_TRUE(r.outcome.serve) << r.err;
  EXPECT_EQ(r.outcome.config.ping_interval, 9s);
  // --config wins over WSHUB_CONFIG.
  const auto other = write_temp_file("wshub_cli_flag.toml", "ping_interval = 8\n");
  EXPECT_EQ(run({"serve", "--config", other}, {{"WSHUB_CONFIG", path}}).outcome.config.ping_interval, 8s);
}

TEST(Cli, ConfigFileErrorsNameTheFile) {
  const auto path = write_temp_file("wshub_cli_bad.toml", "\nping_intervall = 9\n");
  const auto r = run({"serve", "--config", path});
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_EQ(r.err, "wshub: " + path + ":2: unknown key \"ping_intervall\" (did you mean \"ping_interval\"?)\n");
}

TEST(Cli, MissingConfigFileExitsTwo) {
  const auto r = run({"serve", "--config", "/nonexistent/wshub.toml"});
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_EQ(r.err, "wshub: --config: cannot read \"/nonexistent/wshub.toml\": No such file or directory\n");
  const auto from_env = run({"serve"}, {{"WSHUB_CONFIG", "/nonexistent/x.toml"}});
  EXPECT_EQ(from_env.outcome.exit_code, 2);
  EXPECT_EQ(from_env.err.rfind("wshub: WSHUB_CONFIG: cannot read", 0), 0u) << from_env.err;
}

TEST(Cli, BadEnvironmentValueExitsTwo) {
  const auto r = run({"serve"}, {{"WSHUB_WORKERS", "65"}});
  EXPECT_EQ(r.outcome.exit_code, 2);
  EXPECT_EQ(r.err, "wshub: WSHUB_WORKERS: must be at most 64, got 65\n");
}

TEST(Cli, UnknownWshubVariablesAreWarnedAbout) {
  const auto r = run({"serve"}, {{"WSHUB_PING_INTERVL", "3"}});
  EXPECT_TRUE(r.outcome.serve);
  EXPECT_EQ(r.err, "wshub: warning: ignoring WSHUB_PING_INTERVL, which names no option\n");
}

TEST(Cli, CheckConfigPrintsTheSummary) {
  const auto r = run({"check-config", "--config", WSHUB_EXAMPLE_CONFIG, "--api-key", "hidden-key"});
  EXPECT_FALSE(r.outcome.serve);
  EXPECT_EQ(r.outcome.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("configuration OK: listen=0.0.0.0:8000 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("api_key=set"), std::string::npos);
  EXPECT_EQ(r.out.find("hidden-key"), std::string::npos);
  EXPECT_EQ(run({"check-config", "--workers", "99"}).outcome.exit_code, 2);
}

}  // namespace
}  // namespace wshub::app
