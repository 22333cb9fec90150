// Queue coalescing: what one write costs when frames queued while the
// previous write was in flight leave as one '\n'-joined WebSocket frame.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/send_queue.hpp"

namespace {

using wshub::core::SendQueue;
using wshub::core::SharedFrame;

void BM_coalesce(benchmark::State& state) {
  const auto frames = static_cast<std::size_t>(state.range(0));
  const SharedFrame frame = wshub::core::make_frame(std::string(120, 'x'));
  SendQueue queue(1 << 20);
  std::vector<SharedFrame> batch;
  std::string joined;
  for (auto _ : state) {
    for (std::size_t i = 0; i < frames; ++i) queue.push(frame);
    batch.clear();
    queue.take_batch(batch, 64 * 1024);
    joined.clear();
    for (const auto& f : batch) {
      if (!joined.empty()) joined.push_back('\n');
      joined += f->bytes;
    }
    benchmark::DoNotOptimize(joined.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frames));
}
BENCHMARK(BM_coalesce)->Arg(1)->Arg(8)->Arg(64);

}  // namespace
