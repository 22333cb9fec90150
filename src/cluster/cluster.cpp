#include "cluster/cluster.hpp"

#include "core/json_writer.hpp"
#include "hub/shard.hpp"

namespace wshub::cluster {

namespace {

struct Counts {
  std::int64_t connections = 0;
  std::int64_t subscriptions = 0;
};

Counts count(const hub::ShardSet& shards) {
  Counts c;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    c.connections += shards.at(i).counters.connections.get();
    c.subscriptions += shards.at(i).counters.subscriptions.get();
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
  out.push_back('}');
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
