#include "worker.hpp"

#include <iostream>

#include "publisher.hpp"
#include "subscriber.hpp"

namespace wshub::bench {
namespace {

void add_counts(std::map<std::string, std::uint64_t>& into, const std::map<std::string, std::uint64_t>& from) {
  for (const auto& [k, v] : from) into[k] += v;
}

}  // namespace

void WorkerStats::merge(const WorkerStats& o) {
  latency_ns.merge(o.latency_ns);
  tcp_connect_ns.merge(o.tcp_connect_ns);
  upgrade_ns.merge(o.upgrade_ns);
  welcome_ns.merge(o.welcome_ns);
  subscribed_ns.merge(o.subscribed_ns);
  add_counts(setup_errors, o.setup_errors);
  add_counts(close_reasons, o.close_reasons);
  add_counts(slow_outcomes, o.slow_outcomes);
  lines += o.lines;
  frames += o.frames;
  wrong_channel += o.wrong_channel;
  foreign_payload += o.foreign_payload;
  other_lines += o.other_lines;
  slow_lines += o.slow_lines;
  if (o.first_delivery_ns != 0 && (first_delivery_ns == 0 || o.first_delivery_ns < first_delivery_ns)) {
    first_delivery_ns = o.first_delivery_ns;
  }
  if (o.last_delivery_ns > last_delivery_ns) last_delivery_ns = o.last_delivery_ns;
}

Worker::Worker(unsigned index) : index_(index), io_(1) {}

Worker::~Worker() {
  stop();
  // Connections go before the io_context; coroutine frames still pending hold
  // their own references and are destroyed with the io_context.
  subscribers_.clear();
  publishers_.clear();
}

void Worker::start() {
  guard_.emplace(io_.get_executor());
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {  // a bug in the tool; keep the other connections going
        std::cerr << "wshub-bench: worker " << index_ << ": " << e.what() << '\n';
      }
    }
  });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  guard_.reset();
  io_.stop();
  thread_.join();
}

void Worker::run_sync(std::function<void()> f) {
  if (!thread_.joinable()) {
    f();
    return;
  }
  std::promise<void> done;
  auto future = done.get_future();
  post([&f, &done] {
    f();
    done.set_value();
  });
  future.wait();
}

}  // namespace wshub::bench
