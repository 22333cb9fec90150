"""RFC 6455 conformance of wshub's own frame layer, driven by a raw-socket
client: for every bad input the exact close code the server sends, and that
it then closes the TCP connection; plus the handshake answers
(HARDENING.md "Handshake" and "Frames", PROTOCOL.md section 5)."""

import struct
import time

import pytest

from wshub_harness import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, RawWs, Server,
                           accept_for, encode_frame, handshake_request, http_exchange, parse_http_head,
                           scaled)

MAX_MESSAGE = 1024


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    srv = Server(args=["--max-message-size", str(MAX_MESSAGE)], workdir=tmp_path_factory.mktemp("rfc6455"))
    srv.start()
    yield srv
    status, _ = srv.api("GET", "/healthz")
    assert status == 200, "the server must survive every bad frame"
    srv.close()


def open_raw(srv, path="/ws?user=rfc"):
    c = RawWs(srv.port, path=path)
    c.read_welcome()
    return c


def assert_closed_with(c, code, timeout=5):
    """Reads up to the server's close frame, checks its code, answers it,
    and waits until the server has closed the TCP connection."""
    res = c.read_until_close(timeout=timeout, echo_close=True)
    assert not res.eof, "the TCP connection ended without a close frame"
    assert res.code == code, f"expected close {code}, got {res.code} {res.reason!r}"
    assert c.wait_eof(timeout) < scaled(timeout), "TCP connection still open after the close"
    return res


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


# name -> (frames to send, expected close code)
BAD_FRAMES = {
    "unmasked_text": ([encode_frame(OP_TEXT, b'{"op":"ping","id":1}', mask=False)], 1002),
    "unmasked_ping": ([encode_frame(OP_PING, b"x", mask=False)], 1002),
    "rsv1": ([encode_frame(OP_TEXT, b'{"op":"ping","id":1}', rsv=4)], 1002),
    "rsv2": ([encode_frame(OP_TEXT, b'{"op":"ping","id":1}', rsv=2)], 1002),
    "rsv3": ([encode_frame(OP_TEXT, b'{"op":"ping","id":1}', rsv=1)], 1002),
    "rsv_on_continuation": ([encode_frame(OP_TEXT, b"{", fin=False), encode_frame(OP_CONT, b"}", rsv=4)], 1002),
    "opcode_3": ([encode_frame(0x3, b"x")], 1002),
    "opcode_7": ([encode_frame(0x7, b"x")], 1002),
    "opcode_B": ([encode_frame(0xB, b"x")], 1002),
    "opcode_F": ([encode_frame(0xF, b"")], 1002),
    "ping_126_bytes": ([encode_frame(OP_PING, b"p" * 126)], 1002),
    "close_126_bytes": ([encode_frame(OP_CLOSE, close_payload(1000, b"r" * 124))], 1002),
    "fragmented_ping": ([encode_frame(OP_PING, b"p", fin=False)], 1002),
    "fragmented_close": ([encode_frame(OP_CLOSE, close_payload(1000), fin=False)], 1002),
    "continuation_without_start": ([encode_frame(OP_CONT, b'{"op":"ping"}')], 1002),
    "text_inside_fragmented": ([encode_frame(OP_TEXT, b'{"op":', fin=False),
                                encode_frame(OP_TEXT, b'{"op":"ping","id":1}')], 1002),
    "length_top_bit": ([bytes([0x81, 0xFF]) + struct.pack("!Q", 1 << 63) + b"abcd"], 1002),
    "close_1_byte": ([encode_frame(OP_CLOSE, b"\x03")], 1002),
    "close_code_0": ([encode_frame(OP_CLOSE, close_payload(0))], 1002),
    "close_code_999": ([encode_frame(OP_CLOSE, close_payload(999))], 1002),
    "close_code_1004": ([encode_frame(OP_CLOSE, close_payload(1004))], 1002),
    "close_code_1005": ([encode_frame(OP_CLOSE, close_payload(1005))], 1002),
    "close_code_1006": ([encode_frame(OP_CLOSE, close_payload(1006))], 1002),
    "close_code_1015": ([encode_frame(OP_CLOSE, close_payload(1015))], 1002),
    "close_code_1016": ([encode_frame(OP_CLOSE, close_payload(1016))], 1002),
    "close_code_2999": ([encode_frame(OP_CLOSE, close_payload(2999))], 1002),
    "close_code_5000": ([encode_frame(OP_CLOSE, close_payload(5000))], 1002),
    "close_code_65535": ([encode_frame(OP_CLOSE, close_payload(65535))], 1002),
    "close_reason_invalid_utf8": ([encode_frame(OP_CLOSE, close_payload(1000, b"\xff\xfe"))], 1007),
    "binary": ([encode_frame(OP_BINARY, b'{"op":"ping","id":1}')], 1003),
    "binary_fragmented": ([encode_frame(OP_BINARY, b'{"op":', fin=False)], 1003),
    "invalid_utf8": ([encode_frame(OP_TEXT, b'{"x":"\xff"}')], 1007),
    "invalid_utf8_split_across_fragments": ([encode_frame(OP_TEXT, b'{"x":"\xe2\x82', fin=False),
                                             encode_frame(OP_CONT, b'("}')], 1007),
    "truncated_utf8_at_message_end": ([encode_frame(OP_TEXT, b'{"x":"', fin=False),
                                       encode_frame(OP_CONT, b"\xf0\x9f\x98")], 1007),
    "oversized_message": ([encode_frame(OP_TEXT, b"a" * (MAX_MESSAGE + 1))], 1009),
    "oversized_across_fragments": ([encode_frame(OP_TEXT, b"a" * 600, fin=False),
                                    encode_frame(OP_CONT, b"a" * 600)], 1009),
    "huge_declared_length": ([bytes([0x81, 0xFF]) + struct.pack("!Q", 1 << 40) + b"abcd"], 1009),
}


@pytest.mark.parametrize("name", sorted(BAD_FRAMES))
def test_bad_frame_close_code(hub, name):
    frames, code = BAD_FRAMES[name]
    c = open_raw(hub)
    try:
        for f in frames:
            c.send_bytes(f)
        assert_closed_with(c, code)
    finally:
        c.close()


def test_frames_sent_with_the_handshake(hub):
    """Frames sent in the same packet as the upgrade request reach the frame
    parser too (bytes the HTTP layer had already read)."""
    req, key = handshake_request(hub.port, path="/ws?user=early")
    c = RawWs(hub.port, handshake=False)
    try:
        c.send_bytes(req + encode_frame(OP_TEXT, b'{"op":"ping","id":5}'))
        deadline = time.monotonic() + scaled(5)
        while b"\r\n\r\n" not in c.buf:
            c._recv_some(deadline)
        head, rest = bytes(c.buf).split(b"\r\n\r\n", 1)
        status, headers = parse_http_head(head)
        assert status == 101 and headers["sec-websocket-accept"] == accept_for(key), (status, headers)
        c.buf = bytearray(rest)
        assert c.recv_reply(5)["ok"] is True
        c.send_frame(OP_TEXT, b"x", mask=False)
        assert_closed_with(c, 1002)
    finally:
        c.close()


def test_ping_answered_with_same_payload(hub):
    c = open_raw(hub)
    try:
        for payload in (b"", b"hello", bytes(range(125))):
            c.send_frame(OP_PING, payload)
            f = c.recv_frame(5)
            while f.opcode == OP_TEXT:
                f = c.recv_frame(5)
            assert f.opcode == OP_PONG and f.payload == payload, f
            assert f.fin and not f.masked and f.rsv == 0
    finally:
        c.close()


def test_interleaved_control_frames_inside_fragmented_message(hub):
    c = open_raw(hub)
    try:
        text = b'{"op":"ping","id":11,"x":"\xc3\xa9\xf0\x9f\x98\x80"}'
        cut1 = text.index(b"\xc3") + 1
        cut2 = text.index(b"\xf0") + 3
        c.send_frame(OP_TEXT, text[:cut1], fin=False)
        c.send_frame(OP_PING, b"between")
        c.send_frame(OP_CONT, text[cut1:cut2], fin=False)
        c.send_frame(OP_PONG, b"unsolicited")
        c.send_frame(OP_CONT, b"", fin=False)
        c.send_frame(OP_CONT, text[cut2:], fin=True)
        pong = c.recv_frame(5)
        assert pong.opcode == OP_PONG and pong.payload == b"between", pong
        assert c.recv_reply(11)["ok"] is True
    finally:
        c.close()


def test_message_at_limit_in_many_fragments(hub):
    c = open_raw(hub)
    try:
        head, tail = b'{"op":"ping","id":12,"pad":"', b'"}'
        text = head + b"a" * (MAX_MESSAGE - len(head) - len(tail)) + tail
        assert len(text) == MAX_MESSAGE
        pieces = [text[i:i + 100] for i in range(0, len(text), 100)]
        c.send_bytes(b"".join(encode_frame(OP_TEXT if i == 0 else OP_CONT, p, fin=i == len(pieces) - 1)
                              for i, p in enumerate(pieces)))
        assert c.recv_reply(12)["ok"] is True
    finally:
        c.close()


def test_pipelined_messages_in_one_write(hub):
    c = open_raw(hub)
    try:
        c.send_bytes(b"".join(encode_frame(OP_TEXT, b'{"op":"ping","id":%d}' % i) for i in range(1, 201)))
        got = set()
        while len(got) < 200:
            for obj in c.recv_lines(5):
                if obj.get("type") == "reply":
                    got.add(obj["id"])
        assert got == set(range(1, 201))
    finally:
        c.close()


def test_big_message_over_many_reads(server_factory):
    srv = server_factory(args=["--max-message-size", "200000"])
    c = open_raw(srv)
    try:
        pad = "b" * 150000
        c.send_text('{"op":"ping","id":3,"pad":"%s"}' % pad)
        assert c.recv_reply(3)["ok"] is True
        c.send_json({"op": "ping", "id": 4})       # and the buffer works after shrinking
        assert c.recv_reply(4)["ok"] is True
    finally:
        c.close()


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1011, 1012, 3000, 4999])
def test_client_close_code_is_echoed_and_tcp_closed(hub, code):
    c = open_raw(hub)
    try:
        c.send_frame(OP_CLOSE, close_payload(code, b"bye"))
        res = c.read_until_close(timeout=5, echo_close=False)
        assert res.code == code, res
        assert c.wait_eof(5) < scaled(5)
    finally:
        c.close()


def test_empty_client_close_answered_with_empty_close(hub):
    c = open_raw(hub)
    try:
        c.send_frame(OP_CLOSE, b"")
        res = c.read_until_close(timeout=5, echo_close=False)
        assert res.code == 1005 and res.frames[-1].payload == b"", res   # 1005: no status in the frame
        assert c.wait_eof(5) < scaled(5)
    finally:
        c.close()


# ---------------------------------------------------------------------------
# handshake

def test_wrong_version_426(hub):
    for version in ("8", "12", "14", "13, 8"):
        req, _ = handshake_request(hub.port, version=version)
        status, headers, _ = http_exchange(hub.port, req)
        assert status == 426, (version, status)
        assert headers.get("sec-websocket-version") == "13", headers


@pytest.mark.parametrize("key", [None, "", "c2hvcnQ=", "not base64 at all!!!!!==", "dGhlIHNhbXBsZSBub25jZQ",
                                 "dGhlIHNhbXBsZSBub25jZR=="], ids=["missing", "empty", "short", "not_base64",
                                                                   "unpadded", "17th_byte"])
def test_missing_or_malformed_key_400(hub, key):
    if key is None:
        req, _ = handshake_request(hub.port, omit=("Sec-WebSocket-Key",))
    else:
        req, _ = handshake_request(hub.port, key=key)
    status, _, _ = http_exchange(hub.port, req)
    assert status == 400, (key, status)


def test_post_upgrade_refused(hub):
    req, _ = handshake_request(hub.port)
    req = req.replace(b"GET ", b"POST ", 1).replace(b"\r\n\r\n", b"\r\nContent-Length: 0\r\n\r\n")
    status, _, _ = http_exchange(hub.port, req)
    assert status == 426, status   # not 101: only GET upgrades


def test_oversized_headers_431(hub):
    req, _ = handshake_request(hub.port, extra=[("X-Pad", "v" * (40 * 1024))])
    try:
        status, _, _ = http_exchange(hub.port, req)
        assert status in (400, 431), status
    except (ConnectionResetError, BrokenPipeError):
        pass    # dropping the connection is acceptable; upgrading is not
    status, _ = hub.api("GET", "/healthz")
    assert status == 200


def test_no_extension_negotiated(hub):
    c = RawWs(hub.port, path="/ws?user=ext",
              extra_headers=[("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")])
    try:
        assert c.status == 101
        assert "sec-websocket-extensions" not in c.headers, c.headers
        assert c.headers["sec-websocket-accept"] == accept_for(c.key)
        c.read_welcome()
        # A compressed-looking frame (RSV1) is still a protocol error.
        c.send_frame(OP_TEXT, b"x", rsv=4)
        assert_closed_with(c, 1002)
    finally:
        c.close()
