"""Graceful shutdown on SIGTERM/SIGINT (PROTOCOL.md section 8, HARDENING.md
"deploy / rolling restart"): readiness 503 first, close 1001 to everyone, flush
within the deadline, exit 0."""

import asyncio
import http.client
import json
import signal
import time

import pytest

from wshub_harness import RawWs, WsClient, arun, async_wait_until, close_all, connect_many, wait_until

PAYLOAD = "y" * 16000
N_QUEUED = 400


def publish_many(srv, channel, n):
    for i in range(n):
        srv.publish(channel, {"i": i, "p": PAYLOAD})


def stuck_client(port, channel):
    """Subscribed, tiny receive buffer, does not read until told to."""
    c = RawWs(port, path="/ws?user=stuck", rcvbuf=4096)
    c.read_welcome()
    c.send_json({"op": "subscribe", "id": 1, "channel": channel})
    assert c.recv_reply(1)["ok"] is True
    return c


def readyz(srv):
    """(status, body), or ('unreachable', error) when the listener refuses."""
    try:
        return srv.api("GET", "/readyz", timeout=2)
    except OSError as e:
        return "unreachable", repr(e)


@pytest.mark.tsan
@pytest.mark.slow
def test_sigterm_drains_200_clients(server_factory):
    shutdown_timeout = 5
    srv = server_factory(args=["--shutdown-timeout", str(shutdown_timeout),
                               "--send-queue-bytes", str(16 * 1024 * 1024),
                               "--max-publish-size", "65536"])
    stuck = stuck_client(srv.port, "sd:stuck")

    async def main():
        clients = await connect_many(srv.port, 200)
        # Reads the stuck client's channel: once it has every message, the
        # server has handed all of them to the stuck client's queue too (one
        # fan-out pass). An API ack alone does not say that: with the Redis
        # broker the publication reaches this instance through Pub/Sub later.
        watcher = await WsClient.connect(srv.port, user="sd-watcher")
        try:
            for c in clients[:50]:
                await c.ok("subscribe", channel="sd:all")
            await watcher.ok("subscribe", channel="sd:stuck")
            # ~6.4 MB for the client that does not read: more than the kernel
            # buffers hold, so some of it waits in the server's queue.
            await asyncio.to_thread(publish_many, srv, "sd:stuck", N_QUEUED)
            await watcher.wait_messages(N_QUEUED, channel="sd:stuck", timeout=30)
            await async_wait_until(lambda: srv.metric("wshub_send_queue_bytes") > 0, 5,
                                   interval=0.05, what="data queued for the stuck client")
            # A probe on a kept-alive connection (as load balancers keep them).
            probe = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
            probe.request("GET", "/readyz")
            r = probe.getresponse()
            assert (r.status, json.loads(r.read())) == (200, {"status": "ready"})

            t0 = time.monotonic()
            srv.stop(signal.SIGTERM)
            # Probe once the drain has begun: a request that reaches the server
            # before it handles the signal is rightly answered 200 (ASan run:
            # 200, then the connection closed as the drain began, then refused).
            await async_wait_until(lambda: "draining" in srv.stderr_text(), 2, interval=0.01,
                                   what="the drain to begin")
            problems = []
            seen = []

            def draining():
                try:
                    probe.request("GET", "/readyz")
                    resp = probe.getresponse()
                    seen.append((resp.status, resp.read().decode()))
                except (OSError, http.client.HTTPException) as e:
                    seen.append(("error", repr(e)))
                    return True
                return seen[-1][0] == 503
            await async_wait_until(draining, 2, interval=0.02, what="/readyz 503")
            # A new probe must not see "ready" either.
            fresh = readyz(srv)
            if fresh[0] == 200:
                problems.append(f"/readyz on a new connection during the drain: {fresh}")
            if seen[-1][0] != 503 or json.loads(seen[-1][1]) != {"status": "draining"}:
                problems.append(
                    f"/readyz never answered 503 {{\"status\":\"draining\"}} during the drain "
                    f"(the stuck client keeps it going for up to {shutdown_timeout} s): "
                    f"kept-alive probe: {seen[-2:]}, new connection: {fresh}")

            results = await asyncio.gather(*(c.wait_closed(timeout=shutdown_timeout)
                                             for c in clients))
            codes = [code for code, _ in results]
            bad = [(i, code) for i, code in enumerate(codes) if code != 1001]
            assert not bad, f"{len(bad)} clients did not get close 1001: {bad[:10]}"

            # The stuck client reads now: everything queued, then 1001.
            res = await asyncio.to_thread(stuck.read_until_close, shutdown_timeout)
            got = [t["data"]["i"] for t in res.texts if t.get("type") == "message"]
            assert got == list(range(N_QUEUED)), \
                f"queued messages not flushed before 1001: got {len(got)} of {N_QUEUED} " \
                f"(first {got[:3]}, last {got[-3:]})"
            assert res.code == 1001, f"stuck client: expected 1001, got {res.code} eof={res.eof}"

            probe.close()
            rc = srv.wait(shutdown_timeout + 1 - (time.monotonic() - t0))
            took = time.monotonic() - t0
            assert rc is not None, f"still running {took:.1f}s after SIGTERM"
            assert rc == 0, f"exit code {rc}"
            assert not problems, "\n".join(problems)
        finally:
            await close_all(clients + [watcher])

    try:
        arun(main())
    finally:
        stuck.close()


@pytest.mark.tsan
@pytest.mark.slow
def test_sigterm_deadline_with_client_that_never_reads(server_factory):
    shutdown_timeout = 2
    srv = server_factory(args=["--shutdown-timeout", str(shutdown_timeout),
                               "--send-queue-bytes", str(16 * 1024 * 1024),
                               "--close-timeout", "30", "--max-publish-size", "65536"])
    stuck = stuck_client(srv.port, "sd:never")
    try:
        async def main():
            c = await WsClient.connect(srv.port)
            try:
                await asyncio.to_thread(publish_many, srv, "sd:never", N_QUEUED)
                t0 = time.monotonic()
                srv.stop(signal.SIGTERM)
                code, _ = await c.wait_closed(timeout=shutdown_timeout)
                assert code == 1001, code
                rc = await asyncio.to_thread(srv.wait, shutdown_timeout + 1)
                took = time.monotonic() - t0
                assert rc is not None, \
                    f"a client that never reads held shutdown past {shutdown_timeout}+1 s"
                assert rc == 0, rc
                assert took <= shutdown_timeout + 1
            finally:
                await c.close()
        arun(main())
    finally:
        stuck.close()


@pytest.mark.tsan
def test_second_sigterm_during_the_drain_exits_at_once_with_1(server_factory):
    """A drain held open by a client that never reads: SIGHUP does not end it,
    a second SIGTERM does, at once and with status 1."""
    srv = server_factory(args=["--shutdown-timeout", "30", "--close-timeout", "30",
                               "--send-queue-bytes", str(16 * 1024 * 1024)])
    stuck = stuck_client(srv.port, "sd:twice")
    try:
        publish_many(srv, "sd:twice", N_QUEUED)
        srv.stop(signal.SIGTERM)
        wait_until(lambda: "draining" in srv.stderr_text(), 10, what="the drain log line")
        srv.stop(signal.SIGHUP)
        wait_until(lambda: "SIGHUP: no TLS or JWT key files configured" in srv.stderr_text(), 10,
                   what="the SIGHUP log line")
        assert srv.alive(), "SIGHUP ended the drain"
        t0 = time.monotonic()
        srv.stop(signal.SIGTERM)
        rc = srv.wait(5)
        assert rc == 1, f"exit code {rc} (None = still running 5 s after the second SIGTERM)"
        assert time.monotonic() - t0 < 5
        assert "during the drain: exiting now" in srv.stderr_text()
    finally:
        stuck.close()


@pytest.mark.tsan
def test_sigint_exits_0_with_1001(server_factory):
    srv = server_factory(args=["--shutdown-timeout", "3"])

    async def main():
        clients = [await WsClient.connect(srv.port, user=f"i{i}") for i in range(3)]
        try:
            await clients[0].ok("subscribe", channel="sigint:x")
            t0 = time.monotonic()
            srv.stop(signal.SIGINT)
            for c in clients:
                code, _ = await c.wait_closed(timeout=3)
                assert code == 1001, code
            rc = await asyncio.to_thread(srv.wait, 4 - (time.monotonic() - t0))
            assert rc == 0, f"SIGINT: exit code {rc}"
        finally:
            await close_all(clients)
    arun(main())


@pytest.mark.tsan
def test_sigterm_idle_server_exits_promptly(server_factory):
    srv = server_factory(args=["--shutdown-timeout", "10"])
    t0 = time.monotonic()
    srv.stop(signal.SIGTERM)
    rc = srv.wait(3)
    assert rc == 0, f"exit code {rc} (None = still running)"
    assert time.monotonic() - t0 < 3, "no clients: no reason to wait for the deadline"
    out = srv.stdout_path.read_text()
    assert out.startswith("wshub listening on"), out
