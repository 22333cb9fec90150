#include "net/batch_sender.hpp"

#include <liburing.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace wshub::net {

namespace {

constexpr unsigned k_ring_entries = 256;  // sends per io_uring_enter
constexpr int k_send_flags = MSG_NOSIGNAL | MSG_DONTWAIT;

ssize_t send_one(const SendRequest& r) {
  msghdr h{};
  h.msg_iov = const_cast<iovec*>(r.iov);
  h.msg_iovlen = r.iov_count;
  for (;;) {
    const ssize_t n = ::sendmsg(r.fd, &h, k_send_flags);
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

struct BatchSender::Ring {
  io_uring ring{};
};

BatchSender::BatchSender(bool use_io_uring) {
  if (!use_io_uring) return;
  auto ring = std::make_unique<Ring>();
  const int rc = io_uring_queue_init(k_ring_entries, &ring->ring, 0);
  if (rc < 0) {
    static bool logged = false;  // once per process, not once per shard
    if (!std::exchange(logged, true)) {
      spdlog::info("io_uring unavailable ({}): socket writes use one sendmsg each", std::strerror(-rc));
    }
    return;
  }
  ring_ = std::move(ring);
  headers_.resize(k_ring_entries);
}

BatchSender::~BatchSender() {
  if (ring_) io_uring_queue_exit(&ring_->ring);
}

void BatchSender::send_all(std::span<SendRequest> requests) {
  if (!ring_ || requests.size() == 1) {
    for (auto& r : requests) r.result = send_one(r);
    return;
  }
  while (!requests.empty()) {
    if (!ring_) {  // a failed ring turned itself off
      for (auto& r : requests) r.result = send_one(r);
      return;
    }
    const std::size_t n = std::min<std::size_t>(requests.size(), k_ring_entries);
    send_ring(requests.first(n));
    requests = requests.subspan(n);
  }
}

void BatchSender::send_ring(std::span<SendRequest> requests) {
  io_uring& ring = ring_->ring;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    msghdr& h = headers_[i];
    h = msghdr{};
    h.msg_iov = const_cast<iovec*>(requests[i].iov);
    h.msg_iovlen = requests[i].iov_count;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);  // never null: the ring is empty between batches
    io_uring_prep_sendmsg(sqe, requests[i].fd, &h, k_send_flags);
    io_uring_sqe_set_data64(sqe, i);
    requests[i].result = -EINPROGRESS;
  }
  std::size_t done = 0;
  int rc = io_uring_submit_and_wait(&ring, static_cast<unsigned>(requests.size()));
  for (;;) {
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      const auto i = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
      if (i < requests.size()) requests[i].result = cqe->res;
      ++seen;
    }
    io_uring_cq_advance(&ring, seen);
    done += seen;
    if (done >= requests.size()) return;
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) break;
    // Not all completed yet (only an interrupted wait gets here): wait again.
    rc = io_uring_submit_and_wait(&ring, 1);
  }
  // The ring failed outright (not seen in practice). A send still marked
  // in progress may or may not have left, so resending could duplicate a
  // frame: those connections fail instead (-EIO closes them; clients resume
  // from history), and this shard stops using io_uring.
  spdlog::error("io_uring batch failed ({}); closing {} connections, then one sendmsg per write",
                std::strerror(-rc), requests.size() - done);
  for (auto& r : requests) {
    if (r.result == -EINPROGRESS) r.result = -EIO;
  }
  io_uring_queue_exit(&ring);
  ring_.reset();
}

}  // namespace wshub::net
