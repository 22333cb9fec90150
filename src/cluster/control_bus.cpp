#include "cluster/control_bus.hpp"

#include <simdjson.h>

#include <boost/asio/post.hpp>

#include "core/envelopes.hpp"
#include "core/json_writer.hpp"

namespace wshub::cluster {

namespace {

using redis::Reply;
using ReplyResult = core::Expected<Reply, std::string>;

constexpr const char* k_all = "ws:ctl:all";
std::string inbox_of(const std::string& id) { return "ws:ctl:" + id; }
std::string user_channel(const std::string& user) { return "ws:user:{" + user + "}"; }

ClusterError unavailable(std::string_view why) {
  return ClusterError{503, "cluster unavailable: " + std::string(why)};
}

// `,"key":"value"` for a request's members.
void member(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  core::append_json_string(out, value);
}

std::string selector_fields(const hub::ClientSelector& who) {
  std::string out;
  if (!who.client.empty()) member(out, "client", who.client);
  if (!who.user.empty()) member(out, "user", who.user);
  return out;
}

std::size_t sum_counts(const std::vector<std::int64_t>& counts) {
  std::size_t n = 0;
  for (auto c : counts) n += static_cast<std::size_t>(std::max<std::int64_t>(c, 0));
  return n;
}

}  // namespace

ControlBus::ControlBus(boost::asio::any_io_executor ex, std::shared_ptr<redis::ManagedConnection> cmd,
                       std::shared_ptr<redis::ManagedConnection> sub, InstanceIdentity self, hub::ShardSet& shards,
                       hub::ClientDirectory& directory)
    : ex_(std::move(ex)),
      cmd_(std::move(cmd)),
      sub_(std::move(sub)),
      self_(std::move(self)),
      shards_(shards),
      directory_(directory),
      inbox_(inbox_of(self_.id)) {}

void ControlBus::start() {
  auto weak = weak_from_this();
  sub_->on_message([weak](std::string_view channel, std::string_view payload) {
    if (auto self = weak.lock()) self->on_message(channel, payload);
  });
  sub_->on_up([weak](redis::Connection& conn) {
    if (auto self = weak.lock()) self->on_up(conn);
  });
}

void ControlBus::stop() {
  stopped_ = true;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [rid, p] : pending) p.done(core::unexpected(unavailable("shutting down")));
}

// After every (re)connect: the broadcast channel, the inbox and every user held here.
void ControlBus::on_up(redis::Connection& sub) {
  std::vector<std::string> channels{k_all, inbox_};
  for (const auto& [user, n] : users_) channels.push_back(user_channel(user));
  sub.subscribe(std::move(channels), [](core::Expected<void, std::string>) {});
}

void ControlBus::user_joined(const std::string& user) {
  if (++users_[user] != 1) return;
  if (auto* conn = sub_->get()) conn->subscribe({user_channel(user)}, [](core::Expected<void, std::string>) {});
}

void ControlBus::user_left(const std::string& user) {
  auto it = users_.find(user);
  if (it == users_.end() || --it->second != 0) return;
  users_.erase(it);
  if (auto* conn = sub_->get()) conn->unsubscribe({user_channel(user)}, [](core::Expected<void, std::string>) {});
}

// --- Serving requests -----------------------------------------------------

void ControlBus::on_message(std::string_view, std::string_view payload) {
  if (stopped_) return;
  std::string padded;
  padded.reserve(payload.size() + core::k_json_padding);
  padded.assign(payload);
  auto f = decoder_.decode(padded.data(), padded.size(), padded.capacity());
  if (!f || !f->op || !f->id) return;  // not ours
  if (*f->op == "reply") {
    auto it = pending_.find(*f->id);
    if (it == pending_.end()) return;  // timed out already
    it->second.answers.push_back(Answer{f->code.value_or(0), std::string(f->data.value_or("null"))});
    if (it->second.answers.size() >= it->second.expected) finish(*f->id, false);
    return;
  }
  serve(*f);
}

void ControlBus::serve(const core::JsonFields& f) {
  if (!f.channel) return;
  const std::string to(*f.channel);
  const std::int64_t rid = *f.id;
  auto self = shared_from_this();
  hub::ClientSelector who{std::string(f.client.value_or("")), std::string(f.user.value_or(""))};
  if (*f.op == "send" && f.data) {
    directory_.send(std::move(who), core::make_frame(core::make_push(*f.data)), ex_,
                    [self, to, rid](std::size_t n) { self->answer(to, rid, n, "null"); });
  } else if (*f.op == "disconnect") {
    const auto code = static_cast<std::uint16_t>(f.code.value_or(4002));
    directory_.disconnect(std::move(who), code, std::string(f.reason.value_or("")), ex_,
                          [self, to, rid](std::size_t n) { self->answer(to, rid, n, "null"); });
  } else if (*f.op == "channels") {
    directory_.channels(ex_, [self, to, rid](std::map<std::string, std::size_t> counts) {
      std::string data = "{";
      for (const auto& [name, n] : counts) {
        if (data.size() > 1) data.push_back(',');
        core::append_json_string(data, name);
        data.push_back(':');
        core::append_uint(data, n);
      }
      data.push_back('}');
      self->answer(to, rid, counts.size(), data);
    });
  } else if (*f.op == "info") {
    answer(to, rid, 1, instance_json(self_, shards_));
  }
}

void ControlBus::answer(const std::string& to, std::int64_t rid, std::size_t count, const std::string& data) {
  auto* conn = cmd_->get();
  if (conn == nullptr || stopped_) return;
  std::string msg = R"({"op":"reply","id":)";
  core::append_int(msg, rid);
  msg += R"(,"code":)";
  core::append_uint(msg, count);
  msg += R"(,"data":)";
  msg += data;
  msg.push_back('}');
  conn->command({"PUBLISH", inbox_of(to), std::move(msg)}, [](ReplyResult) {});
}

// --- Making requests -------------------------------------------------------

void ControlBus::request(const std::string& target, const std::string& fields, AnswersHandler done) {
  auto* conn = cmd_->get();
  if (stopped_ || conn == nullptr || sub_->get() == nullptr) {
    done(core::unexpected(unavailable("Redis is not connected")));
    return;
  }
  const std::int64_t rid = next_rid_++;
  std::string msg = "{\"id\":";
  core::append_int(msg, rid);
  member(msg, "channel", self_.id);
  msg += fields;
  msg.push_back('}');
  Pending& p = pending_[rid];
  p.done = std::move(done);
  p.timer = std::make_unique<boost::asio::steady_timer>(ex_, k_answer_timeout);
  p.timer->async_wait([self = shared_from_this(), rid](boost::system::error_code ec) {
    if (!ec) self->finish(rid, true);
  });
  conn->command({"PUBLISH", target, std::move(msg)}, [self = shared_from_this(), rid](ReplyResult r) {
    auto it = self->pending_.find(rid);
    if (it == self->pending_.end()) return;
    if (!r || !r->is_integer()) {
      auto failed = std::move(it->second.done);
      self->pending_.erase(it);
      failed(core::unexpected(unavailable(!r ? r.error() : to_string(*r))));
      return;
    }
    it->second.expected = static_cast<std::size_t>(r->integer);
    if (it->second.answers.size() >= it->second.expected) self->finish(rid, false);
  });
}

void ControlBus::finish(std::int64_t rid, bool timed_out) {
  auto it = pending_.find(rid);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (p.timer) p.timer->cancel();
  (void)timed_out;  // a late or missing instance counts as having nothing
  p.done(std::move(p.answers));
}

void ControlBus::addressed(const hub::ClientSelector& who, const std::string& fields,
                           ClusterHandler<std::size_t> done) {
  auto gather = [done](core::Expected<std::vector<Answer>, ClusterError> r) {
    if (!r) return done(core::unexpected(r.error()));
    std::vector<std::int64_t> counts;
    for (const auto& a : *r) counts.push_back(a.count);
    done(sum_counts(counts));
  };
  if (!who.user.empty()) {
    request(user_channel(who.user), fields, std::move(gather));
    return;
  }
  auto* conn = cmd_->get();
  if (conn == nullptr) {
    done(core::unexpected(unavailable("Redis is not connected")));
    return;
  }
  // Which instance holds the client (Registry's ws:conn:<client>)?
  conn->command({"GET", "ws:conn:" + who.client}, [self = shared_from_this(), fields, done,
                                                   gather = std::move(gather)](ReplyResult r) mutable {
    if (!r) return done(core::unexpected(unavailable(r.error())));
    if (!r->is_string()) return done(std::size_t{0});  // no such client anywhere
    simdjson::dom::parser parser;
    std::string_view instance;
    if (parser.parse(r->str).get_object()["instance"].get_string().get(instance)) return done(std::size_t{0});
    self->request(inbox_of(std::string(instance)), fields, std::move(gather));
  });
}

void ControlBus::send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done) {
  std::string fields = R"(,"op":"send")" + selector_fields(who) + R"(,"data":)" + raw_data;
  addressed(who, fields, std::move(done));
}

void ControlBus::disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason,
                            ClusterHandler<std::size_t> done) {
  std::string fields = R"(,"op":"disconnect")" + selector_fields(who) + R"(,"code":)" + std::to_string(code);
  member(fields, "reason", reason);
  addressed(who, fields, std::move(done));
}

void ControlBus::channels(ClusterHandler<std::map<std::string, std::size_t>> done) {
  request(k_all, R"(,"op":"channels")", [done = std::move(done)](core::Expected<std::vector<Answer>, ClusterError> r) {
    if (!r) return done(core::unexpected(r.error()));
    std::map<std::string, std::size_t> total;
    simdjson::dom::parser parser;
    for (const auto& a : *r) {
      simdjson::dom::object obj;
      if (parser.parse(a.data).get_object().get(obj)) continue;
      for (auto [key, value] : obj) {
        std::uint64_t n = 0;
        if (!value.get_uint64().get(n)) total[std::string(key)] += static_cast<std::size_t>(n);
      }
    }
    done(std::move(total));
  });
}

void ControlBus::instances(ClusterHandler<std::string> done) {
  request(k_all, R"(,"op":"info")", [done = std::move(done)](core::Expected<std::vector<Answer>, ClusterError> r) {
    if (!r) return done(core::unexpected(r.error()));
    std::string out = "[";
    for (const auto& a : *r) {
      if (a.data.empty() || a.data.front() != '{') continue;
      if (out.size() > 1) out.push_back(',');
      out += a.data;
    }
    out.push_back(']');
    done(std::move(out));
  });
}

}  // namespace wshub::cluster
