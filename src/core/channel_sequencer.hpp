// ChannelSequencer: turns one channel's publications as a broker connection
// sees them (duplicated, with gaps after a reconnect or a lost message, with a
// new epoch after the broker lost the channel's history) into the gap-free,
// duplicate-free, offset-ordered sequence the hub delivers.
//
// The owner feeds live publications and backfills (what history still holds
// of a gap it was asked for) and receives, in `out`, the publications to
// deliver now. When a gap shows, it returns the range to read from history;
// later live publications are held until the backfill arrives. Publications
// history no longer has are counted in lost().
//
// Pure (no I/O, no clock); thread-safety: not thread-safe, one owner (the
// channel's owner shard).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/publication.hpp"

namespace wshub::core {

class ChannelSequencer {
 public:
  // A range of offsets, inclusive, to read from the channel's history.
  struct Range {
    std::string epoch;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    bool operator==(const Range&) const = default;
  };
  using Out = std::vector<PublicationPtr>;

  // Until start(), every live publication is held.
  ChannelSequencer() = default;

  // The channel's position once the subscription is confirmed: everything
  // up to `top` of `epoch` is history, not delivered. Releases what was held.
  std::optional<Range> start(std::string_view epoch, std::uint64_t top, Out& out);

  // Holds live publications (a reconnect is in progress) until resume().
  void suspend();
  // After a reconnect: the broker's position is (epoch, top). What was
  // published since the last delivery is returned as a range to backfill.
  std::optional<Range> resume(std::string_view epoch, std::uint64_t top, Out& out);

  // While pinned (a recovery snapshot is being read), live publications are
  // held so none reaches subscribers before the snapshot's reply. Counted.
  void pin() { ++pins_; }
  std::optional<Range> unpin(Out& out);

  std::optional<Range> on_live(PublicationPtr p, Out& out);
  // The publications history returned for the pending range, oldest first.
  std::optional<Range> on_backfill(const std::vector<PublicationPtr>& got, Out& out);
  // The backfill could not be read (broker error): the range counts as lost.
  std::optional<Range> on_backfill_failed(Out& out) { return on_backfill({}, out); }

  bool started() const noexcept { return started_; }
  bool backfilling() const noexcept { return pending_.has_value(); }
  const std::string& epoch() const noexcept { return epoch_; }
  // Offset of the last publication delivered (or skipped as history at start).
  std::uint64_t last() const noexcept { return last_; }
  std::uint64_t lost() const noexcept { return lost_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }

 private:
  bool holding() const noexcept { return !started_ || suspended_ || pins_ > 0 || pending_.has_value(); }
  // Delivers, drops or asks for a gap; false when the publication must wait.
  std::optional<Range> classify(PublicationPtr p, Out& out);
  std::optional<Range> drain(Out& out);

  std::string epoch_;
  std::uint64_t last_ = 0;
  bool started_ = false;
  bool suspended_ = false;
  int pins_ = 0;
  std::optional<Range> pending_;
  std::deque<PublicationPtr> held_;
  std::uint64_t lost_ = 0;
  std::uint64_t duplicates_ = 0;
};

}  // namespace wshub::core
