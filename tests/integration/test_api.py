"""The server API (PROTOCOL.md section 6, docs/PROTOCOL.md "Server API")."""

import os
import re
import select
import socket
import time

import pytest

from wshub_harness import (STANDARD_CONFIG, WsClient, arun, async_wait_until, close_all,
                           parse_http_head, uniq, wait_until)


def assert_error_shape(status, body, code):
    assert status == code, f"expected HTTP {code}, got {status} {body}"
    assert isinstance(body, dict) and set(body) == {"error"}, f"error shape: {body!r}"
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body


# ---------------------------------------------------------------------------
# publish / broadcast
# ---------------------------------------------------------------------------

def test_api_publish(hub):
    async def main():
        ch = uniq("chat:apipub")
        c = await WsClient.connect(hub.port)
        try:
            await c.ok("subscribe", channel=ch)
            status, body = await hub.aapi("POST", "/api/publish", {"channel": ch, "data": {"a": 1}})
            assert status == 200, body
            assert body["offset"] == 1 and isinstance(body["epoch"], str), body
            m = (await c.wait_messages(1, channel=ch))[0]
            assert m["data"] == {"a": 1} and m["offset"] == 1 and m["epoch"] == body["epoch"]
        finally:
            await c.close()
    arun(main())


def test_api_publish_errors(hub):
    assert_error_shape(*hub.api("POST", "/api/publish", '{"channel":"x","data":'), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", "[1,2]"), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", {"data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", {"channel": "x"}), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", {"channel": 5, "data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", {"channel": "bad*", "data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", {"channel": "a" * 256, "data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/publish", {"channel": "", "data": 1}), 400)
    # hub has --max-publish-size 4096
    assert_error_shape(*hub.api("POST", "/api/publish", {"channel": "chat:x",
                                                         "data": "a" * 5000}), 413)


def test_api_broadcast_results_per_channel(hub):
    async def main():
        a_ch, b_ch = uniq("chat:bca"), uniq("chat:bcb")
        c = await WsClient.connect(hub.port)
        try:
            await c.ok("subscribe", channel=a_ch)
            await c.ok("subscribe", channel=b_ch)
            hub.publish(b_ch, "earlier")
            status, body = await hub.aapi("POST", "/api/broadcast",
                                          {"channels": [a_ch, "bad channel*", b_ch],
                                           "data": {"all": True}})
            assert status == 200, body
            res = body["results"]
            assert [r["channel"] for r in res] == [a_ch, "bad channel*", b_ch], res
            assert res[0]["offset"] == 1 and isinstance(res[0]["epoch"], str), res
            assert "error" not in res[0]
            assert "error" in res[1] and "offset" not in res[1], res
            err = res[1]["error"]
            if isinstance(err, dict):
                assert err.get("code") == 400, err
            assert res[2]["offset"] == 2, res
            await c.wait_messages(1, channel=a_ch)
            await c.wait_messages(2, channel=b_ch)
            assert c.messages_for(a_ch)[0]["data"] == {"all": True}
            assert c.messages_for(b_ch)[1]["data"] == {"all": True}
        finally:
            await c.close()
    arun(main())


def test_api_broadcast_errors(hub):
    assert_error_shape(*hub.api("POST", "/api/broadcast", {"data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/broadcast", {"channels": "chat:x", "data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/broadcast", {"channels": ["chat:x"]}), 400)
    assert_error_shape(*hub.api("POST", "/api/broadcast", {"channels": ["chat:x"],
                                                           "data": "a" * 5000}), 413)
    status, body = hub.api("POST", "/api/broadcast",
                           {"channels": [f"chat:many{i}" for i in range(1001)], "data": 1})
    assert status in (400, 413), f"more than 1000 channels must be refused: {status}"
    assert_error_shape(status, body, status)


# ---------------------------------------------------------------------------
# send / disconnect
# ---------------------------------------------------------------------------

def test_api_send_to_client_and_user(hub):
    async def main():
        alice = await WsClient.connect(hub.port, user=uniq("alice"))
        user_b = uniq("bob")
        bob1 = await WsClient.connect(hub.port, user=user_b)
        bob2 = await WsClient.connect(hub.port, user=user_b)
        try:
            status, body = await hub.aapi("POST", "/api/send",
                                          {"client": alice.client_id, "data": {"k": 1}})
            assert status == 200 and body == {"delivered": 1}, (status, body)
            p = (await alice.wait_pushes(1))[0]
            assert p == {"type": "push", "data": {"k": 1}}, p
            assert "channel" not in p

            status, body = await hub.aapi("POST", "/api/send", {"user": user_b, "data": [1, "two"]})
            assert status == 200 and body == {"delivered": 2}, (status, body)
            for b in (bob1, bob2):
                assert (await b.wait_pushes(1))[0] == {"type": "push", "data": [1, "two"]}

            status, body = await hub.aapi("POST", "/api/send", {"user": uniq("nobody"), "data": 1})
            assert status == 200 and body == {"delivered": 0}, (status, body)
            status, body = await hub.aapi("POST", "/api/send", {"client": "c-nonexistent",
                                                                "data": 1})
            assert status == 200 and body == {"delivered": 0}, (status, body)

            await alice.barrier(hub)
            assert len(alice.pushes) == 1
            assert len(bob1.pushes) == 1 and len(bob2.pushes) == 1
        finally:
            await close_all([alice, bob1, bob2])
    arun(main())


def test_api_send_errors(hub):
    assert_error_shape(*hub.api("POST", "/api/send", {"data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/send", {"client": "c-x"}), 400)
    assert_error_shape(*hub.api("POST", "/api/send", {"client": 5, "data": 1}), 400)
    assert_error_shape(*hub.api("POST", "/api/send", "{"), 400)


def test_api_disconnect_client_default_code_4002(hub):
    async def main():
        a = await WsClient.connect(hub.port)
        b = await WsClient.connect(hub.port)
        try:
            status, body = await hub.aapi("POST", "/api/disconnect", {"client": a.client_id})
            assert status == 200 and body == {"disconnected": 1}, (status, body)
            code, _ = await a.wait_closed(5)
            assert code == 4002, code
            assert (await b.ok("ping"))["ok"] and b.close_code is None
        finally:
            await close_all([a, b])
    arun(main())


def test_api_disconnect_user_with_code_and_reason(hub):
    async def main():
        user = uniq("dc")
        a = await WsClient.connect(hub.port, user=user)
        b = await WsClient.connect(hub.port, user=user)
        other = await WsClient.connect(hub.port, user=uniq("other"))
        try:
            status, body = await hub.aapi("POST", "/api/disconnect",
                                          {"user": user, "code": 4321, "reason": "bye now"})
            assert status == 200 and body == {"disconnected": 2}, (status, body)
            for c in (a, b):
                code, reason = await c.wait_closed(5)
                assert (code, reason) == (4321, "bye now"), (code, reason)
            assert (await other.ok("ping"))["ok"]
            status, body = await hub.aapi("POST", "/api/disconnect", {"user": user})
            assert status == 200 and body == {"disconnected": 0}, (status, body)
        finally:
            await close_all([a, b, other])
    arun(main())


def test_api_disconnect_code_1000(hub):
    async def main():
        a = await WsClient.connect(hub.port)
        try:
            status, body = await hub.aapi("POST", "/api/disconnect",
                                          {"client": a.client_id, "code": 1000})
            assert status == 200 and body == {"disconnected": 1}, body
            assert (await a.wait_closed(5))[0] == 1000
        finally:
            await a.close()
    arun(main())


@pytest.mark.parametrize("extra", [{"code": 3000}, {"code": 1001}, {"code": 5000},
                                   {"code": "4002"}, {"reason": "r" * 124}, {"reason": 5}])
def test_api_disconnect_invalid_code_or_reason_400(hub, extra):
    async def main():
        a = await WsClient.connect(hub.port)
        try:
            body = {"client": a.client_id}
            body.update(extra)
            assert_error_shape(*(await hub.aapi("POST", "/api/disconnect", body)), 400)
            assert (await a.ok("ping"))["ok"], "a refused disconnect must not disconnect"
        finally:
            await a.close()
    arun(main())


def test_api_disconnect_reason_at_123_bytes(hub):
    async def main():
        a = await WsClient.connect(hub.port)
        try:
            reason = "\u00e9" * 61 + "x"            # 123 bytes of UTF-8
            assert len(reason.encode()) == 123
            status, body = await hub.aapi("POST", "/api/disconnect",
                                          {"client": a.client_id, "reason": reason})
            assert status == 200, body
            assert await a.wait_closed(5) == (4002, reason)
        finally:
            await a.close()
    arun(main())


# ---------------------------------------------------------------------------
# history / presence / channels / info
# ---------------------------------------------------------------------------

def test_api_history(hub):
    ch = uniq("chat:apihist")
    epoch = None
    for i in range(1, 6):
        epoch = hub.publish(ch, {"n": i})["epoch"]
    status, body = hub.api("POST", "/api/history", {"channel": ch})
    assert status == 200, body
    assert body["epoch"] == epoch and body["offset"] == 5
    assert [m["data"]["n"] for m in body["messages"]] == [1, 2, 3, 4, 5]
    for m in body["messages"]:
        assert m["type"] == "message" and m["channel"] == ch and m["epoch"] == epoch, m
    status, body = hub.api("POST", "/api/history", {"channel": ch, "limit": 2})
    assert [m["offset"] for m in body["messages"]] == [4, 5], body
    status, body = hub.api("POST", "/api/history",
                           {"channel": ch, "limit": 2, "since": {"epoch": epoch, "offset": 1}})
    assert [m["offset"] for m in body["messages"]] == [2, 3], body
    assert_error_shape(*hub.api("POST", "/api/history", {"channel": uniq("nohist:h")}), 404)
    assert_error_shape(*hub.api("POST", "/api/history", {"limit": 2}), 400)
    assert_error_shape(*hub.api("POST", "/api/history", {"channel": ch, "limit": -1}), 400)


def test_api_presence(hub):
    async def main():
        ch = uniq("chat:apipres")
        a = await WsClient.connect(hub.port, user="ann")
        b = await WsClient.connect(hub.port, user="ben")
        try:
            await a.ok("subscribe", channel=ch)
            await b.ok("subscribe", channel=ch)
            status, body = await hub.aapi("POST", "/api/presence", {"channel": ch})
            assert status == 200, body
            got = sorted((x["client"], x["user"]) for x in body["clients"])
            assert got == sorted([(a.client_id, "ann"), (b.client_id, "ben")]), body
            assert_error_shape(*(await hub.aapi("POST", "/api/presence",
                                                {"channel": uniq("nohist:p")})), 404)
            assert_error_shape(*(await hub.aapi("POST", "/api/presence", {})), 400)
        finally:
            await close_all([a, b])
    arun(main())


def test_api_channels_and_info_counts(server_factory):
    srv = server_factory(config=STANDARD_CONFIG)

    async def main():
        clients = [await WsClient.connect(srv.port, user=f"u{i}") for i in range(4)]
        try:
            for c in clients[:3]:
                await c.ok("subscribe", channel="chat:a")
            await clients[3].ok("subscribe", channel="chat:b")
            await clients[0].ok("subscribe", channel="chat:b")
            status, body = await srv.aapi("GET", "/api/channels")
            assert status == 200, body
            got = {x["channel"]: x["subscribers"] for x in body["channels"]}
            assert got == {"chat:a": 3, "chat:b": 2}, body

            status, info = await srv.aapi("GET", "/api/info")
            assert status == 200, info
            assert len(info["instances"]) == 1, info
            inst = info["instances"][0]
            assert inst["id"] == clients[0].welcome["instance"], inst
            assert inst["connections"] == 4 and inst["subscriptions"] == 5, inst
            assert "started_at" in inst and inst["address"], inst
            assert set(inst["counters"]) == {"publications_total", "messages_in_total",
                                             "messages_out_total", "slow_consumer_closes_total"}, inst
            # 4 welcomes and 5 subscribe replies at least; 5 subscribe ops in.
            assert inst["counters"]["messages_out_total"] >= 9, inst
            assert inst["counters"]["messages_in_total"] >= 5, inst

            await clients[3].ok("unsubscribe", channel="chat:b")
            await clients[0].close()

            def settled():
                _, b = srv.api("GET", "/api/channels")
                return {x["channel"]: x["subscribers"] for x in b["channels"]} == {"chat:a": 2}
            await async_wait_until(settled, 5, interval=0.05,
                                   what="chat:b gone once its last subscriber left")
            _, info = await srv.aapi("GET", "/api/info")
            inst = info["instances"][0]
            assert inst["connections"] == 3 and inst["subscriptions"] == 2, inst
        finally:
            await close_all(clients)
    arun(main())


def test_healthz_readyz(hub):
    assert hub.api("GET", "/healthz") == (200, {"status": "ok"})
    assert hub.api("GET", "/readyz") == (200, {"status": "ready"})


# ---------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------

METRIC_NAMES = ["wshub_connections", "wshub_subscriptions", "wshub_channels",
                "wshub_messages_in_total", "wshub_messages_out_total", "wshub_bytes_in_total",
                "wshub_bytes_out_total", "wshub_slow_consumer_closes_total",
                "wshub_send_queue_bytes"]


def test_metrics_exposition(server_factory):
    srv = server_factory(config=STANDARD_CONFIG)

    async def main():
        a = await WsClient.connect(srv.port)
        b = await WsClient.connect(srv.port)
        try:
            before = srv.metrics()
            await a.ok("subscribe", channel="chat:m")
            await b.ok("subscribe", channel="chat:m")
            await b.ok("subscribe", channel="chat:n")
            await a.ok("publish", channel="chat:m", data={"x": 1})
            srv.publish("chat:m", {"x": 2})
            await a.wait_messages(2, channel="chat:m")
            await b.wait_messages(2, channel="chat:m")

            r = srv.request("GET", "/metrics")
            assert r.status == 200
            assert r.headers.get("content-type", "").startswith("text/plain"), r.headers
            text = r.text
            for name in METRIC_NAMES + ["wshub_delivery_latency_seconds"]:
                assert re.search(rf"^# TYPE {name} \w+$", text, re.M), f"no TYPE line for {name}"
            assert re.search(r"^# TYPE wshub_delivery_latency_seconds histogram$", text, re.M)
            buckets = re.findall(r'^wshub_delivery_latency_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\}'
                                 r"\s+(\S+)$", text, re.M)
            assert len(buckets) >= 3 and buckets[-1][0] == "+Inf", buckets
            counts = [float(v) for _, v in buckets]
            assert counts == sorted(counts), "histogram buckets must be cumulative"
            m = srv.metrics()
            assert m["wshub_delivery_latency_seconds_count"] >= 1
            assert m["wshub_delivery_latency_seconds_count"] == counts[-1]
            assert "wshub_delivery_latency_seconds_sum" in m

            assert srv.metric("wshub_connections") == 2
            assert srv.metric("wshub_subscriptions") == 3
            assert srv.metric("wshub_channels") == 2
            assert srv.metric("wshub_slow_consumer_closes_total") == 0
            assert srv.metric("wshub_send_queue_bytes") >= 0
            for name in ("wshub_messages_in_total", "wshub_messages_out_total",
                         "wshub_bytes_in_total", "wshub_bytes_out_total"):
                old = sum(v for k, v in before.items() if k == name or k.startswith(name + "{"))
                assert srv.metric(name) > old, f"{name} did not grow with traffic"
            assert srv.metric("wshub_messages_out_total") >= \
                sum(v for k, v in before.items() if k.startswith("wshub_messages_out_total")) + 4
        finally:
            await close_all([a, b])
        wait_until(lambda: srv.metric("wshub_connections") == 0, 5)
        assert srv.metric("wshub_subscriptions") == 0
        assert srv.metric("wshub_channels") == 0
    arun(main())


def proc_status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def close_wait_sockets(pid):
    """The process's TCP sockets whose peer has closed and that it has not closed yet."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            count += sum(1 for line in f if line.split()[3] == "08" and line.split()[9] in inodes)  # 08: CLOSE_WAIT
    return count


def test_process_and_heap_metrics_match_the_process(server_factory):
    srv = server_factory()
    # The readiness probe's connection is closed by the client; the server
    # closes its end when it reads that. Counted before and gone after, it
    # would hide one of the descriptors the connections below must add.
    wait_until(lambda: close_wait_sockets(srv.pid) == 0, 5, what="the start-up connections closed")
    m = srv.metrics()
    rss_kb = proc_status_kb(srv.pid, "VmRSS")
    assert abs(m["process_resident_memory_bytes"] / 1024 - rss_kb) <= rss_kb * 0.2, (m, rss_kb)
    assert m["process_virtual_memory_bytes"] >= m["process_resident_memory_bytes"]
    # /metrics counted the connection it was asked on, closed since.
    fds = len(os.listdir(f"/proc/{srv.pid}/fd"))
    assert fds <= m["process_open_fds"] <= fds + 1, (m, fds)
    with open(f"/proc/{srv.pid}/limits") as f:
        soft = next(int(line.split()[3]) for line in f if line.startswith("Max open files"))
    assert m["process_max_fds"] == soft
    started = os.stat(f"/proc/{srv.pid}").st_mtime  # close to the process's start
    assert abs(m["process_start_time_seconds"] - started) < 30, (m["process_start_time_seconds"], started)
    assert m["process_start_time_seconds"] <= time.time()
    assert m["process_cpu_seconds_total"] > 0
    for state in ("in_use", "free", "unmapped"):
        assert f'wshub_heap_bytes{{state="{state}"}}' in m, state
    heap_before = m['wshub_heap_bytes{state="in_use"}']
    assert heap_before > 0

    async def main():
        clients = [await WsClient.connect(srv.port) for _ in range(100)]
        try:
            for i, c in enumerate(clients):
                await c.ok("subscribe", channel=f"heap:{i}")
            after = srv.metrics()
            # Every connection and subscription holds heap memory (its session,
            # buffers, the channel entry), and one descriptor.
            assert after['wshub_heap_bytes{state="in_use"}'] >= heap_before + 100 * 500, (heap_before, after)
            assert after["process_open_fds"] >= m["process_open_fds"] + 100, after
            assert after["process_cpu_seconds_total"] >= m["process_cpu_seconds_total"]
        finally:
            await close_all(clients)
    arun(main())
    wait_until(lambda: srv.metric("process_open_fds") <= m["process_open_fds"], 5)


# ---------------------------------------------------------------------------
# HTTP-level errors
# ---------------------------------------------------------------------------

def test_api_unknown_path_404(hub):
    assert_error_shape(*hub.api("GET", "/api/nope"), 404)
    assert_error_shape(*hub.api("POST", "/api/nope", {}), 404)
    status, _ = hub.api("GET", "/nope")
    assert status == 404


@pytest.mark.parametrize("method,path", [("GET", "/api/publish"), ("PUT", "/api/publish"),
                                         ("DELETE", "/api/send"), ("POST", "/api/channels"),
                                         ("POST", "/api/info"), ("GET", "/api/history")])
def test_api_wrong_method_405(hub, method, path):
    body = {} if method in ("POST", "PUT") else None
    assert_error_shape(*hub.api(method, path, body), 405)


def post_oversized(port, path, size):
    """POSTs size bytes; returns the response status. Tolerates a server that
    answers (and closes) before the body is fully sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {size}\r\n\r\n").encode()
        s.sendall(head)
        readable, _, _ = select.select([s], [], [], 0.5)
        if not readable:
            body = b'{"channel":"chat:x","data":"' + b"a" * (size - 30) + b'"}'
            body = body[:size].ljust(size, b" ")
            try:
                s.sendall(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        assert b"\r\n\r\n" in buf, f"no response to an oversized body: {buf[:100]!r}"
        return parse_http_head(buf.split(b"\r\n\r\n", 1)[0])[0]


def test_api_body_too_large_413(hub):
    assert post_oversized(hub.port, "/api/publish", 1024 * 1024 + 4096) == 413
    assert hub.api("GET", "/healthz")[0] == 200


def test_api_body_just_under_limit_accepted(hub):
    # Just under api_max_body_size (1 MiB): accepted (whitespace is valid JSON).
    status, body = hub.api("POST", "/api/history",
                           '{"channel":"chat:x"' + " " * (1024 * 1024 - 30) + "}")
    assert status == 200, body


# ---------------------------------------------------------------------------
# API key
# ---------------------------------------------------------------------------

def test_api_key_required_outside_dev(server_factory):
    srv = server_factory(args=["--allow-anonymous", "--api-key", "k"], dev=False)
    assert_error_shape(*srv.api("GET", "/api/info"), 401)
    assert_error_shape(*srv.api("GET", "/api/info", key="wrong"), 401)
    assert_error_shape(*srv.api("GET", "/api/info", headers={"Authorization": "Bearer k"}), 401)
    assert_error_shape(*srv.api("POST", "/api/publish", {"channel": "x", "data": 1}), 401)
    status, body = srv.api("GET", "/api/info", key="k")
    assert status == 200 and len(body["instances"]) == 1, body
    status, body = srv.api("POST", "/api/publish", {"channel": "x", "data": 1}, key="k")
    assert status == 200 and body["offset"] == 1, body


def test_api_disabled_without_api_key_outside_dev(server_factory):
    srv = server_factory(args=["--allow-anonymous"], dev=False)
    for method, path, body in [("GET", "/api/info", None), ("GET", "/api/channels", None),
                               ("POST", "/api/publish", {"channel": "x", "data": 1})]:
        status, resp = srv.api(method, path, body)
        assert_error_shape(status, resp, 403)
        assert "api_key" in resp["error"]["message"], resp
        status, resp = srv.api(method, path, body, key="anything")
        assert_error_shape(status, resp, 403)
