#include "config/option_table.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "config/listen_address.hpp"
#include "config/option_values.hpp"
#include "core/ip_address.hpp"

namespace wshub::config {
namespace {

constexpr std::uint64_t k_mib = 1ull << 20;
constexpr std::uint64_t k_no_limit = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t k_max_instance_id = 128;

// How an option reads and writes its field in a settings struct S (Config or
// NamespaceOptions).
template <class S>
struct Access {
  std::function<SetResult(S&, std::string_view)> set;
  std::function<std::string(const S&)> show;
};

// Checks and normalises text before it is stored: the value to store or an error.
using TextCheck = std::function<core::Expected<std::string, std::string>(std::string_view)>;

template <class S>
Access<S> text_field(std::string S::*field, TextCheck check = {}) {
  return {[field, check](S& s, std::string_view text) -> SetResult {
            if (!check) {
              s.*field = std::string(text);
              return {};
            }
            auto value = check(text);
            if (!value) return core::unexpected(std::move(value.error()));
            s.*field = std::move(*value);
            return {};
          },
          [field](const S& s) { return s.*field; }};
}

template <class S>
Access<S> bool_field(bool S::*field) {
  return {[field](S& s, std::string_view text) -> SetResult {
            auto value = parse_bool(text);
            if (!value) return core::unexpected(std::move(value.error()));
            s.*field = *value;
            return {};
          },
          [field](const S& s) { return std::string(s.*field ? "true" : "false"); }};
}

template <class S, class T>
Access<S> number_field(T S::*field, std::string_view unit, std::uint64_t min, std::uint64_t max) {
  const std::uint64_t limit = std::min<std::uint64_t>(max, std::numeric_limits<T>::max());
  return {[field, unit, min, limit](S& s, std::string_view text) -> SetResult {
            auto value = parse_whole_number(text, unit, min, limit);
            if (!value) return core::unexpected(std::move(value.error()));
            s.*field = static_cast<T>(*value);
            return {};
          },
          [field](const S& s) { return std::to_string(s.*field); }};
}

template <class S>
Access<S> seconds_field(std::chrono::seconds S::*field, std::uint64_t min) {
  return {[field, min](S& s, std::string_view text) -> SetResult {
            auto value = parse_whole_number(text, "seconds", min, k_max_seconds);
            if (!value) return core::unexpected(std::move(value.error()));
            s.*field = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(*value));
            return {};
          },
          [field](const S& s) { return std::to_string((s.*field).count()); }};
}

Access<Config> decimal_field(double Config::*field) {
  return {[field](Config& c, std::string_view text) -> SetResult {
            auto value = parse_positive_decimal(text);
            if (!value) return core::unexpected(std::move(value.error()));
            c.*field = *value;
            return {};
          },
          [field](const Config& c) { return format_decimal(c.*field); }};
}

Access<Config> origins_field(std::vector<std::string> Config::*field) {
  return {[field](Config& c, std::string_view text) -> SetResult {
            auto entries = split_list(text);
            for (const auto& entry : entries) {
              if (auto ok = check_origin(entry); !ok) return core::unexpected(ok.error());
            }
            c.*field = std::move(entries);
            return {};
          },
          [field](const Config& c) {
            std::string out;
            for (const auto& entry : c.*field) {
              if (!out.empty()) out += ',';
              out += entry;
            }
            return out;
          }};
}

Access<Config> algorithms_field(std::vector<std::string> Config::*field) {
  return {[field](Config& c, std::string_view text) -> SetResult {
            auto entries = split_list(text);
            if (entries.empty()) return core::unexpected(std::string("at least one algorithm is needed"));
            for (auto& entry : entries) {
              static constexpr std::string_view k_known[] = {"HS256", "HS384", "HS512", "RS256", "RS384",
                                                             "RS512", "ES256", "ES384", "ES512"};
              if (std::find(std::begin(k_known), std::end(k_known), entry) == std::end(k_known)) {
                return core::unexpected("expected algorithms among HS256, HS384, HS512, RS256, RS384, RS512, "
                                        "ES256, ES384, ES512 (\"none\" is never accepted), got " +
                                        quoted(entry));
              }
            }
            c.*field = std::move(entries);
            return {};
          },
          [field](const Config& c) {
            std::string out;
            for (const auto& entry : c.*field) {
              if (!out.empty()) out += ',';
              out += entry;
            }
            return out;
          }};
}

core::Expected<std::string, std::string> check_listen(std::string_view text) {
  auto address = parse_listen_address(text);
  if (!address) return core::unexpected(std::move(address.error()));
  return std::string(trim(text));
}

core::Expected<std::string, std::string> check_broker_url(std::string_view text) {
  const auto t = trim(text);
  if (auto ok = check_broker(t); !ok) return core::unexpected(ok.error());
  return std::string(t);
}

core::Expected<std::string, std::string> check_instance_id(std::string_view text) {
  bool ok = text.size() <= k_max_instance_id;
  for (char c : text) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("_.:@=/-").find(c) != std::string_view::npos);
  }
  if (!ok) {
    return core::unexpected("expected at most 128 letters, digits or _.:@=/- characters, got " + quoted(text));
  }
  return std::string(text);
}

std::string lower(std::string_view text) {
  std::string out(trim(text));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

core::Expected<std::string, std::string> check_log_level(std::string_view text) {
  auto level = lower(text);
  if (level == "warning") level = "warn";  // spdlog's own spelling
  for (std::string_view known : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == known) return level;
  }
  return core::unexpected("expected trace, debug, info, warn, error, critical or off, got " + quoted(text));
}

core::Expected<std::string, std::string> check_log_format(std::string_view text) {
  auto format = lower(text);
  if (format == "text" || format == "json") return format;
  return core::unexpected("expected text or json, got " + quoted(text));
}

// A rate that may be switched off: 0, or a finite decimal number > 0.
Access<Config> optional_rate_field(double Config::*field) {
  return {[field](Config& c, std::string_view text) -> SetResult {
            auto whole = parse_whole_number(text, "", 0, 0);
            if (whole) {
              c.*field = 0;
              return {};
            }
            auto value = parse_positive_decimal(text);
            if (!value) return core::unexpected("expected 0 (no limit) or a number > 0, got " + quoted(trim(text)));
            c.*field = *value;
            return {};
          },
          [field](const Config& c) { return c.*field == 0 ? std::string("0") : format_decimal(c.*field); }};
}

Access<Config> networks_field(std::vector<std::string> Config::*field) {
  return {[field](Config& c, std::string_view text) -> SetResult {
            std::vector<std::string> out;
            for (const auto& entry : split_list(text)) {
              auto network = core::parse_ip_network(entry);
              if (!network) return core::unexpected(network.error());
              out.push_back(network->to_string());
            }
            c.*field = std::move(out);
            return {};
          },
          [field](const Config& c) {
            std::string out;
            for (const auto& entry : c.*field) {
              if (!out.empty()) out += ',';
              out += entry;
            }
            return out;
          }};
}

core::Expected<std::string, std::string> check_optional_listen(std::string_view text) {
  if (trim(text).empty()) return std::string();
  return check_listen(text);
}

// An HTTP header name (an RFC 9110 token), or empty.
core::Expected<std::string, std::string> check_header_name(std::string_view text) {
  const auto name = trim(text);
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return core::unexpected("expected an HTTP header name such as X-Forwarded-For, got " + quoted(text));
  }
  return std::string(name);
}

struct Spec {
  std::string_view key;
  ValueKind kind;
  std::string_view value_name;
  std::string_view help;
  bool secret = false;
};

Option make_option(const Spec& spec, Access<Config> access) {
  Option o;
  o.key = spec.key;
  o.flag = flag_name(spec.key);
  o.env = env_name(spec.key);
  o.value_name = spec.value_name;
  o.help = spec.help;
  o.kind = spec.kind;
  o.secret = spec.secret;
  o.set = std::move(access.set);
  o.show = std::move(access.show);
  return o;
}

// A namespace option: the top-level key sets the default namespace's value.
Option make_namespace_option(const Spec& spec, Access<NamespaceOptions> access) {
  auto set_default = [set = access.set](Config& c, std::string_view text) { return set(c.default_namespace, text); };
  auto show_default = [show = access.show](const Config& c) { return show(c.default_namespace); };
  Option o = make_option(spec, {set_default, show_default});
  o.namespace_option = true;
  o.set_in_namespace = std::move(access.set);
  o.show_in_namespace = std::move(access.show);
  return o;
}

std::vector<Option> build_options() {
  using K = ValueKind;
  using C = Config;
  using N = NamespaceOptions;
  std::vector<Option> t;
  t.push_back(make_option({"listen", K::text, "HOST:PORT",
                           "Address of the public listener (WebSocket at /ws, server API under /api/). "
                           "Port 0 binds a free port."},
                          text_field<C>(&C::listen, check_listen)));
  t.push_back(make_option({"api_listen", K::text, "HOST:PORT",
                           "Address of an internal listener for the server API (/api/) and /metrics; when set, "
                           "the public listener answers 404 for them. /healthz and /readyz are on both. "
                           "Empty: everything on the public listener."},
                          text_field<C>(&C::api_listen, check_optional_listen)));
  t.push_back(make_option({"tls_cert_file", K::text, "FILE",
                           "PEM certificate chain (leaf first) for the public listener; with tls_key_file the "
                           "public listener speaks TLS only (https://, wss://), TLS 1.2 and 1.3. Reloaded on "
                           "SIGHUP. The api_listen listener stays plain HTTP. Empty: plain HTTP."},
                          text_field<C>(&C::tls_cert_file)));
  t.push_back(make_option({"tls_key_file", K::text, "FILE",
                           "PEM private key of tls_cert_file; set both or neither. Reloaded on SIGHUP."},
                          text_field<C>(&C::tls_key_file)));
  t.push_back(make_option({"broker", K::text, "URL",
                           "Message broker: memory (a single instance), redis://HOST:PORT[/DB], or "
                           "redis+cluster://HOST:PORT,... to form one hub of several instances."},
                          text_field<C>(&C::broker, check_broker_url)));
  t.push_back(make_option({"instance_id", K::text, "NAME",
                           "Name of this instance in the cluster (letters, digits, _.:@=/-). "
                           "Empty: generated at start."},
                          text_field<C>(&C::instance_id, check_instance_id)));
  t.push_back(make_option({"heartbeat_interval", K::seconds, "SECONDS",
                           "With a Redis broker: seconds between this instance's registry heartbeats. Its "
                           "entry expires after three missed beats; survivors then remove its connections."},
                          seconds_field<C>(&C::heartbeat_interval, 1)));
  t.push_back(make_option({"dev", K::boolean, "",
                           "Development mode: clients connect without a token (?user=NAME sets the user id), "
                           "the API needs no key, clients may publish everywhere. Never use in production."},
                          bool_field<C>(&C::dev)));
  t.push_back(make_option({"api_key", K::text, "KEY",
                           "Key the server API requires (Authorization: apikey KEY). "
                           "Empty: the API is disabled unless --dev.",
                           true},
                          text_field<C>(&C::api_key)));
  t.push_back(make_option(
      {"jwt_secret", K::text, "SECRET", "Shared secret that verifies HMAC-signed (HS256) client JWTs (connection and subscription tokens).", true},
      text_field<C>(&C::jwt_secret)));
  t.push_back(make_option({"jwt_public_key", K::text, "FILE",
                           "PEM file with the RSA or EC public key that verifies client JWTs signed with its "
                           "private key. Use either this or jwt_secret. Read again on SIGHUP."},
                          text_field<C>(&C::jwt_public_key)));
  t.push_back(make_option({"jwt_jwks_file", K::text, "FILE",
                           "JWKS file (JSON {\"keys\": [...]}) with RSA, EC (P-256/384/521) or oct keys; tokens "
                           "choose one by their kid, so keys can be rotated (read again on SIGHUP). May be combined "
                           "with the two above."},
                          text_field<C>(&C::jwt_jwks_file)));
  t.push_back(make_option({"jwt_algorithms", K::list, "ALGS",
                           "Token algorithms accepted, comma-separated: HS256/384/512 (with jwt_secret or oct "
                           "keys), RS256/384/512 (RSA keys), ES256/384/512 (EC keys of the matching curve). Each "
                           "key accepts only those of its own type."},
                          algorithms_field(&C::jwt_algorithms)));
  t.push_back(make_option({"jwt_issuer", K::text, "ISSUER",
                           "When set, tokens must carry this iss claim. Empty: iss is not checked."},
                          text_field<C>(&C::jwt_issuer)));
  t.push_back(make_option({"jwt_audience", K::text, "AUDIENCE",
                           "When set, the token's aud claim (a string or a list) must contain it. Empty: aud is "
                           "not checked."},
                          text_field<C>(&C::jwt_audience)));
  t.push_back(make_option({"jwt_leeway", K::seconds, "SECONDS",
                           "Clock skew tolerated when checking a token's exp and nbf, in seconds."},
                          seconds_field<C>(&C::jwt_leeway, 0)));
  t.push_back(make_option({"allowed_origins", K::list, "ORIGINS",
                           "Origins browsers may connect from, comma-separated (a TOML array in the file), "
                           "e.g. https://app.example,http://localhost:3000; matched exactly, ignoring case. "
                           "Empty: every origin is allowed."},
                          origins_field(&C::allowed_origins)));
  t.push_back(make_option(
      {"allow_anonymous", K::boolean, "BOOL", "Accept connections without a token (their user id is empty)."},
      bool_field<C>(&C::allow_anonymous)));
  t.push_back(make_option({"ping_interval", K::seconds, "SECONDS",
                           "Seconds between WebSocket pings; a connection silent for twice as long is closed "
                           "(4003)."},
                          seconds_field<C>(&C::ping_interval, 1)));
  t.push_back(make_option({"max_message_size", K::whole_number, "BYTES",
                           "Largest WebSocket message accepted from a client, in bytes, at most 64 MiB "
                           "(close 1009 above it)."},
                          number_field<C>(&C::max_message_size, "bytes", 1, 64 * k_mib)));
  t.push_back(make_option({"send_queue_bytes", K::whole_number, "BYTES",
                           "Bytes that may wait to be sent to one connection; a slower client is closed "
                           "with 4000."},
                          number_field<C>(&C::send_queue_bytes, "bytes", 1, k_no_limit)));
  t.push_back(make_option({"shutdown_timeout", K::seconds, "SECONDS",
                           "Seconds allowed for the graceful drain on SIGTERM/SIGINT (0: close at once)."},
                          seconds_field<C>(&C::shutdown_timeout, 0)));
  t.push_back(make_option({"handshake_timeout", K::seconds, "SECONDS",
                           "Seconds a client has to complete the HTTP request and WebSocket upgrade."},
                          seconds_field<C>(&C::handshake_timeout, 1)));
  t.push_back(make_option({"tcp_defer_accept", K::seconds, "SECONDS",
                           "Seconds the kernel may hold a new connection until its first bytes arrive "
                           "(TCP_DEFER_ACCEPT), so accepting it and reading its request take one wake-up; "
                           "a connection that sends nothing reaches handshake_timeout only after it (0: off)."},
                          seconds_field<C>(&C::tcp_defer_accept, 0)));
  t.push_back(make_option({"close_timeout", K::seconds, "SECONDS",
                           "Seconds to wait for the client's close frame after the server closes "
                           "(0: drop the connection at once)."},
                          seconds_field<C>(&C::close_timeout, 0)));
  t.push_back(make_option({"workers", K::whole_number, "N", "I/O threads, at most 64; 0: one per CPU this process may use (its affinity mask, lowered to its "
                           "cgroup's CPU limit)."},
                          number_field<C>(&C::workers, "", 0, 64)));
  t.push_back(make_option({"io_uring", K::boolean, "BOOL",
                           "Batch each shard's socket writes into one io_uring system call when the kernel "
                           "allows it (false: one sendmsg per write)."},
                          bool_field<C>(&C::io_uring)));
  t.push_back(make_option(
      {"max_channels_per_connection", K::whole_number, "N", "Subscriptions one connection may hold (429 beyond)."},
      number_field<C>(&C::max_channels_per_connection, "", 1, k_no_limit)));
  t.push_back(make_option({"max_publish_size", K::whole_number, "BYTES",
                           "Largest publication data in bytes, from clients and the API, at most 64 MiB "
                           "(413 above it)."},
                          number_field<C>(&C::max_publish_size, "bytes", 1, 64 * k_mib)));
  t.push_back(make_option({"api_max_body_size", K::whole_number, "BYTES",
                           "Largest server API request body in bytes, at most 1 GiB (413 above it)."},
                          number_field<C>(&C::api_max_body_size, "bytes", 1, 1024 * k_mib)));
  t.push_back(make_option({"client_op_rate", K::decimal, "OPS",
                           "Operations per second one connection may send (token bucket; 429 beyond)."},
                          decimal_field(&C::client_op_rate)));
  t.push_back(
      make_option({"client_op_burst", K::whole_number, "N", "Burst size of the per-connection operation rate limit."},
                  number_field<C>(&C::client_op_burst, "", 1, k_no_limit)));
  t.push_back(make_option({"client_abuse_limit", K::whole_number, "N",
                           "Consecutive rate-limited operations after which a connection is closed (1008)."},
                          number_field<C>(&C::client_abuse_limit, "", 1, k_no_limit)));
  t.push_back(make_option({"max_connections", K::whole_number, "N",
                           "WebSocket connections this instance accepts in total; beyond it upgrades are "
                           "refused with 503 (0: no limit)."},
                          number_field<C>(&C::max_connections, "", 0, k_no_limit)));
  t.push_back(make_option({"max_connections_per_ip", K::whole_number, "N",
                           "WebSocket connections one client address may hold; beyond it upgrades are refused "
                           "with 429 (0: no limit)."},
                          number_field<C>(&C::max_connections_per_ip, "", 0, k_no_limit)));
  t.push_back(make_option({"handshake_rate_per_ip", K::decimal, "PER_SECOND",
                           "WebSocket upgrades per second one client address may attempt (token bucket; 429 "
                           "beyond; 0: no limit)."},
                          optional_rate_field(&C::handshake_rate_per_ip)));
  t.push_back(make_option({"handshake_burst_per_ip", K::whole_number, "N",
                           "Burst size of the per-address handshake rate limit."},
                          number_field<C>(&C::handshake_burst_per_ip, "", 1, k_no_limit)));
  t.push_back(make_option({"ipv6_prefix_per_ip", K::whole_number, "BITS",
                           "The per-address limits count an IPv6 client by its network of this many leading "
                           "bits, 32 to 128 (one subscriber line usually holds a whole /64; 128: per address)."},
                          number_field<C>(&C::ipv6_prefix_per_ip, "", 32, 128)));
  t.push_back(make_option({"max_header_size", K::whole_number, "BYTES",
                           "Largest HTTP request head (request line and headers) in bytes, 1 KiB to 1 MiB "
                           "(431 above it)."},
                          number_field<C>(&C::max_header_size, "bytes", 1024, k_mib)));
  t.push_back(make_option({"max_header_count", K::whole_number, "N",
                           "Most header fields in one HTTP request, at most 10000 (431 above it)."},
                          number_field<C>(&C::max_header_count, "", 1, 10000)));
  t.push_back(make_option({"trusted_proxy_header", K::text, "HEADER",
                           "Header naming the client address set by a trusted reverse proxy, e.g. "
                           "X-Forwarded-For (its right-most entry is used). Believed only from trusted_proxies. "
                           "Empty: the TCP peer is the client."},
                          text_field<C>(&C::trusted_proxy_header, check_header_name)));
  t.push_back(make_option({"trusted_proxies", K::list, "NETWORKS",
                           "Addresses or networks of the reverse proxies whose trusted_proxy_header is believed, "
                           "comma-separated (a TOML array in the file), e.g. 10.0.0.0/8,192.0.2.7."},
                          networks_field(&C::trusted_proxies)));
  t.push_back(make_option({"log_level", K::text, "LEVEL", "trace, debug, info, warn, error, critical or off."},
                          text_field<C>(&C::log_level, check_log_level)));
  t.push_back(make_option(
      {"log_format", K::text, "FORMAT", "text (readable lines) or json (one JSON object per line); logs go to stderr."},
      text_field<C>(&C::log_format, check_log_format)));
  t.push_back(make_option({"web_root", K::text, "DIR",
                           "Directory served over HTTP at / (live demo), /admin (operator dashboard) and "
                           "/sdk/ (JS SDK); paths under /api/, /metrics, /healthz, /readyz and /ws are "
                           "never shadowed. Default: the web/ directory of the source tree this binary "
                           "was built from. Empty: no files are served."},
                          text_field<C>(&C::web_root)));
  t.push_back(make_namespace_option({"history_size", K::whole_number, "N",
                                     "Messages kept per channel for history and recovery (0: none), "
                                     "in every namespace that does not set its own."},
                                    number_field<N>(&N::history_size, "", 0, k_no_limit)));
  t.push_back(make_namespace_option({"history_ttl", K::seconds, "SECONDS",
                                     "Seconds a message stays in history, in every namespace that does "
                                     "not set its own."},
                                    seconds_field<N>(&N::history_ttl, 1)));
  t.push_back(make_namespace_option({"presence", K::boolean, "BOOL",
                                     "Track who is subscribed to each channel, in every namespace that "
                                     "does not set its own."},
                                    bool_field<N>(&N::presence)));
  t.push_back(make_namespace_option({"allow_client_publish", K::boolean, "BOOL",
                                     "Let clients publish (always allowed with --dev), in every "
                                     "namespace that does not set its own."},
                                    bool_field<N>(&N::allow_client_publish)));
  t.push_back(make_namespace_option({"allow_subscribe", K::boolean, "BOOL",
                                     "Let every client with a user id subscribe (otherwise only channels in "
                                     "its token's channels claim, its own #user channels, or with a "
                                     "subscription token), in every namespace that does not set its own."},
                                    bool_field<N>(&N::allow_subscribe)));
  t.push_back(make_namespace_option({"allow_anonymous_subscribe", K::boolean, "BOOL",
                                     "Let clients without a user id subscribe, in every namespace that does "
                                     "not set its own."},
                                    bool_field<N>(&N::allow_anonymous_subscribe)));
  t.push_back(make_namespace_option({"allow_client_history", K::boolean, "BOOL",
                                     "Let clients that may subscribe to a channel read its history with the "
                                     "history op, in every namespace that does not set its own."},
                                    bool_field<N>(&N::allow_client_history)));
  t.push_back(make_namespace_option({"allow_client_presence", K::boolean, "BOOL",
                                     "Let clients that may subscribe to a channel read its presence, in every "
                                     "namespace that does not set its own."},
                                    bool_field<N>(&N::allow_client_presence)));
  return t;
}

}  // namespace

std::span<const Option> options() {
  static const std::vector<Option> table = build_options();
  return table;
}

const Option* find_option(std::string_view name) noexcept {
  if (name.starts_with("--")) name.remove_prefix(2);
  for (const auto& option : options()) {
    if (option.key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < name.size(); ++i) {
      same = option.key[i] == (name[i] == '-' ? '_' : name[i]);
    }
    if (same) return &option;
  }
  return nullptr;
}

const Option* find_option_by_env(std::string_view env) noexcept {
  for (const auto& option : options()) {
    if (option.env == env) return &option;
  }
  return nullptr;
}

std::string flag_name(std::string_view key) {
  std::string out = "--";
  for (char c : key) out += c == '_' ? '-' : c;
  return out;
}

std::string env_name(std::string_view key) {
  std::string out = "WSHUB_";
  for (char c : key) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace wshub::config
