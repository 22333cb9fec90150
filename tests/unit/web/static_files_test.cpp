// web::resolve_static_path and web::content_type_for: pure, no file system.
#include <gtest/gtest.h>

#include "web/static_files.hpp"

namespace wshub::web {
namespace {

const std::filesystem::path k_root = "/srv/web";

std::string resolved(std::string_view path) {
  const auto r = resolve_static_path(k_root, path);
  return r.status == 200 ? r.file.string() : "refused " + std::to_string(r.status);
}

TEST(ResolveStaticPath, MapsPathsUnderTheRoot) {
  EXPECT_EQ(resolved("/"), "/srv/web/index.html");
  EXPECT_EQ(resolved("/admin/"), "/srv/web/admin/index.html");
  EXPECT_EQ(resolved("/admin"), "/srv/web/admin");
  EXPECT_EQ(resolved("/sdk/wshub.js"), "/srv/web/sdk/wshub.js");
  EXPECT_EQ(resolved("//etc/passwd"), "/srv/web/etc/passwd");
  EXPECT_EQ(resolved("/./a//b/./c.css"), "/srv/web/a/b/c.css");
  EXPECT_EQ(resolved("/with%20space.html"), "/srv/web/with space.html");
  EXPECT_EQ(resolved("/a+b.js"), "/srv/web/a+b.js");
}

TEST(ResolveStaticPath, RefusesTraversalAndOddBytes) {
  for (std::string_view bad : {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/%2E%2e%2Fx", "/.git/config",
                               "/a/.env", "/x%00.html", "/a%5c..%5cb", "/%zz", "/%4", "relative", ""}) {
    EXPECT_EQ(resolved(bad), "refused 400") << bad;
  }
}

TEST(ContentType, ByExtensionIgnoringCase) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("wshub.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("STYLE.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("demo.png"), "image/png");
  EXPECT_EQ(content_type_for("index.d.ts"), "text/plain; charset=utf-8");
  EXPECT_EQ(content_type_for("Makefile"), "application/octet-stream");
  EXPECT_EQ(content_type_for("x.unknown"), "application/octet-stream");
}

TEST(StaticFiles, NeverClaimsTheApiHealthMetricsOrWebSocketPaths) {
  for (std::string_view p : {"/api", "/api/", "/api/info", "/metrics", "/healthz", "/readyz", "/ws"}) {
    EXPECT_FALSE(StaticFiles::claims(p)) << p;
  }
  for (std::string_view p : {"/", "/admin", "/admin/", "/sdk/wshub.js", "/apifoo", "/wsx", "/metrics.html"}) {
    EXPECT_TRUE(StaticFiles::claims(p)) << p;
  }
}

}  // namespace
}  // namespace wshub::web
