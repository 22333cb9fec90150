#include "broker/redis_broker.hpp"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <future>

#include "core/channel_name.hpp"

namespace wshub::broker {

RedisBroker::RedisBroker(const std::vector<boost::asio::any_io_executor>& shard_executors, PublicationSink& sink,
                         RedisBrokerOptions opts)
    : opts_(std::move(opts)) {
  for (std::size_t i = 0; i < shard_executors.size(); ++i) {
    partitions_.push_back(std::make_shared<RedisPartition>(i, shard_executors[i], sink, opts_));
  }
}

RedisBroker::~RedisBroker() = default;

void RedisBroker::start() {
  for (auto& p : partitions_) boost::asio::post(p->executor(), [p] { p->start(); });
}

void RedisBroker::stop() {
  // Waits, so the connections are closed before the shards stop running.
  std::vector<std::future<void>> done;
  for (auto& p : partitions_) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    boost::asio::post(p->executor(), [p, promise] {
      p->stop();
      promise->set_value();
    });
  }
  for (auto& f : done) f.wait();
}

RedisPartition& RedisBroker::partition_of(std::string_view channel) {
  return *partitions_[core::owner_shard(channel, partitions_.size())];
}

void RedisBroker::publish(std::size_t shard, std::string_view channel, std::string_view raw_data,
                          const config::NamespaceOptions& ns, Handler<PublishResult> done) {
  // The script assigns the offset atomically in Redis, and one connection's
  // commands run in order, so a publisher's publications (all from its
  // connection's shard) keep their order on that shard's connection.
  partitions_.at(shard)->publish(channel, raw_data, ns, std::move(done));
}

void RedisBroker::subscribe(std::string_view channel, const config::NamespaceOptions& ns, VoidHandler done) {
  partition_of(channel).subscribe(channel, ns, std::move(done));
}

void RedisBroker::unsubscribe(std::string_view channel) { partition_of(channel).unsubscribe(channel); }

void RedisBroker::recover(std::string_view channel, const config::NamespaceOptions& ns,
                          const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done) {
  partition_of(channel).recover(channel, ns, since, std::move(done));
}

void RedisBroker::history(std::string_view channel, const config::NamespaceOptions& ns, const HistoryQuery& query,
                          Handler<HistoryResult> done) {
  partition_of(channel).history(channel, ns, query, std::move(done));
}

bool RedisBroker::healthy() const {
  for (const auto& p : partitions_) {
    if (!p->healthy()) return false;
  }
  return true;
}

void RedisBroker::render_metrics(std::string& out) const {
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    const core::Counter RedisBrokerStats::*counter;
  };
  static constexpr Family k_families[] = {
      {"wshub_broker_reconnects_total", "counter", "Redis connections re-established after a loss.",
       &RedisBrokerStats::reconnects},
      {"wshub_broker_resubscribed_channels_total", "counter",
       "Channels subscribed again after a Pub/Sub reconnect.", &RedisBrokerStats::resubscribed_channels},
      {"wshub_broker_backfilled_messages_total", "counter",
       "Publications read from Redis streams to fill a delivery gap.", &RedisBrokerStats::backfilled_messages},
      {"wshub_broker_lost_messages_total", "counter",
       "Publications a delivery gap needed that the stream no longer held.", &RedisBrokerStats::lost_messages},
      {"wshub_broker_probe_failures_total", "counter",
       "Health probes not answered or not delivered within the timeout.", &RedisBrokerStats::probe_failures},
      {"wshub_broker_pubsub_connections", "gauge", "Redis Pub/Sub connections up.",
       &RedisBrokerStats::pubsub_connections},
      {"wshub_broker_publish_errors_total", "counter", "Publishes refused because Redis was unavailable or failing.",
       &RedisBrokerStats::publish_errors},
      {"wshub_broker_script_noscript_total", "counter",
       "Lua script calls Redis answered NOSCRIPT (its script cache was emptied); each is sent again in order or "
       "refused.",
       &RedisBrokerStats::script_noscript},
  };
  char buf[512];
  for (const auto& f : k_families) {
    std::int64_t total = 0;
    for (const auto& p : partitions_) total += (p->stats().*f.counter).get();
    const int n = std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", f.name, f.help, f.name,
                                f.type, f.name, static_cast<long long>(total));
    if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
  }
  const char* name = "wshub_broker_round_trip_seconds";
  int n = std::snprintf(buf, sizeof buf, "# HELP %s Round trip of the Redis health probe.\n# TYPE %s histogram\n",
                        name, name);
  out.append(buf, static_cast<std::size_t>(n));
  const auto& bounds = core::LatencyHistogram::k_bounds_s;
  std::uint64_t cumulative = 0, sum_ns = 0;
  for (std::size_t b = 0; b <= bounds.size(); ++b) {
    for (const auto& p : partitions_) cumulative += p->stats().round_trip.count(b);
    if (b < bounds.size()) {
      n = std::snprintf(buf, sizeof buf, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[b],
                        static_cast<unsigned long long>(cumulative));
    } else {
      n = std::snprintf(buf, sizeof buf, "%s_bucket{le=\"+Inf\"} %llu\n", name,
                        static_cast<unsigned long long>(cumulative));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  for (const auto& p : partitions_) sum_ns += p->stats().round_trip.sum_ns();
  n = std::snprintf(buf, sizeof buf, "%s_sum %.9f\n%s_count %llu\n", name, static_cast<double>(sum_ns) * 1e-9, name,
                    static_cast<unsigned long long>(cumulative));
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace wshub::broker
