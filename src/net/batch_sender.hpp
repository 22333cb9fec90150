// BatchSender: many non-blocking gather writes, each to its own socket, in
// one system call.
//
// A fan-out pass leaves one small write for each of many sockets. With
// io_uring the whole pass is one io_uring_enter; each send is issued inline
// with MSG_DONTWAIT, so every completion is there when the call returns (a
// full socket buffer completes with -EAGAIN, it is never parked in the
// kernel) and no buffer outlives send_all. Where io_uring is unavailable
// (an old kernel, a seccomp profile, kernel.io_uring_disabled, or turned off
// by configuration) the same contract holds with one sendmsg per write.
// On this project's 2-core VM a system call costs ~1 us; batching cut the
// server CPU per 100-byte delivery from 12.7-13.3 to 10.5-10.7 us in
// wshub-bench fanout (docs/ARCHITECTURE.md, "Batched writes").
//
// Thread-safety: not thread-safe; one per shard, used on its thread only.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace wshub::net {

struct SendRequest {
  int fd = -1;
  const iovec* iov = nullptr;
  std::size_t iov_count = 0;
  // Set by send_all: bytes written (possibly fewer than asked), or -errno
  // (-EAGAIN when the socket buffer is full).
  ssize_t result = 0;
};

class BatchSender {
 public:
  enum class Mode { io_uring, syscalls };

  // use_io_uring false, or a ring that cannot be set up: one sendmsg per write.
  explicit BatchSender(bool use_io_uring);
  ~BatchSender();
  BatchSender(const BatchSender&) = delete;
  BatchSender& operator=(const BatchSender&) = delete;

  Mode mode() const noexcept { return ring_ ? Mode::io_uring : Mode::syscalls; }

  // Sends every request (MSG_NOSIGNAL | MSG_DONTWAIT) and fills its result.
  // Returns when all are done; the iovecs are not used after that.
  void send_all(std::span<SendRequest> requests);

 private:
  struct Ring;
  void send_ring(std::span<SendRequest> requests);

  std::unique_ptr<Ring> ring_;
  std::vector<msghdr> headers_;  // scratch for one ring batch
};

}  // namespace wshub::net
