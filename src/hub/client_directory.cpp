#include "hub/client_directory.hpp"

#include <numeric>

#include "core/json_writer.hpp"
#include "hub/client_session.hpp"

namespace wshub::hub {

namespace {

// The sessions of `shard` that `who` selects.
template <class F>
void for_selected(Shard& shard, const ClientSelector& who, F&& f) {
  if (!who.client.empty()) {
    auto it = shard.sessions.find(who.client);
    if (it != shard.sessions.end()) f(*it->second);
    return;
  }
  auto it = shard.sessions_by_user.find(who.user);
  if (it == shard.sessions_by_user.end()) return;
  // Copy: closing may not change the vector synchronously, but stay safe.
  std::vector<ClientSession*> sessions = it->second;
  for (ClientSession* s : sessions) f(*s);
}

std::size_t sum(const std::vector<std::size_t>& v) { return std::accumulate(v.begin(), v.end(), std::size_t{0}); }

}  // namespace

void ClientDirectory::send(ClientSelector who, core::SharedFrame frame, boost::asio::any_io_executor reply_to,
                           std::function<void(std::size_t)> done) {
  shards_.gather<std::size_t>(
      [who = std::move(who), frame = std::move(frame)](Shard& shard) {
        std::size_t n = 0;
        for_selected(shard, who, [&](ClientSession& s) {
          s.send(frame);
          ++n;
        });
        return n;
      },
      reply_to, [done = std::move(done)](std::vector<std::size_t> counts) { done(sum(counts)); });
}

void ClientDirectory::disconnect(ClientSelector who, std::uint16_t code, std::string reason,
                                 boost::asio::any_io_executor reply_to, std::function<void(std::size_t)> done) {
  shards_.gather<std::size_t>(
      [who = std::move(who), code, reason = std::move(reason)](Shard& shard) {
        std::size_t n = 0;
        for_selected(shard, who, [&](ClientSession& s) {
          s.disconnect(code, reason, true);
          ++n;
        });
        return n;
      },
      reply_to, [done = std::move(done)](std::vector<std::size_t> counts) { done(sum(counts)); });
}

void ClientDirectory::presence(std::string channel, boost::asio::any_io_executor reply_to,
                               std::function<void(std::string)> done) {
  shards_.gather<std::string>(
      [channel = std::move(channel)](Shard& shard) {
        std::string part;
        const auto* subs = shard.subscribers.find(channel);
        if (subs == nullptr) return part;
        for (const ClientSession* s : *subs) {
          if (!part.empty()) part.push_back(',');
          part += R"({"client":)";
          core::append_json_string(part, s->client());
          part += R"(,"user":)";
          core::append_json_string(part, s->user());
          part.push_back('}');
        }
        return part;
      },
      reply_to, [done = std::move(done)](std::vector<std::string> parts) {
        std::string out = "[";
        for (const auto& p : parts) {
          if (p.empty()) continue;
          if (out.size() > 1) out.push_back(',');
          out += p;
        }
        out.push_back(']');
        done(std::move(out));
      });
}

void ClientDirectory::channels(boost::asio::any_io_executor reply_to,
                               std::function<void(std::map<std::string, std::size_t>)> done) {
  using Counts = std::map<std::string, std::size_t>;
  shards_.gather<Counts>(
      [](Shard& shard) {
        Counts c;
        shard.subscribers.for_each_channel([&](std::string_view name, std::size_t n) { c[std::string(name)] += n; });
        return c;
      },
      reply_to, [done = std::move(done)](std::vector<Counts> parts) {
        Counts all;
        for (auto& p : parts) {
          for (auto& [name, n] : p) all[name] += n;
        }
        done(std::move(all));
      });
}

}  // namespace wshub::hub
