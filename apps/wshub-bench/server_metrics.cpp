#include "server_metrics.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <charconv>
#include <chrono>

#include "http_client.hpp"

namespace wshub::bench {
namespace asio = boost::asio;

std::optional<double> metric_sum(std::string_view text, std::string_view name) {
  std::optional<double> sum;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.starts_with(name)) continue;
    std::string_view rest = line.substr(name.size());
    if (!rest.empty() && rest[0] == '{') {
      const auto close = rest.find('}');
      if (close == std::string_view::npos) continue;
      rest.remove_prefix(close + 1);
    }
    if (rest.empty() || rest[0] != ' ') continue;
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    const auto space = rest.find(' ');
    const std::string value(rest.substr(0, space));
    try {
      sum = sum.value_or(0.0) + std::stod(value);
    } catch (const std::exception&) {
    }
  }
  return sum;
}

std::optional<double> read_metric(Worker& worker, const Target& target, const std::string& api_key,
                                  std::string_view name) {
  static const SourceAddresses k_no_binding;
  auto client = std::make_shared<HttpClient>(worker.io(), target, k_no_binding, 0, api_key);
  auto future = asio::co_spawn(
      worker.io(),
      [client]() -> asio::awaitable<HttpAnswer> {
        co_return co_await client->request(boost::beast::http::verb::get, "/metrics", std::string(),
                                           std::chrono::seconds(5));
      },
      asio::use_future);
  if (future.wait_for(std::chrono::seconds(6)) != std::future_status::ready) return std::nullopt;
  HttpAnswer answer;
  try {
    answer = future.get();
  } catch (const std::exception&) {
    return std::nullopt;
  }
  worker.post([client] { client->close_now(); });
  if (!answer.error.empty() || answer.status != 200) return std::nullopt;
  return metric_sum(answer.body, name);
}

}  // namespace wshub::bench
