#include "cluster/redis_cluster.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>

namespace wshub::cluster {

namespace asio = boost::asio;

RedisCluster::RedisCluster(asio::any_io_executor ex, redis::RedisUrl url, InstanceIdentity self,
                           std::chrono::seconds heartbeat, hub::ShardSet& shards, hub::ClientDirectory& directory)
    : ex_(std::move(ex)),
      cmd_(std::make_shared<redis::ManagedConnection>(ex_, url, "wshub-" + self.id + "-cluster-cmd")),
      sub_(std::make_shared<redis::ManagedConnection>(ex_, url, "wshub-" + self.id + "-cluster-sub")) {
  registry_ = std::make_shared<Registry>(ex_, cmd_, self.id, heartbeat,
                                         [self, &shards] { return instance_record_json(self, shards); });
  bus_ = std::make_shared<ControlBus>(ex_, cmd_, sub_, self, shards, directory);
}

RedisCluster::~RedisCluster() = default;

void RedisCluster::start() {
  asio::post(ex_, [this] {
    bus_->start();
    cmd_->on_up([weak = std::weak_ptr<Registry>(registry_)](redis::Connection&) {
      if (auto registry = weak.lock()) registry->connected_again();
    });
    cmd_->start();
    sub_->start();
    registry_->start();
  });
}

void RedisCluster::stop(std::chrono::milliseconds deadline, std::function<void()> done) {
  asio::post(ex_, [this, deadline, done = std::move(done)]() mutable {
    struct Once {
      std::function<void()> done;
      asio::steady_timer timer;
    };
    auto once = std::make_shared<Once>(Once{std::move(done), asio::steady_timer(ex_, deadline)});
    auto finish = [this, once] {
      if (!once->done) return;
      once->timer.cancel();
      cmd_->stop();
      sub_->stop();
      std::exchange(once->done, nullptr)();
    };
    // When Redis does not answer in time the entries expire by themselves.
    once->timer.async_wait([finish](boost::system::error_code ec) {
      if (!ec) finish();
    });
    bus_->stop();
    registry_->stop(finish);
  });
}

void RedisCluster::abandon() {
  bus_->stop();
  cmd_->stop();
  sub_->stop();
}

void RedisCluster::send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done) {
  asio::post(ex_, [this, who = std::move(who), raw_data = std::move(raw_data), done = std::move(done)]() mutable {
    bus_->send(std::move(who), std::move(raw_data), std::move(done));
  });
}

void RedisCluster::disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason,
                              ClusterHandler<std::size_t> done) {
  asio::post(ex_, [this, who = std::move(who), code, reason = std::move(reason), done = std::move(done)]() mutable {
    bus_->disconnect(std::move(who), code, std::move(reason), std::move(done));
  });
}

void RedisCluster::channels(ClusterHandler<std::map<std::string, std::size_t>> done) {
  asio::post(ex_, [this, done = std::move(done)]() mutable { bus_->channels(std::move(done)); });
}

void RedisCluster::instances(ClusterHandler<std::string> done) {
  asio::post(ex_, [this, done = std::move(done)]() mutable { bus_->instances(std::move(done)); });
}

void RedisCluster::connected(const std::string& client, const std::string& user) {
  asio::post(ex_, [this, client, user] {
    registry_->connected(client, user);
    if (!user.empty()) bus_->user_joined(user);
  });
}

void RedisCluster::disconnected(const std::string& client, const std::string& user) {
  asio::post(ex_, [this, client, user] {
    registry_->disconnected(client);
    if (!user.empty()) bus_->user_left(user);
  });
}

}  // namespace wshub::cluster
