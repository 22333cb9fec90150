#include "config/config_loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "config/listen_address.hpp"
#include "config/option_table.hpp"
#include "config/option_values.hpp"

namespace wshub::config {
namespace {

constexpr std::size_t k_max_namespace_name = 255;

// A [namespaces.NAME] key, applied once every top-level layer is known.
struct NamespaceSetting {
  const Option* option;
  std::string text;
  std::string origin;  // "wshub.toml:12: namespaces.chat.history_size"
};

struct NamespaceSettings {
  std::string name;
  std::vector<NamespaceSetting> settings;
};

const Option* find_key(std::string_view key) noexcept {
  for (const auto& option : options()) {
    if (option.key == key) return &option;
  }
  return nullptr;
}

// "history_size, history_ttl, ...": the keys a [namespaces.NAME] table takes.
std::string namespace_keys() {
  std::string out;
  for (const auto& option : options()) {
    if (!option.namespace_option) continue;
    if (!out.empty()) out += ", ";
    out += option.key;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = a[i - 1] == b[j - 1] || (a[i - 1] == '-' && b[j - 1] == '_');
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// ` (did you mean "ping_interval"?)` when a known key is close to `key`.
std::string suggestion(std::string_view key, bool namespace_keys_only) {
  const Option* best = nullptr;
  std::size_t best_distance = 3;  // suggest only within two edits
  for (const auto& option : options()) {
    if (namespace_keys_only && !option.namespace_option) continue;
    const auto d = edit_distance(key, option.key);
    if (d < best_distance) {
      best = &option;
      best_distance = d;
    }
  }
  return best ? " (did you mean \"" + best->key + "\"?)" : std::string();
}

// A table's entries in file order (toml++ keeps them sorted by key), so the
// first mistake in the file is the one reported.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& x = a.first->source().begin;
    const auto& y = b.first->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  return entries;
}

std::string location(std::string_view origin, const toml::source_region& source) {
  std::string out(origin.empty() ? std::string_view("config file") : origin);
  if (source.begin.line != 0) out += ':' + std::to_string(source.begin.line);
  return out;
}

std::string_view type_name(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string type_error(std::string_view expected, const toml::node& node) {
  std::string out = "expected " + std::string(expected) + ", got " + std::string(type_name(node));
  if (const auto* s = node.as_string(); s && node.type() == toml::node_type::string) {
    out += " (" + quoted(s->get()) + ")";
  }
  return out;
}

// A TOML value as the text a flag would carry, after checking its TOML type.
core::Expected<std::string, std::string> value_text(const toml::node& node, ValueKind kind) {
  switch (kind) {
    case ValueKind::text:
      if (const auto* s = node.as_string()) return s->get();
      return core::unexpected(type_error("a string", node));
    case ValueKind::boolean:
      if (const auto* b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
      return core::unexpected(type_error("true or false", node));
    case ValueKind::whole_number:
      if (const auto* i = node.as_integer()) return std::to_string(i->get());
      return core::unexpected(type_error("a whole number", node));
    case ValueKind::seconds:
      if (const auto* i = node.as_integer()) return std::to_string(i->get());
      return core::unexpected(type_error("a whole number of seconds", node));
    case ValueKind::decimal:
      if (const auto* i = node.as_integer()) return std::to_string(i->get());
      if (const auto* f = node.as_floating_point()) return format_decimal(f->get());
      return core::unexpected(type_error("a number", node));
    case ValueKind::list: {
      const auto* array = node.as_array();
      if (!array) return core::unexpected(type_error("an array of strings", node));
      std::string joined;
      std::size_t index = 0;
      for (const auto& element : *array) {
        const auto* s = element.as_string();
        if (!s) {
          return core::unexpected("expected an array of strings, element " + std::to_string(index) + " is " +
                                  std::string(type_name(element)));
        }
        // Entries are joined with ',' for the option's text parser, so they cannot contain one.
        if (s->get().find(',') != std::string::npos) {
          return core::unexpected("entries must not contain ',', got " + quoted(s->get()));
        }
        if (!joined.empty()) joined += ',';
        joined += s->get();
        ++index;
      }
      return joined;
    }
  }
  return core::unexpected(std::string("unsupported option kind"));
}

core::Expected<void, std::string> read_namespaces(const toml::node& node, const toml::key& key, std::string_view origin,
                                                  std::vector<NamespaceSettings>& out) {
  const auto* table = node.as_table();
  if (!table) {
    return core::unexpected(location(origin, key.source()) +
                            ": namespaces: expected tables like [namespaces.chat], got " +
                            std::string(type_name(node)));
  }
  for (const auto& [ns_key_ptr, ns_node_ptr] : in_file_order(*table)) {
    const toml::key& ns_key = *ns_key_ptr;
    const toml::node& ns_node = *ns_node_ptr;
    const std::string name(ns_key.str());
    if (!is_valid_namespace_name(name)) {
      return core::unexpected(location(origin, ns_key.source()) + ": invalid namespace name " + quoted(name) +
                              " (1 to 255 characters of A-Z a-z 0-9 _ . @ = / -, no ':')");
    }
    const auto* ns_table = ns_node.as_table();
    if (!ns_table) {
      return core::unexpected(location(origin, ns_key.source()) + ": namespaces." + name + ": expected a table, got " +
                              std::string(type_name(ns_node)));
    }
    NamespaceSettings settings{name, {}};
    for (const auto& [option_key_ptr, value_ptr] : in_file_order(*ns_table)) {
      const toml::key& option_key = *option_key_ptr;
      const toml::node& value = *value_ptr;
      const std::string full_key = "namespaces." + name + "." + std::string(option_key.str());
      const Option* option = find_key(option_key.str());
      if (!option || !option->namespace_option) {
        return core::unexpected(location(origin, option_key.source()) + ": unknown key " + quoted(full_key) +
                                suggestion(option_key.str(), true) + "; a namespace takes " + namespace_keys());
      }
      auto text = value_text(value, option->kind);
      if (!text) return core::unexpected(location(origin, value.source()) + ": " + full_key + ": " + text.error());
      settings.settings.push_back({option, std::move(*text), location(origin, value.source()) + ": " + full_key});
    }
    out.push_back(std::move(settings));
  }
  return {};
}

core::Expected<void, std::string> apply_toml(std::string_view text, std::string_view origin, Config& config,
                                             std::vector<NamespaceSettings>& namespaces) {
  toml::table document;
  try {
    document = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::string where(origin.empty() ? std::string_view("config file") : origin);
    const auto& begin = e.source().begin;
    if (begin.line != 0) where += ':' + std::to_string(begin.line) + ':' + std::to_string(begin.column);
    return core::unexpected(where + ": invalid TOML: " + std::string(e.description()));
  }

  for (const auto& [key_ptr, node_ptr] : in_file_order(document)) {
    const toml::key& key = *key_ptr;
    const toml::node& node = *node_ptr;
    if (key.str() == "namespaces") {
      if (auto ok = read_namespaces(node, key, origin, namespaces); !ok) return ok;
      continue;
    }
    const Option* option = find_key(key.str());
    if (!option) {
      return core::unexpected(location(origin, key.source()) + ": unknown key " + quoted(key.str()) +
                              suggestion(key.str(), false));
    }
    auto value = value_text(node, option->kind);
    if (!value) {
      return core::unexpected(location(origin, node.source()) + ": " + option->key + ": " + value.error());
    }
    if (auto ok = option->set(config, *value); !ok) {
      return core::unexpected(location(origin, node.source()) + ": " + option->key + ": " + ok.error());
    }
  }
  return {};
}

core::Expected<void, std::string> apply_environment(const std::map<std::string, std::string>& env, Config& config) {
  for (const auto& option : options()) {
    const auto it = env.find(option.env);
    if (it == env.end() || it->second.empty()) continue;
    if (auto ok = option.set(config, it->second); !ok) return core::unexpected(option.env + ": " + ok.error());
  }
  return {};
}

core::Expected<void, std::string> apply_flags(const std::map<std::string, std::string>& flags, Config& config) {
  for (const auto& [name, value] : flags) {
    const Option* option = find_option(name);
    if (!option) {
      return core::unexpected("unknown option " + flag_name(name.starts_with("--") ? name.substr(2) : name));
    }
    const bool bare_flag = option->kind == ValueKind::boolean && value.empty();
    if (auto ok = option->set(config, bare_flag ? std::string_view("true") : value); !ok) {
      return core::unexpected(option->flag + ": " + ok.error());
    }
  }
  return {};
}

}  // namespace

bool is_valid_namespace_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > k_max_namespace_name) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '@' || c == '=' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

core::Expected<Config, std::string> load_config(std::optional<std::string_view> toml_text,
                                                std::string_view toml_origin_name,
                                                const std::map<std::string, std::string>& env,
                                                const std::map<std::string, std::string>& flags) {
  Config config;
  std::vector<NamespaceSettings> namespaces;
  if (toml_text) {
    if (auto ok = apply_toml(*toml_text, toml_origin_name, config, namespaces); !ok) {
      return core::unexpected(ok.error());
    }
  }
  if (auto ok = apply_environment(env, config); !ok) return core::unexpected(ok.error());
  if (auto ok = apply_flags(flags, config); !ok) return core::unexpected(ok.error());

  // Namespaces inherit the final top-level values, whichever layer set them.
  for (const auto& ns : namespaces) {
    NamespaceOptions options = config.default_namespace;
    for (const auto& setting : ns.settings) {
      if (auto ok = setting.option->set_in_namespace(options, setting.text); !ok) {
        return core::unexpected(setting.origin + ": " + ok.error());
      }
    }
    config.namespaces.insert_or_assign(ns.name, options);
  }

  if (auto ok = validate_config(config); !ok) return core::unexpected(ok.error());
  return config;
}

core::Expected<void, std::string> validate_config(const Config& config) {
  // Every value must survive its own option's parser: one rule set for files,
  // flags, the environment and Configs built in code.
  Config scratch;
  for (const auto& option : options()) {
    if (auto ok = option.set(scratch, option.show(config)); !ok) {
      return core::unexpected(option.key + ": " + ok.error());
    }
  }
  for (const auto& [name, ns] : config.namespaces) {
    if (!is_valid_namespace_name(name)) {
      return core::unexpected("invalid namespace name " + quoted(name) +
                              " (1 to 255 characters of A-Z a-z 0-9 _ . @ = / -, no ':')");
    }
    NamespaceOptions ns_scratch;
    for (const auto& option : options()) {
      if (!option.namespace_option) continue;
      if (auto ok = option.set_in_namespace(ns_scratch, option.show_in_namespace(ns)); !ok) {
        return core::unexpected("namespaces." + name + "." + option.key + ": " + ok.error());
      }
    }
  }
  if (!config.jwt_secret.empty() && !config.jwt_public_key.empty()) {
    return core::unexpected(
        std::string("jwt_secret and jwt_public_key are both set; configure one way of verifying tokens"));
  }
  if (config.trusted_proxy_header.empty() != config.trusted_proxies.empty()) {
    return core::unexpected(std::string(
        "trusted_proxy_header and trusted_proxies go together: set both to take the client address from a "
        "reverse proxy's header, or neither"));
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return core::unexpected(std::string(
        "tls_cert_file and tls_key_file go together: set both to serve TLS on the public listener, or neither"));
  }
  const auto api_address = parse_listen_address(config.api_listen);
  const auto public_address = parse_listen_address(config.listen);
  if (api_address && public_address && *api_address == *public_address && api_address->port != 0) {
    return core::unexpected("api_listen must differ from listen (both are " + config.listen + ")");
  }
  return {};
}

std::vector<std::string> unknown_environment_variables(const std::map<std::string, std::string>& env) {
  std::vector<std::string> unknown;
  for (const auto& [name, value] : env) {
    if (!name.starts_with("WSHUB_") || name == k_config_file_env) continue;
    if (!find_option_by_env(name)) unknown.push_back(name);
  }
  return unknown;
}

}  // namespace wshub::config
