// Fan-out of one publication to a channel's local subscribers: look the
// channel up in the shard's ChannelIndex, then queue the shared frame on each
// subscriber's SendQueue (a refcount, no copy). The socket write is not
// included; this is the shard's own cost per delivery.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/channel_index.hpp"
#include "core/envelopes.hpp"
#include "core/send_queue.hpp"

namespace {

using wshub::core::ChannelIndex;
using wshub::core::SendQueue;

struct Subscriber {
  SendQueue queue{1 << 20};
  std::vector<wshub::core::SharedFrame> batch;
};

void BM_fanout(benchmark::State& state) {
  const auto subscribers = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t k_channels = 100;
  std::vector<std::unique_ptr<Subscriber>> subs;
  ChannelIndex<Subscriber*> index;
  std::vector<std::string> names;
  for (std::size_t c = 0; c < k_channels; ++c) names.push_back("bench:" + std::to_string(c));
  for (std::size_t i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<Subscriber>());
    index.add(names[i % k_channels], subs.back().get());
  }
  const std::string data = "{\"text\":\"" + std::string(84, 'x') + "\"}";
  std::uint64_t offset = 0;
  std::size_t deliveries = 0;
  for (auto _ : state) {
    // One publication on every channel: each subscriber gets one message.
    for (const auto& name : names) {
      auto pub = wshub::core::make_publication(name, ++offset, "e-1", data, 0);
      auto frame = wshub::core::frame_of(pub);
      if (const auto* list = index.find(name)) {
        for (Subscriber* s : *list) {
          s->queue.push(frame);
          ++deliveries;
        }
      }
    }
    // Drain as the writes would, so the queues stay small.
    for (auto& s : subs) {
      s->batch.clear();
      s->queue.take_batch(s->batch, 64 * 1024);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(deliveries));
  state.counters["subscribers"] = static_cast<double>(subscribers);
}
BENCHMARK(BM_fanout)->Arg(1000)->Arg(10000);

}  // namespace
