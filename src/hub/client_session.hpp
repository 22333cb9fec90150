// ClientSession: the protocol state of one connected client: its ops
// (PROTOCOL.md section 3), its subscriptions, its op rate limit.
//
// It sits on a net::WebSocketSession (which owns the socket and the send
// queue) and lives on that connection's shard. The shard's `sessions` map
// owns it from start() until the connection closes.
// Thread-safety: all members run on the owning shard's thread; other threads
// reach a session only by posting to its shard.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/channel_policy.hpp"
#include "broker/broker.hpp"
#include "core/connection_limiter.hpp"
#include "core/json_fields.hpp"
#include "core/op.hpp"
#include "core/publication.hpp"
#include "core/token_bucket.hpp"
#include "hub/hub_context.hpp"
#include "net/websocket_session.hpp"

namespace wshub::hub {

class Shard;

class ClientSession final : public net::WebSocketSession::Handler,
                            public std::enable_shared_from_this<ClientSession> {
 public:
  // `identity`: who the handshake authenticated; with a token's exp the
  // connection is closed with 4001 at that time unless `refresh` extends it.
  ClientSession(HubContext& hub, Shard& shard, std::shared_ptr<net::WebSocketSession> transport,
                auth::Identity identity);

  // Registers with the shard and sends the welcome frame.
  void start();

  // A publication of a subscribed channel (fan-out path).
  void deliver(const core::SharedFrame& frame) { transport_->send(frame); }
  // A direct push, or any server frame.
  void send(core::SharedFrame frame) { transport_->send(std::move(frame)); }
  void disconnect(std::uint16_t code, std::string reason, bool flush) {
    transport_->close(code, std::move(reason), flush);
  }
  void keepalive(std::chrono::steady_clock::time_point now, std::chrono::seconds interval) {
    transport_->keepalive(now, interval);
  }

  // Keeps the connection's slot in the connection limits until it closes.
  void hold_admission(core::ConnectionLimiter::Ticket ticket) { admission_ = std::move(ticket); }

  const std::string& client() const noexcept { return client_; }
  const std::string& user() const noexcept { return user_; }

  // net::WebSocketSession::Handler
  void on_text(char* text, std::size_t len, std::size_t capacity) override;
  void on_closed() override;

 private:
  struct Subscription {
    std::string channel;
    bool pending;  // subscribe sent to the owner, reply not back yet
  };

  void process(const char* text, std::size_t len, std::size_t capacity);
  void handle_line(const char* line, std::size_t len, std::size_t capacity);
  // Called when an async op has replied: continues with the ops held back.
  void op_done();
  void handle(const core::Op& op);
  void op_subscribe(const core::Op& op);
  void op_unsubscribe(const core::Op& op);
  void op_publish(const core::Op& op);
  void op_history(const core::Op& op);
  void op_presence(const core::Op& op);
  void op_refresh(const core::Op& op);
  // Checks a subscribe's permission (and its subscription token); false after replying 403.
  bool may_subscribe(const core::Op& op);
  bool subscribed(std::string_view channel);
  auth::Subject subject() const { return {user_, channels_claim_ ? &*channels_claim_ : nullptr}; }
  // (Re)arms the close at the token's exp (expires_at_), if any.
  void arm_expiry();
  // The subscribe's answer from this shard's own index, when it can give it
  // (no owner round trip); nullopt when the owner must answer.
  std::optional<broker::RecoveryResult> shard_position(const core::Op& op) const;
  void on_joined(std::int64_t id, const std::string& channel, bool with_since,
                 core::Expected<broker::RecoveryResult, broker::BrokerError> r);
  void release_channel(const std::string& channel);
  std::vector<Subscription>::iterator find_subscription(std::string_view channel);
  void reply(std::string json);
  void reply_error(std::optional<std::int64_t> id, int code, std::string_view message);

  HubContext& hub_;
  Shard& shard_;
  std::shared_ptr<net::WebSocketSession> transport_;
  std::string client_;
  std::string user_;
  std::optional<std::int64_t> expires_at_;  // unix seconds: the connection token's exp
  std::optional<std::vector<std::string>> channels_claim_;
  auth::ChannelPolicy policy_;
  boost::asio::steady_timer expiry_timer_;
  std::vector<Subscription> subscriptions_;
  core::TokenBucket op_bucket_;
  std::size_t consecutive_limited_ = 0;
  core::ConnectionLimiter::Ticket admission_;  // released in on_closed
  // Ops are processed strictly in order: while an async op (subscribe,
  // publish, history, presence) is in flight, the rest of its frame waits in
  // backlog_ and the transport stops reading.
  bool op_in_flight_ = false;
  std::string backlog_;  // with core::k_json_padding spare capacity
  bool closed_ = false;
};

}  // namespace wshub::hub
