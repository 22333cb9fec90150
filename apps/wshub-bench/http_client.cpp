#include "http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace wshub::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto k_use = asio::as_tuple(asio::use_awaitable);
}

HttpClient::HttpClient(asio::io_context& io, const Target& target, const SourceAddresses& sources, std::size_t index,
                       std::string api_key)
    : stream_(io), target_(target), sources_(sources), index_(index), api_key_(std::move(api_key)) {
  req_.version(11);
  req_.keep_alive(true);
  req_.set(http::field::host, target_.host_header);
  req_.set(http::field::user_agent, "wshub-bench");
  if (!api_key_.empty()) req_.set(http::field::authorization, "apikey " + api_key_);
}

asio::awaitable<std::string> HttpClient::connect(std::chrono::steady_clock::duration timeout) {
  close_now();
  stream_.expires_after(timeout);
  if (auto ec = sources_.prepare(stream_.socket(), index_)) co_return "bind: " + ec.message();
  auto [ec] = co_await stream_.async_connect(target_.endpoint, k_use);
  if (ec) co_return "connect: " + ec.message();
  boost::system::error_code ignored;
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  stream_.expires_never();
  buffer_.clear();
  connected_ = true;
  co_return std::string();
}

asio::awaitable<HttpAnswer> HttpClient::request(http::verb method, std::string_view path, std::string body,
                                                std::chrono::steady_clock::duration timeout) {
  HttpAnswer answer;
  // One retry on a fresh connection: the server may close an idle keep-alive
  // connection between two requests, which is not an answer to this one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connected_) {
      if (auto error = co_await connect(timeout); !error.empty()) {
        answer.error = error;
        co_return answer;
      }
    }
    req_.method(method);
    req_.target(beast::string_view(path.data(), path.size()));
    if (method == http::verb::get) {
      req_.body().clear();
      req_.erase(http::field::content_type);
    } else {
      req_.set(http::field::content_type, "application/json");
      req_.body() = body;
    }
    req_.prepare_payload();
    stream_.expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(stream_, req_, k_use);
    if (!wec) {
      http::response<http::string_body> res;
      auto [rec, rn] = co_await http::async_read(stream_, buffer_, res, k_use);
      if (!rec) {
        stream_.expires_never();
        if (!res.keep_alive()) close_now();
        answer.status = res.result_int();
        answer.body = std::move(res.body());
        co_return answer;
      }
      answer.error = "response: " + rec.message();
      const bool stale =
          rec == http::error::end_of_stream || rec == asio::error::connection_reset || rec == asio::error::eof;
      close_now();
      if (!stale || attempt > 0) co_return answer;
    } else {
      answer.error = "request: " + wec.message();
      close_now();
      if (attempt > 0) co_return answer;
    }
  }
  co_return answer;
}

void HttpClient::close_now() {
  connected_ = false;
  boost::system::error_code ec;
  stream_.socket().close(ec);
}

}  // namespace wshub::bench
