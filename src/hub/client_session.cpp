#include "hub/client_session.hpp"

#include <algorithm>
#include <chrono>

#include "core/channel_name.hpp"
#include "core/envelopes.hpp"
#include "hub/channel_router.hpp"
#include "hub/client_directory.hpp"
#include "hub/connection_observer.hpp"
#include "hub/readiness.hpp"
#include "hub/shard.hpp"

namespace wshub::hub {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One decoder per thread: sessions on a shard take turns.
core::JsonFieldDecoder& thread_decoder() {
  thread_local core::JsonFieldDecoder decoder;
  return decoder;
}

}  // namespace

ClientSession::ClientSession(HubContext& hub, Shard& shard, std::shared_ptr<net::WebSocketSession> transport,
                             auth::Identity identity)
    : hub_(hub),
      shard_(shard),
      transport_(std::move(transport)),
      client_(shard.next_client_id()),
      user_(std::move(identity.user)),
      expires_at_(identity.expires_at),
      channels_claim_(std::move(identity.channels)),
      policy_(hub.config.dev),
      expiry_timer_(shard.executor()),
      op_bucket_(hub.config.client_op_rate, static_cast<double>(hub.config.client_op_burst)) {}

void ClientSession::start() {
  transport_->set_handler(this);
  shard_.sessions.emplace(client_, shared_from_this());
  if (!user_.empty()) shard_.sessions_by_user[user_].push_back(this);
  shard_.counters.connections.add(1);
  shard_.counters.connections_total.add(1);
  if (hub_.observer != nullptr) hub_.observer->connected(client_, user_);
  transport_->send(core::make_frame(core::make_welcome(
      {client_, hub_.instance_id, user_, static_cast<std::int64_t>(hub_.config.ping_interval.count())})));
  arm_expiry();
  // Upgraded while the drain was starting: it would miss the drain's 1001.
  if (hub_.readiness.draining()) transport_->close(1001, "server shutting down", true);
}

void ClientSession::on_text(char* text, std::size_t len, std::size_t capacity) { process(text, len, capacity); }

void ClientSession::process(const char* text, std::size_t len, std::size_t capacity) {
  // Several ops may share one frame, separated by '\n'.
  std::size_t start = 0;
  while (start < len && !closed_ && transport_->is_open()) {
    if (op_in_flight_) {
      backlog_.reserve(len - start + core::k_json_padding);
      backlog_.assign(text + start, len - start);
      transport_->pause_reading();
      return;
    }
    std::size_t end = start;
    while (end < len && text[end] != '\n') ++end;
    std::size_t line_end = end;
    if (line_end > start && text[line_end - 1] == '\r') --line_end;
    bool blank = true;
    for (std::size_t i = start; i < line_end && blank; ++i) {
      blank = text[i] == ' ' || text[i] == '\t';
    }
    if (!blank) handle_line(text + start, line_end - start, capacity - start);
    start = end + 1;
  }
}

void ClientSession::op_done() {
  op_in_flight_ = false;
  if (closed_) return;
  if (!backlog_.empty()) {
    std::string work = std::move(backlog_);
    backlog_ = std::string();
    process(work.data(), work.size(), work.capacity());
  }
  if (!op_in_flight_) transport_->resume_reading();
}

void ClientSession::handle_line(const char* line, std::size_t len, std::size_t capacity) {
  shard_.counters.ops_in.add(1);
  const bool allowed = op_bucket_.try_take(now_ns());
  auto fields = thread_decoder().decode(line, len, capacity);
  if (!fields) {
    reply_error(std::nullopt, 400, fields.error());
    return;
  }
  if (!allowed) {
    shard_.counters.rate_limited.add(1);
    reply_error(fields->id, 429, "rate limited: too many ops");
    if (++consecutive_limited_ >= hub_.config.client_abuse_limit) {
      if (consecutive_limited_ == hub_.config.client_abuse_limit) shard_.counters.abuse_closes.add(1);
      transport_->close(1008, "too many rate-limited ops", true);
    }
    return;
  }
  consecutive_limited_ = 0;
  auto op = core::decode_op(*fields);
  if (!op) {
    reply_error(op.error().id, op.error().code, op.error().message);
    return;
  }
  handle(*op);
}

void ClientSession::handle(const core::Op& op) {
  switch (op.kind) {
    case core::OpKind::subscribe: return op_subscribe(op);
    case core::OpKind::unsubscribe: return op_unsubscribe(op);
    case core::OpKind::publish: return op_publish(op);
    case core::OpKind::history: return op_history(op);
    case core::OpKind::presence: return op_presence(op);
    case core::OpKind::ping: return reply(core::ReplyWriter(op.id).finish());
    case core::OpKind::refresh: return op_refresh(op);
  }
}

std::vector<ClientSession::Subscription>::iterator ClientSession::find_subscription(std::string_view channel) {
  return std::find_if(subscriptions_.begin(), subscriptions_.end(),
                      [channel](const Subscription& s) { return s.channel == channel; });
}

void ClientSession::op_subscribe(const core::Op& op) {
  if (find_subscription(op.channel) != subscriptions_.end()) {
    return reply_error(op.id, 409, "already subscribed");
  }
  if (subscriptions_.size() >= hub_.config.max_channels_per_connection) {
    shard_.counters.channel_limit_refusals.add(1);
    return reply_error(op.id, 429,
                       "channel limit reached: at most " + std::to_string(hub_.config.max_channels_per_connection) +
                           " subscriptions per connection");
  }
  if (!may_subscribe(op)) return;
  std::string channel(op.channel);
  subscriptions_.push_back({channel, true});
  ++shard_.pending_joins[channel];
  const bool with_since = op.since.has_value();
  if (auto here = shard_position(op)) return on_joined(op.id, channel, with_since, std::move(*here));
  op_in_flight_ = true;
  hub_.router.join(shard_.index(), channel, op.since,
                   [self = shared_from_this(), id = op.id, channel,
                    with_since](core::Expected<broker::RecoveryResult, broker::BrokerError> r) {
                     self->on_joined(id, channel, with_since, std::move(r));
                     self->op_done();
                   });
}

std::optional<broker::RecoveryResult> ClientSession::shard_position(const core::Op& op) const {
  // This shard already receives the channel (it has a subscriber, so its
  // registration with the owner stands) and delivers publications in offset
  // order: the last one delivered here is a position the new subscriber's
  // stream continues from without gap or duplicate, as the owner's answer
  // would be. A recovery that has something to send still asks the owner.
  const auto* entry = shard_.subscribers.entry(op.channel);
  if (entry == nullptr) return std::nullopt;
  const core::StreamPosition& last = entry->data;
  if (op.since && (op.since->epoch != last.epoch || op.since->offset != last.offset)) return std::nullopt;
  return broker::RecoveryResult{last.epoch, last.offset, op.since.has_value(), {}};
}

void ClientSession::on_joined(std::int64_t id, const std::string& channel, bool with_since,
                              core::Expected<broker::RecoveryResult, broker::BrokerError> r) {
  auto pending = shard_.pending_joins.find(channel);
  if (--pending->second == 0) shard_.pending_joins.erase(pending);
  auto sub = find_subscription(channel);
  const bool wanted = !closed_ && sub != subscriptions_.end() && sub->pending;
  if (!r) {
    if (wanted) subscriptions_.erase(sub);
    if (!closed_) reply_error(id, r.error().code, r.error().message);
    release_channel(channel);
    return;
  }
  if (!closed_) {
    // The reply goes into the queue before any live message: from the next
    // handler on, this session is in the index and gets offsets > r->offset.
    core::ReplyWriter w(id);
    w.field_string("epoch", r->epoch).field_uint("offset", r->offset);
    if (with_since) {
      w.field_bool("recovered", r->recovered);
      if (r->recovered) w.field_raw("messages", core::messages_array(r->messages));
    }
    reply(w.finish());
  }
  if (!wanted) {  // unsubscribed or disconnected while the subscribe was in flight
    release_channel(channel);
    return;
  }
  sub->pending = false;
  if (shard_.subscribers.add(channel, this)) shard_.subscribers.entry(channel)->data = {r->epoch, r->offset};
  shard_.counters.subscriptions.add(1);
}

void ClientSession::release_channel(const std::string& channel) {
  if (shard_.channel_unused(channel)) hub_.router.leave(shard_.index(), channel);
}

void ClientSession::op_unsubscribe(const core::Op& op) {
  auto sub = find_subscription(op.channel);
  if (sub != subscriptions_.end()) {
    const bool pending = sub->pending;
    std::string channel = std::move(sub->channel);
    subscriptions_.erase(sub);
    if (!pending) {  // a pending one is released when its reply comes back
      shard_.subscribers.remove(channel, this);
      shard_.counters.subscriptions.add(-1);
      release_channel(channel);
    }
  }
  reply(core::ReplyWriter(op.id).finish());
}

void ClientSession::op_publish(const core::Op& op) {
  const auto& ns = hub_.router.namespace_of(op.channel);
  if (auto allowed = policy_.can_publish(ns, op.channel, subject()); !allowed) {
    return reply_error(op.id, 403, allowed.reason);
  }
  if (op.data.size() > hub_.config.max_publish_size) {
    return reply_error(op.id, 413, "data too large: at most " + std::to_string(hub_.config.max_publish_size) + " bytes");
  }
  shard_.counters.publications_in.add(1);
  op_in_flight_ = true;
  hub_.router.publish(std::string(op.channel), std::string(op.data), shard_.executor(),
                      [self = shared_from_this(), id = op.id](
                          core::Expected<broker::PublishResult, broker::BrokerError> r) {
                        if (!r) {
                          self->reply_error(id, r.error().code, r.error().message);
                        } else {
                          self->reply(core::ReplyWriter(id)
                                          .field_uint("offset", r->offset)
                                          .field_string("epoch", r->epoch)
                                          .finish());
                        }
                        self->op_done();
                      });
}

void ClientSession::op_history(const core::Op& op) {
  const auto& ns = hub_.router.namespace_of(op.channel);
  if (auto allowed = policy_.can_read_history(ns, op.channel, subject(), subscribed(op.channel)); !allowed) {
    return reply_error(op.id, 403, allowed.reason);
  }
  if (ns.history_size == 0) return reply_error(op.id, 404, "this channel's namespace keeps no history");
  broker::HistoryQuery q{op.since, static_cast<std::size_t>(op.limit)};
  op_in_flight_ = true;
  hub_.router.history(std::string(op.channel), std::move(q), shard_.executor(),
                      [self = shared_from_this(), id = op.id](
                          core::Expected<broker::HistoryResult, broker::BrokerError> r) {
                        if (!r) {
                          self->reply_error(id, r.error().code, r.error().message);
                        } else {
                          self->reply(core::ReplyWriter(id)
                                          .field_string("epoch", r->epoch)
                                          .field_uint("offset", r->offset)
                                          .field_raw("messages", core::messages_array(r->messages))
                                          .finish());
                        }
                        self->op_done();
                      });
}

void ClientSession::op_presence(const core::Op& op) {
  const auto& ns = hub_.router.namespace_of(op.channel);
  if (auto allowed = policy_.can_read_presence(ns, op.channel, subject(), subscribed(op.channel)); !allowed) {
    return reply_error(op.id, 403, allowed.reason);
  }
  if (!ns.presence) return reply_error(op.id, 404, "this channel's namespace keeps no presence");
  op_in_flight_ = true;
  hub_.directory.presence(std::string(op.channel), shard_.executor(),
                          [self = shared_from_this(), id = op.id](std::string clients_json) {
                            self->reply(core::ReplyWriter(id).field_raw("clients", clients_json).finish());
                            self->op_done();
                          });
}

bool ClientSession::subscribed(std::string_view channel) {
  auto sub = find_subscription(channel);
  return sub != subscriptions_.end() && !sub->pending;
}

bool ClientSession::may_subscribe(const core::Op& op) {
  bool granted = false;
  // --dev lets everyone subscribe: a subscription token is not even read.
  if (!op.token.empty() && !hub_.config.dev) {
    if (hub_.authenticator == nullptr) {
      reply_error(op.id, 403, "permission denied: this server does not use subscription tokens");
      return false;
    }
    auto grant = hub_.authenticator->verify_subscription_token(op.token);
    if (!grant) {
      reply_error(op.id, 403, grant.error().message);
      return false;
    }
    if (grant->client != client_ || grant->channel != op.channel) {
      reply_error(op.id, 403, "permission denied: the subscription token is for another client or channel");
      return false;
    }
    if (!grant->user.empty() && grant->user != user_) {
      reply_error(op.id, 403, "permission denied: the subscription token is for another user");
      return false;
    }
    granted = true;
  }
  auto allowed = policy_.can_subscribe(hub_.router.namespace_of(op.channel), op.channel, subject(), granted);
  if (!allowed) reply_error(op.id, 403, allowed.reason);
  return allowed.allowed;
}

void ClientSession::op_refresh(const core::Op& op) {
  if (hub_.authenticator == nullptr) {
    return reply_error(op.id, 400, "refresh: this server does not use connection tokens");
  }
  auto identity = hub_.authenticator->verify_connection_token(op.token);
  if (!identity) {
    return reply_error(op.id, static_cast<int>(identity.error().status), "refresh: " + identity.error().message);
  }
  if (identity->user != user_) return reply_error(op.id, 403, "refresh: the token is for another user");
  expires_at_ = identity->expires_at;
  channels_claim_ = std::move(identity->channels);
  arm_expiry();
  reply(core::ReplyWriter(op.id).field_int("exp", expires_at_.value_or(0)).finish());
}

void ClientSession::arm_expiry() {
  if (!expires_at_ || closed_) return;
  const std::int64_t now = hub_.authenticator != nullptr ? hub_.authenticator->now() : auth::system_unix_seconds();
  expiry_timer_.expires_after(std::chrono::seconds(std::max<std::int64_t>(0, *expires_at_ - now)));
  expiry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_ || !self->expires_at_) return;
    const std::int64_t at = self->hub_.authenticator != nullptr ? self->hub_.authenticator->now()
                                                                : auth::system_unix_seconds();
    if (at < *self->expires_at_) return;  // refreshed meanwhile: a later wait is armed
    self->transport_->close(4001, "token expired", true);
  });
}

void ClientSession::reply(std::string json) {
  if (closed_) return;
  transport_->send(core::make_frame(std::move(json)));
}

void ClientSession::reply_error(std::optional<std::int64_t> id, int code, std::string_view message) {
  shard_.counters.op_errors.add(1);
  reply(core::make_error_reply(id, code, message));
}

void ClientSession::on_closed() {
  auto self = shared_from_this();  // the shard's map may hold the last reference
  closed_ = true;
  expiry_timer_.cancel();
  for (auto& sub : subscriptions_) {
    if (sub.pending) continue;  // released by on_joined
    shard_.subscribers.remove(sub.channel, this);
    shard_.counters.subscriptions.add(-1);
    release_channel(sub.channel);
  }
  subscriptions_.clear();
  if (!user_.empty()) {
    auto it = shard_.sessions_by_user.find(user_);
    if (it != shard_.sessions_by_user.end()) {
      std::erase(it->second, this);
      if (it->second.empty()) shard_.sessions_by_user.erase(it);
    }
  }
  shard_.counters.connections.add(-1);
  admission_ = {};
  if (hub_.observer != nullptr) hub_.observer->disconnected(client_, user_);
  shard_.sessions.erase(client_);
}

}  // namespace wshub::hub
