// StaticFiles: serves the files of one directory over HTTP (the live demo, the
// operator dashboard and the JS SDK; see docs/ARCHITECTURE.md "Web pieces").
//
// GET and HEAD only (405 otherwise). The request path is percent-decoded and
// normalised lexically; a path with a `..` segment, a NUL, a backslash or a
// segment starting with `.` is refused (400) and never touches the file
// system. A directory serves its index.html. Responses carry a content type
// by extension, `Cache-Control: no-cache` with an ETag (size and mtime), so
// browsers revalidate cheaply and see edits at once; If-None-Match gives 304.
//
// Thread-safety: immutable after construction; serve() may run on every shard
// thread concurrently. Files are read synchronously: they are small, local and
// only for browsers, never on the WebSocket data path.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_routes.hpp"

namespace wshub::web {

// The file-system path (under `root`) that a decoded, normalised request path
// names, or the HTTP status refusing it (400 for traversal or bad encoding).
// Pure: does not look at the file system. `request_path` has no query string.
struct ResolvedPath {
  std::filesystem::path file;  // empty when refused
  unsigned status = 200;       // 200, or 400 when refused
};
ResolvedPath resolve_static_path(const std::filesystem::path& root, std::string_view request_path);

// Content-Type for a file name, by extension; application/octet-stream when unknown.
std::string_view content_type_for(std::string_view file_name) noexcept;

class StaticFiles {
 public:
  // REQUIRES: `root` is not empty. It need not exist (every request is then a 404).
  explicit StaticFiles(std::filesystem::path root);

  // Whether a request path belongs to the static files rather than to the
  // server API, health, metrics or the WebSocket endpoint (which it never shadows).
  static bool claims(std::string_view request_path) noexcept;

  net::Response serve(const net::Request& req) const;

  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace wshub::web
