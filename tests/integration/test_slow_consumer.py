"""Slow consumers (PROTOCOL.md section 5 code 4000, docs/PROTOCOL.md "Transport"):
a client that stops reading is evicted once its queue passes send_queue_bytes,
memory stays flat and the other subscribers get everything."""

import asyncio
import os

import pytest

from wshub_harness import RawWs, WsClient, arun, async_wait_until, close_all, wait_until

N_MESSAGES = 1280
PAYLOAD = "x" * 16000           # 1280 x ~16 KB = ~20 MB through the channel
FLOOD_ARGS = ["--send-queue-bytes", "262144", "--max-message-size", "1048576",
              "--max-publish-size", "65536", "--client-op-rate", "100000",
              "--client-op-burst", "100000"]


def subscribe_raw(port, channel, user):
    """A raw client with a tiny receive buffer, subscribed, that will not read."""
    c = RawWs(port, path=f"/ws?user={user}", rcvbuf=4096)
    c.read_welcome()
    c.send_json({"op": "subscribe", "id": 1, "channel": channel})
    r = c.recv_reply(1)
    assert r["ok"] is True, r
    return c


async def flood(pub, channel, n, window=16, follower=None):
    """Publishes n ~16 KB messages, window ops at a time. With a follower (a
    reading subscriber), publishes a window only once the follower has every
    earlier message: at most window x 16 KB (128 KB with window 8) is then
    queued for it, under send_queue_bytes (256 KiB) even when the kernel
    buffers none of it, so only the client that stopped reading can be
    evicted. (Two windows of 16 ahead, as before, allowed 512 KB: a follower
    slowed by a loaded machine was evicted too.)"""
    for start in range(0, n, window):
        if follower is not None:
            await follower.wait_messages(start, channel=channel, timeout=30)
        await asyncio.gather(*(pub.ok("publish", channel=channel, data={"i": i, "p": PAYLOAD})
                               for i in range(start, min(n, start + window))))


@pytest.mark.slow
def test_slow_consumer_evicted_with_4000_memory_bounded(server_factory):
    srv = server_factory(args=FLOOD_ARGS + ["--close-timeout", "10"])
    ch = "slow:flood"
    slow = subscribe_raw(srv.port, ch, "slow")
    closes_before = srv.metric("wshub_slow_consumer_closes_total")
    assert closes_before is not None, "metric wshub_slow_consumer_closes_total missing"

    async def main():
        fast = await WsClient.connect(srv.port, user="fast")
        pub = await WsClient.connect(srv.port, user="pub")
        try:
            await fast.ok("subscribe", channel=ch)
            base_rss = srv.rss_kb()
            peak = [base_rss]
            sampling = True

            async def sampler():
                while sampling:
                    peak[0] = max(peak[0], srv.rss_kb())
                    await asyncio.sleep(0.02)
            sampler_task = asyncio.create_task(sampler())
            try:
                await flood(pub, ch, N_MESSAGES, window=8, follower=fast)
                await async_wait_until(
                    lambda: srv.metric("wshub_slow_consumer_closes_total") >= closes_before + 1,
                    10, interval=0.1, what="wshub_slow_consumer_closes_total to increment")
                msgs = await fast.wait_messages(N_MESSAGES, channel=ch, timeout=60)
            finally:
                sampling = False
                await sampler_task
            assert [m["data"]["i"] for m in msgs] == list(range(N_MESSAGES)), \
                "the fast subscriber must get every message, in order"
            offsets = [m["offset"] for m in msgs]
            assert offsets == list(range(offsets[0], offsets[0] + N_MESSAGES))
            growth_mb = (peak[0] - base_rss) / 1024
            # ASan's quarantine keeps freed memory resident: RSS says nothing there.
            if not os.environ.get("WSHUB_SANITIZER"):
                assert growth_mb < 64, f"server RSS grew by {growth_mb:.1f} MB during the flood"
            assert fast.close_code is None
            assert (await fast.ok("ping"))["ok"]
        finally:
            await close_all([fast, pub])

    try:
        arun(main(), timeout=120)
        # The slow client reads again: what was in flight, then the close frame.
        res = slow.read_until_close(timeout=10)
        assert res.code == 4000, \
            f"slow consumer expected close 4000, got {res.code} (eof={res.eof})"
        got = [t["data"]["i"] for t in res.texts if t.get("type") == "message"]
        assert got == list(range(len(got))), "what the slow client got is an in-order prefix"
        assert len(got) < N_MESSAGES
        slow.close()

        def subscribers():
            _, body = srv.api("GET", "/api/channels")
            return {x["channel"]: x["subscribers"] for x in body["channels"]}.get(ch)
        wait_until(lambda: subscribers() is None, 5,
                   what=f"{ch} gone from /api/channels once every client has left")
    finally:
        slow.close()


@pytest.mark.slow
def test_slow_consumer_dropped_after_close_timeout(server_factory):
    srv = server_factory(args=FLOOD_ARGS + ["--close-timeout", "1"])
    ch = "slow:drop"
    slow = subscribe_raw(srv.port, ch, "slow")
    closes_before = srv.metric("wshub_slow_consumer_closes_total")

    async def main():
        pub = await WsClient.connect(srv.port, user="pub")
        try:
            await flood(pub, ch, 200)
            await async_wait_until(
                lambda: srv.metric("wshub_slow_consumer_closes_total") >= closes_before + 1,
                10, interval=0.05, what="eviction")
            # The client never reads: the server must let go of it after
            # close_timeout (1 s) instead of holding it forever.
            await async_wait_until(lambda: srv.metric("wshub_connections") == 1, 4, interval=0.05,
                                   what="wshub_connections back to 1 (the publisher)")
        finally:
            await pub.close()

    try:
        arun(main())
        res = slow.read_until_close(timeout=10)
        assert res.code == 4000 or res.eof, res.code
        wait_until(lambda: srv.metric("wshub_connections") == 0, 5)
    finally:
        slow.close()


def test_publication_larger_than_the_queue_limit_reaches_readers(server_factory):
    """send_queue_bytes below max_publish_size: a big publication is delivered
    to subscribers that read, instead of evicting all of them."""
    srv = server_factory(args=["--send-queue-bytes", "16384", "--max-publish-size", "65536",
                               "--max-message-size", "131072"])

    async def main():
        subs = [await WsClient.connect(srv.port, user=f"big{i}") for i in range(3)]
        try:
            for c in subs:
                await c.ok("subscribe", channel="big:ch")
            big = "z" * 32000
            for i in range(3):
                srv.publish("big:ch", {"i": i, "pad": big})
            for c in subs:
                msgs = await c.wait_messages(3, channel="big:ch")
                assert [m["data"]["i"] for m in msgs] == [0, 1, 2]
                assert c.close_code is None
        finally:
            await close_all(subs)
    arun(main())
