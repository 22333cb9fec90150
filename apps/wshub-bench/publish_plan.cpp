#include "publish_plan.hpp"

#include <algorithm>

namespace wshub::bench {

PublishPlan::PublishPlan(double rate, std::uint64_t total, std::vector<std::string> channel_names,
                         std::size_t publishers, std::size_t payload_bytes)
    : rate_(rate),
      total_(total),
      names_(std::move(channel_names)),
      publishers_(std::max<std::size_t>(1, std::min(publishers, names_.size()))),
      payload_(payload_bytes),
      acked_(std::make_unique<std::atomic<std::uint64_t>[]>(names_.size())) {}

std::int64_t PublishPlan::due_ns(std::uint64_t k) const {
  return start_ns_ + static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / rate_);
}

void PublishPlan::count_acked(std::size_t channel) const {
  auto& a = acked_[channel];
  a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

PublicationCursor::PublicationCursor(const PublishPlan& plan, std::size_t publisher) : plan_(plan) {
  const std::size_t c_count = plan.channels();
  for (std::size_t c = publisher; c < c_count; c += plan.publishers()) channels_.push_back(c);
  for (const auto c : channels_) {
    // Publications k = r * C + c < total.
    if (c < plan.total()) count_ += (plan.total() - c + c_count - 1) / c_count;
  }
}

std::optional<Publication> PublicationCursor::peek() const {
  if (channels_.empty()) return std::nullopt;
  const std::uint64_t k = round_ * plan_.channels() + channels_[next_];
  if (k >= plan_.total()) return std::nullopt;
  return Publication{k, channels_[next_], round_};
}

void PublicationCursor::advance() {
  if (++next_ == channels_.size()) {
    next_ = 0;
    ++round_;
  }
}

void PublisherStats::merge(const PublisherStats& o) {
  sent += o.sent;
  acked += o.acked;
  failed += o.failed;
  unanswered += o.unanswered;
  unsent += o.unsent;
  for (const auto& [k, v] : o.errors) errors[k] += v;
  ack_ns.merge(o.ack_ns);
  max_behind_ns = std::max(max_behind_ns, o.max_behind_ns);
  if (o.first_send_ns != 0 && (first_send_ns == 0 || o.first_send_ns < first_send_ns)) first_send_ns = o.first_send_ns;
  last_send_ns = std::max(last_send_ns, o.last_send_ns);
  last_ack_ns = std::max(last_ack_ns, o.last_ack_ns);
}

}  // namespace wshub::bench
