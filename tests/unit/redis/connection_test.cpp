#include "redis/connection.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace wshub::redis {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using test::RedisServer;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The io_context runs on the test's own thread, inside run_until(): every
// Connection call and every callback happen on that one thread, as
// Connection requires, and the tests need no locks.
class RedisTestBase : public ::testing::Test {
 protected:
  // Runs handlers until `done()` holds; false if `timeout` passes first.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      io_.run_one_for(deadline - now);
    }
    return true;
  }

  // Runs every handler that is ready now, without waiting for I/O: after it,
  // any callback already owed has run.
  void run_ready() {
    while (io_.poll() > 0) {
    }
  }

  std::shared_ptr<Connection> make(const RedisUrl& url, ConnectionOptions options = {}) {
    return Connection::create(io_.get_executor(), url, std::move(options));
  }

  // Connects and waits for the outcome.
  core::Expected<void, std::string> try_connect(const std::shared_ptr<Connection>& conn) {
    auto result = std::make_shared<std::optional<core::Expected<void, std::string>>>();
    conn->connect([result](core::Expected<void, std::string> r) { *result = std::move(r); });
    if (!run_until([&] { return result->has_value(); })) return core::unexpected("test: connect() never finished"s);
    return **result;
  }

  std::shared_ptr<Connection> connect(const RedisUrl& url, ConnectionOptions options = {}) {
    auto conn = make(url, std::move(options));
    const auto result = try_connect(conn);
    if (!result) {
      ADD_FAILURE() << "connect to " << url.address() << ": " << result.error();
      return nullptr;
    }
    return conn;
  }

  // Sends one command and waits for its callback.
  core::Expected<Reply, std::string> call(Connection& conn, std::vector<std::string> argv) {
    auto result = std::make_shared<std::optional<core::Expected<Reply, std::string>>>();
    conn.command(std::move(argv), [result](core::Expected<Reply, std::string> r) { *result = std::move(r); });
    if (!run_until([&] { return result->has_value(); })) return core::unexpected("test: no callback"s);
    return **result;
  }

  // Runs a command that must get a Reply; "" on failure (and a test failure).
  Reply must(Connection& conn, std::vector<std::string> argv) {
    const std::string name = argv.empty() ? "" : argv[0];
    auto r = call(conn, std::move(argv));
    if (!r) {
      ADD_FAILURE() << name << ": " << r.error();
      return Reply{};
    }
    return *r;
  }

  core::Expected<void, std::string> subscribe(Connection& conn, std::vector<std::string> channels,
                                              bool unsubscribe = false) {
    auto result = std::make_shared<std::optional<core::Expected<void, std::string>>>();
    auto done = [result](core::Expected<void, std::string> r) { *result = std::move(r); };
    if (unsubscribe) {
      conn.unsubscribe(std::move(channels), done);
    } else {
      conn.subscribe(std::move(channels), done);
    }
    if (!run_until([&] { return result->has_value(); })) return core::unexpected("test: no callback"s);
    return **result;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
};

class RedisConnectionTest : public RedisTestBase {
 protected:
  void SetUp() override {
    auto server = RedisServer::start();
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
  }

  RedisUrl url() const { return RedisUrl{"127.0.0.1", server_->port(), 0, "", ""}; }

  // One field of INFO, read over `conn`.
  std::string info_field(Connection& conn, const std::string& section, const std::string& field) {
    const Reply info = must(conn, {"INFO", section});
    const auto at = info.str.find("\r\n" + field + ":");
    if (at == std::string::npos) return "";
    const auto start = at + field.size() + 3;
    return info.str.substr(start, info.str.find("\r\n", start) - start);
  }

  // Polls INFO until `field` reads `value`: the server's view, for things the
  // client cannot observe (a command parked in BLPOP, a socket closed).
  bool wait_for_info(Connection& conn, const std::string& field, const std::string& value) {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (info_field(conn, "clients", field) == value) return true;
    }
    return false;
  }

  std::unique_ptr<RedisServer> server_;
};

// ---- commands ---------------------------------------------------------------

TEST_F(RedisConnectionTest, SetAndGetAreBinarySafe) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  EXPECT_TRUE(conn->connected());

  const std::string key = "key\0with\nbytes"s;
  const std::string value = "a\0b\r\n$5\r\n*2\r\n\xff\x00 end"s;
  EXPECT_TRUE(must(*conn, {"SET", key, value}).is_status("OK"));
  EXPECT_EQ(must(*conn, {"GET", key}), Reply::string_reply(value));
  EXPECT_TRUE(must(*conn, {"GET", "key"}).is_nil());  // the \0 was not a terminator
  EXPECT_EQ(must(*conn, {"STRLEN", key}), Reply::integer_reply(static_cast<long long>(value.size())));

  EXPECT_EQ(must(*conn, {"RPUSH", "list", "x", ""}), Reply::integer_reply(2));
  EXPECT_EQ(must(*conn, {"LRANGE", "list", "0", "-1"}),
            Reply::array_reply({Reply::string_reply("x"), Reply::string_reply("")}));
}

TEST_F(RedisConnectionTest, ErrorReplyIsAReplyNotAFailure) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  must(*conn, {"SET", "text", "not a number"});

  const auto incr = call(*conn, {"INCR", "text"});
  ASSERT_TRUE(incr) << incr.error();
  EXPECT_TRUE(incr->is_error());
  EXPECT_TRUE(contains(incr->str, "not an integer")) << incr->str;

  const auto unknown = call(*conn, {"NO-SUCH-COMMAND", "x"});
  ASSERT_TRUE(unknown) << unknown.error();
  EXPECT_TRUE(unknown->is_error());
  EXPECT_TRUE(contains(unknown->str, "unknown command")) << unknown->str;

  EXPECT_TRUE(must(*conn, {"PING"}).is_status("PONG"));  // still usable
  EXPECT_TRUE(conn->connected());
}

TEST_F(RedisConnectionTest, TenThousandPipelinedIncrsCompleteInOrder) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  constexpr int k_count = 10000;
  std::vector<long long> values;
  values.reserve(k_count);
  int failures = 0;
  for (int i = 0; i < k_count; ++i) {
    conn->command({"INCR", "counter"}, [&](core::Expected<Reply, std::string> r) {
      if (r && r->is_integer()) {
        values.push_back(r->integer);
      } else {
        ++failures;
      }
    });
  }
  EXPECT_TRUE(values.empty()) << "callbacks must never run inside command()";
  ASSERT_TRUE(run_until([&] { return static_cast<int>(values.size()) + failures == k_count; }));
  EXPECT_EQ(failures, 0);
  for (int i = 0; i < k_count; ++i) ASSERT_EQ(values[i], i + 1) << "reply " << i;
  EXPECT_EQ(must(*conn, {"GET", "counter"}), Reply::string_reply(std::to_string(k_count)));
}

// 32 MiB is far more than a loopback socket takes in one write (about 5 MB
// here, the socket buffers' default limits), so the eager write leaves most of
// the command in hiredis's buffer and the rest must go out as the socket
// drains; the command queued behind it still completes after it.
TEST_F(RedisConnectionTest, ACommandLargerThanTheSocketBufferIsWrittenAsTheSocketDrains) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  const std::string big(32u << 20, 'v');
  std::vector<std::string> order;
  conn->command({"SET", "big", big}, [&](core::Expected<Reply, std::string> r) {
    order.push_back(r && r->is_status("OK") ? "set" : "set failed: " + (r ? to_string(*r) : r.error()));
  });
  conn->command({"INCR", "after"}, [&](core::Expected<Reply, std::string> r) {
    order.push_back(r && r->is_integer() ? "incr " + std::to_string(r->integer) : "incr failed");
  });
  ASSERT_TRUE(run_until([&] { return order.size() == 2; }));
  EXPECT_EQ(order, (std::vector<std::string>{"set", "incr 1"}));
  EXPECT_EQ(must(*conn, {"STRLEN", "big"}), Reply::integer_reply(static_cast<long long>(big.size())));
  EXPECT_EQ(must(*conn, {"GETRANGE", "big", "-3", "-1"}), Reply::string_reply("vvv"));
}

TEST_F(RedisConnectionTest, SelectsTheDatabaseOfTheUrl) {
  RedisUrl db3 = url();
  db3.db = 3;
  auto in3 = connect(db3);
  auto in0 = connect(url());
  ASSERT_NE(in3, nullptr);
  ASSERT_NE(in0, nullptr);
  must(*in3, {"SET", "where", "db3"});
  EXPECT_TRUE(must(*in0, {"GET", "where"}).is_nil());
  auto again = connect(db3);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(must(*again, {"GET", "where"}), Reply::string_reply("db3"));

  RedisUrl db99 = url();
  db99.db = 99;
  const auto bad = try_connect(make(db99));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error(), "SELECT returned ERR DB index is out of range")) << bad.error();
}

TEST_F(RedisConnectionTest, SetsTheClientName) {
  ConnectionOptions options;
  options.client_name = "wshub-test";
  auto conn = connect(url(), options);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(must(*conn, {"CLIENT", "GETNAME"}), Reply::string_reply("wshub-test"));
}

TEST_F(RedisConnectionTest, ConnectsToAnIpv6Address) {
  const auto parsed = parse_redis_url("redis://[::1]:" + std::to_string(server_->port()));
  ASSERT_TRUE(parsed) << parsed.error();
  auto conn = make(*parsed);
  const auto result = try_connect(conn);
  if (!result && (contains(result.error(), "Address family") || contains(result.error(), "assign requested"))) {
    GTEST_SKIP() << "no IPv6 loopback here: " << result.error();
  }
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(must(*conn, {"PING"}).is_status("PONG"));
  const Reply info = must(*conn, {"CLIENT", "INFO"});
  EXPECT_TRUE(contains(info.str, "addr=[::1]:") || contains(info.str, "addr=::1:")) << info.str;
}

TEST_F(RedisConnectionTest, ResolvesHostNames) {
  // Where "localhost" also resolves to ::1, both addresses answer.
  const auto parsed = parse_redis_url("redis://localhost:" + std::to_string(server_->port()));
  ASSERT_TRUE(parsed) << parsed.error();
  auto conn = connect(*parsed);
  ASSERT_NE(conn, nullptr);
  EXPECT_TRUE(must(*conn, {"PING"}).is_status("PONG"));
}

TEST_F(RedisConnectionTest, CallbacksMayCallBackIntoTheConnection) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  int disconnects = 0;
  conn->on_disconnect([&](const std::string&) { ++disconnects; });
  std::vector<std::string> steps;
  conn->command({"SET", "k", "v"}, [&](core::Expected<Reply, std::string> set) {
    steps.push_back(set ? to_string(*set) : set.error());
    conn->command({"GET", "k"}, [&](core::Expected<Reply, std::string> get) {
      steps.push_back(get ? to_string(*get) : get.error());
      conn->close();
      conn->command({"GET", "k"}, [&](core::Expected<Reply, std::string> late) {
        steps.push_back(late ? to_string(*late) : late.error());
      });
    });
  });
  ASSERT_TRUE(run_until([&] { return steps.size() == 3 && disconnects == 1; }));
  EXPECT_EQ(steps, (std::vector<std::string>{"OK", "\"v\"", "connection lost: closed by the client"}));
}

TEST_F(RedisConnectionTest, EmptyCallbacksAreNoOps) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  conn->command({"SET", "k", "v"}, nullptr);
  conn->command({"SUBSCRIBE", "refused"}, nullptr);
  EXPECT_EQ(must(*conn, {"GET", "k"}), Reply::string_reply("v"));
  conn->subscribe({"a"}, nullptr);
  conn->unsubscribe({"a"}, nullptr);
  conn->command({"PING"}, nullptr);
  EXPECT_EQ(must(*conn, {"PING"}).elements.size(), 2u);
  conn->close();
  conn->command({"GET", "k"}, nullptr);
  run_ready();
}

TEST_F(RedisConnectionTest, RefusesCommandsItCannotCarry) {
  auto conn = connect(url());
  ASSERT_NE(conn, nullptr);
  const std::vector<std::vector<std::string>> refused = {{"SUBSCRIBE", "x"},
                                                         {"psubscribe", "x*"},
                                                         {"Unsubscribe"},
                                                         {"MONITOR"},
                                                         {"RESET"},
                                                         {"HELLO", "3"},
                                                         {"client", "reply", "off"},
                                                         {}};
  for (const auto& argv : refused) {
    const auto r = call(*conn, argv);
    EXPECT_FALSE(r) << (argv.empty() ? "(empty)" : argv[0]) << " was sent";
  }
  EXPECT_TRUE(contains(call(*conn, {"SUBSCRIBE", "x"}).error(), "use subscribe()"));
  EXPECT_TRUE(must(*conn, {"PING"}).is_status("PONG"));
  EXPECT_EQ(must(*conn, {"CLIENT", "GETNAME"}), Reply::nil_reply());  // CLIENT itself is fine
}

TEST_F(RedisConnectionTest, CallsBeforeConnectFail) {
  auto conn = make(url());
  const auto r = call(*conn, {"PING"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "not connected");
  const auto s = subscribe(*conn, {"x"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), "not connected");
  EXPECT_TRUE(try_connect(conn));  // still connectable
  auto twice = try_connect(conn);
  ASSERT_FALSE(twice);
  EXPECT_TRUE(contains(twice.error(), "already called"));
}

// ---- Pub/Sub --------------------------------------------------------------

std::string payload_for(int i) { return "payload " + std::to_string(i) + "\0\r\n\xfe"s; }

TEST_F(RedisConnectionTest, SubscribesToAThousandChannelsInOneCommand) {
  auto sub = connect(url());
  auto pub = connect(url());
  ASSERT_NE(sub, nullptr);
  ASSERT_NE(pub, nullptr);
  std::map<std::string, std::vector<std::string>> received;
  int messages = 0;
  sub->on_message([&](std::string_view channel, std::string_view payload) {
    received[std::string(channel)].emplace_back(payload);
    ++messages;
  });

  constexpr int k_channels = 1000;
  std::vector<std::string> channels;
  for (int i = 0; i < k_channels; ++i) channels.push_back("ch:" + std::to_string(i));
  channels.push_back("ch:7");  // a duplicate is sent once
  const auto subscribed = subscribe(*sub, channels);
  ASSERT_TRUE(subscribed) << subscribed.error();

  // Redis's own view: one SUBSCRIBE command, every channel has its subscriber.
  EXPECT_TRUE(contains(must(*pub, {"INFO", "commandstats"}).str, "cmdstat_subscribe:calls=1,"));
  EXPECT_EQ(must(*pub, {"PUBSUB", "NUMSUB", "ch:0", "ch:999"}),
            Reply::array_reply({Reply::string_reply("ch:0"), Reply::integer_reply(1), Reply::string_reply("ch:999"),
                                Reply::integer_reply(1)}));

  std::vector<long long> receivers;
  for (int i = 0; i < k_channels; ++i) {
    pub->command({"PUBLISH", "ch:" + std::to_string(i), payload_for(i)},
                 [&](core::Expected<Reply, std::string> r) { receivers.push_back(r ? r->integer : -1); });
  }
  ASSERT_TRUE(run_until([&] { return messages == k_channels && receivers.size() == k_channels; }))
      << messages << " messages";
  EXPECT_EQ(std::count(receivers.begin(), receivers.end(), 1), k_channels);
  ASSERT_EQ(received.size(), static_cast<std::size_t>(k_channels));
  for (int i = 0; i < k_channels; ++i) {
    EXPECT_EQ(received["ch:" + std::to_string(i)], std::vector<std::string>{payload_for(i)}) << i;
  }
}

TEST_F(RedisConnectionTest, UnsubscribeStopsDelivery) {
  auto sub = connect(url());
  auto pub = connect(url());
  ASSERT_NE(sub, nullptr);
  ASSERT_NE(pub, nullptr);
  std::map<std::string, int> received;
  sub->on_message([&](std::string_view channel, std::string_view) { ++received[std::string(channel)]; });

  std::vector<std::string> all, even;
  for (int i = 0; i < 100; ++i) {
    all.push_back("c" + std::to_string(i));
    if (i % 2 == 0) even.push_back(all.back());
  }
  ASSERT_TRUE(subscribe(*sub, all));
  std::vector<std::string> to_drop = even;
  to_drop.push_back("never-subscribed");
  to_drop.push_back(even.front());  // twice
  const auto dropped = subscribe(*sub, to_drop, /*unsubscribe=*/true);
  ASSERT_TRUE(dropped) << dropped.error();
  EXPECT_TRUE(contains(must(*pub, {"INFO", "commandstats"}).str, "cmdstat_unsubscribe:calls=1,"));
  EXPECT_TRUE(subscribe(*sub, {"c0", "never-subscribed"}, true));  // nothing left to send: done at once

  int published = 0;
  for (const auto& channel : all) {
    const Reply r = must(*pub, {"PUBLISH", channel, "m"});
    published += static_cast<int>(r.integer);
  }
  EXPECT_EQ(published, 50);  // Redis delivered to the odd channels only
  // Every message published before it precedes the pong.
  ASSERT_TRUE(call(*sub, {"PING"}));
  EXPECT_EQ(received.size(), 50u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(received["c" + std::to_string(i)], i % 2 == 0 ? 0 : 1) << i;
  }

  // Subscribing again resumes delivery.
  ASSERT_TRUE(subscribe(*sub, {"c0"}));
  must(*pub, {"PUBLISH", "c0", "again"});
  ASSERT_TRUE(call(*sub, {"PING"}));
  EXPECT_EQ(received["c0"], 1);
}

TEST_F(RedisConnectionTest, PingWorksOnASubscribedConnection) {
  auto conn = connect(url());
  auto pub = connect(url());
  ASSERT_NE(conn, nullptr);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(must(*conn, {"PING"}).is_status("PONG"));  // before Pub/Sub mode

  std::vector<std::string> messages;
  conn->on_message([&](std::string_view, std::string_view payload) { messages.emplace_back(payload); });
  ASSERT_TRUE(subscribe(*conn, {"news"}));
  const auto pong = Reply::array_reply({Reply::string_reply("pong"), Reply::string_reply("")});
  EXPECT_EQ(must(*conn, {"PING"}), pong);
  EXPECT_EQ(must(*conn, {"ping", "hello\0"s}),
            Reply::array_reply({Reply::string_reply("pong"), Reply::string_reply("hello\0"s)}));

  const auto get = call(*conn, {"GET", "x"});
  ASSERT_FALSE(get);
  EXPECT_TRUE(contains(get.error(), "only PING is allowed")) << get.error();
  EXPECT_FALSE(call(*conn, {"PING", "a", "b"}));

  // Many pings in flight, mixed with messages: each gets its own pong, in order.
  std::vector<std::string> pongs;
  for (int i = 0; i < 1000; ++i) {
    conn->command({"PING", std::to_string(i)}, [&](core::Expected<Reply, std::string> r) {
      pongs.push_back(r && r->is_array() && r->elements.size() == 2 ? r->elements[1].str : "?");
    });
    if (i % 100 == 0) pub->command({"PUBLISH", "news", std::to_string(i)}, [](core::Expected<Reply, std::string>) {});
  }
  ASSERT_TRUE(run_until([&] { return pongs.size() == 1000 && messages.size() == 10; }));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(pongs[i], std::to_string(i));

  // Pub/Sub mode outlives the last channel.
  ASSERT_TRUE(subscribe(*conn, {"news"}, true));
  EXPECT_EQ(must(*conn, {"PING"}), pong);
  EXPECT_FALSE(call(*conn, {"GET", "x"}));
  EXPECT_TRUE(conn->connected());
}

// ---- losing the connection ------------------------------------------------

TEST_F(RedisConnectionTest, ServerKillDisconnectsOnceAndFailsPendingCommands) {
  auto conn = connect(url());
  auto sub = connect(url());
  auto observer = connect(url());
  ASSERT_NE(conn, nullptr);
  ASSERT_NE(sub, nullptr);
  ASSERT_NE(observer, nullptr);
  std::vector<std::string> reasons, sub_reasons;
  conn->on_disconnect([&](std::string reason) { reasons.push_back(std::move(reason)); });
  sub->on_disconnect([&](std::string reason) { sub_reasons.push_back(std::move(reason)); });
  ASSERT_TRUE(subscribe(*sub, {"x"}));

  std::vector<core::Expected<Reply, std::string>> results;
  conn->command({"BLPOP", "nothing", "0"}, [&](core::Expected<Reply, std::string> r) { results.push_back(r); });
  ASSERT_TRUE(wait_for_info(*observer, "blocked_clients", "1"));  // BLPOP is parked in the server
  conn->command({"GET", "k"}, [&](core::Expected<Reply, std::string> r) { results.push_back(r); });
  std::optional<core::Expected<void, std::string>> subscribing;
  sub->subscribe({"y"}, [&](core::Expected<void, std::string> r) { subscribing = r; });

  server_->kill();
  ASSERT_TRUE(
      run_until([&] { return reasons.size() == 1 && sub_reasons.size() == 1 && results.size() == 2 && subscribing; }));
  run_ready();
  EXPECT_EQ(reasons.size(), 1u);
  EXPECT_EQ(sub_reasons.size(), 1u);
  EXPECT_FALSE(reasons[0].empty());
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "connection lost: " + reasons[0]);
  }
  ASSERT_FALSE(*subscribing);
  EXPECT_TRUE(contains(subscribing->error(), "connection lost: "));
  EXPECT_FALSE(conn->connected());

  const auto after = call(*conn, {"PING"});
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), "connection lost: " + reasons[0]);
  conn->close();
  run_ready();
  EXPECT_EQ(reasons.size(), 1u);
}

TEST_F(RedisConnectionTest, ClientKillTriggersOnDisconnect) {
  auto victim = connect(url());
  auto sub = connect(url());
  auto killer = connect(url());
  ASSERT_NE(victim, nullptr);
  ASSERT_NE(sub, nullptr);
  ASSERT_NE(killer, nullptr);
  ASSERT_TRUE(subscribe(*sub, {"x"}));
  int victim_disconnects = 0, sub_disconnects = 0;
  std::string reason;
  victim->on_disconnect([&](std::string r) {
    ++victim_disconnects;
    reason = std::move(r);
  });
  sub->on_disconnect([&](std::string) { ++sub_disconnects; });

  const Reply id = must(*victim, {"CLIENT", "ID"});
  ASSERT_TRUE(id.is_integer());
  EXPECT_EQ(must(*killer, {"CLIENT", "KILL", "ID", std::to_string(id.integer)}), Reply::integer_reply(1));
  EXPECT_EQ(must(*killer, {"CLIENT", "KILL", "TYPE", "pubsub"}), Reply::integer_reply(1));
  ASSERT_TRUE(run_until([&] { return victim_disconnects == 1 && sub_disconnects == 1; }));
  run_ready();
  EXPECT_EQ(victim_disconnects, 1);
  EXPECT_EQ(sub_disconnects, 1);
  EXPECT_EQ(reason, "Server closed the connection");
  EXPECT_FALSE(victim->connected());
  EXPECT_TRUE(killer->connected());
}

TEST_F(RedisConnectionTest, CloseCallsEveryPendingCallbackOnce) {
  auto conn = connect(url());
  auto sub = connect(url());
  auto observer = connect(url());
  ASSERT_NE(conn, nullptr);
  ASSERT_NE(sub, nullptr);
  ASSERT_NE(observer, nullptr);
  ASSERT_TRUE(subscribe(*sub, {"a"}));
  std::vector<std::string> disconnects;
  conn->on_disconnect([&](std::string r) { disconnects.push_back("conn: " + r); });
  sub->on_disconnect([&](std::string r) { disconnects.push_back("sub: " + r); });

  std::map<std::string, int> calls;  // callback id -> times called
  std::vector<std::string> errors;
  const auto record = [&](const std::string& id) {
    return [&, id](const auto& r) {
      ++calls[id];
      if (!r) errors.push_back(r.error());
    };
  };
  conn->command({"BLPOP", "nothing", "0"}, record("blpop"));
  ASSERT_TRUE(wait_for_info(*observer, "blocked_clients", "1"));  // in the server, waiting
  for (int i = 0; i < 100; ++i) conn->command({"GET", "k"}, record("get" + std::to_string(i)));
  sub->subscribe({"b", "c"}, record("subscribe"));
  sub->unsubscribe({"a"}, record("unsubscribe"));
  sub->command({"PING"}, record("ping"));

  conn->close();
  sub->close();
  EXPECT_TRUE(calls.empty()) << "callbacks must never run inside close()";
  EXPECT_FALSE(conn->connected());
  ASSERT_TRUE(run_until([&] { return calls.size() == 104 && disconnects.size() == 2; }));
  run_ready();
  for (const auto& [id, times] : calls) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(errors.size(), 104u);
  for (const auto& e : errors) EXPECT_EQ(e, "connection lost: closed by the client");
  EXPECT_EQ(disconnects, (std::vector<std::string>{"conn: closed by the client", "sub: closed by the client"}));

  conn->close();  // idempotent
  run_ready();
  EXPECT_EQ(disconnects.size(), 2u);
  EXPECT_EQ(call(*conn, {"PING"}).error(), "connection lost: closed by the client");
  EXPECT_TRUE(wait_for_info(*observer, "connected_clients", "1"));  // both sockets really closed
}

TEST_F(RedisConnectionTest, DestroyingCallsPendingCallbacksAndReleasesEverything) {
  auto observer = connect(url());
  ASSERT_NE(observer, nullptr);
  std::map<std::string, int> calls;
  std::vector<std::string> errors;
  int disconnects = 0;
  const auto record = [&](const std::string& id) {
    return [&, id](const auto& r) {
      ++calls[id];
      if (!r) errors.push_back(r.error());
    };
  };
  std::weak_ptr<Connection> weak_conn, weak_sub;
  {
    auto conn = connect(url());
    auto sub = connect(url());
    ASSERT_NE(conn, nullptr);
    ASSERT_NE(sub, nullptr);
    weak_conn = conn;
    weak_sub = sub;
    conn->on_disconnect([&](std::string) { ++disconnects; });
    sub->on_disconnect([&](std::string) { ++disconnects; });
    ASSERT_TRUE(subscribe(*sub, {"a"}));
    conn->command({"BLPOP", "nothing", "0"}, record("blpop"));
    ASSERT_TRUE(wait_for_info(*observer, "blocked_clients", "1"));
    // The loop does not run again before both are gone: none of these can complete.
    conn->command({"GET", "k"}, record("get"));
    sub->subscribe({"b"}, record("subscribe"));
    sub->command({"PING"}, record("ping"));
  }
  // Nothing keeps a connection alive but its owner.
  EXPECT_TRUE(weak_conn.expired());
  EXPECT_TRUE(weak_sub.expired());
  ASSERT_TRUE(run_until([&] { return calls.size() == 4; }));
  run_ready();
  for (const auto& [id, times] : calls) EXPECT_EQ(times, 1) << id;
  for (const auto& e : errors) EXPECT_EQ(e, "connection lost: connection destroyed");
  EXPECT_EQ(errors.size(), 4u);
  EXPECT_EQ(disconnects, 0);
  // The sockets were closed (hiredis owns them; the adapter only released them).
  EXPECT_TRUE(wait_for_info(*observer, "connected_clients", "1"));
}

// ---- connect failures ------------------------------------------------------

class RedisConnectFailureTest : public RedisTestBase {};

TEST_F(RedisConnectFailureTest, ClosedPortFailsFastWithAClearMessage) {
  const std::uint16_t port = test::pick_free_port();  // nothing listens there
  ASSERT_NE(port, 0);
  ConnectionOptions options;
  options.connect_timeout = 2000ms;
  auto conn = make(RedisUrl{"127.0.0.1", port, 0, "", ""}, options);
  const auto start = Clock::now();
  const auto result = try_connect(conn);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "connect to 127.0.0.1:" + std::to_string(port) + " failed: Connection refused");
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_FALSE(conn->connected());
}

TEST_F(RedisConnectFailureTest, TimesOutWhenTheServerNeverAnswers) {
  // A listener that never accepts: the kernel completes TCP, nobody answers the handshake.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::uint16_t port = ntohs(addr.sin_port);

  ConnectionOptions options;
  options.connect_timeout = 300ms;
  auto conn = make(RedisUrl{"127.0.0.1", port, 0, "", ""}, options);
  const auto start = Clock::now();
  const auto result = try_connect(conn);
  const auto elapsed = Clock::now() - start;
  ::close(listener);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "connect to 127.0.0.1:" + std::to_string(port) + " timed out after 300 ms");
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 2000ms);
}

TEST_F(RedisConnectFailureTest, UnknownHostFailsWithTheResolverMessage) {
  // .invalid never resolves (RFC 6761); a resolver that cannot be reached may
  // take longer than any connect timeout, which must then be what is reported.
  ConnectionOptions options;
  options.connect_timeout = 5000ms;
  auto conn = make(RedisUrl{"no-such-host.invalid", 6379, 0, "", ""}, options);
  const auto result = try_connect(conn);
  ASSERT_FALSE(result);
  EXPECT_TRUE(contains(result.error(), "cannot resolve Redis host 'no-such-host.invalid': ") ||
              result.error() == "connect to no-such-host.invalid:6379 timed out after 5000 ms")
      << result.error();
}

TEST_F(RedisConnectFailureTest, CloseAbortsAConnectInProgress) {
  const std::uint16_t port = test::pick_free_port();
  auto conn = make(RedisUrl{"127.0.0.1", port, 0, "", ""});
  std::optional<core::Expected<void, std::string>> result;
  conn->connect([&](core::Expected<void, std::string> r) { result = r; });
  conn->close();
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error(), "connect to 127.0.0.1:" + std::to_string(port) + " aborted: closed by the client");
}

// ---- AUTH --------------------------------------------------------------------

constexpr char k_password[] = "s3cret:@/pw";

class RedisAuthTest : public RedisTestBase {
 protected:
  void SetUp() override {
    auto server = RedisServer::start({k_password});
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
  }
  std::string base() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisAuthTest, ConnectsWithThePasswordOfTheUrl) {
  for (const std::string& text :
       {"redis://:s3cret%3A%40%2Fpw@" + base(), "redis://default:s3cret%3A%40%2Fpw@" + base() + "/2"}) {
    const auto url = parse_redis_url(text);
    ASSERT_TRUE(url) << url.error();
    EXPECT_EQ(url->password, k_password);
    auto conn = connect(*url);
    ASSERT_NE(conn, nullptr) << text;
    EXPECT_TRUE(must(*conn, {"PING"}).is_status("PONG"));
  }
}

TEST_F(RedisAuthTest, WrongPasswordFailsTheConnect) {
  auto url = parse_redis_url("redis://:wrong@" + base());
  ASSERT_TRUE(url);
  const auto result = try_connect(make(*url));
  ASSERT_FALSE(result);
  EXPECT_TRUE(contains(result.error(), "connect to " + base() + " failed: AUTH returned WRONGPASS")) << result.error();
  EXPECT_FALSE(contains(result.error(), "wrong"));
}

TEST_F(RedisAuthTest, MissingPasswordFailsTheConnect) {
  auto url = parse_redis_url("redis://" + base());
  ASSERT_TRUE(url);
  const auto result = try_connect(make(*url));
  ASSERT_FALSE(result);
  EXPECT_TRUE(contains(result.error(), "PING returned NOAUTH")) << result.error();
}

}  // namespace
}  // namespace wshub::redis
