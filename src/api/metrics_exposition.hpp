// Prometheus text exposition (format 0.0.4) of the instance's counters.
//
// Thread-safety: reads relaxed atomics owned by the shards; callable from any
// thread. Each counter is exact; the set is not one atomic snapshot.
#pragma once

#include <cstdint>
#include <string>

#include "hub/shard_set.hpp"

namespace wshub::api {

std::string render_metrics(const hub::ShardSet& shards, bool ready);

// A reload counter `name`{result="ok|error"}, appended to `out`.
void render_reload_metrics(std::string& out, const char* name, const char* help, std::int64_t ok, std::int64_t error);

}  // namespace wshub::api
