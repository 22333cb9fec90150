// PaddedJson: test text copied into buffers that meet JsonFieldDecoder's
// REQUIRES (capacity >= len + k_json_padding), kept alive for the whole test
// because decoded fields are views into them.
// Thread-safety: not thread-safe; one per test.
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include "core/json_fields.hpp"

namespace wshub::core::testing {

class PaddedJson {
 public:
  // A stable copy of `text` with k_json_padding readable bytes after it.
  const std::string& copy(std::string_view text) {
    std::string& s = buffers_.emplace_back();
    s.reserve(text.size() + k_json_padding);
    s.assign(text);
    return s;
  }

  Expected<JsonFields, std::string> decode(std::string_view text) {
    const std::string& s = copy(text);
    return decoder_.decode(s.data(), s.size(), s.capacity());
  }

  Expected<void, std::string> validate(std::string_view text) {
    const std::string& s = copy(text);
    return decoder_.validate(s.data(), s.size(), s.capacity());
  }

  // The buffer of the latest decode() or validate().
  const std::string& last() const { return buffers_.back(); }

 private:
  std::deque<std::string> buffers_;  // deque: references stay valid as it grows
  JsonFieldDecoder decoder_;
};

}  // namespace wshub::core::testing
