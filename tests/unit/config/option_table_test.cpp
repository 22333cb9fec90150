#include "config/option_table.hpp"

#include <gtest/gtest.h>

#include <set>

namespace wshub::config {
namespace {

TEST(OptionTable, NamesFollowTheKey) {
  EXPECT_EQ(flag_name("ping_interval"), "--ping-interval");
  EXPECT_EQ(env_name("ping_interval"), "WSHUB_PING_INTERVAL");
  for (const auto& option : options()) {
    EXPECT_EQ(option.flag, flag_name(option.key));
    EXPECT_EQ(option.env, env_name(option.key));
  }
}

TEST(OptionTable, EveryOptionIsComplete) {
  std::set<std::string> keys;
  for (const auto& option : options()) {
    EXPECT_TRUE(keys.insert(option.key).second) << "duplicate " << option.key;
    EXPECT_FALSE(option.help.empty()) << option.key;
    EXPECT_TRUE(option.set) << option.key;
    EXPECT_TRUE(option.show) << option.key;
    if (option.kind != ValueKind::boolean || option.key != "dev") {
      EXPECT_FALSE(option.value_name.empty()) << option.key;
    }
    EXPECT_EQ(option.namespace_option, static_cast<bool>(option.set_in_namespace)) << option.key;
    EXPECT_EQ(option.namespace_option, static_cast<bool>(option.show_in_namespace)) << option.key;
  }
}

TEST(OptionTable, CoversTheProtocolOptionsAndTheConfigFields) {
  for (const char* key : {"listen",
                          "broker",
                          "instance_id",
                          "dev",
                          "api_key",
                          "jwt_secret",
                          "jwt_public_key",
                          "jwt_jwks_file",
                          "jwt_algorithms",
                          "jwt_issuer",
                          "jwt_audience",
                          "jwt_leeway",
                          "allowed_origins",
                          "allow_anonymous",
                          "ping_interval",
                          "max_message_size",
                          "send_queue_bytes",
                          "shutdown_timeout",
                          "handshake_timeout",
                          "tcp_defer_accept",
                          "close_timeout",
                          "workers",
                          "max_channels_per_connection",
                          "max_publish_size",
                          "api_max_body_size",
                          "client_op_rate",
                          "client_op_burst",
                          "client_abuse_limit",
                          "log_level",
                          "log_format",
                          "history_size",
                          "history_ttl",
                          "presence",
                          "allow_client_publish",
                          "heartbeat_interval",
                          "allow_subscribe",
                          "allow_anonymous_subscribe",
                          "allow_client_history",
                          "allow_client_presence",
                          "api_listen",
                          "max_connections",
                          "max_connections_per_ip",
                          "handshake_rate_per_ip",
                          "handshake_burst_per_ip",
                          "ipv6_prefix_per_ip",
                          "max_header_size",
                          "max_header_count",
                          "trusted_proxy_header",
                          "trusted_proxies",
                          "web_root",
                          "tls_cert_file",
                          "tls_key_file"}) {
    EXPECT_NE(find_option(key), nullptr) << key;
  }
  EXPECT_EQ(options().size(), 53u) << "a new Config field needs an option (and a line in wshub.example.toml)";
}

TEST(OptionTable, FindsByKeyOrFlagSpelling) {
  const Option* by_key = find_option("ping_interval");
  ASSERT_NE(by_key, nullptr);
  EXPECT_EQ(find_option("ping-interval"), by_key);
  EXPECT_EQ(find_option("--ping-interval"), by_key);
  EXPECT_EQ(find_option_by_env("WSHUB_PING_INTERVAL"), by_key);
  EXPECT_EQ(find_option("ping"), nullptr);
  EXPECT_EQ(find_option("PING_INTERVAL"), nullptr);
  EXPECT_EQ(find_option_by_env("WSHUB_PING"), nullptr);
}

TEST(OptionTable, DefaultsSurviveTheirOwnParser) {
  const Config defaults;
  for (const auto& option : options()) {
    Config c;
    ASSERT_TRUE(option.set(c, option.show(defaults))) << option.key << " = " << option.show(defaults);
    EXPECT_EQ(c, defaults) << option.key;
  }
}

TEST(OptionTable, NamespaceOptionsSetTheDefaultNamespaceAtTopLevel) {
  Config c;
  ASSERT_TRUE(find_option("history_size")->set(c, "7"));
  EXPECT_EQ(c.default_namespace.history_size, 7u);
  NamespaceOptions ns;
  ASSERT_TRUE(find_option("history_ttl")->set_in_namespace(ns, "9"));
  EXPECT_EQ(ns.history_ttl, std::chrono::seconds(9));
  EXPECT_EQ(find_option("history_ttl")->show_in_namespace(ns), "9");
}

TEST(OptionTable, LogLevelsAndFormatsAreNormalised) {
  Config c;
  ASSERT_TRUE(find_option("log_level")->set(c, "DEBUG"));
  EXPECT_EQ(c.log_level, "debug");
  ASSERT_TRUE(find_option("log_level")->set(c, "warning"));
  EXPECT_EQ(c.log_level, "warn");
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_TRUE(find_option("log_level")->set(c, level)) << level;
  }
  ASSERT_TRUE(find_option("log_format")->set(c, "JSON"));
  EXPECT_EQ(c.log_format, "json");
  EXPECT_FALSE(find_option("log_format")->set(c, "xml"));
}

TEST(OptionTable, InstanceIds) {
  Config c;
  EXPECT_TRUE(find_option("instance_id")->set(c, "node-1.eu@a=b/c:d_e"));
  EXPECT_TRUE(find_option("instance_id")->set(c, ""));
  EXPECT_FALSE(find_option("instance_id")->set(c, "has space"));
  EXPECT_FALSE(find_option("instance_id")->set(c, std::string(129, 'a')));
}

}  // namespace
}  // namespace wshub::config
