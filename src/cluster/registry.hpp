// Registry: this instance's entries in the cluster registry in Redis
// (PROTOCOL.md section 7), and the removal of dead instances' entries.
//
//   ws:instance:<id>        JSON {"instance","connections","address","started_at"},
//                           TTL 3 heartbeats, refreshed every heartbeat
//   ws:instances            set of instance ids that registered
//   ws:conn:<client>        JSON {"instance","user","connected_at"}, TTL 120 s,
//                           set on connect, refreshed in pipelined batches,
//                           deleted on disconnect
//   ws:instance:<id>:conns  set of this instance's client ids, so survivors
//                           can delete a dead instance's ws:conn entries
//
// Every heartbeat it also checks the other ids in ws:instances: one whose
// ws:instance key has expired is dead, and its connection entries are
// removed, within one more heartbeat of its expiry.
//
// Thread-safety: not thread-safe; runs on the cluster executor (the one of
// its ManagedConnection).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/cluster.hpp"
#include "redis/managed_connection.hpp"

namespace wshub::cluster {

class Registry : public std::enable_shared_from_this<Registry> {
 public:
  // `describe_self` returns the JSON of ws:instance:<id>.
  Registry(boost::asio::any_io_executor ex, std::shared_ptr<redis::ManagedConnection> cmd, std::string instance_id,
           std::chrono::seconds heartbeat, std::function<std::string()> describe_self);

  void start();
  // Deletes this instance's entries; `done` once Redis answered (or at once
  // when it is down).
  void stop(std::function<void()> done);

  // The command connection is up (again): register now; Redis may have lost everything.
  void connected_again();

  void connected(const std::string& client, const std::string& user);
  void disconnected(const std::string& client);

  // Redis answered every registration so far (for tests and metrics).
  std::size_t local_connections() const noexcept { return conns_.size(); }
  std::uint64_t removed_dead_instances() const noexcept { return removed_dead_; }

  static constexpr std::chrono::seconds k_conn_ttl{120};

 private:
  struct Entry {
    std::string user;
    std::string connected_at;
  };
  void heartbeat();  // beat(), then again after heartbeat_
  void beat();
  void refresh_all(redis::Connection& conn);
  void set_entry(redis::Connection& conn, const std::string& client, const Entry& e);
  void sweep_dead(redis::Connection& conn);
  void remove_instance(const std::string& id);
  std::string conn_json(const Entry& e) const;

  std::shared_ptr<redis::ManagedConnection> cmd_;
  const std::string id_;
  const std::chrono::seconds heartbeat_;
  std::function<std::string()> describe_self_;
  std::unordered_map<std::string, Entry> conns_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_refresh_{};
  bool stopped_ = false;
  bool needs_full_refresh_ = true;  // after a (re)connect, Redis may have lost everything
  std::uint64_t removed_dead_ = 0;
};

}  // namespace wshub::cluster
