"""Abuse limits (docs/SECURITY.md "Abuse limits", HARDENING.md "Floods" and
"Handshake"): connections in total and per client address, the handshake rate
per address, the trusted proxy header, op rate and channel limits, message size
without permessage-deflate, HTTP head limits, slowloris, and the internal API
listener. Real binary, loopback only; 127.0.0.2 stands for a second client."""

import concurrent.futures
import json
import os
import re
import select
import socket
import struct
import subprocess
import time
from collections import namedtuple

import pytest

from wshub_harness import (OP_CLOSE, OP_TEXT, WSHUB_BIN, encode_frame, handshake_request,
                           parse_http_head, scaled, wait_until, close_code_of)

Upgrade = namedtuple("Upgrade", "status headers body sock")

OTHER_CLIENT = "127.0.0.2"  # another loopback address: another client to the server


def read_head(sock, timeout=5):
    buf = b""
    deadline = time.monotonic() + scaled(timeout)
    while b"\r\n\r\n" not in buf:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(f"closed before a response head: {buf[:200]!r}")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status, headers = parse_http_head(head)
    return status, headers, rest


def read_body(sock, headers, rest, timeout=5):
    length = int(headers.get("content-length", "0") or 0)
    deadline = time.monotonic() + scaled(timeout)
    while len(rest) < length:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest[:length]


def connect_from(port, source="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(scaled(timeout))
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def upgrade(port, source="127.0.0.1", extra=(), path="/ws?user=lim", timeout=5):
    """One WebSocket upgrade from `source`. 101: the socket stays open (the
    caller closes it); otherwise the JSON body of the refusal."""
    s = connect_from(port, source, timeout)
    req, _ = handshake_request(port, path, extra=list(extra))
    s.sendall(req)
    status, headers, rest = read_head(s, timeout)
    if status == 101:
        return Upgrade(status, headers, None, s)
    body = read_body(s, headers, rest, timeout)
    s.close()
    return Upgrade(status, headers, json.loads(body) if body else None, None)


def expect_refusal(u, status, reason_re):
    assert u.status == status, f"expected {status}, got {u.status} {u.body}"
    assert u.headers.get("content-type", "").startswith("application/json"), u.headers
    err = u.body["error"]
    assert err["code"] == status and re.search(reason_re, err["message"]), u.body


def close_normally(sock):
    """Close handshake from the client side, then wait for the server's EOF."""
    try:
        sock.sendall(encode_frame(OP_CLOSE, struct.pack("!H", 1000)))
        wait_eof(sock, 5)
    finally:
        sock.close()


def close_abruptly(sock):
    """RST without a close frame (an aborted connection)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def wait_eof(sock, limit):
    """Seconds until the server closes the socket (reading and discarding),
    or None after `limit` seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < scaled(limit):
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            try:
                if not sock.recv(65536):
                    return time.monotonic() - t0
            except (ConnectionResetError, socket.timeout):
                return time.monotonic() - t0
    return None


def refused(srv, reason):
    return srv.metrics().get(f'wshub_refused_connections_total{{reason="{reason}"}}', 0)


def admitted_when_free(port, source="127.0.0.1", timeout=5):
    """Retries an upgrade until it is admitted (the count went down). -> socket."""
    got = []

    def attempt():
        u = upgrade(port, source)
        if u.status == 101:
            got.append(u.sock)
            return True
        assert u.status in (429, 503), u
        return False
    wait_until(attempt, timeout, interval=0.05, what="a slot to be given back")
    return got[0]


# ---------------------------------------------------------------------------
# Connections in total and per address
# ---------------------------------------------------------------------------

def test_max_connections_refused_503_and_freed_by_close_and_abort(server_factory):
    srv = server_factory(args=["--max-connections", "3"])
    held = [upgrade(srv.port).sock for _ in range(2)] + [upgrade(srv.port, OTHER_CLIENT).sock]
    assert all(held)
    expect_refusal(upgrade(srv.port), 503, r"connection limit")
    expect_refusal(upgrade(srv.port, OTHER_CLIENT), 503, r"connection limit")
    assert refused(srv, "max_connections") == 2

    close_normally(held.pop(0))
    held.append(admitted_when_free(srv.port))
    expect_refusal(upgrade(srv.port), 503, r"connection limit")

    close_abruptly(held.pop(0))
    held.append(admitted_when_free(srv.port))
    expect_refusal(upgrade(srv.port), 503, r"connection limit")

    # The refused handshakes did not leak slots: all three come back.
    for s in held:
        close_abruptly(s)
    socks = []
    for _ in range(3):
        socks.append(admitted_when_free(srv.port))
    for s in socks:
        close_normally(s)
    status, _ = srv.api("GET", "/healthz")
    assert status == 200


def test_max_connections_per_ip_429_other_address_unaffected(server_factory):
    srv = server_factory(args=["--max-connections-per-ip", "2"])
    mine = [upgrade(srv.port).sock, upgrade(srv.port).sock]
    expect_refusal(upgrade(srv.port), 429, r"too many connections from this address")
    other = upgrade(srv.port, OTHER_CLIENT)
    assert other.status == 101, other
    assert refused(srv, "max_connections_per_ip") == 1
    assert srv.metric("wshub_connections") == 3

    close_abruptly(mine.pop())
    mine.append(admitted_when_free(srv.port))
    close_normally(mine.pop())
    mine.append(admitted_when_free(srv.port))
    for s in mine + [other.sock]:
        close_normally(s)
    wait_until(lambda: srv.metric("wshub_connections") == 0, 5, what="connections gauge back to 0")


def test_refusals_happen_before_the_upgrade_and_keep_no_socket(server_factory):
    srv = server_factory(args=["--max-connections", "1"])
    held = upgrade(srv.port).sock
    fds = srv.fd_count()
    for _ in range(20):
        u = upgrade(srv.port)
        assert u.status == 503 and "upgrade" not in u.headers, u
    wait_until(lambda: srv.fd_count() <= fds, 5, what="refused connections' descriptors closed")
    close_normally(held)


# ---------------------------------------------------------------------------
# Handshake rate per address
# ---------------------------------------------------------------------------

def test_handshake_rate_per_ip_429_with_retry_after(server_factory):
    srv = server_factory(args=["--handshake-rate-per-ip", "1", "--handshake-burst-per-ip", "3"])
    socks = []
    for _ in range(3):
        u = upgrade(srv.port)
        assert u.status == 101, u
        socks.append(u.sock)
    u = upgrade(srv.port)
    expect_refusal(u, 429, r"too many connection attempts")
    assert u.headers.get("retry-after") == "1", u.headers
    other = upgrade(srv.port, OTHER_CLIENT)  # another address has its own bucket
    assert other.status == 101, other
    socks.append(other.sock)
    assert refused(srv, "handshake_rate") >= 1
    # Closing connections gives no handshake back; time does (1 per second).
    for s in socks:
        close_normally(s)
    socks = [admitted_when_free(srv.port, timeout=3)]
    for s in socks:
        close_normally(s)


def test_handshake_rate_counts_refused_attempts(server_factory):
    """Attempts refused for other reasons (404, origin) still spend tokens, so
    probing cannot go faster than the rate."""
    srv = server_factory(args=["--handshake-rate-per-ip", "0.01", "--handshake-burst-per-ip", "2",
                               "--allowed-origins", "https://app.example"])
    for _ in range(2):
        u = upgrade(srv.port, extra=[("Origin", "https://evil.example")])
        assert u.status == 403, u
    expect_refusal(upgrade(srv.port, extra=[("Origin", "https://app.example")]), 429, r"attempts")


# ---------------------------------------------------------------------------
# Trusted proxy header
# ---------------------------------------------------------------------------

def test_trusted_proxy_header_honoured_only_from_trusted_proxies(server_factory):
    srv = server_factory(args=["--max-connections-per-ip", "1", "--trusted-proxy-header", "X-Forwarded-For",
                               "--trusted-proxies", "127.0.0.1/32"])
    xff = "X-Forwarded-For"
    # From the trusted proxy (127.0.0.1): the right-most entry is the client.
    a = upgrade(srv.port, extra=[(xff, "203.0.113.1")])
    assert a.status == 101, a
    expect_refusal(upgrade(srv.port, extra=[(xff, "198.51.100.7, 203.0.113.1")]), 429, r"this address")
    b = upgrade(srv.port, extra=[(xff, "203.0.113.1, 203.0.113.2")])  # a left entry is not believed
    assert b.status == 101, b
    c = upgrade(srv.port)  # no header: the proxy itself is the client
    assert c.status == 101, c
    expect_refusal(upgrade(srv.port, extra=[(xff, "not an address")]), 429, r"this address")  # = the proxy

    # From an untrusted peer the header is ignored: 127.0.0.2 is the client.
    d = upgrade(srv.port, OTHER_CLIENT, extra=[(xff, "203.0.113.50")])
    assert d.status == 101, d
    expect_refusal(upgrade(srv.port, OTHER_CLIENT, extra=[(xff, "203.0.113.51")]), 429, r"this address")
    assert refused(srv, "max_connections_per_ip") == 3

    close_abruptly(a.sock)
    e = admitted_when_free_with(srv.port, [(xff, "203.0.113.1")])
    for s in (b.sock, c.sock, d.sock, e):
        close_normally(s)


def admitted_when_free_with(port, extra, timeout=5):
    got = []

    def attempt():
        u = upgrade(port, extra=extra)
        if u.status == 101:
            got.append(u.sock)
            return True
        return False
    wait_until(attempt, timeout, interval=0.05, what="the forwarded client's slot")
    return got[0]


@pytest.mark.parametrize("prefix", [None, "128"])
def test_ipv6_clients_are_counted_by_network(server_factory, prefix):
    """A client given a whole /64 cannot get past max_connections_per_ip by
    connecting from more of its addresses; --ipv6-prefix-per-ip 128 counts
    each address on its own. (IPv6 clients come through the trusted proxy
    header: the tests reach the server over 127.0.0.0/8 only.)"""
    args = ["--max-connections-per-ip", "1", "--trusted-proxy-header", "X-Forwarded-For",
            "--trusted-proxies", "127.0.0.1/32"]
    if prefix:
        args += ["--ipv6-prefix-per-ip", prefix]
    srv = server_factory(args=args)
    xff = "X-Forwarded-For"
    a = upgrade(srv.port, extra=[(xff, "2001:db8:0:1::1")])
    assert a.status == 101, a
    same_64 = upgrade(srv.port, extra=[(xff, "2001:db8:0:1:8000::2")])
    next_64 = upgrade(srv.port, extra=[(xff, "2001:db8:0:2::1")])
    assert next_64.status == 101, next_64
    held = [a.sock, next_64.sock]
    if prefix == "128":
        assert same_64.status == 101, same_64
        held.append(same_64.sock)
        assert refused(srv, "max_connections_per_ip") == 0
    else:
        # The refusal names what was counted: the network, not the one address.
        expect_refusal(same_64, 429, r"too many connections from this address's /64 network")
        assert refused(srv, "max_connections_per_ip") == 1
        # The slot is the network's: once the first address leaves, another takes it.
        close_abruptly(held.pop(0))
        held.append(admitted_when_free_with(srv.port, [(xff, "2001:db8:0:1:8000::2")]))
    for s in held:
        close_normally(s)


def test_ipv6_handshake_rate_refusal_names_the_network(server_factory):
    """The handshake budget is the network's too, and the 429 says so."""
    srv = server_factory(args=["--handshake-rate-per-ip", "0.01", "--handshake-burst-per-ip", "1",
                               "--trusted-proxy-header", "X-Forwarded-For", "--trusted-proxies", "127.0.0.1/32"])
    a = upgrade(srv.port, extra=[("X-Forwarded-For", "2001:db8:0:1::1")])
    assert a.status == 101, a
    u = upgrade(srv.port, extra=[("X-Forwarded-For", "2001:db8:0:1::2")])
    expect_refusal(u, 429, r"too many connection attempts from this address's /64 network; retry later")
    assert u.headers.get("retry-after") == "1", u.headers
    close_normally(a.sock)


def test_proxy_header_ignored_when_not_configured(server_factory):
    srv = server_factory(args=["--max-connections-per-ip", "1"])
    a = upgrade(srv.port, extra=[("X-Forwarded-For", "203.0.113.1")])
    assert a.status == 101
    expect_refusal(upgrade(srv.port, extra=[("X-Forwarded-For", "203.0.113.2")]), 429, r"this address")
    close_normally(a.sock)


# ---------------------------------------------------------------------------
# Per-connection op rate and channel limit
# ---------------------------------------------------------------------------

def raw_open(port, path="/ws?user=raw"):
    u = upgrade(port, path=path)
    assert u.status == 101, u
    return u.sock


class Frames:
    """Reads server frames from a raw upgraded socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("closed")
            self.buf += chunk

    def next(self, timeout=5):
        deadline = time.monotonic() + scaled(timeout)
        self._fill(2, deadline)
        opcode, n, hdr = self.buf[0] & 0xF, self.buf[1] & 0x7F, 2
        if n == 126:
            self._fill(4, deadline)
            n, hdr = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10, deadline)
            n, hdr = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._fill(hdr + n, deadline)
        payload = self.buf[hdr:hdr + n]
        self.buf = self.buf[hdr + n:]
        return opcode, payload

    def until_close(self, timeout=5):
        """-> (close code, replies seen)."""
        replies = []
        deadline = time.monotonic() + scaled(timeout)
        while True:
            try:
                opcode, payload = self.next(max(0.01, deadline - time.monotonic()))
            except EOFError:
                return None, replies
            if opcode == OP_TEXT:
                replies += [json.loads(x) for x in payload.decode().split("\n") if x]
            elif opcode == OP_CLOSE:
                return close_code_of(payload)[0], replies


def test_op_rate_429_then_close_1008_counted(server_factory):
    srv = server_factory(args=["--client-op-rate", "5", "--client-op-burst", "5", "--client-abuse-limit", "10"])
    s = raw_open(srv.port)
    try:
        s.sendall(encode_frame(OP_TEXT, "\n".join(json.dumps({"op": "ping", "id": i}) for i in range(1, 41))))
        code, replies = Frames(s).until_close()
        assert code == 1008, (code, replies[-3:])
        codes = [r["error"]["code"] for r in replies if r.get("type") == "reply" and not r["ok"]]
        assert codes and set(codes) == {429}, codes
        assert len(codes) >= 10, codes
    finally:
        s.close()
    m = srv.metrics()
    assert m["wshub_rate_limited_total"] >= 10
    assert m["wshub_abuse_closes_total"] == 1


def test_channel_limit_429_counted(server_factory):
    srv = server_factory(args=["--max-channels-per-connection", "2"])
    s = raw_open(srv.port)
    f = Frames(s)
    try:
        ops = [{"op": "subscribe", "channel": f"lim-{i}", "id": i} for i in range(1, 5)]
        s.sendall(encode_frame(OP_TEXT, "\n".join(json.dumps(o) for o in ops)))
        replies = {}
        deadline = time.monotonic() + scaled(5)
        while len(replies) < 4 and time.monotonic() < deadline:
            _, payload = f.next()
            for line in payload.decode().split("\n"):
                if line:
                    obj = json.loads(line)
                    if obj.get("type") == "reply":
                        replies[obj["id"]] = obj
        assert replies[1]["ok"] and replies[2]["ok"], replies
        for i in (3, 4):
            assert replies[i]["error"]["code"] == 429, replies[i]
            assert "channel limit" in replies[i]["error"]["message"]
    finally:
        close_normally(s)
    assert srv.metrics()["wshub_channel_limit_refusals_total"] == 2


# ---------------------------------------------------------------------------
# Message size; permessage-deflate is never negotiated
# ---------------------------------------------------------------------------

def test_permessage_deflate_offer_declined_and_oversize_closes_1009(server_factory):
    srv = server_factory(args=["--max-message-size", "1024"])
    u = upgrade(srv.port, extra=[("Sec-WebSocket-Extensions",
                                  "permessage-deflate; client_max_window_bits")])
    assert u.status == 101, u
    assert "sec-websocket-extensions" not in u.headers, u.headers
    s = u.sock
    try:
        # Uncompressed, as no extension was agreed: 2 KB of zeros would deflate
        # to a few bytes, and the limit is on what the message is.
        s.sendall(encode_frame(OP_TEXT, '{"op":"ping","id":1,"pad":"' + "0" * 2048 + '"}'))
        code, _ = Frames(s).until_close()
        assert code == 1009, code
    finally:
        s.close()


def test_compressed_frame_without_extension_refused(server_factory):
    """RSV1 (the permessage-deflate bit) on a frame is a protocol error here."""
    srv = server_factory()
    u = upgrade(srv.port, extra=[("Sec-WebSocket-Extensions", "permessage-deflate")])
    assert u.status == 101 and "sec-websocket-extensions" not in u.headers
    try:
        u.sock.sendall(encode_frame(OP_TEXT, b"\xaa\x56\x2a\xc8\x00\x00", rsv=4))
        code, _ = Frames(u.sock).until_close()
        assert code == 1002, code
    finally:
        u.sock.close()


# ---------------------------------------------------------------------------
# HTTP head limits and slowloris
# ---------------------------------------------------------------------------

def raw_request(port, data, timeout=5):
    s = connect_from(port, timeout=timeout)
    try:
        s.sendall(data)
        status, headers, rest = read_head(s, timeout)
        body = read_body(s, headers, rest, timeout)
        try:
            return status, headers, json.loads(body) if body else None
        except ValueError:
            return status, headers, body.decode("utf-8", "replace")
    finally:
        s.close()


def test_header_count_limit_431(server_factory):
    srv = server_factory(args=["--max-header-count", "20"])
    ok = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "".join(f"X-H{i}: v\r\n" for i in range(18)) + "\r\n"
    assert raw_request(srv.port, ok.encode())[0] == 200
    for path in ("/healthz", "/ws"):
        req, _ = handshake_request(srv.port, path, extra=[(f"X-H{i}", "v") for i in range(30)])
        status, _, body = raw_request(srv.port, req)
        assert status == 431, status
        assert body["error"]["code"] == 431 and "header" in body["error"]["message"], body
    assert srv.metrics()['wshub_http_refused_total{reason="header_count"}'] == 2


def test_header_count_default_refuses_1000_headers(server_factory):
    srv = server_factory()
    req, _ = handshake_request(srv.port, extra=[(f"X{i}", "") for i in range(1000)])
    status, _, body = raw_request(srv.port, req)
    assert status == 431, status
    assert body["error"]["code"] == 431


def test_header_size_limit_431(server_factory):
    srv = server_factory(args=["--max-header-size", "1024"])
    req, _ = handshake_request(srv.port, extra=[("X-Big", "b" * 2000)])
    try:
        status, _, body = raw_request(srv.port, req)
    except (ConnectionResetError, BrokenPipeError, EOFError) as e:
        pytest.fail(f"expected a 431 answer, the connection ended: {e!r}")
    assert status == 431, status
    assert body["error"]["code"] == 431, body
    assert srv.metrics()['wshub_http_refused_total{reason="header_size"}'] == 1


def test_slowloris_one_byte_per_second_cut_at_timeout(server_factory):
    srv = server_factory(args=["--handshake-timeout", "2"])
    req, _ = handshake_request(srv.port)
    s = connect_from(srv.port)
    try:
        t0 = time.monotonic()
        closed_after = None
        i = 0
        while time.monotonic() - t0 < scaled(6):
            try:
                s.send(req[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - t0
                break
            i += 1
            took = wait_eof(s, 1.0)  # the next byte is due in a second
            if took is not None:
                closed_after = time.monotonic() - t0
                break
        assert closed_after is not None, "the dribbling client was never cut off"
        assert i < len(req) - 2, "the whole request got through"
        assert 1.5 <= closed_after <= scaled(3.5), f"cut off after {closed_after:.2f}s, timeout is 2s"
    finally:
        s.close()
    wait_until(lambda: srv.metric("wshub_http_request_timeouts_total") >= 1, 5, what="timeout counted")


def test_idle_keepalive_connection_closed_at_timeout(server_factory):
    srv = server_factory(args=["--handshake-timeout", "2"])
    s = connect_from(srv.port)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, rest = read_head(s)
        assert status == 200 and headers.get("connection", "").lower() != "close", headers
        read_body(s, headers, rest)
        took = wait_eof(s, 6)
    finally:
        s.close()
    assert took is not None, "idle keep-alive connection was never closed"
    assert 1.5 <= took <= scaled(3.5), f"idle keep-alive closed after {took:.2f}s, timeout is 2s"


# ---------------------------------------------------------------------------
# The internal API listener
# ---------------------------------------------------------------------------

def api_port(srv, timeout=5):
    def second_line():
        lines = srv.stdout_path.read_text().splitlines()
        for line in lines[1:]:
            m = re.fullmatch(r"wshub API listening on http://127\.0\.0\.1:(\d+)", line.strip())
            if m:
                return int(m.group(1))
        return None
    return wait_until(second_line, timeout, what="the API listener's line on stdout")


def get(port, path, method="GET", body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    hdrs = {"Host": "x", "Connection": "close"}
    hdrs.update(headers or {})
    if data is not None:
        hdrs["Content-Type"] = "application/json"
        hdrs["Content-Length"] = str(len(data))
    req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    return raw_request(port, req.encode() + (data or b""))


def test_api_listen_serves_api_and_metrics_only_there(server_factory):
    srv = server_factory(args=["--api-listen", "127.0.0.1:0"])
    internal = api_port(srv)
    assert internal != srv.port
    for path in ("/api/info", "/api/channels", "/metrics", "/api/nope"):
        status, _, body = get(srv.port, path)
        assert status == 404, (path, status)
        assert body["error"]["code"] == 404, body
    status, _, _ = get(srv.port, "/api/publish", "POST", '{"channel":"a","data":1}')
    assert status == 404
    for port in (srv.port, internal):
        assert get(port, "/healthz")[0] == 200
        assert get(port, "/readyz")[0] == 200
    assert get(internal, "/api/info")[0] == 200
    assert get(internal, "/api/publish", "POST", '{"channel":"a","data":1}')[0] == 200
    s = connect_from(internal)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, headers, rest = read_head(s)
        text = read_body(s, headers, rest).decode()
    finally:
        s.close()
    assert status == 200 and "wshub_refused_connections_total" in text
    # WebSocket clients use the public listener only.
    assert upgrade(internal).status == 404
    u = upgrade(srv.port)
    assert u.status == 101
    close_normally(u.sock)


def test_api_listen_moves_the_dashboard_but_not_the_demo(server_factory):
    srv = server_factory(args=["--api-listen", "127.0.0.1:0"])
    internal = api_port(srv)
    for path in ("/admin", "/admin/", "/admin/admin.js"):
        assert get(srv.port, path)[0] == 404, path
    status, headers, body = get(internal, "/admin/")
    assert status == 200 and "dashboard" in body, (status, body[:200])
    status, _, body = get(srv.port, "/")
    assert status == 200 and "<html" in body.lower(), (status, body[:200])


def test_without_api_listen_everything_is_public(server_factory):
    srv = server_factory()
    assert get(srv.port, "/api/info")[0] == 200
    assert get(srv.port, "/metrics")[0] == 200
    assert "API listening" not in srv.stdout_path.read_text()


# ---------------------------------------------------------------------------
# Start-up validation, --help, metrics exposition
# ---------------------------------------------------------------------------

def run_bin(args, timeout=10):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSHUB_")}
    return subprocess.run([WSHUB_BIN] + args, capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args,needle", [
    (["--max-connections", "-1"], r"--max-connections: must not be negative"),
    (["--handshake-rate-per-ip", "fast"], r"--handshake-rate-per-ip: expected 0 \(no limit\) or a number"),
    (["--max-header-count", "0"], r"--max-header-count: must be greater than 0"),
    (["--max-header-size", "10"], r"--max-header-size: must be at least 1024"),
    (["--trusted-proxies", "10.0.0.0/33", "--trusted-proxy-header", "X-Forwarded-For"],
     r"--trusted-proxies: expected an IP address or network"),
    (["--trusted-proxy-header", "X-Forwarded-For"], r"trusted_proxy_header and trusted_proxies go together"),
    (["--api-listen", "nowhere"], r"--api-listen: expected HOST:PORT"),
])
def test_bad_limit_options_refused_at_start(args, needle):
    r = run_bin(["serve", "--dev", "--listen", "127.0.0.1:0"] + args)
    assert r.returncode != 0, r.stdout
    assert "wshub listening" not in r.stdout
    assert re.search(needle, r.stderr), r.stderr


def test_api_listen_port_in_use_exits_nonzero(server_factory):
    srv = server_factory()
    r = run_bin(["serve", "--dev", "--listen", "127.0.0.1:0", "--api-listen", f"127.0.0.1:{srv.port}"])
    assert r.returncode != 0
    assert re.search(r"api_listen", r.stderr), r.stderr


def test_help_lists_the_limit_options():
    r = run_bin(["serve", "--help"])
    assert r.returncode == 0
    for flag in ("--api-listen", "--max-connections", "--max-connections-per-ip", "--handshake-rate-per-ip",
                 "--handshake-burst-per-ip", "--max-header-size", "--max-header-count",
                 "--trusted-proxy-header", "--trusted-proxies"):
        assert re.search(re.escape(flag) + r"(?![\w-])", r.stdout + r.stderr), flag


def test_limit_metrics_are_exposed_at_zero(server_factory):
    srv = server_factory()
    m = srv.metrics()
    for name in ('wshub_refused_connections_total{reason="max_connections"}',
                 'wshub_refused_connections_total{reason="max_connections_per_ip"}',
                 'wshub_refused_connections_total{reason="handshake_rate"}',
                 'wshub_http_refused_total{reason="header_size"}',
                 'wshub_http_refused_total{reason="header_count"}',
                 'wshub_http_refused_total{reason="body_size"}',
                 "wshub_http_request_timeouts_total", "wshub_abuse_closes_total",
                 "wshub_channel_limit_refusals_total"):
        assert m.get(name) == 0, (name, m.get(name))


# ---------------------------------------------------------------------------
# The limiter is shared by every shard
# ---------------------------------------------------------------------------

@pytest.mark.tsan
def test_connection_limits_exact_under_concurrent_churn(server_factory):
    """Many threads connect and disconnect at once over 4 shards; afterwards
    every slot is free again: exactly the limits are admitted."""
    srv = server_factory(args=["--workers", "4", "--max-connections", "12", "--max-connections-per-ip", "8"])

    def churn(k):
        seen = set()
        for i in range(15):
            u = upgrade(srv.port, OTHER_CLIENT if k % 2 else "127.0.0.1", timeout=20)
            seen.add(u.status)
            if u.sock is not None:
                (close_abruptly if i % 2 else close_normally)(u.sock)
        return seen

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = set().union(*pool.map(churn, range(8)))
    assert statuses <= {101, 429, 503}, statuses

    def all_free():
        socks = []
        try:
            for source, n in (("127.0.0.1", 8), (OTHER_CLIENT, 4)):
                for _ in range(n):
                    u = upgrade(srv.port, source, timeout=20)
                    if u.status != 101:
                        return False
                    socks.append(u.sock)
            return (upgrade(srv.port, "127.0.0.1", timeout=20).status == 429 and
                    upgrade(srv.port, OTHER_CLIENT, timeout=20).status == 503)
        finally:
            for s in socks:
                close_abruptly(s)
    wait_until(all_free, 20, interval=0.2, what="every slot given back")
