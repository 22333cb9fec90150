"""Several instances, one hub, through a real redis-server (PROTOCOL.md
sections 4, 6 and 7; issue #3): cross-instance fan-out in one order, lazy
subscriptions over a fixed connection pool, recovery from Redis streams, and
Redis faults (kill, restart without persistence, killed or frozen Pub/Sub
connections)."""

import asyncio
import signal
import threading
import time

import pytest

from redis_harness import FreezingProxy, RedisServer
from wshub_harness import (STANDARD_CONFIG, Server, WsClient, arun, async_wait_until, close_all,
                           uniq, wait_until)

# Fault detection bound from issue #3: the instance notices within 3 s.
DETECT_S = 3.0


@pytest.fixture
def redis(tmp_path):
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.close()


@pytest.fixture
def instances(tmp_path):
    """start(broker_url, n=2, args=()) -> n running wshub instances on that broker."""
    started = []

    def start(url, n=2, args=(), instance_ids=None):
        out = []
        for i in range(n):
            iid = instance_ids[i] if instance_ids else uniq(f"inst{i}")
            srv = Server(args=["--broker", url, "--instance-id", iid,
                               "--client-op-rate", "100000", "--client-op-burst", "100000",
                               *args],
                         config=STANDARD_CONFIG, workdir=tmp_path / f"wshub{len(started)}")
            started.append(srv)
            srv.start()
            srv.instance_id = iid
            out.append(srv)
        for srv in out:
            srv.wait_ready(10)
        return out

    yield start
    for srv in started:
        srv.close()


def readyz(srv):
    try:
        return srv.api("GET", "/readyz", timeout=2)[0]
    except OSError:
        return None


@pytest.mark.tsan
def test_fanout_across_instances_in_one_order(redis, instances):
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:x")
        subs_a = [await WsClient.connect(a.port, user=f"a{i}") for i in range(3)]
        subs_b = [await WsClient.connect(b.port, user=f"b{i}") for i in range(3)]
        pub_b = await WsClient.connect(b.port, user="pub")
        try:
            for c in subs_a + subs_b:
                await c.ok("subscribe", channel=ch)
            n = 200

            # Publishers on both instances at once: through A's API, over B's WebSocket.
            def api_publish():
                for i in range(n):
                    a.publish(ch, {"src": "api", "i": i})

            t = threading.Thread(target=api_publish)
            t.start()
            for i in range(n):
                await pub_b.ok("publish", channel=ch, data={"src": "ws", "i": i})
            await asyncio.to_thread(t.join)
            for c in subs_a + subs_b:
                await c.wait_messages(2 * n, channel=ch, timeout=20)
            ref = [(m["offset"], m["data"]["src"], m["data"]["i"]) for m in subs_a[0].messages_for(ch)]
            offsets = [o for o, _, _ in ref]
            assert offsets == list(range(offsets[0], offsets[0] + 2 * n)), "offsets strictly +1"
            for c in subs_a + subs_b:
                got = [(m["offset"], m["data"]["src"], m["data"]["i"]) for m in c.messages_for(ch)]
                assert got == ref, "every subscriber on every instance sees one order"
            # Each source's own order is kept.
            for src in ("api", "ws"):
                assert [i for _, s, i in ref if s == src] == list(range(n))
            # One Pub/Sub connection per shard, and the probe round trip measured.
            for srv in (a, b):
                assert srv.metric("wshub_broker_pubsub_connections") == srv.metric("wshub_shards")
                await asyncio.to_thread(wait_until,
                                        lambda: srv.metric("wshub_broker_round_trip_seconds_count") >= 1,
                                        3, 0.05, "a probe round trip measured")
        finally:
            await close_all(subs_a + subs_b + [pub_b])
    arun(main())


def test_lazy_subscriptions_over_a_fixed_pool(redis, instances):
    a, = instances(redis.url, n=1, args=["--workers", "2"])
    name_prefix = f"wshub-{a.instance_id}-"

    def pubsub_channels():
        return sorted(c.decode() for c in redis.command("PUBSUB", "CHANNELS", "ws:{lazy*"))

    async def main():
        base_conns = len(redis.clients(name_prefix))
        assert base_conns == 6, f"2 shards x (command + Pub/Sub) + the cluster's 2: {redis.clients(name_prefix)}"
        chans = [uniq("lazy") for _ in range(300)]
        c1 = await WsClient.connect(a.port, user="u1")
        c2 = await WsClient.connect(a.port, user="u2")
        try:
            await c1.ok("subscribe", channel=chans[0])
            assert pubsub_channels() == [f"ws:{{{chans[0]}}}:pub"], "subscribed on first subscriber"
            await c2.ok("subscribe", channel=chans[0])
            await c1.ok("unsubscribe", channel=chans[0])
            assert pubsub_channels() == [f"ws:{{{chans[0]}}}:pub"], "still one local subscriber"
            await c2.ok("unsubscribe", channel=chans[0])
            wait_until(lambda: pubsub_channels() == [], 5, what="UNSUBSCRIBE after the last one left")

            # 300 channels over 3 connections (100 each, one frame each): still
            # the same Redis connections.
            clients = [await WsClient.connect(a.port, user=f"m{i}") for i in range(3)]
            try:
                for i, c in enumerate(clients):
                    replies = await c.batch([{"op": "subscribe", "channel": ch}
                                             for ch in chans[i * 100:(i + 1) * 100]])
                    assert all(r["ok"] for r in replies), [r for r in replies if not r["ok"]][:3]
                assert len(pubsub_channels()) == 300
                assert len(redis.clients(name_prefix)) == base_conns, "pool size independent of channels"
            finally:
                await close_all(clients)
            wait_until(lambda: pubsub_channels() == [], 5, what="everything unsubscribed on disconnect")
        finally:
            await close_all([c1, c2])
    arun(main())


def test_subscribe_while_unsubscribing(redis, instances):
    """Leave and join the same channel in one frame, many times: the instance
    ends subscribed and delivers."""
    a, = instances(redis.url, n=1)

    async def main():
        ch = uniq("chat:flap")
        c = await WsClient.connect(a.port, user="flap")
        try:
            for _ in range(30):
                ops = [{"op": "subscribe", "channel": ch}, {"op": "unsubscribe", "channel": ch}] * 3
                ops.append({"op": "subscribe", "channel": ch})
                replies = await c.batch(ops)
                assert all(r["ok"] for r in replies), replies
                await c.ok("unsubscribe", channel=ch)
            await c.ok("subscribe", channel=ch)
            a.publish(ch, {"after": "flapping"})
            msgs = await c.wait_messages(1, channel=ch)
            assert msgs[-1]["data"] == {"after": "flapping"}
        finally:
            await c.close()
    arun(main())


def test_recovery_from_stream_on_another_instance(redis, instances):
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:rec")
        c = await WsClient.connect(a.port, user="r")
        r = await c.ok("subscribe", channel=ch)
        epoch = r["epoch"]
        for i in range(1, 4):
            a.publish(ch, {"n": i})
        msgs = await c.wait_messages(3, channel=ch)
        await c.close()
        for i in range(4, 9):
            b.publish(ch, {"n": i})
        # Reconnect to the other instance and recover.
        c2 = await WsClient.connect(b.port, user="r")
        try:
            r = await c2.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": msgs[-1]["offset"]})
            assert r["recovered"] is True, r
            assert [m["data"]["n"] for m in r["messages"]] == [4, 5, 6, 7, 8]
            assert [m["offset"] for m in r["messages"]] == [4, 5, 6, 7, 8]
            a.publish(ch, {"n": 9})
            live = await c2.wait_messages(1, channel=ch)
            assert live[0]["offset"] == 9 and live[0]["data"] == {"n": 9}
            # Too old for history_size (small namespace keeps 5).
            sch = uniq("small:rec")
            r = await c2.ok("subscribe", channel=sch)
            for i in range(8):
                b.publish(sch, {"n": i})
            await c2.wait_messages(8, channel=sch)
            await c2.ok("unsubscribe", channel=sch)
            r2 = await c2.ok("subscribe", channel=sch, since={"epoch": r["epoch"], "offset": 1})
            assert r2["recovered"] is False, r2
            st, hist = a.api("POST", "/api/history", {"channel": sch, "limit": 100})
            assert st == 200 and [m["offset"] for m in hist["messages"]] == [4, 5, 6, 7, 8], hist
        finally:
            await c2.close()
    arun(main())


def test_api_send_history_info_across_instances(redis, instances):
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:api")
        c = await WsClient.connect(a.port, user="hist")
        try:
            await c.ok("subscribe", channel=ch)
            for i in range(5):
                b.publish(ch, {"i": i})
            await c.wait_messages(5, channel=ch)
            st, body = a.api("POST", "/api/history", {"channel": ch, "limit": 3})
            assert st == 200 and [m["data"]["i"] for m in body["messages"]] == [2, 3, 4], body
            st, body = b.api("POST", "/api/history", {"channel": ch, "limit": 3})
            assert st == 200 and [m["data"]["i"] for m in body["messages"]] == [2, 3, 4], body
        finally:
            await c.close()
    arun(main())


@pytest.mark.tsan
def test_redis_down_then_back(redis, instances):
    """Kill Redis: readiness 503 within 3 s and publishes fail loudly; restart it
    (empty, no persistence): the instances reconnect, resubscribe, and
    subscribers see new publications under a new epoch."""
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:down")
        sub = await WsClient.connect(b.port, user="down")
        try:
            r = await sub.ok("subscribe", channel=ch)
            old_epoch = r["epoch"]
            a.publish(ch, {"before": 1})
            await sub.wait_messages(1, channel=ch)

            redis.kill()
            t0 = time.monotonic()
            await asyncio.to_thread(wait_until, lambda: readyz(a) == 503 and readyz(b) == 503,
                                    DETECT_S + 2, 0.05, "/readyz 503 on both instances")
            assert time.monotonic() - t0 <= DETECT_S + 0.3, "noticed within 3 s"
            st, body = a.api("POST", "/api/publish", {"channel": ch, "data": {"lost": True}})
            assert st == 503, (st, body)
            reply = await sub.op("publish", channel=ch, data={"lost": True})
            assert reply["ok"] is False and reply["error"]["code"] == 503, reply
            reply = await sub.op("subscribe", channel=uniq("chat:while-down"))
            assert reply["ok"] is False and reply["error"]["code"] == 503, reply
            assert sub.close_code is None, "clients stay connected while Redis is down"

            redis.start()
            await asyncio.to_thread(wait_until, lambda: readyz(a) == 200 and readyz(b) == 200,
                                    10, 0.05, "/readyz 200 after Redis came back")
            a.publish(ch, {"after": 1})
            msgs = await sub.wait_messages(2, channel=ch, timeout=10)
            assert msgs[-1]["data"] == {"after": 1}
            assert msgs[-1]["epoch"] != old_epoch, "Redis lost the channel: a new epoch"
            assert msgs[-1]["offset"] == 1
            assert [m["data"] for m in msgs].count({"lost": True}) == 0
            assert b.metric("wshub_broker_reconnects_total") >= 2
            # Recovery from the old epoch cannot succeed.
            await sub.ok("unsubscribe", channel=ch)
            r = await sub.ok("subscribe", channel=ch, since={"epoch": old_epoch, "offset": 1})
            assert r["recovered"] is False, r
        finally:
            await sub.close()
    arun(main())


def _continuous_publisher(srv, ch, stop, sent):
    i = 0
    while not stop.is_set():
        st, body = srv.api("POST", "/api/publish", {"channel": ch, "data": {"i": i}})
        if st == 200:
            sent.append((body["offset"], i))
        i += 1
        time.sleep(0.002)


def _assert_gapless(sub, ch, sent):
    got = [(m["offset"], m["data"]["i"]) for m in sub.messages_for(ch)]
    offsets = [o for o, _ in got]
    assert offsets == sorted(set(offsets)), "no duplicate, in order"
    missing = sorted(set(sent) - set(got))
    assert not missing, f"{len(missing)} accepted publications never delivered: {missing[:5]}"


@pytest.mark.tsan
def test_pubsub_connection_killed_is_backfilled(redis, instances):
    """CLIENT KILL TYPE pubsub while publishing continuously on the other
    instance: the subscriber gets every accepted publication, gap-free."""
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:kill")
        sub = await WsClient.connect(b.port, user="k")
        try:
            await sub.ok("subscribe", channel=ch)
            stop, sent = threading.Event(), []
            t = threading.Thread(target=_continuous_publisher, args=(a, ch, stop, sent))
            t.start()
            await async_wait_until(lambda: len(sent) > 50, 10, what="publications before the kill")
            killed = redis.command("CLIENT", "KILL", "TYPE", "pubsub")
            assert killed >= 2, killed
            await async_wait_until(lambda: len(sent) > 300, 20, what="publications after the kill")
            stop.set()
            await asyncio.to_thread(t.join)
            await async_wait_until(lambda: {o for o, _ in sent} <= {m["offset"] for m in sub.messages_for(ch)},
                                   10, what="every publication delivered")
            _assert_gapless(sub, ch, sent)
            assert b.metric("wshub_broker_resubscribed_channels_total") >= 1
        finally:
            await sub.close()
    arun(main())


def test_pubsub_output_buffer_limit_is_survived(redis, instances):
    """Redis drops a Pub/Sub client whose output buffer passes the limit; the
    instance reconnects and backfills from the stream."""
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:obl")
        sub = await WsClient.connect(b.port, user="o")
        try:
            await sub.ok("subscribe", channel=ch)
            redis.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 2kb 1kb 1")
            stop, sent = threading.Event(), []
            big = "y" * 3000

            def burst():
                for i in range(40):
                    st, body = a.api("POST", "/api/publish", {"channel": ch, "data": {"i": i, "pad": big}})
                    if st == 200:
                        sent.append((body["offset"], i))
            await asyncio.to_thread(burst)
            redis.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
            await async_wait_until(lambda: {o for o, _ in sent} <= {m["offset"] for m in sub.messages_for(ch)},
                                   15, what="every publication delivered after the disconnect")
            _assert_gapless(sub, ch, sent)
            del stop
        finally:
            await sub.close()
    arun(main())


def test_frozen_connection_is_caught_by_the_probe(redis, tmp_path):
    """Redis stays connected but stops answering (a frozen proxy): the probe
    notices within 3 s, readiness drops, and fresh connections restore it."""
    proxy = FreezingProxy(redis.port)
    srv = Server(args=["--broker", proxy.url], config=STANDARD_CONFIG, workdir=tmp_path / "w")
    try:
        srv.start()
        srv.wait_ready(10)

        async def main():
            ch = uniq("chat:frozen")
            sub = await WsClient.connect(srv.port, user="f")
            try:
                await sub.ok("subscribe", channel=ch)
                proxy.freeze()
                t0 = time.monotonic()
                await asyncio.to_thread(wait_until, lambda: readyz(srv) == 503, DETECT_S + 2, 0.05,
                                        "/readyz 503 after the freeze")
                assert time.monotonic() - t0 <= DETECT_S + 0.3, "noticed within 3 s"
                await asyncio.to_thread(wait_until, lambda: readyz(srv) == 200, 10, 0.05,
                                        "/readyz 200 on new connections")
                assert srv.metric("wshub_broker_probe_failures_total") >= 1
                # Publish straight into Redis's stream through another instance path:
                srv.publish(ch, {"after": "freeze"})
                msgs = await sub.wait_messages(1, channel=ch, timeout=10)
                assert msgs[-1]["data"] == {"after": "freeze"}
            finally:
                await sub.close()
        arun(main())
    finally:
        srv.close()
        proxy.close()


def test_password_in_url(tmp_path, instances):
    r = RedisServer(tmp_path / "pw", password="s3cr%t").start()
    try:
        # The password is percent-encoded in the URL.
        a, = instances(f"redis://:s3cr%25t@127.0.0.1:{r.port}", n=1)
        assert a.api("GET", "/readyz")[0] == 200
        assert a.publish(uniq("chat:pw"), {"x": 1})["offset"] == 1
    finally:
        r.close()


def test_wrong_password_stays_unready(tmp_path, instances):
    r = RedisServer(tmp_path / "pw2", password="right").start()
    srv = Server(args=["--broker", f"redis://:wrong@127.0.0.1:{r.port}"], workdir=tmp_path / "w2")
    try:
        srv.start()
        wait_until(lambda: "WRONGPASS" in srv.stderr_text(), 10, what="the AUTH failure in the log")
        assert readyz(srv) == 503
        st, body = srv.api("POST", "/api/publish", {"channel": "chat:x", "data": 1})
        assert st == 503, (st, body)
    finally:
        srv.close()
        r.close()


# --- Cluster registry and hub-wide API (PROTOCOL.md sections 6 and 7) -----------

def _json(value):
    import json
    return json.loads(value.decode() if isinstance(value, bytes) else value)


def test_registry_entries_follow_connections(redis, instances):
    a, = instances(redis.url, n=1, args=["--heartbeat-interval", "1"])

    async def main():
        c = await WsClient.connect(a.port, user="reg-user")
        try:
            key = f"ws:conn:{c.client_id}"
            entry = await asyncio.to_thread(wait_until, lambda: redis.command("GET", key), 5, 0.02,
                                            f"{key} set")
            e = _json(entry)
            assert e["instance"] == a.instance_id and e["user"] == "reg-user", e
            assert e["connected_at"].endswith("Z"), e
            assert 0 < redis.command("TTL", key) <= 120
            inst = _json(redis.command("GET", f"ws:instance:{a.instance_id}"))
            assert inst["instance"] == a.instance_id and inst["address"] == f"127.0.0.1:{a.port}", inst
            assert 0 < redis.command("TTL", f"ws:instance:{a.instance_id}") <= 3
            assert redis.command("PUBSUB", "NUMSUB", "ws:user:{reg-user}")[1] == 1, \
                "a user-bearing connection subscribes its user's channel"
        finally:
            await c.close()
        await asyncio.to_thread(wait_until, lambda: redis.command("GET", key) is None, 5, 0.02,
                                f"{key} deleted on disconnect")
        await asyncio.to_thread(wait_until,
                                lambda: redis.command("PUBSUB", "NUMSUB", "ws:user:{reg-user}")[1] == 0,
                                5, 0.02, "user channel unsubscribed")
    arun(main())


def test_dead_instance_entries_removed_by_survivors(redis, instances):
    a, b = instances(redis.url, args=["--heartbeat-interval", "1"])

    async def main():
        clients = [await WsClient.connect(b.port, user=f"dead{i}") for i in range(5)]
        keys = [f"ws:conn:{c.client_id}" for c in clients]
        await asyncio.to_thread(wait_until, lambda: all(redis.command("EXISTS", k) for k in keys), 5, 0.02,
                                "entries of b's clients")
        b.stop(signal.SIGKILL)
        t0 = time.monotonic()
        # Expiry after 3 missed beats (3 s), removal within one more beat.
        await asyncio.to_thread(wait_until, lambda: not any(redis.command("EXISTS", k) for k in keys),
                                8, 0.05, "dead instance's connection entries removed")
        assert time.monotonic() - t0 <= 5.5
        st, body = a.api("GET", "/api/info")
        assert st == 200 and [i["id"] for i in body["instances"]] == [a.instance_id], body
        assert b.instance_id.encode() not in (redis.command("SMEMBERS", "ws:instances") or [])
        await close_all(clients)
    arun(main())


def test_info_and_channels_are_hub_wide(redis, instances):
    a, b = instances(redis.url)

    async def main():
        ch = uniq("chat:wide")
        ca = [await WsClient.connect(a.port, user=f"wa{i}") for i in range(2)]
        cb = [await WsClient.connect(b.port, user=f"wb{i}") for i in range(3)]
        try:
            for c in ca + cb:
                await c.ok("subscribe", channel=ch)
            st, body = a.api("GET", "/api/info")
            assert st == 200, body
            by_id = {i["id"]: i for i in body["instances"]}
            assert set(by_id) == {a.instance_id, b.instance_id}, body
            assert by_id[a.instance_id]["connections"] == 2 and by_id[b.instance_id]["connections"] == 3
            assert by_id[b.instance_id]["subscriptions"] == 3
            assert by_id[b.instance_id]["address"] == f"127.0.0.1:{b.port}"
            st, body = b.api("GET", "/api/channels")
            counts = {x["channel"]: x["subscribers"] for x in body["channels"]}
            assert st == 200 and counts.get(ch) == 5, body

            # Each instance's totals, so the dashboard can show hub-wide rates.
            before = by_id
            for i in range(4):
                a.publish(ch, {"i": i})
            for c in ca + cb:
                await c.wait_messages(4, channel=ch)
            st, body = b.api("GET", "/api/info")
            after = {i["id"]: i for i in body["instances"]}

            def grew(inst, name):
                return after[inst]["counters"][name] - before[inst]["counters"][name]
            assert grew(a.instance_id, "publications_total") >= 4, body
            assert grew(a.instance_id, "messages_out_total") >= 2 * 4, body
            assert grew(b.instance_id, "messages_out_total") >= 3 * 4, body
            assert grew(b.instance_id, "publications_total") == 0, body
        finally:
            await close_all(ca + cb)
    arun(main())


@pytest.mark.tsan
def test_send_and_disconnect_reach_any_instance(redis, instances):
    a, b = instances(redis.url)

    async def main():
        user = uniq("u")
        on_b = [await WsClient.connect(b.port, user=user) for _ in range(2)]
        on_a = await WsClient.connect(a.port, user=user)
        other = await WsClient.connect(b.port, user=uniq("other"))
        try:
            await asyncio.to_thread(wait_until,
                                    lambda: redis.command("PUBSUB", "NUMSUB", f"ws:user:{{{user}}}")[1] == 2,
                                    5, 0.02, "both instances hold the user")
            st, body = a.api("POST", "/api/send", {"user": user, "data": {"hello": 1}})
            assert (st, body) == (200, {"delivered": 3}), body
            for c in on_b + [on_a]:
                pushes = await c.wait_pushes(1)
                assert pushes[0]["data"] == {"hello": 1}
            st, body = a.api("POST", "/api/send", {"client": other.client_id, "data": "direct"})
            assert (st, body) == (200, {"delivered": 1}), body
            assert (await other.wait_pushes(1))[0]["data"] == "direct"
            st, body = a.api("POST", "/api/send", {"client": "c-nosuchclient", "data": 1})
            assert (st, body) == (200, {"delivered": 0}), body

            st, body = b.api("POST", "/api/disconnect", {"user": user, "code": 4002, "reason": "bye"})
            assert (st, body) == (200, {"disconnected": 3}), body
            for c in on_b + [on_a]:
                code, reason = await c.wait_closed()
                assert code == 4002 and reason == "bye"
            st, body = b.api("POST", "/api/disconnect", {"client": other.client_id})
            assert (st, body) == (200, {"disconnected": 1}), body
            assert (await other.wait_closed())[0] == 4002
        finally:
            await close_all(on_b + [on_a, other])
    arun(main())


def test_graceful_shutdown_leaves_the_registry(redis, instances):
    a, = instances(redis.url, n=1)

    async def main():
        c = await WsClient.connect(a.port, user="leaving")
        key = f"ws:conn:{c.client_id}"
        await asyncio.to_thread(wait_until, lambda: redis.command("EXISTS", key), 5, 0.02, key)
        a.stop(signal.SIGTERM)
        code, _ = await c.wait_closed()
        assert code == 1001
        assert a.wait(10) == 0
        assert redis.command("EXISTS", key) == 0
        assert redis.command("EXISTS", f"ws:instance:{a.instance_id}") == 0
        assert a.instance_id.encode() not in (redis.command("SMEMBERS", "ws:instances") or [])
        assert redis.command("PUBSUB", "NUMSUB", "ws:user:{leaving}")[1] == 0
    arun(main())
