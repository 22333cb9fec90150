// ScriptCallOrder: keeps one Redis connection's Lua script calls in the order
// they were asked for when Redis loses its script cache under a live
// connection (SCRIPT FLUSH, or a failover behind a proxy to a server that
// never loaded the scripts).
//
// Calls go out as EVALSHA and Redis answers them in send order. The first
// NOSCRIPT answer starts a recovery: calls asked for from then on are held,
// and every call that meets NOSCRIPT is kept. Once no call sent before is
// unanswered, the kept calls go out again (as EVAL, which loads the script)
// and the held ones behind them, so the connection runs everything in the
// order it was asked for. A kept call that a later call overtook (that one
// succeeded because another connection had loaded the script meanwhile)
// cannot go back in its place: it fails instead. So a publication is never
// applied behind one its publisher made after it; at worst it is refused.
//
// Pure logic: the caller sends, and decides what happens to the calls it gets
// back. Thread-safety: none; one per connection, used on its executor.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace wshub::broker {

template <class Call>
class ScriptCallOrder {
 public:
  // What to send when a recovery ends, in this order. They count as sent.
  struct Resume {
    std::vector<Call> retry;  // kept calls, to send again as EVAL
    std::vector<Call> held;   // calls asked for during the recovery
  };

  bool recovering() const noexcept { return recovering_; }
  std::size_t in_flight() const noexcept { return in_flight_; }

  // A call is asked for: true if it may go out now (it counts as sent), false
  // if it was moved into the recovery's queue and comes back from resume().
  bool admit(Call& call) {
    if (recovering_) {
      held_.push_back(std::move(call));
      return false;
    }
    ++in_flight_;
    return true;
  }

  // A sent call was answered NOSCRIPT: it is kept for the retry.
  void on_noscript(Call call) {
    answered();
    recovering_ = true;
    kept_.push_back(std::move(call));
  }

  // A sent call got any other answer. `applied`: Redis ran it (not an error),
  // so the calls kept before it were overtaken; they are returned, to fail.
  std::vector<Call> on_answer(bool applied) {
    answered();
    std::vector<Call> overtaken;
    if (applied) overtaken.swap(kept_);
    return overtaken;
  }

  // When a recovery can end (every call sent before it was answered): the
  // calls to send, and the recovery is over. Otherwise nothing.
  std::optional<Resume> resume() {
    if (!recovering_ || in_flight_ != 0) return std::nullopt;
    Resume r{std::exchange(kept_, {}), std::exchange(held_, {})};
    recovering_ = false;
    in_flight_ = r.retry.size() + r.held.size();
    return r;
  }

  // The connection is gone: the calls kept or held, to fail; answers of
  // calls sent on it must not reach this object any more.
  std::vector<Call> reset() {
    std::vector<Call> out = std::exchange(kept_, {});
    for (auto& c : held_) out.push_back(std::move(c));
    held_.clear();
    recovering_ = false;
    in_flight_ = 0;
    return out;
  }

 private:
  void answered() noexcept {
    if (in_flight_ > 0) --in_flight_;
  }

  bool recovering_ = false;
  std::size_t in_flight_ = 0;  // sent on this connection, not yet answered
  std::vector<Call> kept_;     // answered NOSCRIPT during this recovery, in send order
  std::vector<Call> held_;     // asked for during this recovery, in order
};

}  // namespace wshub::broker
