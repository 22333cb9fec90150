// Client ids: the opaque "c-..." name the welcome gives each connection.
//
// An id is "c-" and 13 digits of base 32 (0-9, a-v) spelling one 64-bit random
// draw: 15 characters, which std::string keeps in its inline buffer, so the id's
// copies (map keys, registry entries, presence lists) allocate nothing and a hash
// map lookup that compares ids reads no second cache line. The caller supplies the
// draw from a well-seeded generator; ids are unique across instances only by
// chance (birthday bound: ~3e-8 for a million live connections).
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wshub::core {

inline constexpr std::size_t k_client_id_length = 15;

std::string format_client_id(std::uint64_t draw);

}  // namespace wshub::core
