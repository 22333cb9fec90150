// OriginPolicy: the allow-list of browser origins that may open a WebSocket.
//
// Exact, case-insensitive match of scheme://host[:port] against the configured
// list. No Origin header means a non-browser client, which is allowed: Origin
// protects browsers from cross-site WebSocket hijacking, it is not
// authentication. An empty list allows every origin.
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::auth {

class OriginPolicy {
 public:
  explicit OriginPolicy(std::vector<std::string> allowed);
  bool allows(std::optional<std::string_view> origin) const;

 private:
  std::vector<std::string> allowed_;  // lower-cased
};

}  // namespace wshub::auth
