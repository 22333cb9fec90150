// OutgoingWrite: the bytes of one WebSocketSession write, laid out for one
// gather write: [pending control frames][header][frame][\n][frame]...
// The frames' payloads are shared, never copied; `iov` points into `control`
// storage owned by the session, into `header`, and into the frames.
//
// Thread-safety: plain data, used on one shard thread.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/publication.hpp"
#include "websocket/frame_header.hpp"

namespace wshub::net {

struct OutgoingWrite {
  static constexpr std::size_t k_max_frames = 31;                // 2 + 2 * 31 = 64 buffers
  static constexpr std::size_t k_max_iov = 2 + 2 * k_max_frames;  // one sendmsg (IOV_MAX is 1024)

  std::array<core::SharedFrame, k_max_frames> frames;
  std::size_t frame_count = 0;
  std::array<std::uint8_t, websocket::k_max_server_header> header{};
  std::array<iovec, k_max_iov> iov{};
  std::size_t iov_count = 0;
  std::size_t total = 0;  // bytes of the whole write

  // Drops the frame references (after the write, or when abandoning it).
  void release_frames() noexcept {
    for (std::size_t i = 0; i < frame_count; ++i) frames[i].reset();
    frame_count = 0;
  }
};

}  // namespace wshub::net
