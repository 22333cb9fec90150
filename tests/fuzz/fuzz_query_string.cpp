// Fuzzes request-target parsing: the input is "NAME\nTARGET" (or just a
// TARGET, looked up for "token" and "user").
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/query_string.hpp"

namespace {

// Like assert, but also in release builds, and says which promise broke.
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\n", what);
  std::abort();
}

void check_param(std::string_view target, std::string_view name) {
  using namespace wshub::core;
  const auto value = query_param(target, name);
  if (!value) return;
  // Percent-decoding never grows the text, and a value exists only after a '?'.
  check(target.find('?') != std::string_view::npos, "a value needs a query");
  check(value->size() <= target.size(), "decoding never grows the text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace wshub::core;
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  std::string_view name = "token";
  std::string_view target = input;
  if (const auto nl = input.find('\n'); nl != std::string_view::npos) {
    name = input.substr(0, nl);
    target = input.substr(nl + 1);
  }
  const std::string_view path = target_path(target);
  check(target.substr(0, path.size()) == path, "path is a prefix");
  check(path.find('?') == std::string_view::npos, "path holds no ?");
  check(path.size() == target.size() || target[path.size()] == '?', "path ends at the ?");
  check_param(target, name);
  check_param(target, "user");
  return 0;
}
