#include "core/channel_sequencer.hpp"

namespace wshub::core {

std::optional<ChannelSequencer::Range> ChannelSequencer::start(std::string_view epoch, std::uint64_t top, Out& out) {
  started_ = true;
  epoch_ = epoch;
  last_ = top;
  return drain(out);
}

void ChannelSequencer::suspend() { suspended_ = true; }

std::optional<ChannelSequencer::Range> ChannelSequencer::resume(std::string_view epoch, std::uint64_t top,
                                                                Out& out) {
  suspended_ = false;
  if (!started_) return start(epoch, top, out);
  if (pending_) return std::nullopt;  // the backfill in flight continues; held ones follow
  if (epoch != epoch_) {
    // The broker lost the channel's history: the new epoch starts at offset 1.
    epoch_ = epoch;
    last_ = 0;
  }
  if (top > last_) {
    pending_ = Range{epoch_, last_ + 1, top};
    return pending_;
  }
  return drain(out);
}

std::optional<ChannelSequencer::Range> ChannelSequencer::unpin(Out& out) {
  if (pins_ > 0) --pins_;
  return drain(out);
}

std::optional<ChannelSequencer::Range> ChannelSequencer::on_live(PublicationPtr p, Out& out) {
  if (holding()) {
    held_.push_back(std::move(p));
    return std::nullopt;
  }
  return classify(std::move(p), out);
}

std::optional<ChannelSequencer::Range> ChannelSequencer::classify(PublicationPtr p, Out& out) {
  if (p->epoch != epoch_) {
    epoch_ = p->epoch;
    last_ = 0;
  }
  if (p->offset <= last_) {
    ++duplicates_;
    return std::nullopt;
  }
  if (p->offset == last_ + 1) {
    last_ = p->offset;
    out.push_back(std::move(p));
    return std::nullopt;
  }
  pending_ = Range{epoch_, last_ + 1, p->offset - 1};
  held_.push_front(std::move(p));
  return pending_;
}

std::optional<ChannelSequencer::Range> ChannelSequencer::on_backfill(const std::vector<PublicationPtr>& got,
                                                                     Out& out) {
  if (!pending_) return std::nullopt;
  const Range range = std::move(*pending_);
  pending_.reset();
  if (range.epoch == epoch_) {
    for (const auto& p : got) {
      if (p->epoch != epoch_ || p->offset <= last_ || p->offset > range.last) continue;
      lost_ += p->offset - last_ - 1;
      last_ = p->offset;
      out.push_back(p);
    }
    if (last_ < range.last) {
      lost_ += range.last - last_;
      last_ = range.last;
    }
  }
  return drain(out);
}

std::optional<ChannelSequencer::Range> ChannelSequencer::drain(Out& out) {
  while (!held_.empty() && !holding()) {
    PublicationPtr p = std::move(held_.front());
    held_.pop_front();
    if (auto gap = classify(std::move(p), out)) return gap;
  }
  return std::nullopt;
}

}  // namespace wshub::core
