#include "net/write_batcher.hpp"

#include <boost/asio/post.hpp>

#include "net/websocket_session.hpp"

namespace wshub::net {

WriteBatcher::WriteBatcher(boost::asio::any_io_executor executor, bool use_io_uring)
    : executor_(std::move(executor)), sender_(use_io_uring) {}

WriteBatcher::~WriteBatcher() = default;

void WriteBatcher::schedule(std::shared_ptr<WebSocketSession> session) {
  pending_.push_back(std::move(session));
  if (std::exchange(posted_, true)) return;
  boost::asio::post(executor_, [this] { flush(); });
}

void WriteBatcher::flush() {
  posted_ = false;
  flushing_.swap(pending_);  // sessions scheduling themselves from here on wait for the next flush
  const std::span<const std::shared_ptr<WebSocketSession>> all(flushing_);
  for (std::size_t off = 0; off < all.size(); off += k_max_batch) {
    send_chunk(all.subspan(off, std::min(k_max_batch, all.size() - off)));
  }
  flushing_.clear();
}

void WriteBatcher::send_chunk(std::span<const std::shared_ptr<WebSocketSession>> sessions) {
  if (slots_.size() < sessions.size()) slots_.resize(sessions.size());
  requests_.clear();
  owners_.clear();
  for (const auto& s : sessions) {
    OutgoingWrite& w = slots_[requests_.size()];
    if (!s->begin_batched_write(w)) continue;
    requests_.push_back(SendRequest{s->native_handle(), w.iov.data(), w.iov_count, 0});
    owners_.push_back(s.get());
  }
  if (requests_.empty()) return;
  sender_.send_all(requests_);
  for (std::size_t i = 0; i < requests_.size(); ++i) {
    owners_[i]->end_batched_write(slots_[i], requests_[i].result);
  }
}

}  // namespace wshub::net
