// ControlBus: requests between instances over Redis Pub/Sub, for the server
// API operations that reach the whole hub.
//
// Channels: ws:ctl:all (every instance), ws:ctl:<id> (one instance's inbox,
// where replies come back too) and ws:user:{<user>} (the instances holding a
// connection of that user: each subscribes while it has one, so user-addressed
// traffic reaches only them). A request is a JSON object
//   {"op":"send|disconnect|channels|info","id":<request id>,"channel":"<reply-to id>",
//    "client"?,"user"?,"data"?,"code"?,"reason"?}
// and each receiver answers on the requester's inbox with
//   {"op":"reply","id":<request id>,"code":<count>,"data":<result JSON>}.
// PUBLISH returns how many instances received the request, so the requester
// knows how many answers to wait for (at most k_answer_timeout).
// A client-addressed request first reads ws:conn:<client> to find the
// instance (see Registry).
//
// Thread-safety: not thread-safe; runs on the cluster executor.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/cluster.hpp"
#include "core/json_fields.hpp"
#include "redis/managed_connection.hpp"

namespace wshub::cluster {

class ControlBus : public std::enable_shared_from_this<ControlBus> {
 public:
  ControlBus(boost::asio::any_io_executor ex, std::shared_ptr<redis::ManagedConnection> cmd,
             std::shared_ptr<redis::ManagedConnection> sub, InstanceIdentity self, hub::ShardSet& shards,
             hub::ClientDirectory& directory);

  // REQUIRES: called before `sub` starts (it installs the handlers).
  void start();
  void stop();

  void user_joined(const std::string& user);
  void user_left(const std::string& user);

  void send(hub::ClientSelector who, std::string raw_data, ClusterHandler<std::size_t> done);
  void disconnect(hub::ClientSelector who, std::uint16_t code, std::string reason, ClusterHandler<std::size_t> done);
  void channels(ClusterHandler<std::map<std::string, std::size_t>> done);
  void instances(ClusterHandler<std::string> done);

  static constexpr std::chrono::milliseconds k_answer_timeout{2000};

 private:
  struct Answer {
    std::int64_t count = 0;
    std::string data;  // raw JSON
  };
  using AnswersHandler = std::function<void(core::Expected<std::vector<Answer>, ClusterError>)>;
  struct Pending {
    std::size_t expected = SIZE_MAX;  // known once PUBLISH answered
    std::vector<Answer> answers;
    AnswersHandler done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  void on_up(redis::Connection& sub);
  void on_message(std::string_view channel, std::string_view payload);
  void serve(const core::JsonFields& f);
  void answer(const std::string& to, std::int64_t rid, std::size_t count, const std::string& data);
  // Publishes `fields` (a JSON object's members without braces; the id and
  // reply-to are added) on `target` and gathers the answers.
  void request(const std::string& target, const std::string& fields, AnswersHandler done);
  void finish(std::int64_t rid, bool timed_out);
  // Routes a client- or user-addressed request; `done` gets the summed count.
  void addressed(const hub::ClientSelector& who, const std::string& fields, ClusterHandler<std::size_t> done);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<redis::ManagedConnection> cmd_, sub_;
  InstanceIdentity self_;
  hub::ShardSet& shards_;
  hub::ClientDirectory& directory_;
  const std::string inbox_;
  std::unordered_map<std::string, std::size_t> users_;  // user -> local connections
  std::unordered_map<std::int64_t, Pending> pending_;
  std::int64_t next_rid_ = 1;
  bool stopped_ = false;
  core::JsonFieldDecoder decoder_;
};

}  // namespace wshub::cluster
