// WriteBatcher: a shard's deferred socket writes, sent together.
//
// A plain-TCP WebSocketSession with something to send schedules itself here
// instead of posting its own write. Once the current handler (a fan-out to
// many subscribers, say) returns, one posted flush takes every scheduled
// session's next write (net::OutgoingWrite) and sends them all with one
// BatchSender call, then hands each session its result (a partial write
// continues on that session's own readiness wait). Sessions that still have
// data after a full write schedule themselves again for the next flush.
// TLS sessions never come here: their writes go through OpenSSL.
//
// Thread-safety: not thread-safe; one per shard, used on its thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <vector>

#include "net/batch_sender.hpp"
#include "net/outgoing_write.hpp"

namespace wshub::net {

class WebSocketSession;

class WriteBatcher {
 public:
  // Sessions sent per BatchSender call (and OutgoingWrite slots kept).
  static constexpr std::size_t k_max_batch = 128;

  WriteBatcher(boost::asio::any_io_executor executor, bool use_io_uring);
  ~WriteBatcher();

  // The session's next write goes out with the next flush.
  // REQUIRES: not already scheduled (the session tracks that).
  void schedule(std::shared_ptr<WebSocketSession> session);

  BatchSender::Mode mode() const noexcept { return sender_.mode(); }

 private:
  void flush();
  void send_chunk(std::span<const std::shared_ptr<WebSocketSession>> sessions);

  boost::asio::any_io_executor executor_;
  BatchSender sender_;
  std::vector<std::shared_ptr<WebSocketSession>> pending_;
  std::vector<std::shared_ptr<WebSocketSession>> flushing_;
  std::vector<OutgoingWrite> slots_;
  std::vector<SendRequest> requests_;
  std::vector<WebSocketSession*> owners_;
  bool posted_ = false;
};

}  // namespace wshub::net
