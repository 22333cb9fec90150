"""The WebSocket upgrade (docs/PROTOCOL.md "Transport", HARDENING.md "Handshake")."""

import base64
import select
import socket
import time

import pytest

from wshub_harness import (RawWs, Server, accept_for, handshake_request, http_exchange,
                           parse_http_head, scaled)


@pytest.fixture(scope="module")
def hs_hub(tmp_path_factory):
    # Without TCP_DEFER_ACCEPT, so that the timeouts below are handshake_timeout alone.
    srv = Server(args=["--handshake-timeout", "1", "--tcp-defer-accept", "0"],
                 workdir=tmp_path_factory.mktemp("hs"))
    srv.start()
    yield srv
    status, _ = srv.api("GET", "/healthz")
    assert status == 200, "the server must survive every bad handshake"
    srv.close()


def seconds_until_closed(sock, limit, trickle=None):
    """Waits for the server to close the socket (EOF or reset), reading and
    discarding whatever it sends; with trickle, sends one byte of it every
    0.2 s meanwhile (slowloris). -> seconds, or None after limit."""
    t0 = time.monotonic()
    next_send = t0
    i = 0
    while time.monotonic() - t0 < limit:
        if trickle is not None and time.monotonic() >= next_send:
            try:
                sock.send(trickle[i % len(trickle):i % len(trickle) + 1])
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - t0
            i += 1
            next_send += 0.2
        wait = max(0.0, min(next_send - time.monotonic() if trickle else 0.2, 0.2))
        readable, _, _ = select.select([sock], [], [], wait)
        if readable:
            try:
                if not sock.recv(4096):
                    return time.monotonic() - t0
            except ConnectionResetError:
                return time.monotonic() - t0
    return None


def test_valid_handshake_accept_header(hs_hub):
    c = RawWs(hs_hub.port)
    try:
        assert c.status == 101
        assert c.headers["upgrade"].lower() == "websocket", c.headers
        assert "upgrade" in c.headers["connection"].lower(), c.headers
        assert c.headers["sec-websocket-accept"] == accept_for(c.key), c.headers
        assert c.read_welcome()["type"] == "welcome"
    finally:
        c.close()


def test_idle_connection_closed_by_handshake_timeout(hs_hub):
    with socket.create_connection(("127.0.0.1", hs_hub.port)) as s:
        took = seconds_until_closed(s, 4)
    assert took is not None and took <= 2.0, f"idle pre-upgrade connection open after {took}s"


def test_silent_connection_waits_out_the_deferral_then_the_handshake_timeout(server_factory):
    """With tcp_defer_accept (on by default, 1 s) the kernel holds a connection
    that sends nothing; the hub sees it after the deferral and closes it at
    handshake_timeout, so it is cut after both, and counted."""
    srv = server_factory(args=["--handshake-timeout", "1"])
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        took = seconds_until_closed(s, scaled(6))
    assert took is not None, "a silent connection was never closed"
    assert 1.8 <= took <= scaled(4.0), f"silent connection closed after {took:.2f}s (deferral 1 s + timeout 1 s)"
    assert srv.metric("wshub_http_request_timeouts_total") == 1


def test_deferral_does_not_delay_a_client_that_speaks(server_factory):
    srv = server_factory(args=["--tcp-defer-accept", "30"])
    t0 = time.monotonic()
    c = RawWs(srv.port)
    try:
        assert c.status == 101
        assert c.read_welcome()["type"] == "welcome"
    finally:
        c.close()
    assert time.monotonic() - t0 < scaled(5.0), "the upgrade waited for the 30 s deferral"


def test_partial_upgrade_closed_by_handshake_timeout(hs_hub):
    with socket.create_connection(("127.0.0.1", hs_hub.port)) as s:
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
        took = seconds_until_closed(s, 4)
    assert took is not None and took <= 2.0, f"half-sent upgrade still open after {took}s"


def test_slowloris_upgrade_closed_by_handshake_timeout(hs_hub):
    req, _ = handshake_request(hs_hub.port)
    with socket.create_connection(("127.0.0.1", hs_hub.port)) as s:
        took = seconds_until_closed(s, 4, trickle=req[:-2] + b"X-Pad: " + b"y" * 100)
    assert took is not None and took <= 2.0, \
        f"a byte every 0.2 s kept the handshake open for {took}s (deadline must be total)"


def test_upgraded_connection_not_hit_by_handshake_timeout(hs_hub):
    c = RawWs(hs_hub.port)
    try:
        c.read_welcome()
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < 1.8:
            n += 1
            c.send_json({"op": "ping", "id": n})
            assert c.recv_reply(n)["ok"] is True
            time.sleep(0.2)
    finally:
        c.close()


def test_wrong_version_426(hs_hub):
    req, _ = handshake_request(hs_hub.port, version="8")
    status, headers, _ = http_exchange(hs_hub.port, req)
    assert status == 426, status
    assert headers.get("sec-websocket-version") == "13", headers


def test_missing_version_refused(hs_hub):
    req, _ = handshake_request(hs_hub.port, omit=("Sec-WebSocket-Version",))
    status, headers, _ = http_exchange(hs_hub.port, req)
    assert status in (400, 426), status


def test_missing_key_400(hs_hub):
    req, _ = handshake_request(hs_hub.port, omit=("Sec-WebSocket-Key",))
    status, _, _ = http_exchange(hs_hub.port, req)
    assert status == 400, status


@pytest.mark.parametrize("key", [base64.b64encode(b"short").decode(),
                                 base64.b64encode(b"x" * 17).decode(),
                                 "not base64 at all!!!!!==",
                                 ""])
def test_malformed_key_400(hs_hub, key):
    req, _ = handshake_request(hs_hub.port, key=key)
    status, _, _ = http_exchange(hs_hub.port, req)
    assert status == 400, f"key {key!r}: {status}"


def test_plain_get_ws_426(hs_hub):
    req = f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{hs_hub.port}\r\nConnection: close\r\n\r\n"
    status, headers, body = http_exchange(hs_hub.port, req.encode())
    assert status == 426, (status, body)
    assert headers.get("sec-websocket-version") == "13", headers


def test_plain_get_ws_426_via_http_client(hs_hub):
    r = hs_hub.request("GET", "/ws")
    assert r.status == 426, r
    assert r.headers.get("sec-websocket-version") == "13", r.headers


def test_oversized_headers_refused_server_survives(hs_hub):
    req, _ = handshake_request(hs_hub.port, extra=[(f"X-H{i}", "v" * 20) for i in range(1000)])
    try:
        status, _, _ = http_exchange(hs_hub.port, req)
        assert status in (400, 413, 431), status
    except (AssertionError, ConnectionResetError, BrokenPipeError) as e:
        # Dropping the connection is acceptable too; upgrading is not.
        if isinstance(e, AssertionError) and "connection closed" not in str(e):
            raise
    status, _ = hs_hub.api("GET", "/healthz")
    assert status == 200


def test_upgrade_response_parses_and_server_frames_unmasked(hs_hub):
    req, key = handshake_request(hs_hub.port, path="/ws?user=p")
    with socket.create_connection(("127.0.0.1", hs_hub.port), timeout=5) as s:
        s.sendall(req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            assert chunk
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        status, headers = parse_http_head(head)
        assert status == 101
        while len(rest) < 2:
            rest += s.recv(4096)
        assert rest[0] == 0x81, f"first frame must be a final text frame: {rest[:2]!r}"
        assert rest[1] & 0x80 == 0, "server frames must not be masked"
