// ClientDirectory: finding clients across this instance's shards, by client
// id, by user or by channel: direct pushes, disconnects, presence, channel
// subscriber counts. Each call scatters to every shard and gathers.
//
// Thread-safety: callable from any thread; `done` runs on `reply_to`.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/publication.hpp"
#include "hub/shard_set.hpp"

namespace wshub::hub {

struct ClientSelector {
  std::string client;  // exactly one of client and user is set
  std::string user;
};

class ClientDirectory {
 public:
  explicit ClientDirectory(ShardSet& shards) : shards_(shards) {}

  // Queues `frame` to the selected connections; done(number reached).
  void send(ClientSelector who, core::SharedFrame frame, boost::asio::any_io_executor reply_to,
            std::function<void(std::size_t)> done);
  // Closes the selected connections with `code`; done(number closed).
  void disconnect(ClientSelector who, std::uint16_t code, std::string reason, boost::asio::any_io_executor reply_to,
                  std::function<void(std::size_t)> done);
  // done(JSON array of {"client","user"} subscribed to `channel` here).
  void presence(std::string channel, boost::asio::any_io_executor reply_to, std::function<void(std::string)> done);
  // done(channel -> local subscriber count), every channel with subscribers here.
  void channels(boost::asio::any_io_executor reply_to,
                std::function<void(std::map<std::string, std::size_t>)> done);

 private:
  ShardSet& shards_;
};

}  // namespace wshub::hub
