// wshub.example.toml at the repository root must load cleanly, show every
// option, and state the defaults.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "config/config_loader.hpp"
#include "config/option_table.hpp"

#ifndef WSHUB_EXAMPLE_CONFIG
#error "WSHUB_EXAMPLE_CONFIG must name wshub.example.toml"
#endif

namespace wshub::config {
namespace {

using namespace std::chrono_literals;

std::string example_text() {
  std::ifstream in(WSHUB_EXAMPLE_CONFIG);
  EXPECT_TRUE(in) << "cannot open " << WSHUB_EXAMPLE_CONFIG;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ExampleConfig, LoadsCleanly) {
  const std::string text = example_text();
  auto c = load_config(text, "wshub.example.toml", {}, {});
  ASSERT_TRUE(c) << c.error();
}

TEST(ExampleConfig, TopLevelValuesAreTheDefaults) {
  const std::string text = example_text();
  auto c = load_config(text, "wshub.example.toml", {}, {});
  ASSERT_TRUE(c) << c.error();
  Config top_level = *c;
  top_level.namespaces.clear();
  // web_root's default is a path of the build tree; the example cannot state it.
  EXPECT_EQ(top_level.web_root, "");
  top_level.web_root = Config{}.web_root;
  EXPECT_EQ(top_level, Config{}) << describe(top_level);
}

TEST(ExampleConfig, SetsEveryOptionExplicitly) {
  const std::string text = example_text();
  for (const auto& option : options()) {
    const std::regex line("(^|\\n)" + option.key + " = ");
    EXPECT_TRUE(std::regex_search(text, line)) << option.key << " is missing from wshub.example.toml";
  }
}

TEST(ExampleConfig, HasTheChatNamespace) {
  auto c = load_config(example_text(), "wshub.example.toml", {}, {});
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->namespaces.count("chat"), 1u);
  const auto& chat = c->namespace_options("chat");
  EXPECT_EQ(chat.history_size, 50u);
  EXPECT_EQ(chat.history_ttl, 60s);
  EXPECT_TRUE(chat.presence);
  EXPECT_TRUE(chat.allow_client_publish);
  // A namespace that leaves keys out inherits them.
  const auto& notifications = c->namespace_options("notifications");
  EXPECT_EQ(notifications.history_size, 0u);
  EXPECT_EQ(notifications.history_ttl, 300s);
  EXPECT_FALSE(notifications.presence);
  EXPECT_FALSE(notifications.allow_client_publish);
}

TEST(ExampleConfig, EnvironmentAndFlagsStillOverrideIt) {
  auto c =
      load_config(example_text(), "wshub.example.toml", {{"WSHUB_PING_INTERVAL", "7"}}, {{"listen", "127.0.0.1:0"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->ping_interval, 7s);
  EXPECT_EQ(c->listen, "127.0.0.1:0");
}

}  // namespace
}  // namespace wshub::config
