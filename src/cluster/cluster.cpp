#include "cluster/cluster.hpp"

#include "core/json_writer.hpp"
#include "hub/shard.hpp"

namespace wshub::cluster {

std::string instance_json(const InstanceIdentity& self, const hub::ShardSet& shards) {
  std::int64_t connections = 0, subscriptions = 0;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    connections += shards.at(i).counters.connections.get();
    subscriptions += shards.at(i).counters.subscriptions.get();
  }
  std::string out = R"({"id":)";
  core::append_json_string(out, self.id);
  out += R"(,"connections":)";
  core::append_int(out, connections);
  out += R"(,"subscriptions":)";
  core::append_int(out, subscriptions);
  out += R"(,"started_at":)";
  core::append_json_string(out, self.started_at);
  out += R"(,"address":)";
  core::append_json_string(out, self.address);
  out.push_back('}');
  return out;
}

std::string instance_record_json(const InstanceIdentity& self, const hub::ShardSet& shards) {
  std::int64_t connections = 0;
  for (std::size_t i = 0; i < shards.size(); ++i) connections += shards.at(i).counters.connections.get();
  std::string out = R"({"instance":)";
  core::append_json_string(out, self.id);
  out += R"(,"connections":)";
  core::append_int(out, connections);
  out += R"(,"address":)";
  core::append_json_string(out, self.address);
  out += R"(,"started_at":)";
  core::append_json_string(out, self.started_at);
  out.push_back('}');
  return out;
}

}  // namespace wshub::cluster
