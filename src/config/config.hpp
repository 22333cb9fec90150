// Config: every setting of a wshub process, after defaults, the TOML file, the
// WSHUB_* environment and the command line have been merged (config_loader.hpp).
//
// The member initialisers below are the documented defaults; the option table
// (option_table.hpp) shows them in `wshub serve --help` by reading a default
// Config, so they are stated only here.
// Thread-safety: a plain value type. Built once at start-up, then shared
// read-only (copy it or pass it by const reference).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::config {

// Per-namespace behaviour (PROTOCOL.md section 3). The top-level keys of the
// same names give the default namespace's options, which every configured
// namespace inherits for the keys it does not set.
struct NamespaceOptions {
  std::size_t history_size = 100;         // messages kept per channel; 0 = no history
  std::chrono::seconds history_ttl{300};  // age limit of kept messages
  bool presence = true;
  bool allow_client_publish = false;  // --dev allows client publish everywhere
  // Channel permissions (auth/channel_policy.hpp); --dev opens everything.
  bool allow_subscribe = false;            // clients with a user id may subscribe to every channel
  bool allow_anonymous_subscribe = false;  // clients without a user id may subscribe too
  bool allow_client_history = true;        // clients allowed to subscribe may use the history op
  bool allow_client_presence = true;       // ... and the presence op

  bool operator==(const NamespaceOptions&) const = default;
};

// The web_root a build serves by default: the source tree's web/ directory,
// baked in at build time (WSHUB_DEFAULT_WEB_ROOT in src/config/CMakeLists.txt).
std::string default_web_root();

struct Config {
  std::string listen = "0.0.0.0:8000";  // HOST:PORT, see listen_address.hpp
  std::string api_listen;               // HOST:PORT of the internal API listener; empty: none
  std::string tls_cert_file;            // PEM certificate chain; with tls_key_file: the public listener speaks TLS
  std::string tls_key_file;             // PEM private key of tls_cert_file
  std::string broker = "memory";        // memory | redis://... | redis+cluster://...
  std::string instance_id;              // empty: generated at start
  std::chrono::seconds heartbeat_interval{10};  // cluster registry heartbeat (Redis broker)
  bool dev = false;
  std::string api_key;                       // empty: the server API is disabled (unless dev)
  std::string jwt_secret;                    // shared secret for HMAC-signed (HS256) tokens
  std::string jwt_public_key;                // PEM public key file, for asymmetrically signed tokens
  std::string jwt_jwks_file;                 // JWKS file: several keys, chosen by the token's kid
  std::vector<std::string> jwt_algorithms{"HS256", "RS256", "ES256"};  // accepted token algorithms
  std::string jwt_issuer;                    // required `iss` claim; empty: not checked
  std::string jwt_audience;                  // required entry of the `aud` claim; empty: not checked
  std::chrono::seconds jwt_leeway{30};       // clock skew tolerated on exp and nbf
  std::vector<std::string> allowed_origins;  // comma-separated in flags/env; TOML array in the file
  bool allow_anonymous = false;
  std::chrono::seconds ping_interval{25};
  std::size_t max_message_size = 65536;
  std::size_t send_queue_bytes = 1048576;
  std::chrono::seconds shutdown_timeout{5};  // 0: close at once, no drain wait
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds tcp_defer_accept{1};  // TCP_DEFER_ACCEPT on the listeners; 0: off
  std::chrono::seconds close_timeout{5};  // 0: drop TCP right after our close frame
  unsigned workers = 0;                   // 0: one per CPU the process may use
  bool io_uring = true;                   // batched socket writes (net::BatchSender)
  std::size_t max_channels_per_connection = 128;
  std::size_t max_publish_size = 65536;
  std::size_t api_max_body_size = 1048576;
  double client_op_rate = 1000;  // ops per second per connection
  std::size_t client_op_burst = 1000;
  std::size_t client_abuse_limit = 200;  // consecutive rate-limited ops before close 1008
  std::size_t max_connections = 0;         // WebSocket connections in total; 0: no limit
  std::size_t max_connections_per_ip = 0;  // per client address; 0: no limit
  double handshake_rate_per_ip = 0;        // upgrades per second per client address; 0: no limit
  std::size_t handshake_burst_per_ip = 10;
  unsigned ipv6_prefix_per_ip = 64;  // the per-IP limits count an IPv6 client by its /64 (128: per address)
  std::size_t max_header_size = 16384;  // bytes of one HTTP request head
  std::size_t max_header_count = 100;   // header fields of one HTTP request
  std::string trusted_proxy_header;          // e.g. X-Forwarded-For; empty: the TCP peer is the client
  std::vector<std::string> trusted_proxies;  // addresses/CIDRs whose trusted_proxy_header is believed
  std::string log_level = "info";        // trace|debug|info|warn|error|critical|off
  std::string log_format = "text";       // text | json
  std::string web_root = default_web_root();  // demo, dashboard and SDK files; empty: not served
  NamespaceOptions default_namespace;    // top-level history_size, history_ttl, presence, allow_client_publish
  std::map<std::string, NamespaceOptions, std::less<>> namespaces;  // [namespaces.NAME]

  // The options of namespace `ns` ("" = default); unknown namespaces get default_namespace.
  const NamespaceOptions& namespace_options(std::string_view ns) const;

  bool operator==(const Config&) const = default;
};

// A one-line summary for the start-up log, e.g.
//   listen=0.0.0.0:8000 broker=memory ... api_key=unset jwt_secret=set ... namespaces={chat: history_size=50 ...}
// Secrets (api_key, jwt_secret) appear only as `set` or `unset`.
std::string describe(const Config& config);

}  // namespace wshub::config
