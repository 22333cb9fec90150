#include "hub/shard_set.hpp"

namespace wshub::hub {

ShardSet::ShardSet(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>(i));
}

std::vector<boost::asio::any_io_executor> ShardSet::executors() {
  std::vector<boost::asio::any_io_executor> out;
  for (auto& s : shards_) out.push_back(s->executor());
  return out;
}

void ShardSet::start_threads() {
  for (auto& s : shards_) s->start_thread();
}

void ShardSet::stop() {
  for (auto& s : shards_) s->stop();
}

void ShardSet::join() {
  for (auto& s : shards_) s->join();
}

}  // namespace wshub::hub
