#include "broker/redis_partition.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <cstdio>

#include "broker/redis_keys.hpp"
#include "core/broker_wire.hpp"
#include "core/envelopes.hpp"

namespace wshub::broker {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using redis::Reply;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(std::max<std::int64_t>(d.count(), 1)); }

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Offset of a stream entry id "<offset>-0".
std::optional<std::uint64_t> offset_of_id(std::string_view id) {
  const auto dash = id.find('-');
  return to_u64(id.substr(0, dash));
}

// True when `messages` are exactly the offsets (after, top], in order.
bool complete(const std::vector<core::PublicationPtr>& messages, std::uint64_t after, std::uint64_t top) {
  if (messages.size() != top - after) return false;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i]->offset != after + 1 + i) return false;
  }
  return true;
}

BrokerError unavailable(std::string_view what) { return BrokerError{503, "broker unavailable: " + std::string(what)}; }

}  // namespace

RedisPartition::RedisPartition(std::size_t index, asio::any_io_executor ex, PublicationSink& sink,
                               const RedisBrokerOptions& opts)
    : index_(index),
      ex_(std::move(ex)),
      sink_(sink),
      opts_(opts),
      probe_channel_("ws:probe:" + opts.instance_id + ":" + std::to_string(index)),
      health_timer_(ex_) {}

void RedisPartition::start() {
  connect(cmd_, false);
  connect(sub_, true);
  health_tick();
}

void RedisPartition::stop() {
  stopped_ = true;
  health_timer_.cancel();
  for (Link* link : {&cmd_, &sub_}) {
    if (link->retry) link->retry->cancel();
    ++link->generation;
    link->up = false;
    if (link->conn) link->conn->close();
    link->conn.reset();
  }
  fail_script_calls(script_order_.reset(), "shutting down");
  for (auto& [name, ch] : channels_) fail_waiters(ch, "shutting down");
  channels_.clear();
  update_health();
}

// --- Connections -------------------------------------------------------------

void RedisPartition::connect(Link& link, bool pubsub) {
  if (stopped_) return;
  const unsigned generation = ++link.generation;
  redis::ConnectionOptions copts;
  copts.connect_timeout = opts_.health_timeout;
  copts.client_name = "wshub-" + opts_.instance_id + "-" + std::to_string(index_) + (pubsub ? "-sub" : "-cmd");
  link.conn = redis::Connection::create(ex_, opts_.url, copts);
  auto self = shared_from_this();
  link.conn->on_disconnect([self, pubsub, generation](std::string reason) { self->on_lost(pubsub, generation, reason); });
  if (pubsub) {
    link.conn->on_message(
        [self](std::string_view channel, std::string_view payload) { self->on_message(channel, payload); });
  }
  link.conn->connect([self, pubsub, generation](core::Expected<void, std::string> r) {
    Link& l = pubsub ? self->sub_ : self->cmd_;
    if (self->stopped_ || l.generation != generation) return;
    if (!r) {
      self->drop(l, pubsub, r.error());
      return;
    }
    self->on_connected(pubsub, generation);
  });
}

void RedisPartition::on_connected(bool pubsub, unsigned generation) {
  Link& link = pubsub ? sub_ : cmd_;
  if (link.attempt > 0 || link.generation > 1) stats_.reconnects.add();
  link.attempt = 0;
  if (!pubsub) {
    load_scripts(generation);
    return;
  }
  // Subscribe the probe channel and every channel still wanted, in one batch.
  std::vector<std::string> names{probe_channel_};
  std::vector<std::string> channels;
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (it->second.state == Channel::State::unsubscribing && !it->second.resubscribe) {
      it = channels_.erase(it);  // the old connection's end unsubscribed it
      continue;
    }
    if (it->second.state == Channel::State::unsubscribing) it->second.state = Channel::State::subscribing;
    it->second.resubscribe = false;
    names.push_back(redis_keys::pubsub(it->first));
    channels.push_back(it->first);
    ++it;
  }
  to_subscribe_.clear();
  to_unsubscribe_.clear();
  auto self = shared_from_this();
  link.conn->subscribe(std::move(names), [self, generation, channels = std::move(channels)](
                                             core::Expected<void, std::string> r) {
    if (self->stopped_ || self->sub_.generation != generation) return;
    if (!r) {
      self->drop(self->sub_, true, "subscribe failed: " + r.error());
      return;
    }
    self->sub_.up = true;
    self->stats_.pubsub_connections.set(1);
    self->last_probe_seen_ = Clock::now();
    self->update_health();
    for (const auto& name : channels) {
      auto it = self->channels_.find(name);
      if (it == self->channels_.end()) continue;
      if (it->second.state == Channel::State::active) self->stats_.resubscribed_channels.add();
      self->sync_position(name);
    }
    self->flush_subscriptions();  // what was asked meanwhile
  });
}

// Loads both scripts before the command link counts as up. Redis runs one
// connection's commands in order, so every EVALSHA sent after this finds its
// script. Without it, the first publications after Redis (re)started would
// get NOSCRIPT and be sent again as EVAL, behind later ones that found the
// script another connection had loaded meanwhile: offsets out of order.
void RedisPartition::load_scripts(unsigned generation) {
  auto self = shared_from_this();
  auto on_reply = [self, generation](const char* which, core::Expected<Reply, std::string> r) {
    if (self->stopped_ || self->cmd_.generation != generation) return false;
    if (!r) {
      self->drop(self->cmd_, false, r.error());
      return false;
    }
    if (r->type == Reply::Type::error) {
      // Publishing would fail the same way; say why once, here.
      spdlog::warn("redis: partition {} cannot load the {} script: {}", self->index_, which, r->str);
    }
    return true;
  };
  cmd_.conn->command({"SCRIPT", "LOAD", std::string(redis_keys::k_publish_script)},
                     [on_reply](core::Expected<Reply, std::string> r) { on_reply("publish", std::move(r)); });
  cmd_.conn->command({"SCRIPT", "LOAD", std::string(redis_keys::k_read_script)},
                     [self, on_reply](core::Expected<Reply, std::string> r) {
                       if (on_reply("read", std::move(r))) self->on_command_link_ready();
                     });
}

void RedisPartition::on_command_link_ready() {
  cmd_.up = true;
  last_cmd_reply_ = Clock::now();
  probe_outstanding_ = false;
  update_health();
  // Positions that could not be read while the command link was down.
  for (auto& [name, ch] : channels_) {
    if (ch.needs_resync && sub_.up) sync_position(name);
  }
}

void RedisPartition::on_lost(bool pubsub, unsigned generation, const std::string& reason) {
  Link& link = pubsub ? sub_ : cmd_;
  if (stopped_ || link.generation != generation) return;
  drop(link, pubsub, reason);
}

void RedisPartition::drop(Link& link, bool pubsub, const std::string& reason) {
  const bool was_up = link.up;
  ++link.generation;
  link.up = false;
  if (link.conn) link.conn->close();
  link.conn.reset();
  if (!pubsub) fail_script_calls(script_order_.reset(), "Redis connection lost");
  if (pubsub) {
    stats_.pubsub_connections.set(0);
    // Deliveries stop until the resubscription; subscribes in flight fail.
    for (auto it = channels_.begin(); it != channels_.end();) {
      Channel& ch = it->second;
      if (ch.state == Channel::State::active) {
        ch.seq.suspend();
        ++it;
      } else if (ch.state == Channel::State::subscribing && ch.seq.started()) {
        ++it;  // an active channel being resynced
      } else {
        fail_waiters(ch, "Redis connection lost");
        it = channels_.erase(it);
      }
    }
    to_subscribe_.clear();
    to_unsubscribe_.clear();
  }
  if (was_up) {
    spdlog::warn("redis: partition {} lost its {} connection: {}", index_, pubsub ? "Pub/Sub" : "command", reason);
  } else if (link.attempt == 0) {
    spdlog::warn("redis: partition {} cannot connect ({}): {}", index_, pubsub ? "Pub/Sub" : "command", reason);
  }
  update_health();
  schedule_reconnect(link, pubsub);
}

void RedisPartition::schedule_reconnect(Link& link, bool pubsub) {
  if (stopped_) return;
  // Full jitter: uniform in [0, min(max, min * 2^attempt)].
  const auto cap = std::min<std::int64_t>(opts_.reconnect_max.count(),
                                          opts_.reconnect_min.count() << std::min(link.attempt, 16u));
  ++link.attempt;
  std::uniform_int_distribution<std::int64_t> dist(0, std::max<std::int64_t>(cap, 1));
  if (!link.retry) link.retry = std::make_unique<asio::steady_timer>(ex_);
  link.retry->expires_after(std::chrono::milliseconds(dist(rng_)));
  link.retry->async_wait([self = shared_from_this(), pubsub](boost::system::error_code ec) {
    if (ec || self->stopped_) return;
    self->connect(pubsub ? self->sub_ : self->cmd_, pubsub);
  });
}

void RedisPartition::update_health() {
  const auto now = Clock::now();
  const bool fresh = now - last_cmd_reply_ <= opts_.health_timeout && now - last_probe_seen_ <= opts_.health_timeout;
  healthy_.store(!stopped_ && cmd_.up && sub_.up && fresh, std::memory_order_release);
}

void RedisPartition::health_tick() {
  if (stopped_) return;
  const auto now = Clock::now();
  if (cmd_.up && now - last_cmd_reply_ > opts_.health_timeout) {
    stats_.probe_failures.add();
    drop(cmd_, false, "command connection did not answer the health probe");
  } else if (sub_.up && cmd_.up && now - last_probe_seen_ > opts_.health_timeout) {
    stats_.probe_failures.add();
    drop(sub_, true, "Pub/Sub connection stopped delivering the health probe");
  }
  if (cmd_.up && !probe_outstanding_) {
    probe_outstanding_ = true;
    const auto sent = now;
    const unsigned generation = cmd_.generation;
    cmd_.conn->command({"PUBLISH", probe_channel_, "probe"},
                       [self = shared_from_this(), sent, generation](core::Expected<Reply, std::string> r) {
                         if (self->stopped_ || self->cmd_.generation != generation) return;
                         self->probe_outstanding_ = false;
                         if (!r || r->type == Reply::Type::error) return;  // the timeout above decides
                         self->last_cmd_reply_ = Clock::now();
                         self->stats_.round_trip.observe(
                             std::chrono::duration_cast<std::chrono::nanoseconds>(self->last_cmd_reply_ - sent).count());
                         self->update_health();
                       });
  }
  for (auto& [name, ch] : channels_) {
    if (ch.needs_resync && cmd_.up && sub_.up) sync_position(name);
  }
  keep_meta_alive();
  update_health();
  health_timer_.expires_after(opts_.health_interval);
  health_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->health_tick();
  });
}

// Subscribed channels keep their epoch and offset however long they stay
// quiet: their meta TTL is refreshed well before it runs out.
void RedisPartition::keep_meta_alive() {
  if (!cmd_.up) return;
  const auto now = Clock::now();
  for (auto& [name, ch] : channels_) {
    if (ch.state != Channel::State::active) continue;
    const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(ch.ns.history_ttl);
    if (now - ch.meta_touched < std::max<std::chrono::milliseconds>(ttl / 3, opts_.health_interval / 2)) continue;
    ch.meta_touched = now;
    cmd_.conn->command({"PEXPIRE", redis_keys::meta(name), ms(ttl)}, [](core::Expected<Reply, std::string>) {});
  }
}

// --- Subscriptions -----------------------------------------------------------

void RedisPartition::subscribe(std::string_view name, const config::NamespaceOptions& ns, VoidHandler done) {
  if (!sub_.up || !cmd_.up) {
    done(core::unexpected(unavailable("Redis is not connected")));
    return;
  }
  auto it = channels_.find(name);
  if (it == channels_.end()) {
    it = channels_.try_emplace(std::string(name)).first;
    it->second.ns = ns;
    it->second.waiters.push_back(std::move(done));
    queue_subscribe(it->first);
    return;
  }
  Channel& ch = it->second;
  switch (ch.state) {
    case Channel::State::active:
      done({});
      return;
    case Channel::State::subscribing:
      ch.waiters.push_back(std::move(done));
      return;
    case Channel::State::unsubscribing:
      ch.resubscribe = true;
      ch.ns = ns;
      ch.waiters.push_back(std::move(done));
      return;
  }
}

void RedisPartition::unsubscribe(std::string_view name) {
  auto it = channels_.find(name);
  if (it == channels_.end()) return;
  Channel& ch = it->second;
  if (ch.state == Channel::State::unsubscribing) {
    ch.resubscribe = false;
    fail_waiters(ch, "unsubscribed");
    return;
  }
  // REQUIRES (the router's): no subscribe of this channel is waiting.
  ch.state = Channel::State::unsubscribing;
  if (!sub_.up) {
    channels_.erase(it);  // nothing to undo at Redis: the connection is gone
    return;
  }
  queue_unsubscribe(it->first);
}

void RedisPartition::queue_subscribe(const std::string& channel) {
  to_subscribe_.push_back(channel);
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(ex_, [self = shared_from_this()] { self->flush_subscriptions(); });
  }
}

void RedisPartition::queue_unsubscribe(const std::string& channel) {
  to_unsubscribe_.push_back(channel);
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(ex_, [self = shared_from_this()] { self->flush_subscriptions(); });
  }
}

void RedisPartition::flush_subscriptions() {
  flush_posted_ = false;
  if (stopped_ || !sub_.up) return;  // the reconnect subscribes what is wanted
  const unsigned generation = sub_.generation;
  auto self = shared_from_this();
  if (!to_subscribe_.empty()) {
    std::vector<std::string> channels = std::move(to_subscribe_);
    to_subscribe_.clear();
    std::vector<std::string> names;
    names.reserve(channels.size());
    for (const auto& c : channels) names.push_back(redis_keys::pubsub(c));
    sub_.conn->subscribe(std::move(names), [self, generation, channels = std::move(channels)](
                                               core::Expected<void, std::string> r) {
      self->on_subscribed(channels, r.has_value(), generation);
    });
  }
  if (!to_unsubscribe_.empty()) {
    std::vector<std::string> channels = std::move(to_unsubscribe_);
    to_unsubscribe_.clear();
    std::vector<std::string> names;
    names.reserve(channels.size());
    for (const auto& c : channels) names.push_back(redis_keys::pubsub(c));
    sub_.conn->unsubscribe(std::move(names), [self, generation, channels = std::move(channels)](
                                                 core::Expected<void, std::string>) {
      self->on_unsubscribed(channels, generation);
    });
  }
}

void RedisPartition::on_subscribed(const std::vector<std::string>& channels, bool ok, unsigned generation) {
  if (stopped_ || sub_.generation != generation) return;  // the reconnect took over
  if (!ok) {
    drop(sub_, true, "SUBSCRIBE failed");
    return;
  }
  for (const auto& name : channels) sync_position(name);
}

void RedisPartition::on_unsubscribed(const std::vector<std::string>& channels, unsigned generation) {
  if (stopped_ || sub_.generation != generation) return;
  for (const auto& name : channels) {
    auto it = channels_.find(name);
    if (it == channels_.end() || it->second.state != Channel::State::unsubscribing) continue;
    if (!it->second.resubscribe) {
      channels_.erase(it);
      continue;
    }
    // Subscribed again while the UNSUBSCRIBE was in flight: start over.
    auto waiters = std::move(it->second.waiters);
    auto ns = it->second.ns;
    channels_.erase(it);
    auto fresh = channels_.try_emplace(name).first;
    fresh->second.ns = ns;
    fresh->second.waiters = std::move(waiters);
    queue_subscribe(fresh->first);
  }
}

// Reads the channel's position after its (re)subscription was confirmed:
// a first subscription starts the sequencer there; a resubscription resumes
// it and backfills what was published meanwhile.
void RedisPartition::sync_position(const std::string& name) {
  auto it = channels_.find(name);
  if (it == channels_.end()) return;
  it->second.needs_resync = false;
  const unsigned generation = sub_.generation;
  read(name, it->second.ns, ReadMode::none, {}, {}, 0,
       [self = shared_from_this(), name, generation](core::Expected<Read, BrokerError> r) {
         if (self->stopped_ || self->sub_.generation != generation) return;
         auto found = self->channels_.find(name);
         if (found == self->channels_.end()) return;
         Channel& ch = found->second;
         if (ch.state == Channel::State::unsubscribing) return;
         if (!r) {
           if (ch.seq.started()) {
             ch.needs_resync = true;  // retried by the health tick
           } else {
             self->fail_waiters(ch, r.error().message);
             ch.state = Channel::State::unsubscribing;
             self->queue_unsubscribe(name);
           }
           return;
         }
         core::ChannelSequencer::Out out;
         std::optional<core::ChannelSequencer::Range> gap;
         if (ch.seq.started()) {
           gap = ch.seq.resume(r->epoch, r->top, out);
         } else {
           gap = ch.seq.start(r->epoch, r->top, out);
         }
         ch.state = Channel::State::active;
         ch.meta_touched = Clock::now();  // the read script refreshed its TTL
         auto waiters = std::move(ch.waiters);
         ch.waiters.clear();
         for (auto& w : waiters) w({});
         self->deliver(name, std::move(gap), out);
       },
       true);
}

void RedisPartition::fail_waiters(Channel& ch, const std::string& message) {
  auto waiters = std::move(ch.waiters);
  ch.waiters.clear();
  for (auto& w : waiters) w(core::unexpected(unavailable(message)));
}

// --- Messages ----------------------------------------------------------------

void RedisPartition::on_message(std::string_view pubsub_channel, std::string_view payload) {
  if (stopped_) return;
  if (pubsub_channel == probe_channel_) {
    last_probe_seen_ = Clock::now();
    update_health();
    return;
  }
  const std::string_view name = redis_keys::channel_of_pubsub(pubsub_channel);
  auto it = channels_.find(name);
  if (it == channels_.end() || it->second.state == Channel::State::unsubscribing) return;
  auto wire = core::decode_broker_wire(payload);
  if (!wire) return;  // not ours: another writer on the channel
  auto pub = core::make_publication(name, wire->offset, wire->epoch, wire->data, now_ns());
  core::ChannelSequencer::Out out;
  auto gap = it->second.seq.on_live(std::move(pub), out);
  deliver(it->first, std::move(gap), out);
}

void RedisPartition::deliver(const std::string& channel, std::optional<core::ChannelSequencer::Range> gap,
                             core::ChannelSequencer::Out& out) {
  for (const auto& p : out) sink_.on_publication(p);
  out.clear();
  if (gap) backfill(channel, std::move(*gap));
}

void RedisPartition::backfill(const std::string& name, core::ChannelSequencer::Range range) {
  auto it = channels_.find(name);
  if (it == channels_.end()) return;
  const std::size_t count = static_cast<std::size_t>(range.last - range.first + 1);
  read(name, it->second.ns, ReadMode::range, std::to_string(range.first) + "-0", std::to_string(range.last) + "-0",
       count, [self = shared_from_this(), name](core::Expected<Read, BrokerError> r) {
         auto found = self->channels_.find(name);
         if (self->stopped_ || found == self->channels_.end()) return;
         auto& seq = found->second.seq;
         const auto lost_before = seq.lost();
         core::ChannelSequencer::Out out;
         std::optional<core::ChannelSequencer::Range> gap;
         if (r && r->epoch == seq.epoch()) {
           gap = seq.on_backfill(r->messages, out);
         } else {
           gap = seq.on_backfill_failed(out);
         }
         self->stats_.lost_messages.add(static_cast<std::int64_t>(seq.lost() - lost_before));
         std::int64_t backfilled = 0;
         if (r) backfilled = static_cast<std::int64_t>(r->messages.size());
         self->stats_.backfilled_messages.add(backfilled);
         self->deliver(name, std::move(gap), out);
       });
}

// --- Publish, recovery, history ------------------------------------------------

void RedisPartition::publish(std::string_view channel, std::string_view raw_data, const config::NamespaceOptions& ns,
                             Handler<PublishResult> done) {
  if (!cmd_.up) {
    stats_.publish_errors.add();
    done(core::unexpected(unavailable("Redis is not connected")));
    return;
  }
  std::vector<std::string> argv{"2",
                                redis_keys::meta(channel),
                                redis_keys::stream(channel),
                                redis_keys::pubsub(channel),
                                std::string(raw_data),
                                std::to_string(ns.history_size),
                                ms(ns.history_ttl),
                                ms(ns.history_ttl),
                                new_epoch()};
  eval(redis_keys::k_publish_script, redis_keys::publish_script_sha(), std::move(argv),
       [self = shared_from_this(), done = std::move(done)](core::Expected<Reply, std::string> r) {
         if (!r || r->type != Reply::Type::array || r->elements.size() != 2 ||
             r->elements[0].type != Reply::Type::integer) {
           self->stats_.publish_errors.add();
           done(core::unexpected(unavailable(!r ? r.error() : r->type == Reply::Type::error ? r->str : "bad reply")));
           return;
         }
         done(PublishResult{static_cast<std::uint64_t>(r->elements[0].integer), r->elements[1].str});
       });
}

void RedisPartition::recover(std::string_view name, const config::NamespaceOptions& ns,
                             const std::optional<core::StreamPosition>& since, Handler<RecoveryResult> done) {
  auto it = channels_.find(name);
  if (it == channels_.end() || !it->second.seq.started()) {
    // Not subscribed here (the hub subscribes first; tools may not): Redis's
    // position and, with since, what history holds after it.
    if (!since) {
      read(name, ns, ReadMode::none, {}, {}, 0, [done = std::move(done)](core::Expected<Read, BrokerError> r) {
        if (!r) return done(core::unexpected(r.error()));
        done(RecoveryResult{r->epoch, r->top, false, {}});
      });
      return;
    }
    read(name, ns, ReadMode::range, std::to_string(since->offset + 1) + "-0", "+", ns.history_size + 1,
         [since = *since, done = std::move(done)](core::Expected<Read, BrokerError> r) {
           if (!r) return done(core::unexpected(r.error()));
           RecoveryResult result{r->epoch, r->top, false, {}};
           if (since.epoch == r->epoch && since.offset <= r->top) {
             std::erase_if(r->messages, [&](const core::PublicationPtr& p) { return p->offset > result.offset; });
             if (complete(r->messages, since.offset, result.offset)) {
               result.recovered = true;
               result.messages = std::move(r->messages);
             }
           }
           done(std::move(result));
         });
    return;
  }
  auto& seq = it->second.seq;
  RecoveryResult result{seq.epoch(), seq.last(), false, {}};
  if (!since || since->epoch != seq.epoch() || since->offset > seq.last() ||
      seq.last() - since->offset > ns.history_size) {
    done(std::move(result));
    return;
  }
  if (since->offset == seq.last()) {
    result.recovered = true;
    done(std::move(result));
    return;
  }
  // Hold live publications until the reply is on its way: they come after
  // the snapshot, never before it.
  seq.pin();
  const std::uint64_t from = since->offset;
  const std::uint64_t top = seq.last();
  read(name, ns, ReadMode::range, std::to_string(from + 1) + "-0", std::to_string(top) + "-0",
       static_cast<std::size_t>(top - from),
       [self = shared_from_this(), name = std::string(name), result = std::move(result), from, top,
        done = std::move(done)](core::Expected<Read, BrokerError> r) mutable {
         if (r && r->epoch == result.epoch && complete(r->messages, from, top)) {
           result.recovered = true;
           result.messages = std::move(r->messages);
         }
         done(std::move(result));
         auto found = self->channels_.find(name);
         if (found == self->channels_.end()) return;
         core::ChannelSequencer::Out out;
         auto gap = found->second.seq.unpin(out);
         self->deliver(name, std::move(gap), out);
       });
}

void RedisPartition::history(std::string_view name, const config::NamespaceOptions& ns, const HistoryQuery& query,
                             Handler<HistoryResult> done) {
  const std::size_t limit = std::min(query.limit, ns.history_size);
  // Approximate trimming (MAXLEN ~) may keep entries beyond history_size:
  // ask for some more and filter them out.
  constexpr std::size_t k_slack = 128;
  auto finish = [done = std::move(done), limit](core::Expected<Read, BrokerError> r) {
    if (!r) return done(core::unexpected(r.error()));
    if (r->messages.size() > limit) r->messages.resize(limit);
    done(HistoryResult{r->epoch, r->top, std::move(r->messages)});
  };
  if (limit == 0) {
    read(name, ns, ReadMode::none, {}, {}, 0, std::move(finish));
  } else if (!query.since) {
    read(name, ns, ReadMode::latest, {}, {}, limit, [limit, finish = std::move(finish)](
                                                       core::Expected<Read, BrokerError> r) mutable {
      // Newest `limit`, oldest first.
      if (r && r->messages.size() > limit) r->messages.erase(r->messages.begin(), r->messages.end() - limit);
      finish(std::move(r));
    });
  } else {
    // After since.offset when the epoch matches; otherwise from the oldest
    // retained entry, which needs a second read.
    const auto since = *query.since;
    read(name, ns, ReadMode::range, std::to_string(since.offset + 1) + "-0", "+", limit + k_slack,
         [self = shared_from_this(), name = std::string(name), ns, since, limit,
          finish = std::move(finish)](core::Expected<Read, BrokerError> r) mutable {
           if (!r || r->epoch == since.epoch) return finish(std::move(r));
           self->read(name, ns, ReadMode::range, "-", "+", limit + k_slack, std::move(finish));
         });
  }
}

// --- Scripts -----------------------------------------------------------------

void RedisPartition::eval(std::string_view script, const std::string& sha, std::vector<std::string> argv,
                          std::function<void(core::Expected<Reply, std::string>)> done) {
  ScriptCall call{script, &sha, std::move(argv), std::move(done)};
  if (script_order_.admit(call)) send_script(std::move(call), false);
}

void RedisPartition::send_script(ScriptCall call, bool as_eval) {
  std::vector<std::string> cmd;
  cmd.reserve(call.argv.size() + 2);
  cmd.emplace_back(as_eval ? "EVAL" : "EVALSHA");
  cmd.emplace_back(as_eval ? std::string(call.script) : *call.sha);
  for (const auto& a : call.argv) cmd.push_back(a);  // the call keeps its own, for a retry
  cmd_.conn->command(std::move(cmd), [self = shared_from_this(), generation = cmd_.generation,
                                      call = std::move(call)](core::Expected<Reply, std::string> r) mutable {
    self->on_script_answer(generation, std::move(call), std::move(r));
  });
}

// Redis answers in send order; script_order_ turns a NOSCRIPT (the script
// cache was emptied under this connection) into an ordered retry.
void RedisPartition::on_script_answer(unsigned generation, ScriptCall call, core::Expected<Reply, std::string> r) {
  if (generation != cmd_.generation) {  // a dropped connection's answer: an error, nothing to order
    call.done(std::move(r));
    return;
  }
  if (r && r->type == Reply::Type::error && r->str.starts_with("NOSCRIPT")) {
    if (!script_order_.recovering()) {
      spdlog::warn("redis: partition {}: Redis lost the Lua scripts (SCRIPT FLUSH, or a failover to a server "
                   "without them); sending them again in order",
                   index_);
    }
    stats_.script_noscript.add();
    script_order_.on_noscript(std::move(call));
  } else {
    const bool applied = r && r->type != Reply::Type::error;
    fail_script_calls(script_order_.on_answer(applied),
                      "Redis lost the Lua scripts and a later call ran first; not retried, to keep the order");
    call.done(std::move(r));
  }
  // done() may have dropped the connection (it ran user code) or asked for more calls (held).
  if (generation != cmd_.generation) return;
  if (auto resume = script_order_.resume()) {
    for (auto& c : resume->retry) send_script(std::move(c), true);
    for (auto& c : resume->held) send_script(std::move(c), false);
  }
}

void RedisPartition::fail_script_calls(std::vector<ScriptCall> calls, const std::string& reason) {
  for (auto& c : calls) c.done(core::unexpected(reason));
}

void RedisPartition::read(std::string_view channel, const config::NamespaceOptions& ns, ReadMode mode,
                          std::string first, std::string last, std::size_t count, ReadHandler done, bool touch) {
  if (!cmd_.up) {
    done(core::unexpected(unavailable("Redis is not connected")));
    return;
  }
  const char* mode_name = mode == ReadMode::range ? "range" : mode == ReadMode::latest ? "latest" : "none";
  std::vector<std::string> argv{"2",
                                redis_keys::meta(channel),
                                redis_keys::stream(channel),
                                new_epoch(),
                                ms(ns.history_ttl),
                                mode_name,
                                std::move(first),
                                std::move(last),
                                std::to_string(std::max<std::size_t>(count, 1)),
                                touch ? "touch" : "-"};
  eval(redis_keys::k_read_script, redis_keys::read_script_sha(), std::move(argv),
       [channel = std::string(channel), history_size = ns.history_size,
        ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ns.history_ttl).count(),
        done = std::move(done)](core::Expected<Reply, std::string> r) {
         if (!r) return done(core::unexpected(unavailable(r.error())));
         if (r->type == Reply::Type::error) return done(core::unexpected(unavailable(r->str)));
         const auto& e = r->elements;
         if (r->type != Reply::Type::array || e.size() != 4 || e[1].type != Reply::Type::integer ||
             e[2].type != Reply::Type::integer || e[3].type != Reply::Type::array) {
           return done(core::unexpected(unavailable("unexpected reply to the read script")));
         }
         Read out;
         out.epoch = e[0].str;
         out.top = static_cast<std::uint64_t>(e[1].integer);
         const std::int64_t now_ms = e[2].integer;
         // Entries beyond history_size (left by approximate trimming) or older
         // than history_ttl are not history any more.
         const std::uint64_t oldest_kept = out.top > history_size ? out.top - history_size + 1 : 1;
         for (const auto& entry : e[3].elements) {
           if (entry.type != Reply::Type::array || entry.elements.size() != 2) continue;
           auto offset = offset_of_id(entry.elements[0].str);
           if (!offset || *offset < oldest_kept || *offset > out.top) continue;
           std::string_view data;
           std::optional<std::int64_t> at;
           const auto& fields = entry.elements[1].elements;
           for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
             if (fields[i].str == "d") data = fields[i + 1].str;
             if (fields[i].str == "t") {
               if (auto v = to_u64(fields[i + 1].str)) at = static_cast<std::int64_t>(*v);
             }
           }
           if (data.empty() || !at || now_ms - *at > ttl_ms) continue;
           out.messages.push_back(core::make_publication(channel, *offset, out.epoch, data, now_ns()));
         }
         // XREVRANGE gives newest first.
         if (!out.messages.empty() && out.messages.front()->offset > out.messages.back()->offset) {
           std::reverse(out.messages.begin(), out.messages.end());
         }
         done(std::move(out));
       });
}

std::string RedisPartition::new_epoch() {
  char epoch[17];
  std::snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(rng_()));
  return std::string(epoch, 16);
}

}  // namespace wshub::broker
