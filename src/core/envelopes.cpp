#include "core/envelopes.hpp"

#include "core/json_writer.hpp"

namespace wshub::core {

PublicationPtr make_publication(std::string_view channel, std::uint64_t offset, std::string_view epoch,
                                std::string_view raw_data, std::int64_t created_ns) {
  auto p = std::make_shared<Publication>();
  p->channel = channel;
  p->offset = offset;
  p->epoch = epoch;
  p->frame.created_ns = created_ns;
  std::string& out = p->frame.bytes;
  out.reserve(64 + channel.size() + raw_data.size() + epoch.size());
  out += R"({"type":"message","channel":)";
  append_json_string(out, channel);
  out += R"(,"data":)";
  out += raw_data;
  out += R"(,"offset":)";
  append_uint(out, offset);
  out += R"(,"epoch":)";
  append_json_string(out, epoch);
  out.push_back('}');
  return p;
}

std::string make_push(std::string_view raw_data) {
  std::string out = R"({"type":"push","data":)";
  out += raw_data;
  out.push_back('}');
  return out;
}

std::string make_welcome(const Welcome& w) {
  std::string out = R"({"type":"welcome","client":)";
  append_json_string(out, w.client);
  out += R"(,"instance":)";
  append_json_string(out, w.instance);
  out += R"(,"user":)";
  append_json_string(out, w.user);
  out += R"(,"ping_interval":)";
  append_int(out, w.ping_interval_s);
  out += R"(,"version":1})";
  return out;
}

ReplyWriter::ReplyWriter(std::int64_t id) {
  out_ = R"({"type":"reply","id":)";
  append_int(out_, id);
  out_ += R"(,"ok":true)";
}

void ReplyWriter::key(std::string_view k) {
  out_.push_back(',');
  append_json_string(out_, k);
  out_.push_back(':');
}

ReplyWriter& ReplyWriter::field_uint(std::string_view k, std::uint64_t v) {
  key(k);
  append_uint(out_, v);
  return *this;
}

ReplyWriter& ReplyWriter::field_int(std::string_view k, std::int64_t v) {
  key(k);
  append_int(out_, v);
  return *this;
}

ReplyWriter& ReplyWriter::field_bool(std::string_view k, bool v) {
  key(k);
  out_ += v ? "true" : "false";
  return *this;
}

ReplyWriter& ReplyWriter::field_string(std::string_view k, std::string_view v) {
  key(k);
  append_json_string(out_, v);
  return *this;
}

ReplyWriter& ReplyWriter::field_raw(std::string_view k, std::string_view raw_json) {
  key(k);
  out_ += raw_json;
  return *this;
}

std::string ReplyWriter::finish() {
  out_.push_back('}');
  return std::move(out_);
}

std::string make_error_reply(std::optional<std::int64_t> id, int code, std::string_view message) {
  std::string out = R"({"type":"reply",)";
  if (id) {
    out += R"("id":)";
    append_int(out, *id);
    out.push_back(',');
  }
  out += R"("ok":false,"error":{"code":)";
  append_int(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

std::string make_api_error(int code, std::string_view message) {
  std::string out = R"({"error":{"code":)";
  append_int(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

}  // namespace wshub::core
