#include "payload.hpp"

#include <simdjson.h>

#include <charconv>

namespace wshub::bench {
namespace od = simdjson::ondemand;

namespace {

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

// Reads a non-negative decimal integer at the front of `text`, advancing it.
bool take_uint(std::string_view& text, std::uint64_t& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

bool take(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

// {"t":N,"s":N at the front of `text` (our own payload, as published).
bool take_payload_head(std::string_view& text, ParsedLine& out) {
  std::uint64_t t = 0;
  if (!take(text, R"({"t":)") || !take_uint(text, t) || !take(text, R"(,"s":)") || !take_uint(text, out.seq)) {
    return false;
  }
  out.t_ns = static_cast<std::int64_t>(t);
  out.has_payload = true;
  return true;
}

}  // namespace

void append_payload(std::string& out, std::int64_t t_ns, std::uint64_t seq, std::size_t size) {
  const std::size_t start = out.size();
  out += R"({"t":)";
  append_number(out, static_cast<std::uint64_t>(t_ns));
  out += R"(,"s":)";
  append_number(out, seq);
  out += R"(,"p":")";
  const std::size_t used = out.size() - start + 2;  // the closing "}
  if (size > used) out.append(size - used, 'x');
  out += "\"}";
}

struct LineParser::Impl {
  od::parser parser;
  std::string scratch;  // padded copy of the line for simdjson
  std::string channel;  // channel name of a slow-path message
};

LineParser::LineParser() : impl_(std::make_unique<Impl>()) {}
LineParser::~LineParser() = default;

ParsedLine LineParser::parse(std::string_view line) {
  // wshub's envelope: {"type":"message","channel":"NAME","data":{"t":..,"s":..,...},...}
  // Channel names cannot contain '"' or '\\', so the name ends at the next quote.
  std::string_view rest = line;
  if (take(rest, R"({"type":"message","channel":")")) {
    const auto quote = rest.find('"');
    if (quote != std::string_view::npos) {
      ParsedLine out;
      out.kind = LineKind::message;
      out.channel = rest.substr(0, quote);
      rest.remove_prefix(quote + 1);
      if (take(rest, R"(,"data":)") && take_payload_head(rest, out)) return out;
    }
  } else if (take(rest, R"({"type":"reply","id":)")) {
    ParsedLine out;
    out.kind = LineKind::reply;
    std::uint64_t id = 0;
    if (take_uint(rest, id) && take(rest, R"(,"ok":true)")) {
      out.has_id = true;
      out.id = static_cast<std::int64_t>(id);
      out.ok = true;
      return out;
    }
  }
  return parse_slow(line);
}

ParsedLine LineParser::parse_slow(std::string_view line) {
  ++slow_path_;
  ParsedLine out;
  auto& scratch = impl_->scratch;
  scratch.assign(line);
  scratch.append(simdjson::SIMDJSON_PADDING, '\0');
  od::document doc;
  if (impl_->parser.iterate(scratch.data(), line.size(), scratch.size()).get(doc) != simdjson::SUCCESS) return out;
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return out;
  std::string_view type;
  if (obj.find_field_unordered("type").get_string().get(type) != simdjson::SUCCESS) return out;
  if (type == "message") {
    out.kind = LineKind::message;
    std::string_view channel;
    if (obj.find_field_unordered("channel").get_string().get(channel) == simdjson::SUCCESS) {
      impl_->channel.assign(channel);
      out.channel = impl_->channel;
    }
    od::object data;
    if (obj.find_field_unordered("data").get_object().get(data) == simdjson::SUCCESS) {
      std::uint64_t t = 0, s = 0;
      if (data.find_field_unordered("t").get_uint64().get(t) == simdjson::SUCCESS &&
          data.find_field_unordered("s").get_uint64().get(s) == simdjson::SUCCESS) {
        out.t_ns = static_cast<std::int64_t>(t);
        out.seq = s;
        out.has_payload = true;
      }
    }
  } else if (type == "reply") {
    out.kind = LineKind::reply;
    std::int64_t id = 0;
    if (obj.find_field_unordered("id").get_int64().get(id) == simdjson::SUCCESS) {
      out.has_id = true;
      out.id = id;
    }
    bool ok = false;
    if (obj.find_field_unordered("ok").get_bool().get(ok) == simdjson::SUCCESS) out.ok = ok;
    if (!out.ok) {
      std::int64_t code = 0;
      if (obj.find_field_unordered("error").find_field_unordered("code").get_int64().get(code) == simdjson::SUCCESS) {
        out.error_code = code;
      }
    }
  } else if (type == "welcome") {
    out.kind = LineKind::welcome;
  } else if (type == "push") {
    out.kind = LineKind::push;
  } else {
    out.kind = LineKind::other;
  }
  return out;
}

}  // namespace wshub::bench
