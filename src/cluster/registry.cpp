#include "cluster/registry.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

#include "core/iso8601.hpp"
#include "core/json_writer.hpp"

namespace wshub::cluster {

namespace {

using redis::Reply;
using ReplyResult = core::Expected<Reply, std::string>;

std::string instance_key(const std::string& id) { return "ws:instance:" + id; }
std::string conns_key(const std::string& id) { return "ws:instance:" + id + ":conns"; }
std::string conn_key(const std::string& client) { return "ws:conn:" + client; }
constexpr const char* k_instances = "ws:instances";

void ignore(ReplyResult) {}

}  // namespace

Registry::Registry(boost::asio::any_io_executor ex, std::shared_ptr<redis::ManagedConnection> cmd,
                   std::string instance_id, std::chrono::seconds heartbeat,
                   std::function<std::string()> describe_self)
    : cmd_(std::move(cmd)),
      id_(std::move(instance_id)),
      heartbeat_(heartbeat),
      describe_self_(std::move(describe_self)),
      timer_(std::move(ex)) {}

void Registry::start() { heartbeat(); }

std::string Registry::conn_json(const Entry& e) const {
  std::string out = R"({"instance":)";
  core::append_json_string(out, id_);
  out += R"(,"user":)";
  core::append_json_string(out, e.user);
  out += R"(,"connected_at":)";
  core::append_json_string(out, e.connected_at);
  out.push_back('}');
  return out;
}

void Registry::set_entry(redis::Connection& conn, const std::string& client, const Entry& e) {
  conn.command({"SET", conn_key(client), conn_json(e), "EX", std::to_string(k_conn_ttl.count())}, ignore);
  conn.command({"SADD", conns_key(id_), client}, ignore);
}

void Registry::connected(const std::string& client, const std::string& user) {
  if (stopped_) return;
  auto [it, inserted] = conns_.try_emplace(client, Entry{user, core::iso8601_utc(std::time(nullptr))});
  if (!inserted) return;
  if (auto* conn = cmd_->get()) set_entry(*conn, client, it->second);  // else: the next full refresh
}

void Registry::disconnected(const std::string& client) {
  if (conns_.erase(client) == 0 || stopped_) return;
  if (auto* conn = cmd_->get()) {
    conn->command({"DEL", conn_key(client)}, ignore);
    conn->command({"SREM", conns_key(id_), client}, ignore);
  }
}

// Every entry again (hiredis pipelines the commands: no round trip each).
void Registry::refresh_all(redis::Connection& conn) {
  for (const auto& [client, e] : conns_) set_entry(conn, client, e);
  last_refresh_ = std::chrono::steady_clock::now();
  needs_full_refresh_ = false;
}

void Registry::connected_again() {
  needs_full_refresh_ = true;
  beat();
}

void Registry::heartbeat() {
  if (stopped_) return;
  beat();
  timer_.expires_after(heartbeat_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->heartbeat();
  });
}

void Registry::beat() {
  if (stopped_) return;
  if (auto* conn = cmd_->get()) {
    const auto ttl = std::to_string(3 * heartbeat_.count());
    conn->command({"SET", instance_key(id_), describe_self_(), "EX", ttl}, [self = shared_from_this()](
                                                                                ReplyResult r) {
      // A failed heartbeat means Redis lost or refused us: re-register everything.
      if (!r || r->is_error()) self->needs_full_refresh_ = true;
    });
    conn->command({"SADD", k_instances, id_}, ignore);
    conn->command({"EXPIRE", conns_key(id_), std::to_string(k_conn_ttl.count() + 3 * heartbeat_.count())}, ignore);
    // Entries live 120 s: refresh them every 40 s, or at once after a reconnect.
    const bool due = std::chrono::steady_clock::now() - last_refresh_ >= k_conn_ttl / 3;
    if (needs_full_refresh_ || due) refresh_all(*conn);
    sweep_dead(*conn);
  } else {
    needs_full_refresh_ = true;
  }
}

void Registry::sweep_dead(redis::Connection& conn) {
  conn.command({"SMEMBERS", k_instances}, [self = shared_from_this()](ReplyResult r) {
    if (self->stopped_ || !r || !r->is_array()) return;
    for (const auto& member : r->elements) {
      const std::string id = member.str;
      if (id == self->id_) continue;
      auto* c = self->cmd_->get();
      if (c == nullptr) return;
      c->command({"EXISTS", instance_key(id)}, [self, id](ReplyResult e) {
        if (self->stopped_ || !e || !e->is_integer() || e->integer != 0) return;
        self->remove_instance(id);
      });
    }
  });
}

// A dead instance: delete its connection entries, then forget it. Several
// survivors may do this at once; every step is idempotent.
void Registry::remove_instance(const std::string& id) {
  auto* conn = cmd_->get();
  if (conn == nullptr) return;
  conn->command({"SMEMBERS", conns_key(id)}, [self = shared_from_this(), id](ReplyResult r) {
    auto* c = self->cmd_->get();
    if (self->stopped_ || c == nullptr || !r || !r->is_array()) return;
    std::vector<std::string> del{"DEL"};
    for (const auto& client : r->elements) {
      del.push_back(conn_key(client.str));
      if (del.size() == 1001) {
        c->command(std::move(del), ignore);
        del = {"DEL"};
      }
    }
    if (del.size() > 1) c->command(std::move(del), ignore);
    c->command({"DEL", conns_key(id)}, ignore);
    c->command({"SREM", k_instances, id}, ignore);
    ++self->removed_dead_;
    spdlog::info("registry: instance {} is dead; removed its {} connection entries", id, r->elements.size());
  });
}

void Registry::stop(std::function<void()> done) {
  stopped_ = true;
  timer_.cancel();
  auto* conn = cmd_->get();
  if (conn == nullptr) {
    done();
    return;
  }
  std::vector<std::string> del{"DEL", instance_key(id_), conns_key(id_)};
  for (const auto& [client, e] : conns_) del.push_back(conn_key(client));
  conns_.clear();
  conn->command(std::move(del), ignore);
  conn->command({"SREM", k_instances, id_}, [done = std::move(done)](ReplyResult) { done(); });
}

}  // namespace wshub::cluster
