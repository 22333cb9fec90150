// Building the envelopes the server sends: the shared `message` frame of a
// publication (once per publication, whatever the subscriber count) and an
// op reply.
#include <benchmark/benchmark.h>

#include <string>

#include "core/envelopes.hpp"

namespace {

void BM_make_publication(benchmark::State& state) {
  const std::string data = "{\"text\":\"" + std::string(static_cast<std::size_t>(state.range(0)), 'x') + "\"}";
  std::uint64_t offset = 0;
  for (auto _ : state) {
    auto pub = wshub::core::make_publication("chat:lobby", ++offset, "e-1a2b3c", data, 1'700'000'000'000'000'000);
    benchmark::DoNotOptimize(pub);
  }
}
BENCHMARK(BM_make_publication)->Arg(100)->Arg(1000)->Arg(16000);

void BM_reply(benchmark::State& state) {
  std::int64_t id = 0;
  for (auto _ : state) {
    auto reply = wshub::core::ReplyWriter(++id).field_uint("offset", 42).field_string("epoch", "e-1a2b3c").finish();
    benchmark::DoNotOptimize(reply);
  }
}
BENCHMARK(BM_reply);

void BM_error_reply(benchmark::State& state) {
  for (auto _ : state) {
    auto reply = wshub::core::make_error_reply(7, 403, "permission denied");
    benchmark::DoNotOptimize(reply);
  }
}
BENCHMARK(BM_error_reply);

}  // namespace
