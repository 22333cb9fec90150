// RedisBroker: the Broker contract on one and on two shards against a real
// redis-server (one per test binary; tests use unique channel names).
#include "broker/redis_broker.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "../redis/redis_server.hpp"
#include "broker_fixture.hpp"

namespace wshub::broker::testing {
namespace {

// The server for this binary, started on first use; nullptr when it cannot run.
redis::test::RedisServer* shared_server() {
  static auto server = [] {
    auto s = redis::test::RedisServer::start();
    return s ? std::move(*s) : nullptr;
  }();
  return server.get();
}

BrokerFactory redis_factory(std::size_t shards) {
  return BrokerFactory{
      "redis_" + std::to_string(shards) + "_shard" + (shards == 1 ? "" : "s"), shards,
      [](std::vector<boost::asio::any_io_executor> executors, PublicationSink& sink) -> std::unique_ptr<Broker> {
        auto* server = shared_server();
        if (server == nullptr) return nullptr;
        RedisBrokerOptions opts;
        opts.url.host = "127.0.0.1";
        opts.url.port = server->port();
        opts.instance_id = "contract";
        auto b = std::make_unique<RedisBroker>(executors, sink, std::move(opts));
        b->start();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!b->healthy() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        EXPECT_TRUE(b->healthy()) << "RedisBroker did not connect within 5 s";
        return b;
      }};
}

INSTANTIATE_TEST_SUITE_P(Redis, BrokerContract, ::testing::Values(redis_factory(1), redis_factory(2)), factory_name);

}  // namespace
}  // namespace wshub::broker::testing
