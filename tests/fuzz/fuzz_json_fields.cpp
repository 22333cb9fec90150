// Fuzzes the client op codec: arbitrary bytes as one op line through
// JsonFieldDecoder::decode and decode_op, and through validate(). Besides
// crashes and sanitizer reports, it checks the codec's promises: views point
// into the input or stay readable, an accepted op has a valid channel, its
// `data` is valid JSON by itself, and everything we would send back is valid.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/channel_name.hpp"
#include "core/envelopes.hpp"
#include "core/json_fields.hpp"
#include "core/op.hpp"

namespace {

using namespace wshub::core;

// A copy of `s` with the padding decode() requires (zeroed, so runs are reproducible).
std::string padded(std::string_view s) {
  std::string buf(s.size() + k_json_padding, '\0');
  std::memcpy(buf.data(), s.data(), s.size());
  return buf;
}

// Like assert, but also in release builds, and says which promise broke.
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

bool is_valid_json(JsonFieldDecoder& checker, std::string_view text) {
  const std::string buf = padded(text);
  return static_cast<bool>(checker.validate(buf.data(), text.size(), buf.size()));
}

bool inside(std::string_view part, const std::string& buf, std::size_t len) {
  return part.data() >= buf.data() && part.data() + part.size() <= buf.data() + len;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  static JsonFieldDecoder decoder;  // reused across inputs, as a shard reuses its decoder
  static JsonFieldDecoder checker;  // for checking outputs without invalidating decoder's views

  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const std::string buf = padded(input);

  auto fields = decoder.decode(buf.data(), size, buf.size());
  std::string reply;
  if (fields) {
    if (fields->data) check(inside(*fields->data, buf, size), "data is a slice of the input");
    // Every view must be readable: copying touches each byte under ASan.
    std::string touched;
    for (const auto* v : {&fields->op, &fields->channel, &fields->data, &fields->token, &fields->client, &fields->user,
                          &fields->reason}) {
      if (*v) touched.assign(**v);
    }
    if (fields->channels) {
      for (auto c : *fields->channels) touched.assign(c);
    }

    auto op = decode_op(*fields);
    if (op) {
      check(fields->id.has_value() && op->id == *fields->id, "op id is the integer id");
      check(fields->type_error.empty(), "accepted op has no type error");
      if (op->kind != OpKind::ping && op->kind != OpKind::refresh) {
        check(is_valid_channel_name(op->channel), "accepted channel is valid");
      }
      if (op->kind == OpKind::history) check(op->limit >= 0, "limit >= 0");
      if (op->kind == OpKind::publish) {
        const std::string data(op->data);
        check(is_valid_json(checker, data), "data is valid JSON by itself, so it can be forwarded");
        reply = make_publication(op->channel, 1, "0123456789abcdef", data, 0)->frame.bytes;
      } else {
        reply = ReplyWriter(op->id).field_string("epoch", op->since ? op->since->epoch : "e").finish();
      }
    } else {
      check(op.error().code == 400, "op error is 400");
      check(!op.error().message.empty(), "op error has a message");
      check(op.error().id == fields->id, "op error carries the id read");
      reply = make_error_reply(op.error().id, op.error().code, op.error().message);
    }
  } else {
    check(!fields.error().empty(), "decode error has a message");
    reply = make_error_reply(std::nullopt, 400, fields.error());
  }
  check(is_valid_json(checker, reply), "what we would send back is valid JSON (and UTF-8)");

  // validate() agrees with decode(): an object decode accepted is valid JSON.
  auto valid = decoder.validate(buf.data(), size, buf.size());
  if (fields) check(static_cast<bool>(valid), "validate() accepts what decode() accepted");
  if (!valid) check(!fields, "decode() refuses what validate() refused");
  return 0;
}
