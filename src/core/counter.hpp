// Counter: a metric value with one writer and any number of readers.
//
// Thread-safety: written only by its owning thread (relaxed load+store, no
// read-modify-write cost), read from any thread (the metrics endpoint).
#pragma once

#include <atomic>
#include <cstdint>

namespace wshub::core {

class Counter {
 public:
  void add(std::int64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(std::int64_t n) { v_.store(n, std::memory_order_relaxed); }
  std::int64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

}  // namespace wshub::core
