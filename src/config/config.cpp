#include "config/config.hpp"

#include "config/option_table.hpp"
#include "config/option_values.hpp"

namespace wshub::config {
namespace {

// A broker URL with its password (redis://user:PASSWORD@host) replaced by ***.
std::string redact_password(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// `key=value`, with values a reader can tell apart: empty text as "", lists in
// brackets, durations with their unit.
void append_value(std::string& out, const Option& option, const std::string& raw) {
  const std::string value = option.key == "broker" ? redact_password(raw) : raw;
  out += option.key;
  out += '=';
  if (option.secret) {
    out += value.empty() ? "unset" : "set";
  } else if (option.kind == ValueKind::list) {
    out += '[' + value + ']';
  } else if (option.kind == ValueKind::seconds) {
    out += value + 's';
  } else if (value.empty() || value.find_first_of(" \"\\") != std::string::npos) {
    out += quoted(value);
  } else {
    out += value;
  }
}

}  // namespace

const NamespaceOptions& Config::namespace_options(std::string_view ns) const {
  if (!ns.empty()) {
    if (const auto it = namespaces.find(ns); it != namespaces.end()) return it->second;
  }
  return default_namespace;
}

std::string describe(const Config& config) {
  std::string out;
  for (const auto& option : options()) {
    if (!out.empty()) out += ' ';
    append_value(out, option, option.show(config));
  }
  out += " namespaces={";
  bool first_namespace = true;
  for (const auto& [name, ns] : config.namespaces) {
    if (!first_namespace) out += ", ";
    first_namespace = false;
    out += name;
    out += ':';
    for (const auto& option : options()) {
      if (!option.namespace_option) continue;
      out += ' ';
      append_value(out, option, option.show_in_namespace(ns));
    }
  }
  out += '}';
  return out;
}

}  // namespace wshub::config
