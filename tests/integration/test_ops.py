"""Client operations and their replies (PROTOCOL.md section 3, docs/PROTOCOL.md
"Client operations"): every op, id echo, error codes, batching, byte-for-byte data."""

import json
import re

import pytest

from wshub_harness import (STANDARD_CONFIG, WsClient, arun, async_poll, async_wait_until,
                           close_all, uniq)


def assert_message(m, channel, data, offset=None, epoch=None):
    assert m["type"] == "message", m
    assert m["channel"] == channel, m
    assert m["data"] == data, m
    assert isinstance(m["offset"], int), m
    assert isinstance(m["epoch"], str) and m["epoch"], m
    if offset is not None:
        assert m["offset"] == offset, m
    if epoch is not None:
        assert m["epoch"] == epoch, m


def assert_empty_ok(reply):
    extra = set(reply) - {"type", "id", "ok"}
    assert reply["ok"] is True and not extra, f"expected an empty ok reply, got {reply}"


# ---------------------------------------------------------------------------
# subscribe / publish / unsubscribe
# ---------------------------------------------------------------------------

def test_subscribe_publish_and_delivery(hub):
    async def main():
        ch = uniq("chat:sub")
        a = await WsClient.connect(hub.port, user="alice")
        b = await WsClient.connect(hub.port, user="bob")
        try:
            r = await a.ok("subscribe", channel=ch)
            assert r["type"] == "reply"
            assert isinstance(r["epoch"], str) and r["epoch"], r
            assert r["offset"] == 0, f"an empty channel has offset 0: {r}"
            assert "recovered" not in r and "messages" not in r, r
            epoch = r["epoch"]

            p1 = await b.ok("publish", channel=ch, data={"text": "hi"})
            assert p1["offset"] == 1 and p1["epoch"] == epoch, p1
            p2 = await b.ok("publish", channel=ch, data="second")
            assert p2["offset"] == 2 and p2["epoch"] == epoch, p2

            msgs = await a.wait_messages(2, channel=ch)
            assert_message(msgs[0], ch, {"text": "hi"}, 1, epoch)
            assert_message(msgs[1], ch, "second", 2, epoch)

            # A later subscriber learns the latest offset.
            r2 = await b.ok("subscribe", channel=ch)
            assert r2["offset"] == 2 and r2["epoch"] == epoch, r2
            # The publisher is not subscribed... until now: b gets later ones only.
            await a.ok("publish", channel=ch, data=3)
            await b.wait_messages(1, channel=ch)
            await a.wait_messages(3, channel=ch)
            await a.barrier(hub)
            await b.barrier(hub)
            assert [m["offset"] for m in a.messages_for(ch)] == [1, 2, 3]
            assert [m["offset"] for m in b.messages_for(ch)] == [3]
        finally:
            await close_all([a, b])
    arun(main())


def test_publisher_subscribed_receives_own_publication_once(hub):
    async def main():
        ch = uniq("chat:own")
        a = await WsClient.connect(hub.port)
        try:
            await a.ok("subscribe", channel=ch)
            for i in range(5):
                await a.ok("publish", channel=ch, data={"i": i})
            await a.wait_messages(5, channel=ch)
            await a.barrier(hub)
            got = [m["data"]["i"] for m in a.messages_for(ch)]
            assert got == [0, 1, 2, 3, 4], got
        finally:
            await a.close()
    arun(main())


def test_unsubscribe_stops_delivery_and_is_idempotent(hub):
    async def main():
        ch = uniq("chat:unsub")
        a = await WsClient.connect(hub.port)
        w = await WsClient.connect(hub.port)
        try:
            await a.ok("subscribe", channel=ch)
            await w.ok("subscribe", channel=ch)
            hub.publish(ch, "before")
            await a.wait_messages(1, channel=ch)
            assert_empty_ok(await a.ok("unsubscribe", channel=ch))
            hub.publish(ch, "after")
            await w.wait_messages(2, channel=ch)
            await a.barrier(hub)
            assert [m["data"] for m in a.messages_for(ch)] == ["before"]
            # Not subscribed any more (or never): still {}.
            assert_empty_ok(await a.ok("unsubscribe", channel=ch))
            assert_empty_ok(await a.ok("unsubscribe", channel=uniq("chat:never")))
            # Subscribing again works.
            r = await a.ok("subscribe", channel=ch)
            assert r["offset"] == 2, r
        finally:
            await close_all([a, w])
    arun(main())


def test_double_subscribe_409_keeps_single_subscription(hub):
    async def main():
        ch = uniq("chat:dbl")
        a = await WsClient.connect(hub.port)
        try:
            await a.ok("subscribe", channel=ch)
            r = await a.err(409, "subscribe", channel=ch)
            assert r["id"] is not None
            hub.publish(ch, "once")
            await a.wait_messages(1, channel=ch)
            await a.barrier(hub)
            assert len(a.messages_for(ch)) == 1, a.messages_for(ch)
            assert_empty_ok(await a.ok("ping"))
        finally:
            await a.close()
    arun(main())


# ---------------------------------------------------------------------------
# history / presence / ping
# ---------------------------------------------------------------------------

def test_history_limit_and_since(hub):
    async def main():
        ch = uniq("chat:hist")
        c = await WsClient.connect(hub.port)
        try:
            epoch = None
            for i in range(1, 6):
                epoch = hub.publish(ch, {"n": i})["epoch"]
            h = await c.ok("history", channel=ch)
            assert h["epoch"] == epoch and h["offset"] == 5, h
            assert [m["data"]["n"] for m in h["messages"]] == [1, 2, 3, 4, 5]
            for m in h["messages"]:
                assert_message(m, ch, {"n": m["offset"]}, epoch=epoch)

            h = await c.ok("history", channel=ch, limit=3)
            assert [m["offset"] for m in h["messages"]] == [3, 4, 5], "latest `limit` messages"

            h = await c.ok("history", channel=ch, limit=2, since={"epoch": epoch, "offset": 1})
            assert [m["offset"] for m in h["messages"]] == [2, 3], "first `limit` after since"

            h = await c.ok("history", channel=ch, since={"epoch": epoch, "offset": 3})
            assert [m["offset"] for m in h["messages"]] == [4, 5]

            h = await c.ok("history", channel=ch, limit=0)
            assert h["messages"] == [] and h["offset"] == 5, h

            other = "0000000000000000" if epoch != "0000000000000000" else "1111111111111111"
            h = await c.ok("history", channel=ch, limit=2, since={"epoch": other, "offset": 3})
            assert [m["offset"] for m in h["messages"]] == [1, 2], \
                f"non-matching epoch gives the oldest retained: {h}"

            await c.err(400, "history", channel=ch, limit=-1)
            empty = await c.ok("history", channel=uniq("chat:empty"))
            assert empty["messages"] == [] and empty["offset"] == 0, empty
        finally:
            await c.close()
    arun(main())


def test_history_capped_at_namespace_history_size(hub):
    async def main():
        ch = uniq("small:cap")
        c = await WsClient.connect(hub.port)
        try:
            for i in range(1, 9):
                hub.publish(ch, i)
            h = await c.ok("history", channel=ch, limit=100)
            assert [m["offset"] for m in h["messages"]] == [4, 5, 6, 7, 8], h
            assert h["offset"] == 8
        finally:
            await c.close()
    arun(main())


def test_presence_lists_subscribers(hub):
    async def main():
        ch = uniq("chat:pres")
        a = await WsClient.connect(hub.port, user="alice")
        b = await WsClient.connect(hub.port, user="bob")
        try:
            await a.ok("subscribe", channel=ch)
            await b.ok("subscribe", channel=ch)
            p = await a.ok("presence", channel=ch)
            got = sorted((x["client"], x["user"]) for x in p["clients"])
            assert got == sorted([(a.client_id, "alice"), (b.client_id, "bob")]), p
            await b.ok("unsubscribe", channel=ch)
            p = await a.ok("presence", channel=ch)
            assert [(x["client"], x["user"]) for x in p["clients"]] == [(a.client_id, "alice")], p
            await b.close()
            p = await a.ok("presence", channel=uniq("chat:nobody"))
            assert p["clients"] == [], p
        finally:
            await close_all([a, b])
    arun(main())


def test_presence_drops_disconnected_client(hub):
    async def main():
        ch = uniq("chat:presgone")
        a = await WsClient.connect(hub.port, user="alice")
        b = await WsClient.connect(hub.port, user="bob")
        try:
            await a.ok("subscribe", channel=ch)
            await b.ok("subscribe", channel=ch)
            await b.close()

            async def only_alice():
                p = await a.ok("presence", channel=ch)
                return [x["user"] for x in p["clients"]] == ["alice"]
            await async_poll(only_alice, 5, what="bob gone from presence after disconnecting")
        finally:
            await close_all([a, b])
    arun(main())


def test_history_and_presence_404_where_namespace_keeps_none(hub):
    async def main():
        ch = uniq("nohist:x")
        c = await WsClient.connect(hub.port)
        try:
            await c.ok("subscribe", channel=ch)
            await c.err(404, "history", channel=ch)
            await c.err(404, "presence", channel=ch)
            # Publishing and delivery still work there.
            await c.ok("publish", channel=ch, data=1)
            await c.wait_messages(1, channel=ch)
            assert_empty_ok(await c.ok("ping"))
        finally:
            await c.close()
    arun(main())


def test_ping_reply_is_empty(hub):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            assert_empty_ok(await c.ok("ping"))
        finally:
            await c.close()
    arun(main())


@pytest.mark.parametrize("rid", [0, 1, -5, 2 ** 53 + 1, 2 ** 63 - 1, -(2 ** 63)])
def test_id_echoed_exactly(hub, rid):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            text = '{"op":"ping","id":%d}' % rid
            r = await c.raw_op(text, id=rid)
            assert r["ok"] is True and r["id"] == rid, r
            assert re.search(r'"id"\s*:\s*%d[,}]' % rid, c.raw_replies[rid]), c.raw_replies[rid]
        finally:
            await c.close()
    arun(main())


def test_refresh_without_jwt_is_400(hub):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            await c.err(400, "refresh", token="x.y.z")
            assert_empty_ok(await c.ok("ping"))
        finally:
            await c.close()
    arun(main())


# ---------------------------------------------------------------------------
# 400: malformed ops; the connection stays usable
# ---------------------------------------------------------------------------

NOID_BAD = {
    "bad_json": '{"op":"ping","id":1',
    "bad_json_trailing_garbage": '{"op":"ping","id":1} x',
    "not_object_array": '[{"op":"ping","id":1}]',
    "not_object_string": '"ping"',
    "not_object_number": "42",
    "not_object_null": "null",
    "id_missing": '{"op":"ping"}',
    "id_string": '{"op":"ping","id":"7"}',
    "id_float": '{"op":"ping","id":1.5}',
    "id_null": '{"op":"ping","id":null}',
    "id_above_int64": '{"op":"ping","id":9223372036854775808}',
    "id_huge": '{"op":"ping","id":123456789012345678901234567890}',
}


@pytest.mark.parametrize("name", sorted(NOID_BAD))
def test_malformed_without_readable_id(hub, name):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            r = await c.raw_op(NOID_BAD[name])
            assert r["ok"] is False and r["error"]["code"] == 400, r
            assert isinstance(r["error"]["message"], str) and r["error"]["message"], r
            assert "id" not in r, f"no readable id: the reply must not carry one: {r}"
            assert_empty_ok(await c.ok("ping"))
            assert c.close_code is None
        finally:
            await c.close()
    arun(main())


WITHID_BAD = {
    "op_missing": '{"id":%d}',
    "op_number": '{"op":5,"id":%d}',
    "op_unknown": '{"op":"frobnicate","id":%d}',
    "op_wrong_case": '{"op":"PING","id":%d}',
    "subscribe_no_channel": '{"op":"subscribe","id":%d}',
    "subscribe_channel_number": '{"op":"subscribe","id":%d,"channel":5}',
    "subscribe_channel_null": '{"op":"subscribe","id":%d,"channel":null}',
    "subscribe_since_string": '{"op":"subscribe","id":%d,"channel":"chat:w","since":"abc"}',
    "subscribe_since_offset_string":
        '{"op":"subscribe","id":%d,"channel":"chat:w","since":{"epoch":"e","offset":"3"}}',
    "subscribe_since_epoch_number":
        '{"op":"subscribe","id":%d,"channel":"chat:w","since":{"epoch":5,"offset":3}}',
    "subscribe_since_missing_offset":
        '{"op":"subscribe","id":%d,"channel":"chat:w","since":{"epoch":"e"}}',
    "unsubscribe_no_channel": '{"op":"unsubscribe","id":%d}',
    "publish_no_channel": '{"op":"publish","id":%d,"data":1}',
    "publish_no_data": '{"op":"publish","id":%d,"channel":"chat:w"}',
    "history_no_channel": '{"op":"history","id":%d}',
    "history_limit_string": '{"op":"history","id":%d,"channel":"chat:w","limit":"5"}',
    "history_limit_float": '{"op":"history","id":%d,"channel":"chat:w","limit":2.5}',
    "history_limit_negative": '{"op":"history","id":%d,"channel":"chat:w","limit":-1}',
    "presence_channel_list": '{"op":"presence","id":%d,"channel":["chat:w"]}',
    "refresh_no_token": '{"op":"refresh","id":%d}',
}


@pytest.mark.parametrize("name", sorted(WITHID_BAD))
def test_malformed_with_id_gets_400_with_id(hub, name):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            rid = 4242
            r = await c.raw_op(WITHID_BAD[name] % rid, id=rid)
            assert r["ok"] is False and r["error"]["code"] == 400, r
            assert isinstance(r["error"]["message"], str), r
            assert_empty_ok(await c.ok("ping"))
            assert not c.noid_replies, c.noid_replies
        finally:
            await c.close()
    arun(main())


INVALID_CHANNELS = {
    "empty": "",
    "256_bytes": "chat:" + "a" * 251,
    "star": "chat:a*",
    "star_alone": "*",
    "question": "chat:a?",
    "space": "chat:a b",
    "non_ascii": "chat:caf\u00e9",
    "newline": "chat:a\nb",
    "nul": "chat:a\u0000b",
    "bracket": "chat:[a]",
    "comma": "chat:a,b",
}


@pytest.mark.parametrize("name", sorted(INVALID_CHANNELS))
@pytest.mark.parametrize("op", ["subscribe", "publish", "history", "presence"])
def test_invalid_channel_names_400(hub, name, op):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            fields = {"channel": INVALID_CHANNELS[name]}
            if op == "publish":
                fields["data"] = 1
            await c.err(400, op, **fields)
            assert_empty_ok(await c.ok("ping"))
        finally:
            await c.close()
    arun(main())


def test_valid_channel_names_edge_cases(hub):
    async def main():
        names = ["chat:" + "b" * 250,                 # 255 bytes: the maximum
                 "x",                                 # 1 byte, default namespace
                 "chat:AZaz09_:.@=/-",                # every allowed character
                 "chat:" + uniq("u")]
        assert len(names[0].encode()) == 255
        c = await WsClient.connect(hub.port)
        try:
            for ch in names:
                await c.ok("subscribe", channel=ch)
                await c.ok("publish", channel=ch, data={"ch": ch})
                msgs = await c.wait_messages(1, channel=ch)
                assert msgs[-1]["data"] == {"ch": ch}
                await c.ok("unsubscribe", channel=ch)
        finally:
            await c.close()
    arun(main())


def test_unknown_fields_ignored_and_first_duplicate_key_wins(hub):
    async def main():
        c = await WsClient.connect(hub.port)
        first, second = uniq("chat:dupa"), uniq("chat:dupb")
        try:
            r = await c.raw_op('{"op":"ping","id":5,"future_field":{"x":[1,2]}}', id=5)
            assert r["ok"] is True, r
            r = await c.raw_op('{"op":"subscribe","id":6,"channel":"%s","channel":"%s"}'
                               % (first, second), id=6)
            assert r["ok"] is True, r
            hub.publish(second, "second")
            hub.publish(first, "first")
            msgs = await c.wait_messages(1, channel=first)
            await c.barrier(hub)
            assert c.messages_for(second) == [], "the first occurrence of a key counts"
            assert msgs[0]["data"] == "first"
        finally:
            await c.close()
    arun(main())


def test_deeply_nested_json_does_not_break_the_connection(hub):
    """10k-deep nesting: a reply (ok, or 400 with or without the id when the
    parser gives up before reading it), never a hang, a close or a crash."""
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            for rid, nested in [(9, "[" * 10000 + "]" * 10000),
                                (10, '{"a":' * 10000 + "1" + "}" * 10000),
                                (11, "[" * 60000)]:
                fut = c._expect(rid)
                before = len(c.noid_replies)
                await c.send('{"op":"ping","id":%d,"x":%s}' % (rid, nested))
                await async_wait_until(lambda: fut.done() or len(c.noid_replies) > before, 10,
                                       what=f"a reply to the deeply nested op {rid}")
                r = fut.result() if fut.done() else c.noid_replies[before]
                assert r.get("ok") is True or r["error"]["code"] == 400, r
                c._pending.pop(rid, None)
            assert_empty_ok(await c.ok("ping"))
            status, body = hub.api("GET", "/healthz")
            assert status == 200, body
        finally:
            await c.close()
    arun(main())


# ---------------------------------------------------------------------------
# 403 / 413 / 429
# ---------------------------------------------------------------------------

def test_client_publish_403_without_allow_client_publish(server_factory):
    config = STANDARD_CONFIG + "\n[namespaces.open]\nallow_client_publish = true\n"
    srv = server_factory(args=["--allow-anonymous", "--api-key", "k"], config=config, dev=False)

    async def main():
        c = await WsClient.connect(srv.port)
        try:
            await c.err(403, "publish", channel="closed:x", data=1)
            await c.err(403, "publish", channel="plain", data=1)
            await c.err(403, "publish", channel="nohist:x", data=1)
            r = await c.ok("publish", channel="open:x", data=1)
            assert r["offset"] == 1, r
            r = await c.ok("publish", channel="chat:x", data=2)
            assert r["offset"] == 1, r
            assert_empty_ok(await c.ok("ping"))
        finally:
            await c.close()
    arun(main())


def test_publish_413_over_max_publish_size(hub):
    # hub runs with --max-publish-size 4096; the limit is on data's JSON bytes.
    async def main():
        ch = uniq("chat:big")
        c = await WsClient.connect(hub.port)
        try:
            await c.ok("subscribe", channel=ch)
            at_limit = "a" * 4094            # "aaa..." is 4096 bytes of JSON
            over = "a" * 4095                # 4097 bytes
            r = await c.ok("publish", channel=ch, data=at_limit)
            assert r["offset"] == 1
            await c.err(413, "publish", channel=ch, data=over)
            await c.err(413, "publish", channel=ch, data={"k": "x" * 10000})
            assert_empty_ok(await c.ok("ping"))
            await c.barrier(hub)
            assert [m["offset"] for m in c.messages_for(ch)] == [1], "rejected data was delivered"
        finally:
            await c.close()
    arun(main())


def test_channel_limit_429(hub):
    # hub runs with --max-channels-per-connection 10.
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            chans = [uniq("chat:lim") for _ in range(11)]
            for ch in chans[:10]:
                await c.ok("subscribe", channel=ch)
            await c.err(429, "subscribe", channel=chans[10])
            await c.ok("unsubscribe", channel=chans[0])
            await c.ok("subscribe", channel=chans[10])
            await c.err(429, "subscribe", channel=chans[0])
            assert_empty_ok(await c.ok("ping"))
        finally:
            await c.close()
    arun(main())


def test_op_rate_limit_429_then_recovers(server_factory):
    srv = server_factory(args=["--client-op-rate", "5", "--client-op-burst", "5"])

    async def main():
        c = await WsClient.connect(srv.port)
        try:
            replies = await c.batch([{"op": "ping"} for _ in range(20)])
            codes = [None if r["ok"] else r["error"]["code"] for r in replies]
            assert all(r["ok"] for r in replies[:5]), f"burst of 5 must pass: {codes}"
            assert codes.count(429) >= 10, f"expected rate limiting: {codes}"
            assert set(codes) <= {None, 429}, codes

            async def ping_ok():
                r = await c.op("ping")
                return r["ok"]
            await async_poll(ping_ok, 4, interval=0.25, what="rate limit to refill")
            assert c.close_code is None
        finally:
            await c.close()
    arun(main())


def test_op_abuse_closes_1008(server_factory):
    srv = server_factory(args=["--client-op-rate", "5", "--client-op-burst", "5",
                               "--client-abuse-limit", "20"])

    async def main():
        c = await WsClient.connect(srv.port)
        try:
            await c.send("\n".join(json.dumps({"op": "ping", "id": i}) for i in range(1, 61)))
            code, _ = await c.wait_closed(timeout=5)
            assert code == 1008, f"expected close 1008 after repeated rate limiting, got {code}"
        finally:
            await c.close()
    arun(main())


# ---------------------------------------------------------------------------
# Batching: several ops in one frame
# ---------------------------------------------------------------------------

def test_several_ops_in_one_frame_in_order(hub):
    async def main():
        ch = uniq("chat:batch")
        c = await WsClient.connect(hub.port, user="batcher")
        try:
            ops = [{"op": "subscribe", "channel": ch, "id": 101},
                   {"op": "publish", "channel": ch, "data": {"n": 1}, "id": 102},
                   {"op": "history", "channel": ch, "id": 103},
                   {"op": "presence", "channel": ch, "id": 104},
                   {"op": "ping", "id": 105},
                   {"op": "unsubscribe", "channel": ch, "id": 106},
                   {"op": "publish", "channel": ch, "data": {"n": 2}, "id": 107}]
            replies = await c.batch(ops)
            assert all(r["ok"] for r in replies), replies
            assert [r["id"] for r in replies] == list(range(101, 108))
            await c.barrier(hub)
            problems = []
            order = [i for i in c.reply_order if i is not None and 101 <= i <= 107]
            if order != list(range(101, 108)):
                problems.append(f"replies out of order: {order}")
            if replies[0]["offset"] != 0:
                problems.append(f"subscribe: {replies[0]}")
            if replies[1]["offset"] != 1:
                problems.append(f"publish: {replies[1]}")
            if [m["data"] for m in replies[2]["messages"]] != [{"n": 1}]:
                problems.append(f"history must see the publish before it: {replies[2]}")
            if [x["client"] for x in replies[3]["clients"]] != [c.client_id]:
                problems.append(f"presence must see the subscribe before it: {replies[3]}")
            if replies[6]["offset"] != 2:
                problems.append(f"second publish: {replies[6]}")
            if [m["data"] for m in c.messages_for(ch)] != [{"n": 1}]:
                problems.append(f"subscribed for {{n:1}} only, got {c.messages_for(ch)}")
            status, body = await hub.aapi("GET", "/api/channels")
            if any(x["channel"] == ch for x in body["channels"]):
                problems.append(f"still subscribed after the unsubscribe in the frame: {body}")
            assert not problems, "ops in one frame not handled in order:\n" + "\n".join(problems)
        finally:
            await c.close()
    arun(main())


def test_batch_with_crlf_empty_lines_and_trailing_newline(hub):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            text = ('{"op":"ping","id":1}\r\n\r\n\n{"op":"ping","id":2}\r\n'
                    '{"op":"ping","id":3}\n')
            futs = [c._expect(i) for i in (1, 2, 3)]
            await c.send(text)
            for i, f in zip((1, 2, 3), futs):
                r = await c._await_reply(f, i, 10, "ping")
                assert r["ok"] is True, r
            assert_empty_ok(await c.ok("ping"))
            assert c.noid_replies == [], f"empty lines must be ignored: {c.noid_replies}"
        finally:
            await c.close()
    arun(main())


def test_batch_with_a_bad_line_in_the_middle(hub):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            text = '{"op":"ping","id":1}\n{"op":"ping","id":\n{"op":"ping","id":3}'
            f1, f3 = c._expect(1), c._expect(3)
            await c.send(text)
            assert (await c._await_reply(f1, 1, 10, "ping"))["ok"] is True
            assert (await c._await_reply(f3, 3, 10, "ping"))["ok"] is True
            await async_wait_until(lambda: c.noid_replies, 5)
            assert c.noid_replies[0]["error"]["code"] == 400
            assert c.reply_order[-3:] == [1, None, 3], c.reply_order
        finally:
            await c.close()
    arun(main())


# ---------------------------------------------------------------------------
# data is forwarded byte-for-byte
# ---------------------------------------------------------------------------

RAW_DATA = ('{"b":1,  "a":[1,2.50,"\\u00e9"],"big":123456789012345678901234567890,'
            ' "neg":-0.0E+10 ,"s":"x\\u0000y\\r\\nz\\"q\\\\\\/","n":{"d":{"e":[[],{}, null,'
            'true]}},"u":"\u00e9\u4e2d\U0001F600"}')

RAW_SCALARS = ["123456789012345678901234567890", "1e400", "-0", "2.50", '"\\ud83d\\ude00"',
               "[ ]", "{ }", "null", "true"]


def data_slice_in(raw_line, data_text):
    return re.search(r'"data"\s*:\s*' + re.escape(data_text) + r"\s*[,}]", raw_line)


def test_data_byte_for_byte_from_ws_publish(hub):
    async def main():
        ch = uniq("chat:raw")
        sub = await WsClient.connect(hub.port)
        pub = await WsClient.connect(hub.port)
        try:
            await sub.ok("subscribe", channel=ch)
            text = '{"op":"publish","id":77,"channel":"%s","data":%s}' % (ch, RAW_DATA)
            r = await pub.raw_op(text, id=77)
            assert r["ok"] is True, r
            await sub.wait_messages(1, channel=ch)
            raw = sub.raw_messages[-1]
            assert data_slice_in(raw, RAW_DATA), \
                f"data was re-encoded.\nsent:     {RAW_DATA}\nreceived: {raw}"
            # History returns the same bytes.
            h = await sub.op("history", channel=ch, id=78)
            assert h["ok"], h
            assert RAW_DATA in sub.raw_replies[78], sub.raw_replies[78]
        finally:
            await close_all([sub, pub])
    arun(main())


def test_data_byte_for_byte_from_api_publish(hub):
    async def main():
        ch = uniq("chat:rawapi")
        sub = await WsClient.connect(hub.port)
        try:
            await sub.ok("subscribe", channel=ch)
            body = '{"channel":"%s",  "data":%s}' % (ch, RAW_DATA)
            status, resp = await hub.aapi("POST", "/api/publish", body)
            assert status == 200, resp
            await sub.wait_messages(1, channel=ch)
            assert data_slice_in(sub.raw_messages[-1], RAW_DATA), sub.raw_messages[-1]
        finally:
            await sub.close()
    arun(main())


@pytest.mark.parametrize("scalar", RAW_SCALARS)
def test_data_scalars_byte_for_byte(hub, scalar):
    async def main():
        ch = uniq("chat:scalar")
        c = await WsClient.connect(hub.port)
        try:
            await c.ok("subscribe", channel=ch)
            r = await c.raw_op('{"op":"publish","id":5,"channel":"%s","data":%s}' % (ch, scalar),
                               id=5)
            assert r["ok"] is True, r
            await c.wait_messages(1, channel=ch)
            assert data_slice_in(c.raw_messages[-1], scalar), \
                f"sent data {scalar}, received {c.raw_messages[-1]}"
        finally:
            await c.close()
    arun(main())
