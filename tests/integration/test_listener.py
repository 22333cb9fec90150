"""The listener (src/net/listener): every shard accepts on its own descriptor
of one listening socket; once a drain has begun, no connection is upgraded."""

import asyncio
import signal
import socket

import pytest

from wshub_harness import (RawWs, WsClient, arun, close_all, connect_many, handshake_request, scaled,
                           uniq)


def upgrade_status(port, timeout=2):
    """The status line of a fresh upgrade attempt, or how it failed."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=scaled(timeout)) as s:
            req, _ = handshake_request(port, "/ws?user=late")
            s.sendall(req)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    return "eof"
                data += chunk
            return data.split(b"\r\n", 1)[0].decode()
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "timeout"


@pytest.mark.tsan
def test_two_shards_serve_concurrent_clients_and_fan_out(server_factory):
    srv = server_factory(args=["--workers", "2", "--client-op-rate", "100000", "--client-op-burst", "100000"])
    channel = uniq("listen:all")

    async def main():
        clients = await connect_many(srv.port, 120, concurrency=60)
        try:
            await asyncio.gather(*(c.ok("subscribe", channel=channel) for c in clients))
            await asyncio.to_thread(srv.publish, channel, {"n": 1})
            await asyncio.gather(*(c.wait_messages(1, channel=channel) for c in clients))
        finally:
            await close_all(clients)
    arun(main())


@pytest.mark.tsan
def test_drain_upgrades_no_new_connection_on_any_shard(server_factory):
    srv = server_factory(args=["--workers", "2", "--shutdown-timeout", "5", "--close-timeout", "30"])
    # A client that never completes the close handshake keeps the drain going.
    stuck = RawWs(srv.port, path="/ws?user=stuck")
    stuck.answer_pings = False
    try:
        assert upgrade_status(srv.port).startswith("HTTP/1.1 101"), "upgrade before the drain"

        async def main():
            c = await WsClient.connect(srv.port)
            try:
                srv.stop(signal.SIGTERM)
                code, _ = await c.wait_closed(timeout=5)
                assert code == 1001, code
            finally:
                await c.close()
        arun(main())
        assert srv.alive(), "the stuck client should keep the drain going"
        # Enough attempts that both shards' accept loops would be asked.
        seen = [upgrade_status(srv.port) for _ in range(20)]
        upgraded = [s for s in seen if s.startswith("HTTP/1.1 101")]
        assert not upgraded, f"upgraded during the drain: {seen}"
        rc = srv.wait(scaled(8))
        assert rc == 0, f"exit code {rc}"
    finally:
        stuck.close()
