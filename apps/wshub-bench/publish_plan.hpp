// PublishPlan: the publications of a fan-out run and who sends which.
//
// Publication k (0 <= k < total) goes to channel k % C with sequence k / C and
// is due at start + k / rate, so the load is spread evenly over channels and
// time. Channel c belongs to publisher c % P for the whole run: one connection
// sends a channel's sequence, in order, which is what lets subscribers check
// order per channel. Acknowledged publications are counted per channel (one
// writer per channel: its publisher) so the expected deliveries are known.
// Thread-safety: immutable once running, except the per-channel acked
// counters (relaxed atomics, one writer each).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace wshub::bench {

struct Publication {
  std::uint64_t k = 0;
  std::size_t channel = 0;
  std::uint64_t seq = 0;
};

class PublishPlan {
 public:
  PublishPlan(double rate, std::uint64_t total, std::vector<std::string> channel_names, std::size_t publishers,
              std::size_t payload_bytes);

  double rate() const { return rate_; }
  std::uint64_t total() const { return total_; }
  std::size_t channels() const { return names_.size(); }
  std::size_t publishers() const { return publishers_; }
  std::size_t payload_bytes() const { return payload_; }
  const std::string& channel_name(std::size_t c) const { return names_[c]; }

  void set_start(std::int64_t start_ns) { start_ns_ = start_ns; }
  std::int64_t start_ns() const { return start_ns_; }
  std::int64_t due_ns(std::uint64_t k) const;

  // Publications of channel c that the server acknowledged.
  void count_acked(std::size_t channel) const;
  std::uint64_t acked(std::size_t channel) const { return acked_[channel].load(std::memory_order_relaxed); }

 private:
  double rate_;
  std::uint64_t total_;
  std::vector<std::string> names_;
  std::size_t publishers_;
  std::size_t payload_;
  std::int64_t start_ns_ = 0;
  std::unique_ptr<std::atomic<std::uint64_t>[]> acked_;
};

// The publications of one publisher, in due order.
class PublicationCursor {
 public:
  PublicationCursor(const PublishPlan& plan, std::size_t publisher);
  std::optional<Publication> peek() const;
  void advance();
  std::uint64_t count() const { return count_; }  // publications this publisher has in all

 private:
  const PublishPlan& plan_;
  std::vector<std::size_t> channels_;  // channels of this publisher, ascending
  std::uint64_t round_ = 0;
  std::size_t next_ = 0;
  std::uint64_t count_ = 0;
};

// What one publisher did.
struct PublisherStats {
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;      // answered with an error
  std::uint64_t unanswered = 0;  // sent, no answer (connection lost or run ended)
  std::uint64_t unsent = 0;      // never sent (publisher stopped early)
  std::map<std::string, std::uint64_t> errors;
  Histogram ack_ns;                // send to acknowledgement
  std::int64_t max_behind_ns = 0;  // worst lateness against the schedule
  std::int64_t first_send_ns = 0;
  std::int64_t last_send_ns = 0;
  std::int64_t last_ack_ns = 0;

  void merge(const PublisherStats& o);
};

}  // namespace wshub::bench
