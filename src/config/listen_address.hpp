// ListenAddress: the HOST:PORT a listener binds, parsed from the `listen` option.
//
// Accepted forms: `0.0.0.0:8000`, `localhost:8000`, `[::1]:8000`, `[::]:0`
// (port 0 asks the kernel for a free port). The host is returned without the
// IPv6 brackets, ready for a resolver. Unbracketed IPv6 and an empty host are
// refused, so a typo never silently binds every interface.
// Thread-safety: a plain value type and a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace wshub::config {

struct ListenAddress {
  std::string host;  // "0.0.0.0", "localhost", "::1" (no brackets)
  std::uint16_t port = 0;

  bool operator==(const ListenAddress&) const = default;
};

// The error message follows "<option name>: ", like those of option_values.hpp.
core::Expected<ListenAddress, std::string> parse_listen_address(std::string_view text);

}  // namespace wshub::config
