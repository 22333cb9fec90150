#include "auth/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace wshub::auth {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

OriginPolicy::OriginPolicy(std::vector<std::string> allowed) {
  for (auto& a : allowed) allowed_.push_back(lower(a));
}

bool OriginPolicy::allows(std::optional<std::string_view> origin) const {
  if (allowed_.empty() || !origin) return true;
  const std::string o = lower(*origin);
  return std::find(allowed_.begin(), allowed_.end(), o) != allowed_.end();
}

}  // namespace wshub::auth
