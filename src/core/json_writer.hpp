// Appending JSON text by hand for our fixed-shape envelopes and replies.
//
// Only values we produce go through here; client `data` is never re-encoded.
// Thread-safety: free functions on caller-owned strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::core {

// Appends `s` as a quoted JSON string, escaping '"', '\\' and control bytes.
void append_json_string(std::string& out, std::string_view s);
void append_uint(std::string& out, std::uint64_t v);
void append_int(std::string& out, std::int64_t v);

}  // namespace wshub::core
