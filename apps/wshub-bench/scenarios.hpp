// The scenarios. Each runs on the main thread against a started BenchRun and
// fills the "results" and measurement parts of the result document; the
// return value is the process exit code (0: ran to the end, 1: could not run).
//
//   fanout / slow  scenario_fanout.cpp
//   idle           scenario_idle.cpp
//   storm          scenario_storm.cpp
// Thread-safety: main thread only.
#pragma once

#include "bench_run.hpp"
#include "json_value.hpp"
#include "subscriber.hpp"

namespace wshub::bench {

int run_fanout(BenchRun& run, JsonValue& doc);
int run_idle(BenchRun& run, JsonValue& doc);
int run_storm(BenchRun& run, JsonValue& doc);

// Subscriber i of a run: channel i % C, slow when i < slow count (so the
// slow ones are spread evenly over the channels).
SubscriberSpec subscriber_spec(const BenchRun& run, std::size_t index, std::size_t connection_index, bool slow);

}  // namespace wshub::bench
