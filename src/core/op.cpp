#include "core/op.hpp"

#include "core/channel_name.hpp"

namespace wshub::core {
namespace {

struct OpName {
  std::string_view name;
  OpKind kind;
};
constexpr OpName k_ops[] = {
    {"subscribe", OpKind::subscribe}, {"unsubscribe", OpKind::unsubscribe}, {"publish", OpKind::publish},
    {"history", OpKind::history},     {"presence", OpKind::presence},       {"ping", OpKind::ping},
    {"refresh", OpKind::refresh},
};

bool needs_channel(OpKind k) {
  return k == OpKind::subscribe || k == OpKind::unsubscribe || k == OpKind::publish || k == OpKind::history ||
         k == OpKind::presence;
}

// The first `max` bytes of `s`, cut back so no UTF-8 sequence is split.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

Expected<Op, OpError> decode_op(const JsonFields& f) {
  if (!f.id) return unexpected(OpError{std::nullopt, 400, "\"id\" must be an integer"});
  const std::int64_t id = *f.id;
  auto fail = [id](std::string message) { return unexpected(OpError{id, 400, std::move(message)}); };
  if (!f.type_error.empty()) return fail(f.type_error);
  if (!f.op) return fail("missing \"op\"");
  Op op;
  op.id = id;
  bool known = false;
  for (const auto& [name, kind] : k_ops) {
    if (*f.op == name) {
      op.kind = kind;
      known = true;
      break;
    }
  }
  if (!known) return fail("unknown op \"" + std::string(utf8_prefix(*f.op, 32)) + "\"");
  if (needs_channel(op.kind)) {
    if (!f.channel) return fail("missing \"channel\"");
    if (!is_valid_channel_name(*f.channel)) {
      return fail(std::string(k_invalid_channel_message));
    }
    op.channel = *f.channel;
  }
  if (op.kind == OpKind::publish) {
    if (!f.data) return fail("missing \"data\"");
    op.data = *f.data;
  }
  if (op.kind == OpKind::refresh) {
    if (!f.token) return fail("missing \"token\"");
    op.token = *f.token;
  }
  if (op.kind == OpKind::subscribe && f.token) op.token = *f.token;  // a subscription token
  if (op.kind == OpKind::subscribe || op.kind == OpKind::history) op.since = f.since;
  if (op.kind == OpKind::history && f.limit) {
    if (*f.limit < 0) return fail("\"limit\" must be >= 0");
    op.limit = *f.limit;
  }
  return op;
}

}  // namespace wshub::core
