"""TLS on the public listener (tls_cert_file, tls_key_file): https:// and
wss://, refusal of plain HTTP, the handshake timeout, certificate reload on
SIGHUP without dropping connections, and start-up errors.

Each test makes its own self-signed certificates (python `cryptography`) in
tmp_path; clients trust exactly those certificates and connect to 127.0.0.1.
"""

import asyncio
import datetime
import http.client
import ipaddress
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wshub_harness import WSHUB_BIN, RawWs, Server, WsClient, arun, connect_many, close_all, scaled, uniq, wait_until


class CertPair:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM bytes."""

    def __init__(self, common_name):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(name).issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.common_name = common_name
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())

    def write(self, cert_path, key_path):
        # Replaced atomically, as a certificate manager would.
        for path, data in ((cert_path, self.cert_pem), (key_path, self.key_pem)):
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)


def client_context(*pairs):
    ctx = ssl.create_default_context(cadata="".join(p.cert_pem.decode() for p in pairs))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class TlsSetup:
    def __init__(self, tmp_path, common_name="wshub-test-a"):
        self.dir = tmp_path
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.cert_path = tmp_path / "cert.pem"
        self.key_path = tmp_path / "key.pem"
        self.pair = CertPair(common_name)
        self.pair.write(self.cert_path, self.key_path)

    def args(self):
        return ["--tls-cert-file", str(self.cert_path), "--tls-key-file", str(self.key_path)]


@pytest.fixture
def tls_server(tmp_path):
    """start(extra_args=()) -> (Server, TlsSetup), killed at teardown."""
    servers = []

    def start(extra_args=(), trust=()):
        setup = TlsSetup(tmp_path / f"tls{len(servers)}")
        srv = Server(args=setup.args() + list(extra_args), workdir=tmp_path / f"server{len(servers)}")
        srv.ssl_context = client_context(setup.pair, *trust)
        servers.append(srv)
        srv.start()
        return srv, setup

    yield start
    for srv in servers:
        srv.close()


def peer_certificate(port, ctx, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(timeout)) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return s.getpeercert(binary_form=True)


def wait_for_log(srv, needle, timeout=10):
    wait_until(lambda: needle in srv.stderr_text(), timeout, what=f"{needle!r} in the server log")


def test_https_healthz_and_startup_line(tls_server):
    srv, setup = tls_server()
    assert srv.tls
    first = srv.stdout_path.read_text().splitlines()[0]
    assert first == f"wshub listening on https://127.0.0.1:{srv.port}"
    r = srv.request("GET", "/healthz")
    assert r.status == 200, r.text
    assert peer_certificate(srv.port, srv.ssl_context) == setup.pair.cert_der


def test_tls12_is_accepted_and_tls11_refused(tls_server):
    srv, setup = tls_server()
    ctx = client_context(setup.pair)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    assert peer_certificate(srv.port, ctx) == setup.pair.cert_der
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(cadata=setup.pair.cert_pem.decode())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        pytest.skip("this Python/OpenSSL cannot offer TLS 1.1")
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        peer_certificate(srv.port, old)
    assert srv.alive()


def test_wss_subscribe_and_api_publish(tls_server):
    srv, _ = tls_server()
    ch = uniq("tls")

    async def main():
        c = await WsClient.connect(srv.port, user="alice", ssl=srv.ssl_context)
        try:
            assert c.welcome["type"] == "welcome"
            await c.ok("subscribe", channel=ch)
            await srv.aapi("POST", "/api/publish", {"channel": ch, "data": {"n": 1}})
            msgs = await c.wait_messages(1, channel=ch)
            assert msgs[0]["data"] == {"n": 1}
            # A message over several TLS records, both ways.
            big = "x" * 60000
            await c.ok("subscribe", channel=ch + "b")
            await srv.aapi("POST", "/api/publish", {"channel": ch + "b", "data": {"big": big}})
            msgs = await c.wait_messages(1, channel=ch + "b")
            assert msgs[0]["data"]["big"] == big
        finally:
            await c.close()
    arun(main())


def test_plain_http_on_the_tls_port_is_closed(tls_server):
    srv, _ = tls_server()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=scaled(5)) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            pass
    assert b"HTTP/1.1 200" not in got
    assert srv.alive()
    assert srv.request("GET", "/healthz").status == 200
    wait_until(lambda: srv.metric("wshub_tls_handshake_failures_total") >= 1, 5)


def test_stalled_handshake_is_dropped_at_the_timeout(tls_server):
    srv, _ = tls_server(extra_args=["--handshake-timeout", "1"])
    with socket.create_connection(("127.0.0.1", srv.port), timeout=scaled(10)) as s:
        s.sendall(b"\x16\x03\x01\x00\x50")  # the start of a ClientHello, then nothing
        start = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
        elapsed = time.monotonic() - start
    assert 0.8 <= elapsed <= scaled(4), elapsed
    assert srv.alive()
    assert srv.metric("wshub_tls_handshake_timeouts_total") == 1


def test_sighup_reloads_without_dropping_connections(tls_server, tmp_path):
    new_pair = CertPair("wshub-test-b")
    srv, setup = tls_server(trust=(new_pair,))
    ch = uniq("reload")

    async def main():
        before = await WsClient.connect(srv.port, user="before", ssl=srv.ssl_context)
        try:
            await before.ok("subscribe", channel=ch)
            new_pair.write(setup.cert_path, setup.key_path)
            os.kill(srv.pid, signal.SIGHUP)
            await asyncio.to_thread(wait_for_log, srv, "TLS certificate reloaded from")
            # A new connection sees the new certificate ...
            der = await asyncio.to_thread(peer_certificate, srv.port, srv.ssl_context)
            assert der == new_pair.cert_der
            after = await WsClient.connect(srv.port, user="after", ssl=srv.ssl_context)
            try:
                await after.ok("subscribe", channel=ch)
                # ... and the one opened before it still works, both ways.
                for i in range(5):
                    await srv.aapi("POST", "/api/publish", {"channel": ch, "data": {"i": i}})
                await before.wait_messages(5, channel=ch)
                await after.wait_messages(5, channel=ch)
                assert not before.closed.is_set()
            finally:
                await after.close()
        finally:
            await before.close()
    arun(main())
    m = srv.metrics()
    assert m['wshub_tls_reloads_total{result="ok"}'] == 1
    assert m['wshub_tls_reloads_total{result="error"}'] == 0


def test_sighup_with_a_broken_key_keeps_the_old_certificate(tls_server):
    srv, setup = tls_server()
    setup.key_path.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    os.kill(srv.pid, signal.SIGHUP)
    wait_for_log(srv, "TLS certificate reload failed")
    assert str(setup.key_path) in srv.stderr_text()
    assert srv.alive()
    assert peer_certificate(srv.port, srv.ssl_context) == setup.pair.cert_der
    assert srv.metrics()['wshub_tls_reloads_total{result="error"}'] == 1


def test_sighup_without_tls_is_ignored(server_factory):
    srv = server_factory()
    os.kill(srv.pid, signal.SIGHUP)
    wait_for_log(srv, "SIGHUP: no TLS or JWT key files configured")
    assert srv.alive()
    assert srv.request("GET", "/healthz").status == 200


def run_bin(args, timeout=10):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSHUB_")}
    return subprocess.run([WSHUB_BIN, "serve", "--dev", "--listen", "127.0.0.1:0"] + args, capture_output=True,
                          text=True, timeout=scaled(timeout), env=env)


def test_missing_certificate_file_exits_2(tmp_path):
    setup = TlsSetup(tmp_path / "tls0")
    missing = tmp_path / "nope.pem"
    r = run_bin(["--tls-cert-file", str(missing), "--tls-key-file", str(setup.key_path)])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert str(missing) in r.stderr
    assert "listening" not in r.stdout


def test_mismatched_key_exits_2(tmp_path):
    setup = TlsSetup(tmp_path / "tls0")
    other = CertPair("other")
    other_key = tmp_path / "other-key.pem"
    other_key.write_bytes(other.key_pem)
    r = run_bin(["--tls-cert-file", str(setup.cert_path), "--tls-key-file", str(other_key)])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert str(other_key) in r.stderr


def test_cert_without_key_is_a_config_error(tmp_path):
    setup = TlsSetup(tmp_path / "tls0")
    r = run_bin(["--tls-cert-file", str(setup.cert_path)])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "tls_cert_file and tls_key_file go together" in r.stderr


@pytest.mark.tsan
@pytest.mark.parametrize("workers", [2])
def test_tls_fanout(tls_server, workers):
    srv, _ = tls_server(extra_args=["--workers", str(workers), "--client-op-rate", "100000",
                                    "--client-op-burst", "100000"])
    ch = uniq("tlsfan")
    n_clients, n_messages = 20, 50

    async def main():
        clients = await connect_many(srv.port, n_clients, user=lambda i: f"fan{i}", ssl=srv.ssl_context)
        try:
            await asyncio.gather(*(c.ok("subscribe", channel=ch) for c in clients))
            for i in range(n_messages):
                await srv.aapi("POST", "/api/publish", {"channel": ch, "data": {"i": i}})
            for c in clients:
                msgs = await c.wait_messages(n_messages, channel=ch, timeout=30)
                assert [m["data"]["i"] for m in msgs] == list(range(n_messages))
        finally:
            await close_all(clients)
    arun(main())


def test_internal_api_listener_stays_plain_http(tls_server):
    srv, _ = tls_server(extra_args=["--api-listen", "127.0.0.1:0"])

    def api_port():
        for line in srv.stdout_path.read_text().splitlines()[1:]:
            m = re.fullmatch(r"wshub API listening on http://127\.0\.0\.1:(\d+)", line.strip())
            if m:
                return int(m.group(1))
        return None
    port = wait_until(api_port, 5, what="the API listener's line on stdout")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=scaled(5))
    try:
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        body = resp.read().decode()
    finally:
        conn.close()
    assert resp.status == 200
    assert 'wshub_tls_reloads_total{result="ok"} 0' in body
    # The public listener is TLS and no longer serves the API.
    assert srv.request("GET", "/metrics").status == 404
    assert srv.request("GET", "/healthz").status == 200


def test_drain_closes_wss_clients_cleanly(tls_server):
    """A server-initiated close over TLS: close frame, close_notify, then the
    client's close frame is still read, so the drain completes."""
    srv, _ = tls_server()

    async def main():
        clients = await connect_many(srv.port, 3, user=lambda i: f"drain{i}", ssl=srv.ssl_context)
        srv.stop(signal.SIGTERM)
        for c in clients:
            code, _ = await c.wait_closed()
            assert code == 1001
    arun(main())
    assert srv.wait(scaled(10)) == 0
    assert "drain complete: every client closed" in srv.stderr_text()


def test_wss_reader_that_stalls_gets_every_message_intact(tls_server):
    """TLS writes that stop on a full socket resume with the same bytes
    (OpenSSL's retry rule): a client that reads nothing for a while, then
    everything, gets each message whole and in order."""
    # More than the kernel's socket buffers take (tcp_wmem max is typically 4 MiB).
    srv, _ = tls_server(extra_args=["--send-queue-bytes", str(64 << 20)])
    ch = uniq("stall")
    raw = RawWs(srv.port, rcvbuf=4096, handshake=False, timeout=10)
    raw.sock = srv.ssl_context.wrap_socket(raw.sock, server_hostname="127.0.0.1")
    try:
        raw.handshake("/ws?user=staller")
        raw.read_welcome()
        raw.send_json({"op": "subscribe", "id": 1, "channel": ch})
        assert raw.recv_reply(1)["ok"] is True
        n = 120
        for i in range(n):
            srv.publish(ch, {"i": i, "pad": f"{i:06d}" * 9000})
        got = []
        while len(got) < n:
            got += [o for o in raw.recv_lines(timeout=10) if o.get("type") == "message"]
        assert [m["data"]["i"] for m in got] == list(range(n))
        assert all(m["data"]["pad"] == f"{m['data']['i']:06d}" * 9000 for m in got)
    finally:
        raw.close()
    assert srv.alive()
