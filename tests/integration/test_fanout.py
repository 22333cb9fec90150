"""Fan-out to hundreds of clients across worker threads (PROTOCOL.md section 4):
exact counts, one order per channel, strictly increasing offsets, no leakage."""

import asyncio
from pathlib import Path

import pytest

from wshub_harness import WsClient, arun, async_wait_until, close_all, connect_many, uniq, wait_until

N_CLIENTS = 300
N_CHANNELS = 6
WS_PUBLISHERS = 3
PER_PUBLISHER = 10      # per channel, per WS publisher
API_PER_CHANNEL = 10
PER_CHANNEL = WS_PUBLISHERS * PER_PUBLISHER + API_PER_CHANNEL


# Channel prefix, unique per test run (the suite may share one Redis).
FAN = "fan"


def channels_of(i):
    chans = {f"{FAN}:{i % N_CHANNELS}"}
    if i % 10 == 0:  # every tenth client listens on a second channel
        chans.add(f"{FAN}:{(i % N_CHANNELS + 1 + (i // 10) % (N_CHANNELS - 1)) % N_CHANNELS}")
    return chans


@pytest.mark.tsan
@pytest.mark.slow
# io_uring: the shards' batched writes (net::BatchSender) and the one-sendmsg-per-write fallback.
@pytest.mark.parametrize("workers,io_uring", [(2, "true"), (4, "true"), (2, "false")])
def test_fanout_many_clients(server_factory, workers, io_uring):
    global FAN
    FAN = uniq("fan")
    srv = server_factory(args=["--workers", str(workers), "--client-op-rate", "100000",
                               "--client-op-burst", "100000", "--io-uring", io_uring])
    # The start-up line says which write path the shards use.
    ring_refused = Path("/proc/sys/kernel/io_uring_disabled").exists() and \
        Path("/proc/sys/kernel/io_uring_disabled").read_text().strip() != "0"
    expected_writes = "io_uring" if io_uring == "true" and not ring_refused else "sendmsg"
    wait_until(lambda: "wshub serving:" in srv.stderr_text(), 5, what="the start-up log line")
    assert f" writes={expected_writes} " in srv.stderr_text()

    async def main():
        clients = await connect_many(srv.port, N_CLIENTS, user=lambda i: f"fan{i % 37}")
        publishers = await connect_many(srv.port, WS_PUBLISHERS, user=lambda i: f"pub{i}")
        try:
            subs = [channels_of(i) for i in range(N_CLIENTS)]
            sem = asyncio.Semaphore(64)

            async def subscribe(c, chans):
                async with sem:
                    for ch in sorted(chans):
                        r = await c.ok("subscribe", channel=ch)
                        assert r["offset"] == 0, r
            await asyncio.gather(*(subscribe(c, s) for c, s in zip(clients, subs)))

            expected_subs = {f"{FAN}:{k}": sum(f"{FAN}:{k}" in s for s in subs)
                             for k in range(N_CHANNELS)}
            status, body = await srv.aapi("GET", "/api/channels")
            assert status == 200, body
            counts = {x["channel"]: x["subscribers"] for x in body["channels"]}
            assert counts == expected_subs, counts

            published = {f"{FAN}:{k}": {} for k in range(N_CHANNELS)}   # ch -> key -> offset

            async def ws_pub(p, idx):
                for n in range(PER_PUBLISHER):
                    for k in range(N_CHANNELS):
                        ch = f"{FAN}:{k}"
                        key = f"ws{idx}-{n}"
                        r = await p.ok("publish", channel=ch, data={"ch": ch, "key": key})
                        published[ch][key] = r["offset"]

            def api_pub():
                for n in range(API_PER_CHANNEL):
                    for k in range(N_CHANNELS):
                        ch = f"{FAN}:{k}"
                        key = f"api-{n}"
                        published[ch][key] = srv.publish(ch, {"ch": ch, "key": key})["offset"]

            await asyncio.gather(*(ws_pub(p, i) for i, p in enumerate(publishers)),
                                 asyncio.to_thread(api_pub))

            for ch, offs in published.items():
                assert sorted(offs.values()) == list(range(1, PER_CHANNEL + 1)), \
                    f"{ch}: publish offsets not 1..{PER_CHANNEL}: {sorted(offs.values())}"

            def all_received():
                return all(len(c.messages) >= PER_CHANNEL * len(s)
                           for c, s in zip(clients, subs))
            try:
                await async_wait_until(all_received, 60)
            except AssertionError:
                short = [(i, len(c.messages), PER_CHANNEL * len(s), c.close_code)
                         for i, (c, s) in enumerate(zip(clients, subs))
                         if len(c.messages) < PER_CHANNEL * len(s)]
                raise AssertionError(f"{len(short)} clients short of messages: {short[:10]}")

            # An end marker per channel: once it arrives, nothing published
            # before it can still be in flight, so the counts below are exact.
            for k in range(N_CHANNELS):
                srv.publish(f"{FAN}:{k}", {"ch": f"{FAN}:{k}", "key": "end"})
            await async_wait_until(lambda: all(
                sum(1 for m in c.messages if m["data"]["key"] == "end") >= len(s)
                for c, s in zip(clients, subs)), 30, what="end markers")

            reference = {}
            for i, (c, s) in enumerate(zip(clients, subs)):
                assert not c.errors, c.errors
                assert c.close_code is None, f"client {i} closed: {c.close_code}"
                for m in c.messages:
                    assert m["channel"] in s, f"client {i} got {m['channel']}, subscribed {s}"
                    assert m["data"]["ch"] == m["channel"], f"misrouted: {m}"
                for ch in s:
                    got = [m for m in c.messages_for(ch) if m["data"]["key"] != "end"]
                    keys = [m["data"]["key"] for m in got]
                    offsets = [m["offset"] for m in got]
                    assert len(keys) == PER_CHANNEL, \
                        f"client {i} {ch}: {len(keys)} messages, expected {PER_CHANNEL}"
                    assert len(set(keys)) == PER_CHANNEL, f"client {i} {ch}: duplicates"
                    assert all(a < b for a, b in zip(offsets, offsets[1:])), \
                        f"client {i} {ch}: offsets not increasing: {offsets}"
                    for m in got:
                        assert m["offset"] == published[ch][m["data"]["key"]], m
                    assert len({m["epoch"] for m in got}) == 1
                    if ch not in reference:
                        reference[ch] = keys
                    assert keys == reference[ch], f"client {i} {ch}: order differs"
                    ends = [m for m in c.messages_for(ch) if m["data"]["key"] == "end"]
                    assert len(ends) == 1, f"client {i} {ch}: {len(ends)} end markers"
            for p in publishers:
                assert p.messages == [], "publishers are not subscribed"
        finally:
            await close_all(clients + publishers)
    arun(main(), timeout=150)


@pytest.mark.tsan
@pytest.mark.parametrize("workers", [4])
def test_fanout_subscribe_churn_during_publishing(server_factory, workers):
    """Clients subscribe and unsubscribe while a channel is being published to:
    a steady subscriber must still get every publication in order."""
    srv = server_factory(args=["--workers", str(workers), "--client-op-rate", "100000",
                               "--client-op-burst", "100000"])

    async def main():
        steady = await WsClient.connect(srv.port, user="steady")
        churners = await connect_many(srv.port, 40, user=lambda i: f"churn{i}")
        try:
            ch = "churn:x"
            await steady.ok("subscribe", channel=ch)
            done = asyncio.Event()

            async def churn(c):
                while not done.is_set():
                    await c.ok("subscribe", channel=ch)
                    await c.ok("unsubscribe", channel=ch)

            tasks = [asyncio.create_task(churn(c)) for c in churners]

            def pub():
                return [srv.publish(ch, i)["offset"] for i in range(300)]
            offsets = await asyncio.to_thread(pub)
            done.set()
            await asyncio.gather(*tasks)
            msgs = await steady.wait_messages(300, channel=ch, timeout=20)
            assert [m["data"] for m in msgs] == list(range(300))
            assert [m["offset"] for m in msgs] == offsets
            for c in churners:
                got = [m["offset"] for m in c.messages_for(ch)]
                assert got == sorted(set(got)), "a churning client saw duplicates or disorder"
            status, body = await srv.aapi("GET", "/api/channels")
            subs = {x["channel"]: x["subscribers"] for x in body["channels"]}
            assert subs.get(ch) == 1, subs
        finally:
            await close_all(churners + [steady])
    arun(main())


@pytest.mark.tsan
@pytest.mark.parametrize("workers", [1, 4])
def test_subscribe_reply_position_continues_without_gap(server_factory, workers):
    """A subscribe to a channel its shard already delivers is answered by the
    shard itself; whoever answers, the live messages after the reply must
    start right after the reply's offset and continue without a gap."""
    srv = server_factory(args=["--workers", str(workers), "--client-op-rate", "100000",
                               "--client-op-burst", "100000"])

    async def main():
        holders = await connect_many(srv.port, 8, user=lambda i: f"holder{i}")
        churners = await connect_many(srv.port, 24, user=lambda i: f"pos{i}")
        try:
            ch = uniq("position:x")
            for h in holders:  # every shard holds the channel before the churn
                await h.ok("subscribe", channel=ch)
            done = asyncio.Event()
            windows = {c: [] for c in churners}  # per client: (reply offset, first, end)

            async def churn(c):
                while not done.is_set():
                    sid = c.next_id()
                    r = await c.op("subscribe", id=sid, channel=ch)
                    assert r["ok"], r
                    uid = c.next_id()
                    u = await c.op("unsubscribe", id=uid, channel=ch)
                    assert u["ok"], u
                    windows[c].append((r["offset"], c.msgs_before_reply[sid], c.msgs_before_reply[uid]))

            tasks = [asyncio.create_task(churn(c)) for c in churners]

            def pub():
                return [srv.publish(ch, i)["offset"] for i in range(400)]
            offsets = await asyncio.to_thread(pub)
            done.set()
            await asyncio.gather(*tasks)
            assert offsets == list(range(offsets[0], offsets[0] + 400))
            checked = 0
            for c, cycles in windows.items():
                for offset, start, end in cycles:
                    got = [m["offset"] for m in c.messages[start:end] if m["channel"] == ch]
                    assert got == list(range(offset + 1, offset + 1 + len(got))), \
                        f"reply offset {offset}, then {got}"
                    checked += len(got)
            assert checked > 0, "no churning subscription saw a live message"
            for h in holders:
                msgs = await h.wait_messages(400, channel=ch, timeout=20)
                assert [m["offset"] for m in msgs] == offsets
        finally:
            await close_all(holders + churners)
    arun(main())


def test_subscribe_since_the_shards_position_recovers_nothing(server_factory):
    """With one shard, a second subscriber of a held channel is answered from
    the shard's own position; `since` equal to it recovers nothing, an older
    one recovers the gap, another epoch or a later offset is not recovered."""
    srv = server_factory(args=["--workers", "1"])

    async def main():
        a = await WsClient.connect(srv.port)
        b = await WsClient.connect(srv.port)
        try:
            ch = uniq("position:since")
            epoch = (await a.ok("subscribe", channel=ch))["epoch"]
            for i in range(1, 4):
                srv.publish(ch, i)
            await a.wait_messages(3, channel=ch)
            r = await b.ok("subscribe", channel=ch)
            assert (r["epoch"], r["offset"]) == (epoch, 3), r
            await b.ok("unsubscribe", channel=ch)
            r = await b.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 3})
            assert r["recovered"] is True and r["messages"] == [] and r["offset"] == 3, r
            await b.ok("unsubscribe", channel=ch)
            r = await b.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 1})
            assert r["recovered"] is True and [m["data"] for m in r["messages"]] == [2, 3], r
            await b.ok("unsubscribe", channel=ch)
            r = await b.ok("subscribe", channel=ch, since={"epoch": "0" * 16, "offset": 3})
            assert r["recovered"] is False and r["epoch"] == epoch, r
            await b.ok("unsubscribe", channel=ch)
            r = await b.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 99})
            assert r["recovered"] is False and r["offset"] == 3, r
            srv.publish(ch, 4)
            msgs = await b.wait_messages(1, channel=ch)
            assert [m["offset"] for m in msgs] == [4]
        finally:
            await close_all([a, b])
    arun(main())
