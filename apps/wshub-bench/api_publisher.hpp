// ApiPublisher: publishes its share of the plan with POST /api/publish over
// one keep-alive HTTP connection, one request in flight, each publication sent
// when due (or at once when the publisher is behind).
// Thread-safety: none; lives on its worker's thread.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include "http_client.hpp"
#include "publisher.hpp"

namespace wshub::bench {

class Worker;

class ApiPublisher : public Publisher, public std::enable_shared_from_this<ApiPublisher> {
 public:
  ApiPublisher(Worker& worker, const PublishPlan& plan, std::size_t publisher, const Target& target,
               const SourceAddresses& sources, std::size_t connection_index, std::string api_key,
               std::chrono::steady_clock::duration timeout);

  boost::asio::awaitable<std::string> set_up() override;
  void start() override;
  void stop() override;

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<ApiPublisher> self);

  Worker& worker_;
  const PublishPlan& plan_;
  PublicationCursor cursor_;
  HttpClient http_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::duration timeout_;
  bool stopped_ = false;
};

}  // namespace wshub::bench
