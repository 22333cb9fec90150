// HttpClient: one keep-alive HTTP/1.1 connection to a target, one request in
// flight (wshub's server API does not promise pipelining). Used by the API
// publishers and to read /metrics.
// Thread-safety: none; used on one thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "source_addresses.hpp"
#include "target.hpp"

namespace wshub::bench {

struct HttpAnswer {
  std::string error;  // empty when a response arrived
  unsigned status = 0;
  std::string body;
};

class HttpClient {
 public:
  HttpClient(boost::asio::io_context& io, const Target& target, const SourceAddresses& sources, std::size_t index,
             std::string api_key);

  // Empty on success, else "connect: reason".
  boost::asio::awaitable<std::string> connect(std::chrono::steady_clock::duration timeout);
  // Sends one request, reconnecting first when the connection was closed.
  boost::asio::awaitable<HttpAnswer> request(boost::beast::http::verb method, std::string_view path, std::string body,
                                             std::chrono::steady_clock::duration timeout);
  void close_now();

 private:
  boost::beast::tcp_stream stream_;
  const Target& target_;
  const SourceAddresses& sources_;
  std::size_t index_;
  std::string api_key_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> req_;
  bool connected_ = false;
};

}  // namespace wshub::bench
