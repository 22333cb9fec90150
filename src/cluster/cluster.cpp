#include "cluster/cluster.hpp"

#include "core/json_writer.hpp"
#include "hub/shard.hpp"

namespace wshub::cluster {

namespace {

struct Counts {
  std::int64_t connections = 0;
  std::int64_t subscriptions = 0;
  // Totals since start, named as in /metrics (without "wshub_"): a hub-wide
  // view adds them up and takes differences for rates.
  std::int64_t publications = 0;
  std::int64_t messages_in = 0;
  std::int64_t messages_out = 0;
  std::int64_t slow_consumer_closes = 0;
};

Counts count(const hub::ShardSet& shards) {
  Counts c;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const hub::Shard& s = shards.at(i);
    c.connections += s.counters.connections.get();
    c.subscriptions += s.counters.subscriptions.get();
    c.publications += s.counters.publications_in.get();
    c.messages_in += s.transport.frames_in.get();
    c.messages_out += s.transport.messages_out.get();
    c.slow_consumer_closes += s.transport.slow_consumer_closes.get();
  }
  return c;
}

}  // namespace

std::string instance_json(const InstanceIdentity& self, const hub::ShardSet& shards) {
  const Counts c = count(shards);
  std::string out = R"({"id":)";
  core::append_json_string(out, self.id);
  out += R"(,"connections":)";
  core::append_int(out, c.connections);
  out += R"(,"subscriptions":)";
  core::append_int(out, c.subscriptions);
  out += R"(,"started_at":)";
  core::append_json_string(out, self.started_at);
  out += R"(,"address":)";
  core::append_json_string(out, self.address);
  out += R"(,"counters":{"publications_total":)";
  core::append_int(out, c.publications);
  out += R"(,"messages_in_total":)";
  core::append_int(out, c.messages_in);
  out += R"(,"messages_out_total":)";
  core::append_int(out, c.messages_out);
  out += R"(,"slow_consumer_closes_total":)";
  core::append_int(out, c.slow_consumer_closes);
  out += "}}";
  return out;
}

std::string instance_record_json(const InstanceIdentity& self, const hub::ShardSet& shards) {
  std::string out = R"({"instance":)";
  core::append_json_string(out, self.id);
  out += R"(,"connections":)";
  core::append_int(out, count(shards).connections);
  out += R"(,"address":)";
  core::append_json_string(out, self.address);
  out += R"(,"started_at":)";
  core::append_json_string(out, self.started_at);
  out.push_back('}');
  return out;
}

}  // namespace wshub::cluster
