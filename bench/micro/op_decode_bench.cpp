// Decoding one client op: JSON validation and field extraction
// (JsonFieldDecoder) followed by decode_op, as a shard does per text frame.
#include <benchmark/benchmark.h>

#include <string>

#include "core/json_fields.hpp"
#include "core/op.hpp"

namespace {

using wshub::core::JsonFieldDecoder;
using wshub::core::k_json_padding;

void decode(benchmark::State& state, std::string text) {
  JsonFieldDecoder decoder;
  const std::size_t len = text.size();
  text.resize(len + k_json_padding);
  for (auto _ : state) {
    auto fields = decoder.decode(text.data(), len, text.size());
    if (!fields) state.SkipWithError("decode failed");
    auto op = wshub::core::decode_op(*fields);
    benchmark::DoNotOptimize(op);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * len));
}

void BM_decode_subscribe(benchmark::State& state) {
  decode(state, R"({"op":"subscribe","id":17,"channel":"chat:lobby","since":{"epoch":"e-1a2b","offset":42}})");
}
BENCHMARK(BM_decode_subscribe);

void BM_decode_publish(benchmark::State& state) {
  // A 100-byte payload, the size the fan-out benchmarks use.
  const std::string payload(84, 'x');
  decode(state, R"({"op":"publish","id":18,"channel":"chat:lobby","data":{"text":")" + payload + R"("}})");
}
BENCHMARK(BM_decode_publish);

void BM_decode_ping(benchmark::State& state) { decode(state, R"({"op":"ping","id":1})"); }
BENCHMARK(BM_decode_ping);

}  // namespace
