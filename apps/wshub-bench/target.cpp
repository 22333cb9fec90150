#include "target.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <charconv>

namespace wshub::bench {

core::Expected<Target, std::string> resolve_target(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return core::unexpected("target \"" + text + "\": expected HOST:PORT");
  }
  const std::string host = text.substr(0, colon);
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port == 0 || port > 65535) {
    return core::unexpected("target \"" + text + "\": bad port");
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code rec;
  const auto results = resolver.resolve(boost::asio::ip::tcp::v4(), host, std::to_string(port), rec);
  if (rec || results.empty()) {
    return core::unexpected("target \"" + text + "\": cannot resolve " + host + ": " + rec.message());
  }
  Target t;
  t.text = text;
  t.host_header = text;
  t.endpoint = results.begin()->endpoint();
  t.loopback = t.endpoint.address().is_loopback();
  return t;
}

core::Expected<std::vector<Target>, std::string> resolve_targets(const std::vector<std::string>& texts) {
  std::vector<Target> out;
  for (const auto& text : texts) {
    auto t = resolve_target(text);
    if (!t) return core::unexpected(t.error());
    out.push_back(std::move(*t));
  }
  if (out.empty()) return core::unexpected(std::string("no --target given"));
  return out;
}

}  // namespace wshub::bench
