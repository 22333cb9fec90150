"""Static files (src/web): the demo at /, the dashboard at /admin, the SDK at
/sdk/wshub.js, from `web_root` (default: the source tree's web/ directory).
Path traversal is refused, content types are right, HEAD matches GET, and the
API, health, metrics and /ws paths are never shadowed."""

import http.client
import subprocess

import pytest

from wshub_harness import REPO, WSHUB_BIN, scaled


def raw_get(srv, target, method="GET", headers=None):
    """Sends `target` byte-for-byte (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=scaled(10))
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


@pytest.fixture
def srv(server_factory):
    return server_factory()


def test_index_admin_and_sdk_with_content_types(srv):
    cases = [
        ("/", "text/html; charset=utf-8", b"wshub live demo"),
        ("/index.html", "text/html; charset=utf-8", b"wshub live demo"),
        ("/admin", "text/html; charset=utf-8", b"operator dashboard"),
        ("/admin/", "text/html; charset=utf-8", b"operator dashboard"),
        ("/admin/admin.js", "text/javascript; charset=utf-8", b"/api/channels"),
        ("/style.css", "text/css; charset=utf-8", b"--accent"),
        ("/sdk/wshub.js", "text/javascript; charset=utf-8", b"export class WshubClient"),
        ("/demo.js?cache=bust", "text/javascript; charset=utf-8", b"WshubClient"),
    ]
    for path, ctype, needle in cases:
        status, headers, body = raw_get(srv, path)
        assert status == 200, (path, status, body[:200])
        assert headers["content-type"] == ctype, (path, headers)
        assert needle in body, path
        assert headers["cache-control"] == "no-cache", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert int(headers["content-length"]) == len(body), path
        assert headers.get("etag"), path


def test_sdk_is_the_file_in_clients_js(srv):
    status, _, body = raw_get(srv, "/sdk/wshub.js")
    assert status == 200
    assert body == (REPO / "clients" / "js" / "wshub.js").read_bytes()


def test_head_matches_get_without_a_body(srv):
    for path in ("/", "/sdk/wshub.js", "/admin/"):
        g_status, g_headers, g_body = raw_get(srv, path)
        h_status, h_headers, h_body = raw_get(srv, path, method="HEAD")
        assert (g_status, h_status) == (200, 200)
        assert h_body == b""
        assert int(h_headers["content-length"]) == len(g_body)
        assert h_headers["content-type"] == g_headers["content-type"]
        assert h_headers["etag"] == g_headers["etag"]


def test_if_none_match_gives_304(srv):
    _, headers, _ = raw_get(srv, "/style.css")
    status, _, body = raw_get(srv, "/style.css", headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    status, _, _ = raw_get(srv, "/style.css", headers={"If-None-Match": '"other"'})
    assert status == 200


def test_missing_files_are_404_json(srv):
    for path in ("/nope.html", "/admin/nope.js", "/sdk/", "/sdk/missing.js"):
        status, headers, body = raw_get(srv, path)
        assert status == 404, (path, status)
        assert headers["content-type"].startswith("application/json")
        assert b'"code":404' in body


@pytest.mark.parametrize("target", [
    "/../etc/passwd",
    "/../../../../../../etc/passwd",
    "/admin/../../README.md",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/sdk/..%2f..%2fCMakeLists.txt",
    "/.git/config",
    "/admin/%00.html",
    "/index.html%00.png",
    "/..%5c..%5cetc%5cpasswd",
    "/%zz",
])
def test_traversal_and_bad_paths_are_refused(srv, target):
    status, _, body = raw_get(srv, target)
    assert status == 400, (target, status, body[:200])
    assert b"root:" not in body and b"cmake_minimum_required" not in body


def test_double_slash_stays_inside_the_root(srv):
    # "//etc/passwd" normalises to <root>/etc/passwd, which does not exist.
    status, _, body = raw_get(srv, "//etc/passwd")
    assert status == 404 and b"root:" not in body
    status, _, body = raw_get(srv, "/./admin//index.html")
    assert status == 200 and b"operator dashboard" in body


def test_only_get_and_head(srv):
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _ = raw_get(srv, "/", method=method)
        assert status == 405, method
        assert headers["allow"] == "GET, HEAD"


def test_api_health_metrics_and_ws_are_not_shadowed(srv):
    status, body = srv.api("GET", "/api/info")
    assert status == 200 and "instances" in body
    status, body = srv.api("GET", "/api/nope")
    assert status == 404 and body["error"]["code"] == 404
    assert srv.api("GET", "/healthz")[0] == 200
    assert srv.api("GET", "/readyz")[0] == 200
    assert "wshub_connections" in srv.metrics_text()
    status, _, body = raw_get(srv, "/ws")
    assert b"wshub live demo" not in body and status != 200


def test_custom_web_root_and_traversal_out_of_it(server_factory, tmp_path):
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "index.html").write_text("<p>custom root</p>")
    (root / "docs" / "data.json").write_text('{"x":1}')
    (root / "logo.svg").write_text("<svg/>")
    (root / "blob.bin").write_bytes(b"\x00\x01")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    srv = server_factory(args=["--web-root", str(root)])
    assert raw_get(srv, "/")[2] == b"<p>custom root</p>"
    assert raw_get(srv, "/docs/data.json")[1]["content-type"] == "application/json"
    assert raw_get(srv, "/logo.svg")[1]["content-type"] == "image/svg+xml"
    assert raw_get(srv, "/blob.bin")[1]["content-type"] == "application/octet-stream"
    assert raw_get(srv, "/admin/")[0] == 404
    for target in ("/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt"):
        status, _, body = raw_get(srv, target)
        assert status == 400 and b"TOP SECRET" not in body, target


@pytest.mark.parametrize("how", ["flag", "file"])
def test_empty_web_root_serves_nothing(server_factory, how):
    if how == "flag":
        srv = server_factory(args=["--web-root", ""])
    else:
        srv = server_factory(config='web_root = ""\n')
    for path in ("/", "/admin/", "/sdk/wshub.js"):
        status, _, body = raw_get(srv, path)
        assert status == 404 and b"wshub" not in body.lower().replace(b'"code":404', b""), path
    assert srv.api("GET", "/api/info")[0] == 200


def test_help_documents_web_root():
    out = subprocess.run([WSHUB_BIN, "serve", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "--web-root" in out.stdout
    assert "/admin" in out.stdout
