#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include "config/option_table.hpp"

namespace wshub::config {
namespace {

using Map = std::map<std::string, std::string>;
using namespace std::chrono_literals;

core::Expected<Config, std::string> load(std::optional<std::string_view> toml, const Map& env = {},
                                         const Map& flags = {}) {
  return load_config(toml, "wshub.toml", env, flags);
}

Config load_ok(std::optional<std::string_view> toml, const Map& env = {}, const Map& flags = {}) {
  auto c = load(toml, env, flags);
  EXPECT_TRUE(c) << c.error();
  return c ? *c : Config{};
}

std::string load_error(std::optional<std::string_view> toml, const Map& env = {}, const Map& flags = {}) {
  auto c = load(toml, env, flags);
  EXPECT_FALSE(c) << "expected an error";
  return c ? std::string() : c.error();
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// ---- defaults -----------------------------------------------------------------

TEST(ConfigLoader, NothingGivenGivesTheDefaults) {
  const Config c = load_ok(std::nullopt);
  EXPECT_EQ(c, Config{});
  EXPECT_EQ(c.listen, "0.0.0.0:8000");
  EXPECT_EQ(c.broker, "memory");
  EXPECT_EQ(c.instance_id, "");
  EXPECT_FALSE(c.dev);
  EXPECT_TRUE(c.allowed_origins.empty());
  EXPECT_EQ(c.ping_interval, 25s);
  EXPECT_EQ(c.max_message_size, 65536u);
  EXPECT_EQ(c.send_queue_bytes, 1048576u);
  EXPECT_EQ(c.shutdown_timeout, 5s);
  EXPECT_EQ(c.handshake_timeout, 10s);
  EXPECT_EQ(c.tcp_defer_accept, 1s);
  EXPECT_EQ(c.close_timeout, 5s);
  EXPECT_EQ(c.workers, 0u);
  EXPECT_EQ(c.max_channels_per_connection, 128u);
  EXPECT_EQ(c.max_publish_size, 65536u);
  EXPECT_EQ(c.api_max_body_size, 1048576u);
  EXPECT_DOUBLE_EQ(c.client_op_rate, 1000.0);
  EXPECT_EQ(c.client_op_burst, 1000u);
  EXPECT_EQ(c.client_abuse_limit, 200u);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, "text");
  EXPECT_EQ(c.default_namespace.history_size, 100u);
  EXPECT_EQ(c.default_namespace.history_ttl, 300s);
  EXPECT_TRUE(c.default_namespace.presence);
  EXPECT_FALSE(c.default_namespace.allow_client_publish);
  EXPECT_TRUE(c.namespaces.empty());
}

TEST(ConfigLoader, EmptyFileGivesTheDefaults) {
  EXPECT_EQ(load_ok(""), Config{});
  EXPECT_EQ(load_ok("# only a comment\n\n"), Config{});
}

// ---- precedence: defaults < file < environment < flags -------------------------

struct PrecedenceCase {
  std::string key;
  std::string file_line;
  std::string env_value;
  std::string flag_value;
};

void PrintTo(const PrecedenceCase& p, std::ostream* os) { *os << p.key; }

class Precedence : public ::testing::TestWithParam<PrecedenceCase> {};

TEST_P(Precedence, FlagsBeatEnvironmentBeatsFileBeatsDefault) {
  const auto& p = GetParam();
  const Option* option = find_option(p.key);
  ASSERT_NE(option, nullptr);
  const Config defaults;
  const std::string file = p.key + " = " + p.file_line + "\n";
  const Map env{{option->env, p.env_value}};
  const Map flags{{p.key, p.flag_value}};

  const Config from_file = load_ok(file);
  const Config from_env = load_ok(file, env);
  const Config from_flag = load_ok(file, env, flags);
  const Config env_only = load_ok(std::nullopt, env);
  const Config flag_over_env_only = load_ok(std::nullopt, env, flags);

  const auto shown = [option](const Config& c) { return option->show(c); };
  EXPECT_NE(shown(from_file), shown(defaults));
  EXPECT_NE(shown(from_env), shown(from_file));
  EXPECT_NE(shown(from_flag), shown(from_env));
  EXPECT_EQ(shown(env_only), shown(from_env));
  EXPECT_EQ(shown(flag_over_env_only), shown(from_flag));

  // Each layer leaves every other option alone.
  for (const auto& other : options()) {
    if (&other == option) continue;
    EXPECT_EQ(other.show(from_flag), other.show(defaults)) << other.key;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ConfigLoader, Precedence,
    ::testing::Values(PrecedenceCase{"ping_interval", "10", "20", "30"},
                      PrecedenceCase{"listen", "\"127.0.0.1:1000\"", "127.0.0.1:2000", "127.0.0.1:3000"},
                      PrecedenceCase{"broker", "\"redis://file:6379\"", "redis://env:6379", "memory"},
                      PrecedenceCase{"dev", "true", "false", "true"},
                      PrecedenceCase{"log_level", "\"debug\"", "warn", "error"},
                      PrecedenceCase{"allowed_origins", "[\"https://file.example\"]", "https://env.example",
                                     "https://flag.example,https://other.example"},
                      PrecedenceCase{"client_op_rate", "10.5", "20", "30"},
                      PrecedenceCase{"history_size", "1", "2", "3"}, PrecedenceCase{"presence", "false", "true", "no"},
                      PrecedenceCase{"api_key", "\"file-key\"", "env-key", "flag-key"}),
    [](const auto& test) { return test.param.key; });

TEST(ConfigLoader, ConcreteValuesOfEachLayer) {
  const std::string file = "ping_interval = 10\nworkers = 2\nlog_level = \"debug\"\n";
  const Map env{{"WSHUB_PING_INTERVAL", "20"}, {"WSHUB_WORKERS", "3"}};
  const Map flags{{"ping_interval", "30"}};
  const Config c = load_ok(file, env, flags);
  EXPECT_EQ(c.ping_interval, 30s);        // flag
  EXPECT_EQ(c.workers, 3u);               // environment
  EXPECT_EQ(c.log_level, "debug");        // file
  EXPECT_EQ(c.max_message_size, 65536u);  // default
}

TEST(ConfigLoader, EmptyEnvironmentValuesCountAsUnset) {
  const Config c =
      load_ok("ping_interval = 10\napi_key = \"from-file\"\n", {{"WSHUB_PING_INTERVAL", ""}, {"WSHUB_API_KEY", ""}});
  EXPECT_EQ(c.ping_interval, 10s);
  EXPECT_EQ(c.api_key, "from-file");
}

TEST(ConfigLoader, OnlyWshubVariablesAreRead) {
  const Config c = load_ok(std::nullopt, {{"PING_INTERVAL", "3"}, {"wshub_ping_interval", "4"}, {"HOME", "/root"}});
  EXPECT_EQ(c.ping_interval, 25s);
}

TEST(ConfigLoader, FlagsMayBeKeyedByKeyOrFlagSpelling) {
  EXPECT_EQ(load_ok(std::nullopt, {}, {{"ping_interval", "3"}}).ping_interval, 3s);
  EXPECT_EQ(load_ok(std::nullopt, {}, {{"ping-interval", "4"}}).ping_interval, 4s);
  EXPECT_EQ(load_ok(std::nullopt, {}, {{"--ping-interval", "5"}}).ping_interval, 5s);
}

TEST(ConfigLoader, BareBooleanFlagMeansTrue) {
  EXPECT_TRUE(load_ok(std::nullopt, {}, {{"dev", ""}}).dev);
  EXPECT_FALSE(load_ok(std::nullopt, {}, {{"presence", ""}, {"dev", "false"}}).dev);
  EXPECT_TRUE(load_ok("presence = false", {}, {{"presence", ""}}).default_namespace.presence);
}

TEST(ConfigLoader, UnknownFlagIsAnError) {
  EXPECT_EQ(load_error(std::nullopt, {}, {{"ping_intervall", "3"}}), "unknown option --ping-intervall");
}

// ---- namespaces --------------------------------------------------------------

TEST(ConfigLoader, NamespacesInheritUnsetKeysFromTheTopLevel) {
  const Config c = load_ok(R"(
history_size = 10
history_ttl = 20
presence = false
allow_client_publish = true

[namespaces.chat]
history_size = 50

[namespaces.quiet]
)");
  const auto& chat = c.namespace_options("chat");
  EXPECT_EQ(chat.history_size, 50u);
  EXPECT_EQ(chat.history_ttl, 20s);
  EXPECT_FALSE(chat.presence);
  EXPECT_TRUE(chat.allow_client_publish);
  EXPECT_EQ(c.namespace_options("quiet"), c.default_namespace);
  EXPECT_EQ(c.namespaces.size(), 2u);
}

TEST(ConfigLoader, NamespaceInheritanceDoesNotDependOnOrderInTheFile) {
  // Dotted keys and inline tables may come before the top-level values.
  const Config dotted = load_ok(R"(
namespaces.chat.presence = false
history_size = 7
history_ttl = 8
)");
  EXPECT_EQ(dotted.namespace_options("chat").history_size, 7u);
  EXPECT_EQ(dotted.namespace_options("chat").history_ttl, 8s);
  EXPECT_FALSE(dotted.namespace_options("chat").presence);

  const Config inline_table = load_ok(R"(
namespaces = { chat = { allow_client_publish = true } }
presence = false
)");
  EXPECT_TRUE(inline_table.namespace_options("chat").allow_client_publish);
  EXPECT_FALSE(inline_table.namespace_options("chat").presence);
}

TEST(ConfigLoader, NamespacesInheritTopLevelValuesFromEveryLayer) {
  const std::string file = "[namespaces.chat]\nhistory_ttl = 60\n\n[namespaces.feed]\nhistory_size = 3\n";
  const Config c = load_ok(file, {{"WSHUB_HISTORY_SIZE", "9"}}, {{"presence", "false"}});
  EXPECT_EQ(c.namespace_options("chat").history_size, 9u);  // from the environment
  EXPECT_EQ(c.namespace_options("chat").history_ttl, 60s);  // its own
  EXPECT_FALSE(c.namespace_options("chat").presence);       // from the flag
  EXPECT_EQ(c.namespace_options("feed").history_size, 3u);  // its own beats the environment's default
  EXPECT_EQ(c.default_namespace.history_size, 9u);
}

TEST(ConfigLoader, NamespaceLookupFallsBackToTheDefault) {
  const Config c = load_ok("[namespaces.chat]\nhistory_size = 1\n");
  EXPECT_EQ(&c.namespace_options(""), &c.default_namespace);
  EXPECT_EQ(&c.namespace_options("other"), &c.default_namespace);
  EXPECT_EQ(&c.namespace_options("chat"), &c.namespaces.find("chat")->second);
  EXPECT_EQ(&c.namespace_options("cha"), &c.default_namespace);
}

TEST(ConfigLoader, NamespaceNamesMustBeChannelNamesWithoutColon) {
  EXPECT_TRUE(load("[namespaces.\"a-b_c.d@e=f/g\"]\n"));
  EXPECT_CONTAINS(load_error("[namespaces.\"a:b\"]\n"), "wshub.toml:1: invalid namespace name \"a:b\"");
  EXPECT_CONTAINS(load_error("[namespaces.\"a b\"]\n"), "invalid namespace name");
  EXPECT_CONTAINS(load_error("[namespaces.\"\"]\n"), "invalid namespace name");
  EXPECT_CONTAINS(load_error("[namespaces.\"" + std::string(256, 'n') + "\"]\n"), "invalid namespace name");
}

TEST(ConfigLoader, NamespaceValuesAreChecked) {
  EXPECT_EQ(load_error("\n[namespaces.chat]\nhistory_ttl = 0\n"),
            "wshub.toml:3: namespaces.chat.history_ttl: must be greater than 0, got 0");
  EXPECT_EQ(load_error("[namespaces.chat]\npresence = \"yes\"\n"),
            "wshub.toml:2: namespaces.chat.presence: expected true or false, got a string (\"yes\")");
  EXPECT_CONTAINS(load_error("namespaces = 5\n"), "wshub.toml:1: namespaces: expected tables like [namespaces.chat]");
  EXPECT_CONTAINS(load_error("namespaces.chat = 5\n"), "namespaces.chat: expected a table, got an integer");
}

// ---- unknown keys and type errors in the file ---------------------------------

TEST(ConfigLoader, UnknownKeyNamesTheKeyAndLine) {
  EXPECT_EQ(load_error("listen = \"127.0.0.1:1\"\n\npign_interval = 5\n"),
            "wshub.toml:3: unknown key \"pign_interval\" (did you mean \"ping_interval\"?)");
  EXPECT_EQ(load_error("ping-interval = 5\n"),
            "wshub.toml:1: unknown key \"ping-interval\" (did you mean \"ping_interval\"?)");
  EXPECT_EQ(load_error("completely_unrelated = 1\n"), "wshub.toml:1: unknown key \"completely_unrelated\"");
  EXPECT_CONTAINS(load_error("[server]\nlisten = \"0.0.0.0:1\"\n"), "wshub.toml:1: unknown key \"server\"");
}

TEST(ConfigLoader, TheFirstMistakeInTheFileIsReported) {
  // Keys in alphabetical order would report "aaa" first.
  EXPECT_EQ(load_error("zzz = 1\naaa = 2\n"), "wshub.toml:1: unknown key \"zzz\"");
  EXPECT_EQ(load_error("workers = 99\napi_key = 5\n"), "wshub.toml:1: workers: must be at most 64, got 99");
}

TEST(ConfigLoader, UnknownNamespaceKeyNamesTheKeyAndLine) {
  EXPECT_EQ(load_error("[namespaces.chat]\nhistory_size = 1\nhistroy_ttl = 5\n"),
            "wshub.toml:3: unknown key \"namespaces.chat.histroy_ttl\" (did you mean \"history_ttl\"?); a "
            "namespace takes history_size, history_ttl, presence, allow_client_publish, allow_subscribe, "
            "allow_anonymous_subscribe, allow_client_history, allow_client_presence");
  // Top-level-only options are not namespace keys.
  EXPECT_CONTAINS(load_error("[namespaces.chat]\nping_interval = 5\n"),
                  "wshub.toml:2: unknown key \"namespaces.chat.ping_interval\"");
}

TEST(ConfigLoader, OriginNameAppearsInMessages) {
  auto c = load_config("bad = 1", "/etc/wshub/wshub.toml", {}, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "/etc/wshub/wshub.toml:1: unknown key \"bad\"");
  auto unnamed = load_config("bad = 1", "", {}, {});
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error(), "config file:1: unknown key \"bad\"");
}

TEST(ConfigLoader, TypeErrorsNameTheKey) {
  const std::tuple<const char*, const char*> cases[] = {
      {"ping_interval = \"30\"",
       "wshub.toml:1: ping_interval: expected a whole number of seconds, got a string (\"30\")"},
      {"ping_interval = 2.5",
       "wshub.toml:1: ping_interval: expected a whole number of seconds, got a floating-point number"},
      {"max_message_size = true", "wshub.toml:1: max_message_size: expected a whole number, got a boolean"},
      {"dev = 1", "wshub.toml:1: dev: expected true or false, got an integer"},
      {"dev = \"true\"", "wshub.toml:1: dev: expected true or false, got a string (\"true\")"},
      {"listen = 8000", "wshub.toml:1: listen: expected a string, got an integer"},
      {"log_level = [\"info\"]", "wshub.toml:1: log_level: expected a string, got an array"},
      {"allowed_origins = \"https://a.example\"",
       "wshub.toml:1: allowed_origins: expected an array of strings, got a string (\"https://a.example\")"},
      {"allowed_origins = [\"https://a.example\", 5]",
       "wshub.toml:1: allowed_origins: expected an array of strings, element 1 is an integer"},
      {"client_op_rate = \"fast\"", "wshub.toml:1: client_op_rate: expected a number, got a string (\"fast\")"},
      {"api_key = { a = 1 }", "wshub.toml:1: api_key: expected a string, got a table"},
      {"history_ttl = 1979-05-27", "wshub.toml:1: history_ttl: expected a whole number of seconds, got a date"},
  };
  for (const auto& [toml, expected] : cases) EXPECT_EQ(load_error(toml), expected) << toml;
}

TEST(ConfigLoader, BadValuesInTheFileNameKeyAndLine) {
  EXPECT_EQ(load_error("\nworkers = 65\n"), "wshub.toml:2: workers: must be at most 64, got 65");
  EXPECT_EQ(load_error("ping_interval = -1"), "wshub.toml:1: ping_interval: must not be negative, got -1");
  EXPECT_EQ(load_error("allowed_origins = [\"https://a.example,https://b.example\"]"),
            "wshub.toml:1: allowed_origins: entries must not contain ',', got \"https://a.example,https://b.example\"");
  EXPECT_CONTAINS(load_error("allowed_origins = [\"https://a.example/\"]"),
                  "wshub.toml:1: allowed_origins: expected origins");
  EXPECT_EQ(load_error("client_op_rate = inf"), "wshub.toml:1: client_op_rate: expected a finite number, got inf");
  EXPECT_EQ(load_error("client_op_rate = nan"), "wshub.toml:1: client_op_rate: expected a finite number, got nan");
}

TEST(ConfigLoader, InvalidTomlGivesLineAndColumn) {
  const auto error = load_error("listen = \"0.0.0.0:8000\"\nping_interval = = 3\n");
  EXPECT_CONTAINS(error, "wshub.toml:2:");
  EXPECT_CONTAINS(error, "invalid TOML");
  EXPECT_CONTAINS(load_error("dev = true\ndev = false\n"), "wshub.toml:2:");  // duplicate key
}

// ---- bad values of each kind, from the environment and from flags --------------

struct BadValue {
  std::string key;
  std::string value;
  std::string message;  // after "<flag or env>: "
};

void PrintTo(const BadValue& p, std::ostream* os) { *os << p.key << "=" << p.value; }

class BadValues : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadValues, AreRefusedFromFlagsAndEnvironmentWithTheirSource) {
  const auto& p = GetParam();
  const Option* option = find_option(p.key);
  ASSERT_NE(option, nullptr);
  EXPECT_EQ(load_error(std::nullopt, {}, {{p.key, p.value}}), option->flag + ": " + p.message);
  if (!p.value.empty()) {
    EXPECT_EQ(load_error(std::nullopt, {{option->env, p.value}}), option->env + ": " + p.message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    ConfigLoader, BadValues,
    ::testing::Values(
        BadValue{"ping_interval", "abc", "expected a whole number of seconds, got \"abc\""},
        BadValue{"ping_interval", "0", "must be greater than 0, got 0"},
        BadValue{"ping_interval", "-5", "must not be negative, got -5"},
        BadValue{"ping_interval", "", "expected a whole number of seconds, got \"\""},
        BadValue{"ping_interval", "31536001", "must be at most 31536000 seconds, got 31536001"},
        BadValue{"handshake_timeout", "0", "must be greater than 0, got 0"},
        BadValue{"tcp_defer_accept", "-1", "must not be negative, got -1"},
        BadValue{"history_ttl", "0", "must be greater than 0, got 0"},
        BadValue{"shutdown_timeout", "soon", "expected a whole number of seconds, got \"soon\""},
        BadValue{"max_message_size", "0", "must be greater than 0, got 0"},
        BadValue{"max_message_size", "67108865", "must be at most 67108864 (64 MiB), got 67108865"},
        BadValue{"max_message_size", "64k", "expected a whole number of bytes, got \"64k\""},
        BadValue{"send_queue_bytes", "0", "must be greater than 0, got 0"},
        BadValue{"max_publish_size", "0", "must be greater than 0, got 0"},
        BadValue{"api_max_body_size", "1073741825", "must be at most 1073741824 (1 GiB), got 1073741825"},
        BadValue{"max_channels_per_connection", "0", "must be greater than 0, got 0"},
        BadValue{"client_op_burst", "0", "must be greater than 0, got 0"},
        BadValue{"client_abuse_limit", "-1", "must not be negative, got -1"},
        BadValue{"workers", "65", "must be at most 64, got 65"},
        BadValue{"workers", "two", "expected a whole number, got \"two\""},
        BadValue{"history_size", "many", "expected a whole number, got \"many\""},
        BadValue{"client_op_rate", "0", "must be greater than 0, got 0"},
        BadValue{"client_op_rate", "lots", "expected a number, got \"lots\""},
        BadValue{"dev", "maybe", "expected true or false (also yes/no, on/off, 1/0), got \"maybe\""},
        BadValue{"allow_anonymous", "2", "expected true or false (also yes/no, on/off, 1/0), got \"2\""},
        BadValue{"log_level", "verbose", "expected trace, debug, info, warn, error, critical or off, got \"verbose\""},
        BadValue{"log_format", "xml", "expected text or json, got \"xml\""},
        BadValue{"listen", "8000",
                 "expected HOST:PORT such as 0.0.0.0:8000 or [::1]:8000 (the port is missing), got \"8000\""},
        BadValue{"listen", "localhost:99999",
                 "expected HOST:PORT such as 0.0.0.0:8000 or [::1]:8000 (the port must be 0 to 65535), got "
                 "\"localhost:99999\""},
        BadValue{"broker", "redis:6379",
                 "expected memory, redis://HOST:PORT[/DB] or redis+cluster://HOST:PORT,..., got \"redis:6379\""},
        BadValue{"allowed_origins", "https://a.example,a.example",
                 "expected origins like https://app.example or http://localhost:3000 (scheme, host, optional "
                 "port, no path), got \"a.example\""},
        BadValue{"instance_id", "a b", "expected at most 128 letters, digits or _.:@=/- characters, got \"a b\""}),
    [](const auto& test) { return test.param.key + "_" + std::to_string(test.index); });

// ---- booleans, lists, numbers ----------------------------------------------------

TEST(ConfigLoader, BooleansAcceptEverySpellingFromFlagsAndEnvironment) {
  for (const char* yes : {"true", "1", "yes", "on", "TRUE", "Yes", "ON"}) {
    EXPECT_TRUE(load_ok(std::nullopt, {{"WSHUB_DEV", yes}}).dev) << yes;
    EXPECT_TRUE(load_ok(std::nullopt, {}, {{"allow_anonymous", yes}}).allow_anonymous) << yes;
  }
  for (const char* no : {"false", "0", "no", "off", "FALSE", "No", "Off"}) {
    EXPECT_FALSE(load_ok("dev = true", {{"WSHUB_DEV", no}}).dev) << no;
    EXPECT_FALSE(load_ok(std::nullopt, {}, {{"presence", no}}).default_namespace.presence) << no;
  }
  EXPECT_TRUE(load_ok("allow_client_publish = true").default_namespace.allow_client_publish);
}

TEST(ConfigLoader, OriginsAreCommaSeparatedInFlagsAndEnvironmentAndAnArrayInTheFile) {
  const std::vector<std::string> expected{"https://a.example", "http://localhost:3000"};
  EXPECT_EQ(
      load_ok(std::nullopt, {{"WSHUB_ALLOWED_ORIGINS", "https://a.example,http://localhost:3000"}}).allowed_origins,
      expected);
  EXPECT_EQ(
      load_ok(std::nullopt, {}, {{"allowed_origins", " https://a.example , http://localhost:3000 ,"}}).allowed_origins,
      expected);
  EXPECT_EQ(load_ok("allowed_origins = [\"https://a.example\", \"http://localhost:3000\"]").allowed_origins, expected);
  EXPECT_EQ(load_error("allowed_origins = [\"*\"]"),
            "wshub.toml:1: allowed_origins: \"*\" is not an origin; leave allowed_origins empty to allow every origin");
  EXPECT_TRUE(
      load_ok("allowed_origins = [\"https://a.example\"]", {}, {{"allowed_origins", ""}}).allowed_origins.empty());
}

TEST(ConfigLoader, DecimalRateAcceptsIntegersAndFloats) {
  EXPECT_DOUBLE_EQ(load_ok("client_op_rate = 2.5").client_op_rate, 2.5);
  EXPECT_DOUBLE_EQ(load_ok("client_op_rate = 10").client_op_rate, 10.0);
  EXPECT_DOUBLE_EQ(load_ok(std::nullopt, {{"WSHUB_CLIENT_OP_RATE", "1e3"}}).client_op_rate, 1000.0);
  EXPECT_DOUBLE_EQ(load_ok(std::nullopt, {}, {{"client_op_rate", "0.5"}}).client_op_rate, 0.5);
}

TEST(ConfigLoader, LimitsAreInclusive) {
  const Config c = load_ok(
      "workers = 64\nmax_message_size = 67108864\nhistory_size = 0\nshutdown_timeout = 0\n"
      "close_timeout = 0\nlisten = \"[::]:0\"\n");
  EXPECT_EQ(c.workers, 64u);
  EXPECT_EQ(c.max_message_size, 64u << 20);
  EXPECT_EQ(c.default_namespace.history_size, 0u);
  EXPECT_EQ(c.shutdown_timeout, 0s);
  EXPECT_EQ(c.close_timeout, 0s);
  EXPECT_EQ(c.listen, "[::]:0");
}

TEST(ConfigLoader, EveryOptionIsSettableFromTheFile) {
  const Config c = load_ok(R"(
listen = "127.0.0.1:9000"
broker = "redis://127.0.0.1:6379/1"
instance_id = "node-1"
dev = true
api_key = "k"
jwt_secret = "s"
allowed_origins = ["https://a.example"]
allow_anonymous = true
ping_interval = 11
max_message_size = 1000
send_queue_bytes = 2000
shutdown_timeout = 12
handshake_timeout = 13
tcp_defer_accept = 0
close_timeout = 14
workers = 4
max_channels_per_connection = 15
max_publish_size = 3000
api_max_body_size = 4000
client_op_rate = 16.5
client_op_burst = 17
client_abuse_limit = 18
log_level = "trace"
log_format = "json"
history_size = 19
history_ttl = 20
presence = false
allow_client_publish = true
)");
  EXPECT_EQ(c.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.broker, "redis://127.0.0.1:6379/1");
  EXPECT_EQ(c.instance_id, "node-1");
  EXPECT_TRUE(c.dev);
  EXPECT_EQ(c.api_key, "k");
  EXPECT_EQ(c.jwt_secret, "s");
  EXPECT_EQ(c.allowed_origins, std::vector<std::string>{"https://a.example"});
  EXPECT_TRUE(c.allow_anonymous);
  EXPECT_EQ(c.ping_interval, 11s);
  EXPECT_EQ(c.max_message_size, 1000u);
  EXPECT_EQ(c.send_queue_bytes, 2000u);
  EXPECT_EQ(c.shutdown_timeout, 12s);
  EXPECT_EQ(c.handshake_timeout, 13s);
  EXPECT_EQ(c.tcp_defer_accept, 0s);
  EXPECT_EQ(c.close_timeout, 14s);
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(c.max_channels_per_connection, 15u);
  EXPECT_EQ(c.max_publish_size, 3000u);
  EXPECT_EQ(c.api_max_body_size, 4000u);
  EXPECT_DOUBLE_EQ(c.client_op_rate, 16.5);
  EXPECT_EQ(c.client_op_burst, 17u);
  EXPECT_EQ(c.client_abuse_limit, 18u);
  EXPECT_EQ(c.log_level, "trace");
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.default_namespace.history_size, 19u);
  EXPECT_EQ(c.default_namespace.history_ttl, 20s);
  EXPECT_FALSE(c.default_namespace.presence);
  EXPECT_TRUE(c.default_namespace.allow_client_publish);
  EXPECT_EQ(load_ok("jwt_public_key = \"/etc/wshub/jwt.pem\"").jwt_public_key, "/etc/wshub/jwt.pem");
}

// ---- validation ---------------------------------------------------------------------

TEST(ConfigLoader, JwtSecretAndPublicKeyAreExclusive) {
  EXPECT_EQ(load_error("jwt_secret = \"s\"", {{"WSHUB_JWT_PUBLIC_KEY", "/k.pem"}}),
            "jwt_secret and jwt_public_key are both set; configure one way of verifying tokens");
}

TEST(ConfigValidation, AcceptsTheDefaults) { EXPECT_TRUE(validate_config(Config{})); }

TEST(ConfigValidation, RefusesConfigsBuiltInCodeWithBadValues) {
  Config c;
  c.ping_interval = 0s;
  EXPECT_EQ(validate_config(c).error(), "ping_interval: must be greater than 0, got 0");

  c = Config{};
  c.log_level = "loud";
  EXPECT_EQ(validate_config(c).error(),
            "log_level: expected trace, debug, info, warn, error, critical or off, got \"loud\"");

  c = Config{};
  c.namespaces["bad:name"] = {};
  EXPECT_CONTAINS(validate_config(c).error(), "invalid namespace name \"bad:name\"");

  c = Config{};
  c.namespaces["chat"].history_ttl = 0s;
  EXPECT_EQ(validate_config(c).error(), "namespaces.chat.history_ttl: must be greater than 0, got 0");

  c = Config{};
  c.workers = 100;
  EXPECT_EQ(validate_config(c).error(), "workers: must be at most 64, got 100");
}

TEST(ConfigValidation, NamespaceNames) {
  EXPECT_TRUE(is_valid_namespace_name("chat"));
  EXPECT_TRUE(is_valid_namespace_name("A-Z_a.z@0=9/x"));
  EXPECT_TRUE(is_valid_namespace_name(std::string(255, 'x')));
  EXPECT_FALSE(is_valid_namespace_name(""));
  EXPECT_FALSE(is_valid_namespace_name("a:b"));
  EXPECT_FALSE(is_valid_namespace_name("a b"));
  EXPECT_FALSE(is_valid_namespace_name("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_namespace_name(std::string(256, 'x')));
}

TEST(ConfigLoader, UnknownEnvironmentVariablesAreListed) {
  const Map env{{"WSHUB_PING_INTERVAL", "3"},
                {"WSHUB_PING_INTERVL", "3"},
                {"WSHUB_CONFIG", "x.toml"},
                {"HOME", "/root"},
                {"WSHUB_", "x"}};
  EXPECT_EQ(unknown_environment_variables(env), (std::vector<std::string>{"WSHUB_", "WSHUB_PING_INTERVL"}));
}

}  // namespace
}  // namespace wshub::config
