"""Recovery with `subscribe` + `since` (PROTOCOL.md section 4, docs/PROTOCOL.md
"Client operations" and "Messages")."""

import asyncio
import threading

from wshub_harness import WsClient, arun, async_wait_until, close_all, uniq


def other_epoch(epoch):
    return "0000000000000000" if epoch != "0000000000000000" else "1111111111111111"


def test_recover_after_unsubscribe_then_live_without_gap(hub):
    async def main():
        ch = uniq("chat:rec")
        a = await WsClient.connect(hub.port)
        try:
            r = await a.ok("subscribe", channel=ch)
            epoch = r["epoch"]
            for i in range(1, 4):
                hub.publish(ch, {"n": i})
            msgs = await a.wait_messages(3, channel=ch)
            last = msgs[-1]
            assert last["offset"] == 3
            await a.ok("unsubscribe", channel=ch)
            for i in range(4, 8):
                hub.publish(ch, {"n": i})
            r = await a.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": last["offset"]})
            assert r["recovered"] is True, r
            assert r["epoch"] == epoch and r["offset"] == 7, r
            rec = r["messages"]
            assert [m["offset"] for m in rec] == [4, 5, 6, 7], rec
            for m in rec:
                assert m["type"] == "message" and m["channel"] == ch and m["epoch"] == epoch, m
                assert m["data"] == {"n": m["offset"]}, m
            for i in range(8, 11):
                hub.publish(ch, {"n": i})
            live = await a.wait_messages(6, channel=ch)
            assert [m["offset"] for m in live] == [1, 2, 3, 8, 9, 10], \
                "live delivery after recovery must continue without gap or duplicate"
        finally:
            await a.close()
    arun(main())


def test_recover_after_disconnect_on_new_connection(hub):
    async def main():
        ch = uniq("chat:recdc")
        a = await WsClient.connect(hub.port, user="u")
        r = await a.ok("subscribe", channel=ch)
        epoch = r["epoch"]
        hub.publish(ch, "m1")
        hub.publish(ch, "m2")
        await a.wait_messages(2, channel=ch)
        await a.close()
        for i in range(3, 7):
            hub.publish(ch, f"m{i}")
        b = await WsClient.connect(hub.port, user="u")
        try:
            r = await b.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 2})
            assert r["recovered"] is True, r
            assert [m["data"] for m in r["messages"]] == ["m3", "m4", "m5", "m6"], r
        finally:
            await b.close()
    arun(main())


def test_recover_at_boundary_while_publishing_concurrently(hub):
    """Publications keep coming while the client resubscribes: recovered + live
    must be exactly every offset after since, once, in order."""
    async def main():
        ch = uniq("chat:recrace")
        a = await WsClient.connect(hub.port)
        try:
            epoch = (await a.ok("subscribe", channel=ch))["epoch"]
            for i in range(1, 6):
                hub.publish(ch, i)
            await a.wait_messages(5, channel=ch)
            await a.ok("unsubscribe", channel=ch)
            mark = len(a.messages)
            for i in range(6, 11):
                hub.publish(ch, i)

            published = []
            stop = threading.Event()

            def publisher():
                for i in range(11, 81):
                    if stop.is_set():
                        return
                    published.append(hub.publish(ch, i)["offset"])
            t = asyncio.get_running_loop().run_in_executor(None, publisher)
            try:
                await async_wait_until(lambda: len(published) >= 5, 10)
                rid = a.next_id()
                r = await a.op("subscribe", id=rid, channel=ch,
                               since={"epoch": epoch, "offset": 5})
                assert r["ok"] and r["recovered"] is True, r
                await t
            finally:
                stop.set()
            await async_wait_until(lambda: any(m["offset"] == 80 for m in a.messages_for(ch)), 10,
                                   what="the last live message")
            at_reply = a.msgs_before_reply[rid]
            between = [m for m in a.messages[mark:at_reply] if m["channel"] == ch]
            assert between == [], f"messages for {ch} arrived before the subscribe reply: {between}"
            recovered = [m["offset"] for m in r["messages"]]
            live = [m["offset"] for m in a.messages[at_reply:] if m["channel"] == ch]
            seq = recovered + live
            assert seq == list(range(6, 81)), \
                f"gap or duplicate: recovered {recovered}, live {live}"
            assert [m["data"] for m in r["messages"]] == recovered
        finally:
            await a.close()
    arun(main())


def test_recover_nothing_missed(hub):
    async def main():
        ch = uniq("chat:recnone")
        c = await WsClient.connect(hub.port)
        try:
            p = hub.publish(ch, 1)
            r = await c.ok("subscribe", channel=ch, since={"epoch": p["epoch"], "offset": 1})
            assert r["recovered"] is True and r["messages"] == [], r
            # since offset 0 with the right epoch recovers everything.
            await c.ok("unsubscribe", channel=ch)
            r = await c.ok("subscribe", channel=ch, since={"epoch": p["epoch"], "offset": 0})
            assert r["recovered"] is True and [m["data"] for m in r["messages"]] == [1], r
        finally:
            await c.close()
    arun(main())


def test_recover_wrong_epoch_false(hub):
    async def main():
        ch = uniq("chat:recep")
        c = await WsClient.connect(hub.port)
        try:
            epoch = None
            for i in range(3):
                epoch = hub.publish(ch, i)["epoch"]
            r = await c.ok("subscribe", channel=ch, since={"epoch": other_epoch(epoch), "offset": 1})
            assert r["recovered"] is False, r
            assert "messages" not in r, r
            assert r["epoch"] == epoch and r["offset"] == 3, r
            # Still subscribed: live messages arrive.
            hub.publish(ch, "live")
            msgs = await c.wait_messages(1, channel=ch)
            assert msgs[0]["data"] == "live" and msgs[0]["offset"] == 4
        finally:
            await c.close()
    arun(main())


def test_recover_offset_beyond_latest_false(hub):
    async def main():
        ch = uniq("chat:recbeyond")
        c = await WsClient.connect(hub.port)
        try:
            epoch = hub.publish(ch, 1)["epoch"]
            hub.publish(ch, 2)
            r = await c.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 9})
            assert r["recovered"] is False and "messages" not in r, r
        finally:
            await c.close()
    arun(main())


def test_recover_beyond_small_history_false_and_within_true(hub):
    # Namespace `small` keeps 5 messages.
    async def main():
        ch = uniq("small:rec")
        c = await WsClient.connect(hub.port)
        try:
            epoch = (await c.ok("subscribe", channel=ch))["epoch"]
            hub.publish(ch, 1)
            hub.publish(ch, 2)
            await c.wait_messages(2, channel=ch)
            await c.ok("unsubscribe", channel=ch)
            for i in range(3, 13):          # 10 missed: 3..12, history keeps 8..12
                hub.publish(ch, i)
            r = await c.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 2})
            assert r["recovered"] is False and "messages" not in r, r
            assert r["offset"] == 12, r
            await c.ok("unsubscribe", channel=ch)
            r = await c.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 7})
            assert r["recovered"] is True, f"history still covers 8..12: {r}"
            assert [m["data"] for m in r["messages"]] == [8, 9, 10, 11, 12], r
            await c.ok("unsubscribe", channel=ch)
            r = await c.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 6})
            assert r["recovered"] is False, f"offset 7 is no longer retained: {r}"
        finally:
            await c.close()
    arun(main())


def test_recover_in_namespace_without_history_false(hub):
    async def main():
        ch = uniq("nohist:rec")
        c = await WsClient.connect(hub.port)
        w = await WsClient.connect(hub.port)
        try:
            r = await w.ok("subscribe", channel=ch)
            epoch = r["epoch"]
            hub.publish(ch, 1)
            await w.wait_messages(1, channel=ch)
            r = await c.ok("subscribe", channel=ch, since={"epoch": epoch, "offset": 0})
            assert r["recovered"] is False, r
        finally:
            await close_all([c, w])
    arun(main())
