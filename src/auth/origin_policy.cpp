#include "auth/origin_policy.hpp"

#include <algorithm>

namespace wshub::auth {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

}  // namespace

std::string OriginPolicy::normalize(std::string_view origin) {
  std::string out = lower(origin);
  const auto sep = out.find("://");
  if (sep == std::string::npos) return out;
  const std::string_view scheme = std::string_view(out).substr(0, sep);
  std::string_view default_port;
  if (scheme == "https" || scheme == "wss") default_port = ":443";
  if (scheme == "http" || scheme == "ws") default_port = ":80";
  // Only a bare host:port authority (no path, userinfo or IPv6 brackets after
  // the port) has its default port dropped.
  if (!default_port.empty() && out.ends_with(default_port)) {
    const std::string_view authority = std::string_view(out).substr(sep + 3);
    const auto colon = authority.rfind(':');
    if (authority.find_first_of("/@?#") == std::string_view::npos && colon + default_port.size() ==
                                                                          authority.size() && colon > 0) {
      out.resize(out.size() - default_port.size());
    }
  }
  return out;
}

OriginPolicy::OriginPolicy(std::vector<std::string> allowed) {
  for (auto& a : allowed) allowed_.push_back(normalize(a));
}

bool OriginPolicy::allows(std::optional<std::string_view> origin) const {
  if (allowed_.empty() || !origin) return true;
  const std::string o = normalize(*origin);
  return std::find(allowed_.begin(), allowed_.end(), o) != allowed_.end();
}

}  // namespace wshub::auth
