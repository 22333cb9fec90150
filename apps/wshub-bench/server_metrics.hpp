// Server metrics: reads one counter from a target's Prometheus /metrics, to
// cross-check what the client saw (e.g. wshub_slow_consumer_closes_total).
// Thread-safety: main thread; the request runs on the given worker.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "source_addresses.hpp"
#include "target.hpp"
#include "worker.hpp"

namespace wshub::bench {

// Sum of every sample of `name` (all label sets); empty when the metric is
// absent or /metrics cannot be read within 5 s.
std::optional<double> read_metric(Worker& worker, const Target& target, const std::string& api_key,
                                  std::string_view name);

// Sum of the samples of `name` in a Prometheus text exposition.
std::optional<double> metric_sum(std::string_view exposition, std::string_view name);

}  // namespace wshub::bench
