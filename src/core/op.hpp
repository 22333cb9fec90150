// Client operations (PROTOCOL.md section 3): the decoded form and its decoder.
//
// decode_op() turns the fields of one JSON object into an Op, or into the
// error reply it deserves (400 with the id when one could be read).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "core/json_fields.hpp"

namespace wshub::core {

enum class OpKind { subscribe, unsubscribe, publish, history, presence, ping, refresh };

inline constexpr std::int64_t k_default_history_limit = 100;

struct Op {
  OpKind kind = OpKind::ping;
  std::int64_t id = 0;
  std::string_view channel;  // valid channel name for channel ops
  std::string_view data;     // raw JSON (publish)
  std::string_view token;    // refresh; subscribe (optional subscription token)
  std::optional<StreamPosition> since;
  std::int64_t limit = k_default_history_limit;  // history, >= 0
};

struct OpError {
  std::optional<std::int64_t> id;
  int code = 400;
  std::string message;
};

Expected<Op, OpError> decode_op(const JsonFields& fields);

}  // namespace wshub::core
