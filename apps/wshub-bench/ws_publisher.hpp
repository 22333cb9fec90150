// WsPublisher: publishes its share of the plan with the WebSocket `publish`
// op. Publications due at the same moment go out as one frame of
// '\n'-joined ops (the protocol allows client batching); at most `window` ops
// may wait for their reply. Replies come back in request order.
// Thread-safety: none; lives on its worker's thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <deque>

#include "publisher.hpp"
#include "ws_connection.hpp"

namespace wshub::bench {

class Worker;

class WsPublisher : public Publisher, public std::enable_shared_from_this<WsPublisher> {
 public:
  WsPublisher(Worker& worker, const PublishPlan& plan, std::size_t publisher, ConnectPlan connect, std::size_t window,
              std::chrono::steady_clock::duration timeout);

  boost::asio::awaitable<std::string> set_up() override;
  void start() override;
  void stop() override;

 private:
  struct InFlight {
    std::uint64_t k;
    std::size_t channel;
    std::int64_t sent_ns;
  };

  boost::asio::awaitable<void> write_loop(std::shared_ptr<WsPublisher> self);
  boost::asio::awaitable<void> read_loop(std::shared_ptr<WsPublisher> self);
  void on_reply(std::int64_t id, bool ok, std::int64_t code, std::int64_t now);
  void finish();

  Worker& worker_;
  const PublishPlan& plan_;
  PublicationCursor cursor_;
  ConnectPlan connect_;
  WsConnection conn_;
  std::size_t window_;
  std::chrono::steady_clock::duration timeout_;
  boost::asio::steady_timer timer_;  // the next due time, or room in the window
  std::deque<InFlight> in_flight_;
  bool waiting_for_room_ = false;
  bool writer_done_ = false;
  bool finished_ = false;
  bool stopped_ = false;
};

}  // namespace wshub::bench
