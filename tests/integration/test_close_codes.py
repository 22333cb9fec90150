"""Close codes for bad frames and keepalive (PROTOCOL.md sections 1 and 5,
HARDENING.md "Frames")."""

import asyncio
import struct
import time

import pytest

from wshub_harness import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_TEXT, RawWs, Server,
                           WsClient, arun, encode_frame)


@pytest.fixture(scope="module")
def small_hub(tmp_path_factory):
    srv = Server(args=["--max-message-size", "1024"], workdir=tmp_path_factory.mktemp("close"))
    srv.start()
    yield srv
    status, _ = srv.api("GET", "/healthz")
    assert status == 200, "the server must survive every bad frame"
    srv.close()


def open_raw(srv):
    c = RawWs(srv.port)
    c.read_welcome()
    return c


def expect_close(c, codes, timeout=5):
    res = c.read_until_close(timeout=timeout)
    assert res.code in codes, \
        f"expected close {codes}, got {res.code} (eof without close frame: {res.eof})"
    return res


def test_binary_frame_1003(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_BINARY, b'{"op":"ping","id":1}')
        expect_close(c, {1003})
    finally:
        c.close()


@pytest.mark.parametrize("payload", [b'{"op":"ping","id":1,"x":"\xff\xfe"}',
                                     b'{"x":"\xc3"}',                 # truncated sequence
                                     b'{"x":"\xed\xa0\x80"}',         # UTF-16 surrogate
                                     b'{"x":"\xc0\xaf"}'],            # overlong encoding
                         ids=["ff_fe", "truncated", "surrogate", "overlong"])
def test_invalid_utf8_1007(small_hub, payload):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_TEXT, payload)
        expect_close(c, {1007})
    finally:
        c.close()


def test_invalid_utf8_across_fragments_1007(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_TEXT, b'{"x":"\xc3', fin=False)
        c.send_frame(OP_CONT, b'("}', fin=True)   # 0xC3 followed by a non-continuation byte
        expect_close(c, {1007})
    finally:
        c.close()


def test_valid_utf8_split_across_fragments_is_accepted(small_hub):
    c = open_raw(small_hub)
    try:
        text = '{"op":"ping","id":7,"x":"\u00e9\U0001F600"}'.encode()
        cut = text.index(b"\xc3") + 1                # in the middle of the two-byte é
        cut2 = text.index(b"\xf0") + 2               # in the middle of the emoji
        c.send_frame(OP_TEXT, text[:cut], fin=False)
        c.send_frame(OP_CONT, text[cut:cut2], fin=False)
        c.send_frame(OP_PING, b"interleaved control frame")
        c.send_frame(OP_CONT, text[cut2:], fin=True)
        r = c.recv_reply(7)
        assert r["ok"] is True, r
    finally:
        c.close()


def test_message_too_big_1009(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_text('{"op":"ping","id":1,"pad":"%s"}' % ("a" * 2000))
        expect_close(c, {1009})
    finally:
        c.close()


def test_message_too_big_across_fragments_1009(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_TEXT, b'{"op":"ping","id":1,"pad":"' + b"a" * 500, fin=False)
        c.send_frame(OP_CONT, b"a" * 500, fin=False)
        c.send_frame(OP_CONT, b"a" * 500, fin=False)
        c.send_frame(OP_CONT, b'"}', fin=True)
        expect_close(c, {1009})
    finally:
        c.close()


def test_message_at_limit_accepted(small_hub):
    c = open_raw(small_hub)
    try:
        head, tail = '{"op":"ping","id":3,"pad":"', '"}'
        text = head + "a" * (1024 - len(head) - len(tail)) + tail
        assert len(text) == 1024
        c.send_text(text)
        assert c.recv_reply(3)["ok"] is True
    finally:
        c.close()


def test_huge_declared_length_refused_without_allocation(small_hub):
    c = open_raw(small_hub)
    try:
        # 64-bit length with the top bit set; the payload never comes.
        frame = bytes([0x81, 0xFF]) + struct.pack("!Q", 0x8000000000000000 | 2 ** 40) + b"abcd"
        c.send_bytes(frame)
        expect_close(c, {1002, 1009})
        c2 = open_raw(small_hub)
        c2.send_bytes(bytes([0x81, 0xFF]) + struct.pack("!Q", 2 ** 40) + b"abcd")
        expect_close(c2, {1009})
        c2.close()
    finally:
        c.close()


PROTOCOL_VIOLATIONS = {
    "unmasked": lambda c: c.send_frame(OP_TEXT, b'{"op":"ping","id":1}', mask=False),
    "rsv1": lambda c: c.send_frame(OP_TEXT, b'{"op":"ping","id":1}', rsv=4),
    "rsv2": lambda c: c.send_frame(OP_TEXT, b'{"op":"ping","id":1}', rsv=2),
    "rsv3": lambda c: c.send_frame(OP_TEXT, b'{"op":"ping","id":1}', rsv=1),
    "opcode_3": lambda c: c.send_frame(0x3, b"x"),
    "opcode_7": lambda c: c.send_frame(0x7, b"x"),
    "opcode_B": lambda c: c.send_frame(0xB, b"x"),
    "opcode_F": lambda c: c.send_frame(0xF, b""),
    "ping_over_125": lambda c: c.send_frame(OP_PING, b"p" * 126),
    "fragmented_ping": lambda c: c.send_frame(OP_PING, b"p", fin=False),
    "continuation_without_start": lambda c: c.send_frame(OP_CONT, b'{"op":"ping"}'),
    "new_message_inside_fragmented": lambda c: (
        c.send_frame(OP_TEXT, b'{"op":"ping",', fin=False),
        c.send_frame(OP_TEXT, b'{"op":"ping","id":1}')),
    "close_code_999": lambda c: c.send_frame(OP_CLOSE, struct.pack("!H", 999)),
    "close_code_1005": lambda c: c.send_frame(OP_CLOSE, struct.pack("!H", 1005)),
    "close_code_1006": lambda c: c.send_frame(OP_CLOSE, struct.pack("!H", 1006)),
    "close_code_1015": lambda c: c.send_frame(OP_CLOSE, struct.pack("!H", 1015)),
    "close_code_5000": lambda c: c.send_frame(OP_CLOSE, struct.pack("!H", 5000)),
    "close_payload_1_byte": lambda c: c.send_frame(OP_CLOSE, b"\x03"),
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_VIOLATIONS))
def test_protocol_violation_1002(small_hub, name):
    c = open_raw(small_hub)
    try:
        PROTOCOL_VIOLATIONS[name](c)
        expect_close(c, {1002})
    finally:
        c.close()


CLOSE_TRIGGERS = {
    1002: lambda c: c.send_frame(0x3, b"x"),
    1003: lambda c: c.send_frame(OP_BINARY, b'{"op":"ping","id":1}'),
    1007: lambda c: c.send_frame(OP_TEXT, b'{"x":"\xc3"}'),
    1009: lambda c: c.send_text('{"op":"ping","id":1,"pad":"%s"}' % ("a" * 2000)),
}


@pytest.mark.parametrize("code", sorted(CLOSE_TRIGGERS))
def test_protocol_closes_are_counted_by_code(small_hub, code):
    def counts():
        m = small_hub.metrics()
        return {k: m.get(f'wshub_protocol_closes_total{{code="{k}"}}') for k in CLOSE_TRIGGERS}
    before = counts()
    assert None not in before.values(), f"every code is always exposed: {before}"
    c = open_raw(small_hub)
    try:
        CLOSE_TRIGGERS[code](c)
        expect_close(c, {code})
    finally:
        c.close()
    after = counts()
    assert after == {**before, code: before[code] + 1}, (before, after)


def test_close_reason_invalid_utf8_1007(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_CLOSE, struct.pack("!H", 1000) + b"\xff\xfe")
        expect_close(c, {1007})
    finally:
        c.close()


def test_client_close_is_echoed(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_CLOSE, struct.pack("!H", 1000) + b"bye")
        res = c.read_until_close(timeout=5, echo_close=False)
        assert res.code == 1000, res
        assert c.wait_eof(5) < 5
    finally:
        c.close()


def test_ping_answered_with_pong(small_hub):
    c = open_raw(small_hub)
    try:
        c.send_frame(OP_PING, b"hello")
        f = c.recv_frame(5)
        while f.opcode == OP_TEXT:
            f = c.recv_frame(5)
        assert f.opcode == 0xA and f.payload == b"hello", f
        assert not f.masked, "server frames must not be masked"
    finally:
        c.close()


def test_malformed_op_does_not_close(small_hub):
    c = open_raw(small_hub)
    try:
        for _ in range(20):
            c.send_text("not json")
        c.send_json({"op": "ping", "id": 99})
        assert c.recv_reply(99)["ok"] is True
    finally:
        c.close()


# ---------------------------------------------------------------------------
# keepalive
# ---------------------------------------------------------------------------

def test_keepalive_4003_for_silent_client_others_stay(server_factory):
    srv = server_factory(args=["--ping-interval", "1"])

    def silent_client():
        c = RawWs(srv.port, path="/ws?user=silent")
        t0 = time.monotonic()
        try:
            welcome = c.read_welcome()
            res = c.read_until_close(timeout=6, answer_pings=False)
            return welcome, res, time.monotonic() - t0
        finally:
            c.close()

    def app_ping_client():
        """Never answers WebSocket pings, but sends an app-level ping op every
        0.5 s: any frame counts as traffic."""
        c = RawWs(srv.port, path="/ws?user=appping")
        c.answer_pings = False
        try:
            c.read_welcome()
            t0 = time.monotonic()
            n = 0
            while time.monotonic() - t0 < 4.0:
                n += 1
                c.send_json({"op": "ping", "id": n})
                r = c.recv_reply(n, timeout=2)
                assert r["ok"] is True, r
                deadline = time.monotonic() + 0.5
                while deadline - time.monotonic() > 0:
                    try:
                        f = c.recv_frame(deadline - time.monotonic())
                    except TimeoutError:
                        break
                    assert f.opcode != OP_CLOSE, f"app-ping client closed: {f.payload!r}"
            return n
        finally:
            c.close()

    async def main():
        good = await WsClient.connect(srv.port, user="good")   # websockets answers pings
        try:
            assert good.welcome["ping_interval"] == 1
            silent = asyncio.to_thread(silent_client)
            app = asyncio.to_thread(app_ping_client)
            t0 = time.monotonic()
            (welcome, res, elapsed), pings_sent = await asyncio.gather(silent, app)
            assert res.code == 4003, f"silent client: expected 4003, got {res.code} eof={res.eof}"
            assert 1.8 <= elapsed <= 3.5, f"closed after {elapsed:.2f}s; expected 2-2.2 s"
            assert res.pings >= 1, "the server sends WebSocket pings every ping_interval"
            assert pings_sent >= 6
            while time.monotonic() - t0 < 4.0:
                assert (await good.ok("ping"))["ok"]
                await asyncio.sleep(0.5)
            assert good.close_code is None, "a client answering pings must stay connected"
        finally:
            await good.close()
    arun(main())
