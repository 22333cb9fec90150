#include "web/static_files.hpp"

#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "core/envelopes.hpp"
#include "core/query_string.hpp"
#include "net/http_session.hpp"

namespace wshub::web {

namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

// Larger files are not what this server is for; refusing them bounds memory.
constexpr std::uintmax_t k_max_file_size = 16u << 20;

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a path ('+' stays '+': it is not a space in a path).
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

net::Response error_response(unsigned status, std::string_view message) {
  return net::make_response(status, core::make_api_error(static_cast<int>(status), message));
}

std::string make_etag(std::uintmax_t size, fs::file_time_type mtime) {
  const auto ticks = mtime.time_since_epoch().count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%jx-%llx\"", size, static_cast<unsigned long long>(ticks));
  return buf;
}

// Whether an If-None-Match header value lists `etag` (or is `*`).
bool etag_matches(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    auto item = header.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

ResolvedPath resolve_static_path(const fs::path& root, std::string_view request_path) {
  if (request_path.empty() || request_path.front() != '/') return {{}, 400};
  auto decoded = percent_decode(request_path);
  if (!decoded) return {{}, 400};
  fs::path out = root;
  std::string_view rest = *decoded;
  bool directory = true;  // "/" and paths ending in "/" name a directory
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") {
      directory = true;
      continue;  // "//" and "/./" collapse
    }
    // "..", hidden files (".git", ".env") and anything a file system might
    // read as a separator or terminator are refused outright.
    if (segment.front() == '.') return {{}, 400};
    if (segment.find('\0') != std::string_view::npos || segment.find('\\') != std::string_view::npos) {
      return {{}, 400};
    }
    out /= fs::path(std::string(segment));
    directory = false;
  }
  if (directory || decoded->ends_with('/')) out /= "index.html";
  return {std::move(out), 200};
}

std::string_view content_type_for(std::string_view name) noexcept {
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr std::array<Entry, 17> k_types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".ts", "text/plain; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
  }};
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const auto ext = name.substr(dot);
  for (const auto& e : k_types) {
    if (ext.size() != e.ext.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < ext.size(); ++i) {
      char c = ext[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == e.ext[i];
    }
    if (same) return e.type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) : root_(std::move(root)) {}

bool StaticFiles::claims(std::string_view path) noexcept {
  for (std::string_view exact : {"/api", "/metrics", "/healthz", "/readyz", "/ws"}) {
    if (path == exact) return false;
  }
  return !path.starts_with("/api/");
}

net::Response StaticFiles::serve(const net::Request& req) const {
  const bool head = req.method() == http::verb::head;
  if (!head && req.method() != http::verb::get) {
    auto res = error_response(405, "method not allowed: use GET or HEAD");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  const auto resolved = resolve_static_path(root_, core::target_path(req.target()));
  if (resolved.status != 200) return error_response(resolved.status, "invalid path");

  std::error_code ec;
  fs::path file = resolved.file;
  auto status = fs::status(file, ec);
  // "/admin" names a directory without its trailing slash: serve its index too.
  if (!ec && fs::is_directory(status)) {
    file /= "index.html";
    status = fs::status(file, ec);
  }
  if (ec || !fs::is_regular_file(status)) return error_response(404, "not found");
  const auto size = fs::file_size(file, ec);
  if (ec) return error_response(404, "not found");
  if (size > k_max_file_size) return error_response(500, "file too large to serve");
  const auto mtime = fs::last_write_time(file, ec);
  const std::string etag = ec ? std::string() : make_etag(size, mtime);

  net::Response res{http::status::ok, req.version()};
  res.set(http::field::server, "wshub");
  res.set(http::field::content_type, content_type_for(file.filename().native()));
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (!etag.empty()) res.set(http::field::etag, etag);

  auto inm = req.find(http::field::if_none_match);
  if (!etag.empty() && inm != req.end() && etag_matches(inm->value(), etag)) {
    res.result(http::status::not_modified);
    res.prepare_payload();
    return res;  // no body, no Content-Length (RFC 9110 15.4.5)
  }
  if (head) {
    res.content_length(size);  // the body is empty: Beast writes only the header
    return res;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return error_response(404, "not found");
  std::string body;
  body.resize(static_cast<std::size_t>(size));
  in.read(body.data(), static_cast<std::streamsize>(size));
  body.resize(static_cast<std::size_t>(in.gcount()));
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace wshub::web
