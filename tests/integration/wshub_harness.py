"""Test harness for driving the real wshub binary: process control, an asyncio
WebSocket client (built on `websockets`), a raw-socket WebSocket client for
hand-made frames and handshakes, and small polling helpers.

Thread-safety: a Server may be used from any thread (its methods only read files
or open their own HTTP connections). A WsClient belongs to the event loop that
created it. A RawWs belongs to one thread at a time.
"""

import asyncio
import base64
import hashlib
import http.client
import itertools
import json
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse
from collections import namedtuple
from pathlib import Path

import websockets

REPO = Path(__file__).resolve().parents[2]
WSHUB_BIN = os.environ.get("WSHUB_BIN", str(REPO / "build" / "bin" / "wshub"))

# Multiplies generic waits (not the timing bounds a test asserts), so that a
# sanitizer build can run the same tests: WSHUB_TEST_TIMEOUT_SCALE=10.
TIMEOUT_SCALE = float(os.environ.get("WSHUB_TEST_TIMEOUT_SCALE", "1"))

# WSHUB_TEST_BROKER=redis: every server the suite starts without its own
# --broker gets a redis-server of its own (so instances of different tests do
# not form one hub): the whole suite then runs against the Redis broker.
OWN_REDIS = os.environ.get("WSHUB_TEST_BROKER") == "redis"

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

STANDARD_CONFIG = """
[namespaces.chat]
history_size = 100
history_ttl = 300
presence = true
allow_client_publish = true

[namespaces.nohist]
history_size = 0
presence = false

[namespaces.small]
history_size = 5
history_ttl = 300
presence = true
"""

_uniq_counter = itertools.count(1)


def uniq(prefix):
    """A channel/user name unique within this test run."""
    return f"{prefix}-{os.getpid()}-{next(_uniq_counter)}"


def scaled(seconds):
    return seconds * TIMEOUT_SCALE


def wait_until(predicate, timeout, interval=0.01, what=None):
    """Polls predicate until it returns a truthy value, which is returned.
    Raises AssertionError after timeout (scaled) seconds."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


async def async_wait_until(predicate, timeout, interval=0.01, what=None):
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        await asyncio.sleep(interval)


async def async_poll(afn, timeout, interval=0.02, what=None):
    """Like async_wait_until, with an async predicate (e.g. one that sends an op)."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = await afn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or afn}")
        await asyncio.sleep(interval)


def arun(coro, timeout=120):
    """Runs a coroutine to completion in a fresh event loop with an overall timeout."""
    async def guarded():
        return await asyncio.wait_for(coro, scaled(timeout))
    return asyncio.run(guarded())


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------

HttpResponse = namedtuple("HttpResponse", "status headers text json")


def parse_metrics(text):
    """Prometheus text -> {sample name with labels: value}."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)(?:\s+\d+)?$", line)
        if not m:
            continue
        try:
            out[m.group(1)] = float(m.group(2))
        except ValueError:
            pass
    return out


class Server:
    """One wshub process. Always killed at teardown by the fixture that made it."""

    live = []  # servers alive right now; their logs are attached to failure reports

    def __init__(self, args=(), env=None, config=None, dev=True, listen="127.0.0.1:0",
                 binary=None, workdir=None, prefix=()):
        self.args = list(args)
        self.prefix = list(prefix)  # a command that execs the rest (taskset, a cgroup join)
        self.env = dict(env or {})
        self.config = config
        self.dev = dev
        self.listen = listen
        self.binary = binary or WSHUB_BIN
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wshub-it-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.stdout_path = self.workdir / "stdout.log"
        self.stderr_path = self.workdir / "stderr.log"
        self.returncode = None
        self.redis = None  # the server's own redis-server under WSHUB_TEST_BROKER=redis
        self.tls = False   # the public listener speaks TLS (tls_cert_file set)
        self.ssl_context = None  # client context for request() when tls; set by the test

    # -- lifecycle ---------------------------------------------------------

    def command(self):
        cmd = self.prefix + [self.binary, "serve"]
        if self.dev:
            cmd.append("--dev")
        cmd += ["--listen", self.listen]
        if self.config is not None:
            path = self.workdir / "wshub.toml"
            path.write_text(self.config)
            cmd += ["--config", str(path)]
        cmd += self.args
        if self.redis is not None:
            cmd += ["--broker", self.redis.url]
        return cmd

    def wait_ready(self, timeout=10):
        """Waits until /readyz answers 200 (the broker is connected)."""
        return wait_until(lambda: self.api("GET", "/readyz")[0] == 200, timeout,
                          interval=0.02, what=f"/readyz 200 on port {self.port}")

    def start(self, timeout=10):
        if not os.path.exists(self.binary):
            raise AssertionError(f"wshub binary not found at {self.binary}; build it "
                                 f"(cmake --build build) or set WSHUB_BIN")
        if OWN_REDIS and "--broker" not in self.args and self.redis is None:
            from redis_harness import RedisServer
            self.redis = RedisServer(self.workdir / "redis").start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WSHUB_")}
        env.update(self.env)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, env=env, start_new_session=True)
        Server.live.append(self)
        deadline = time.monotonic() + scaled(timeout)
        while True:
            text = self.stdout_path.read_bytes().decode("utf-8", "replace")
            if "\n" in text:
                first = text.split("\n", 1)[0]
                m = re.fullmatch(r"wshub listening on (https?)://([0-9.]+):(\d+)\s*", first)
                if not m:
                    raise AssertionError(f"unexpected first stdout line: {first!r}\n"
                                         f"stderr:\n{self.stderr_tail()}")
                self.tls = m.group(1) == "https"
                self.host = m.group(2)
                self.port = int(m.group(3))
                if self.redis is not None:
                    self.wait_ready(timeout)
                return self
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(f"wshub exited with {rc} before listening: "
                                     f"{' '.join(self.command())}\nstderr:\n{self.stderr_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"wshub did not print its listening line within "
                                     f"{timeout}s\nstderr:\n{self.stderr_tail()}")
            time.sleep(0.01)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}/ws"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        """Exit code, or None if the process is still running after timeout."""
        try:
            self.returncode = self.proc.wait(timeout=max(0.0, timeout))
            return self.returncode
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self in Server.live:
            Server.live.remove(self)
        if self.redis is not None:
            self.redis.close()

    def stderr_text(self):
        try:
            return self.stderr_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr_tail(self, limit=12000):
        text = self.stderr_text()
        return text if len(text) <= limit else "...\n" + text[-limit:]

    # -- inspection --------------------------------------------------------

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    # -- HTTP --------------------------------------------------------------

    def request(self, method, path, body=None, key=None, headers=None, timeout=10):
        hdrs = dict(headers or {})
        data = body
        if body is not None and not isinstance(body, (bytes, str)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
            hdrs.setdefault("Content-Type", "application/json")
        if key is not None:
            hdrs["Authorization"] = f"apikey {key}"
        if self.tls:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=scaled(timeout),
                                               context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=scaled(timeout))
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            headers_out = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        return HttpResponse(resp.status, headers_out, text, parsed)

    def api(self, method, path, body=None, key=None, headers=None, timeout=10):
        """-> (status, parsed JSON, or the text when the body is not JSON)."""
        r = self.request(method, path, body=body, key=key, headers=headers, timeout=timeout)
        return r.status, (r.json if r.json is not None else r.text)

    async def aapi(self, *args, **kwargs):
        return await asyncio.to_thread(self.api, *args, **kwargs)

    def publish(self, channel, data, key=None):
        status, body = self.api("POST", "/api/publish", {"channel": channel, "data": data}, key=key)
        assert status == 200, f"/api/publish {channel}: {status} {body}"
        return body

    def metrics_text(self):
        r = self.request("GET", "/metrics")
        assert r.status == 200, f"/metrics: {r.status} {r.text[:200]}"
        return r.text

    def metrics(self):
        return parse_metrics(self.metrics_text())

    def metric(self, name):
        """Sum of every sample of a metric (all label sets); None when absent."""
        values = [v for k, v in self.metrics().items()
                  if k == name or k.startswith(name + "{")]
        return sum(values) if values else None


# --------------------------------------------------------------------------
# WebSocket client on `websockets`
# --------------------------------------------------------------------------

_AUTO = object()


class WsClient:
    """A protocol-aware client: reads the welcome, sends ops with automatic ids,
    routes replies by id and keeps messages and pushes in lists."""

    def __init__(self, ws):
        self.ws = ws
        self.welcome = None
        self.first_frame_type = None
        self.messages = []          # parsed `message` objects, arrival order
        self.raw_messages = []      # the raw line of each message
        self.pushes = []
        self.noid_replies = []      # replies without an id
        self.unexpected = []        # replies for ids nobody waits for, unknown types
        self.reply_order = []       # ids of replies in arrival order
        self.raw_replies = {}       # id -> raw line
        self.msgs_before_reply = {} # id -> len(messages) when the reply arrived
        self.errors = []            # unparsable lines, binary frames
        self.frames = 0
        self.lines = 0
        self._pending = {}
        self._ids = itertools.count(1)
        self._welcome_event = asyncio.Event()
        self.closed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())
        self._barrier_channel = None

    @classmethod
    async def connect(cls, port, user=None, query=None, headers=None, path="/ws",
                      timeout=10, read_welcome=True, ssl=None):
        """ssl: an ssl.SSLContext for wss://; None: ws://."""
        params = {}
        if user is not None:
            params["user"] = user
        params.update(query or {})
        url = f"{'wss' if ssl is not None else 'ws'}://127.0.0.1:{port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        ws = await asyncio.wait_for(
            websockets.connect(url, max_size=None, ping_interval=None, close_timeout=5,
                               extra_headers=headers, open_timeout=scaled(timeout),
                               **({"ssl": ssl} if ssl is not None else {})),
            scaled(timeout))
        client = cls(ws)
        if read_welcome:
            try:
                await asyncio.wait_for(client._welcome_event.wait(), scaled(timeout))
            except asyncio.TimeoutError:
                raise AssertionError("no welcome frame within %ss" % timeout) from None
        return client

    async def _read_loop(self):
        try:
            async for frame in self.ws:
                self.frames += 1
                if isinstance(frame, bytes):
                    self.errors.append(("binary frame", frame[:100]))
                    continue
                for line in frame.split("\n"):
                    if not line:
                        continue
                    self.lines += 1
                    try:
                        obj = json.loads(line)
                    except ValueError as e:
                        self.errors.append(("bad json", line[:200], str(e)))
                        continue
                    self._route(obj, line)
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001 - recorded for the test to see
            self.errors.append(("reader", repr(e)))
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(AssertionError(
                        f"connection closed ({self.ws.close_code} {self.ws.close_reason!r}) "
                        f"before the reply"))

    def _route(self, obj, line):
        kind = obj.get("type") if isinstance(obj, dict) else None
        if self.first_frame_type is None:
            self.first_frame_type = kind
        if kind == "welcome":
            self.welcome = obj
            self._welcome_event.set()
        elif kind == "reply":
            rid = obj.get("id", None)
            self.reply_order.append(rid)
            if rid is None:
                self.noid_replies.append(obj)
                return
            self.raw_replies[rid] = line
            self.msgs_before_reply[rid] = len(self.messages)
            fut = self._pending.pop(rid, None)
            if fut is not None and not fut.done():
                fut.set_result(obj)
            else:
                self.unexpected.append(obj)
        elif kind == "message":
            self.messages.append(obj)
            self.raw_messages.append(line)
        elif kind == "push":
            self.pushes.append(obj)
        else:
            self.unexpected.append(obj)

    # -- properties --------------------------------------------------------

    @property
    def client_id(self):
        return self.welcome["client"]

    @property
    def close_code(self):
        return self.ws.close_code

    @property
    def close_reason(self):
        return self.ws.close_reason

    def next_id(self):
        return next(self._ids)

    # -- sending -----------------------------------------------------------

    def _expect(self, rid):
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        return fut

    async def _await_reply(self, fut, rid, timeout, what):
        try:
            return await asyncio.wait_for(fut, scaled(timeout))
        except asyncio.TimeoutError:
            self._pending.pop(rid, None)
            raise AssertionError(f"no reply to {what} (id {rid}) within {timeout}s") from None

    async def op(self, op, id=_AUTO, timeout=10, **fields):
        """Sends one op in its own frame and returns its reply."""
        rid = self.next_id() if id is _AUTO else id
        msg = {"op": op, "id": rid}
        msg.update(fields)
        fut = self._expect(rid)
        await self.ws.send(json.dumps(msg))
        return await self._await_reply(fut, rid, timeout, op)

    async def ok(self, op, **fields):
        reply = await self.op(op, **fields)
        assert reply.get("ok") is True, f"{op} {fields}: expected ok, got {reply}"
        return reply

    async def err(self, code, op, **fields):
        reply = await self.op(op, **fields)
        assert reply.get("ok") is False, f"{op}: expected error {code}, got {reply}"
        assert reply.get("error", {}).get("code") == code, f"{op}: expected {code}, got {reply}"
        assert isinstance(reply["error"].get("message"), str), reply
        return reply

    async def raw_op(self, text, id=None, timeout=10):
        """Sends text as one frame. With id, returns that reply; without, returns
        the next reply that has no id."""
        if id is not None:
            fut = self._expect(id)
            await self.ws.send(text)
            return await self._await_reply(fut, id, timeout, text[:80])
        before = len(self.noid_replies)
        await self.ws.send(text)
        await async_wait_until(lambda: len(self.noid_replies) > before, timeout,
                               what=f"id-less reply to {text[:80]!r}")
        return self.noid_replies[before]

    async def batch(self, ops, sep="\n", timeout=10):
        """Sends several ops (dicts, ids filled in) in one frame; returns replies in op order."""
        futs = []
        lines = []
        for o in ops:
            o = dict(o)
            o.setdefault("id", self.next_id())
            futs.append((o["id"], self._expect(o["id"])))
            lines.append(json.dumps(o))
        await self.ws.send(sep.join(lines))
        return [await self._await_reply(f, rid, timeout, "batch") for rid, f in futs]

    async def send(self, data):
        await self.ws.send(data)

    # -- receiving ---------------------------------------------------------

    def messages_for(self, channel):
        return [m for m in self.messages if m.get("channel") == channel]

    async def wait_messages(self, n, channel=None, timeout=10):
        def got():
            return self.messages if channel is None else self.messages_for(channel)
        try:
            await async_wait_until(lambda: len(got()) >= n, timeout)
            return got()
        except AssertionError:
            got = len(self.messages if channel is None else self.messages_for(channel))
            raise AssertionError(f"expected {n} messages on {channel}, got {got} "
                                 f"(closed={self.closed.is_set()}, code={self.close_code})") from None

    async def wait_pushes(self, n, timeout=10):
        await async_wait_until(lambda: len(self.pushes) >= n, timeout, what=f"{n} pushes")
        return self.pushes

    async def wait_closed(self, timeout=10):
        try:
            await asyncio.wait_for(self.closed.wait(), scaled(timeout))
        except asyncio.TimeoutError:
            raise AssertionError(f"connection still open after {timeout}s") from None
        await self.ws.wait_closed()
        return self.ws.close_code, self.ws.close_reason

    async def barrier(self, server):
        """Returns once a publication made now through the API has reached this
        connection, so everything the API published before it has arrived too
        (a single instance delivers to one connection in publication order)."""
        if self._barrier_channel is None:
            self._barrier_channel = uniq("barrier")
            await self.ok("subscribe", channel=self._barrier_channel)
        before = len(self.messages_for(self._barrier_channel))
        await server.aapi("POST", "/api/publish",
                          {"channel": self._barrier_channel, "data": {"barrier": before}})
        await self.wait_messages(before + 1, channel=self._barrier_channel)

    async def close(self):
        await self.ws.close()
        try:
            await asyncio.wait_for(self._reader, scaled(10))
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass


async def connect_many(port, n, user=lambda i: f"user{i}", concurrency=50, **kwargs):
    sem = asyncio.Semaphore(concurrency)

    async def one(i):
        async with sem:
            return await WsClient.connect(port, user=user(i) if callable(user) else user, **kwargs)
    return await asyncio.gather(*(one(i) for i in range(n)))


async def close_all(clients):
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


# --------------------------------------------------------------------------
# Raw socket client (hand-made frames and handshakes)
# --------------------------------------------------------------------------

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

Frame = namedtuple("Frame", "fin rsv opcode payload masked")
CloseResult = namedtuple("CloseResult", "code reason frames texts pings eof")


def make_key():
    return base64.b64encode(os.urandom(16)).decode()


def accept_for(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def encode_frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)
    n = len(payload) if length is None else length
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        key = os.urandom(4)
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if len(payload) < 4096 \
            else _mask_fast(payload, key)
        return head + key + masked
    return head + payload


def _mask_fast(payload, key):
    n = len(payload)
    k = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")


def parse_http_head(data):
    """b'HTTP/1.1 101 ...\\r\\nA: b\\r\\n\\r\\n' -> (status, {lower name: value})."""
    head = data.decode("iso-8859-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


def handshake_request(port, path="/ws", key=_AUTO, version="13", extra=None, omit=()):
    key = make_key() if key is _AUTO else key
    headers = [("Host", f"127.0.0.1:{port}"), ("Upgrade", "websocket"),
               ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
               ("Sec-WebSocket-Version", version)]
    headers = [(k, v) for k, v in headers if k not in omit and v is not None]
    headers += list(extra or [])
    text = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return text.encode(), key


def http_exchange(port, request_bytes, timeout=5):
    """Sends raw bytes, reads one HTTP response (head and Content-Length body).
    -> (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(timeout)) as s:
        s.sendall(request_bytes)
        buf = b""
        deadline = time.monotonic() + scaled(timeout)
        while b"\r\n\r\n" not in buf:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed before a response head: {buf[:200]!r}")
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        status, headers = parse_http_head(head)
        length = int(headers.get("content-length", "0") or 0)
        while len(rest) < length:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, headers, rest[:length]


class RawWs:
    """A WebSocket client speaking frames by hand over a blocking socket."""

    def __init__(self, port, path="/ws?user=raw", rcvbuf=None, timeout=5, handshake=True,
                 extra_headers=None):
        self.port = port
        self.path = path
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(scaled(timeout))
        self.sock.connect(("127.0.0.1", port))
        self.buf = bytearray()
        self.status = None
        self.headers = None
        self.key = None
        self.welcome = None
        self.server_masked = False
        self.pings = 0
        self.answer_pings = True     # recv_lines/recv_reply answer server pings
        if handshake:
            self.handshake(path, extra=extra_headers)

    def handshake(self, path, extra=None, timeout=5):
        req, self.key = handshake_request(self.port, path, extra=extra)
        self.sock.sendall(req)
        deadline = time.monotonic() + scaled(timeout)
        while b"\r\n\r\n" not in self.buf:
            self._recv_some(deadline)
        idx = self.buf.index(b"\r\n\r\n")
        self.status, self.headers = parse_http_head(bytes(self.buf[:idx]))
        del self.buf[:idx + 4]
        assert self.status == 101, f"handshake to {path}: HTTP {self.status} {self.headers}"
        return self.status

    def _recv_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("raw ws: timed out")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(262144)
        if not chunk:
            raise EOFError("raw ws: connection closed by peer")
        self.buf += chunk

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            self._recv_some(deadline)

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
        self.sock.sendall(encode_frame(opcode, payload, fin=fin, mask=mask, rsv=rsv, length=length))

    def send_bytes(self, data):
        self.sock.sendall(data)

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode() if isinstance(text, str) else text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def send_close(self, code=1000, reason=b""):
        try:
            self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason)
        except OSError:
            pass

    def recv_frame(self, timeout=5):
        deadline = time.monotonic() + scaled(timeout)
        self._fill(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        fin, rsv, opcode = bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF
        masked, n, hdr = bool(b1 & 0x80), b1 & 0x7F, 2
        if n == 126:
            self._fill(4, deadline)
            n, hdr = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10, deadline)
            n, hdr = struct.unpack("!Q", self.buf[2:10])[0], 10
        key = None
        if masked:
            self.server_masked = True
            self._fill(hdr + 4, deadline)
            key = bytes(self.buf[hdr:hdr + 4])
            hdr += 4
        self._fill(hdr + n, deadline)
        payload = bytes(self.buf[hdr:hdr + n])
        del self.buf[:hdr + n]
        if key:
            payload = _mask_fast(payload, key) if payload else payload
        return Frame(fin, rsv, opcode, payload, masked)

    def recv_lines(self, timeout=5, answer_pings=None):
        """Next data frame's JSON objects (control frames are handled or skipped)."""
        deadline = time.monotonic() + scaled(timeout)
        while True:
            f = self.recv_frame(max(0.001, (deadline - time.monotonic()) / TIMEOUT_SCALE))
            if f.opcode == OP_PING:
                self.pings += 1
                if self.answer_pings if answer_pings is None else answer_pings:
                    self.send_frame(OP_PONG, f.payload)
                continue
            if f.opcode == OP_PONG:
                continue
            if f.opcode == OP_CLOSE:
                raise AssertionError(f"unexpected close {close_code_of(f.payload)}")
            if f.opcode == OP_TEXT:
                return [json.loads(line) for line in f.payload.decode().split("\n") if line]
            raise AssertionError(f"unexpected frame opcode {f.opcode}")

    def read_welcome(self, timeout=5):
        objs = self.recv_lines(timeout)
        assert objs and objs[0].get("type") == "welcome", objs
        self.welcome = objs[0]
        return self.welcome

    def recv_reply(self, rid, timeout=5):
        deadline = time.monotonic() + scaled(timeout)
        while True:
            for obj in self.recv_lines(max(0.001, (deadline - time.monotonic()) / TIMEOUT_SCALE)):
                if obj.get("type") == "reply" and obj.get("id") == rid:
                    return obj

    def read_until_close(self, timeout=5, answer_pings=False, echo_close=True):
        """Reads until a close frame or EOF. -> CloseResult(code, reason, frames,
        texts (parsed objects), pings, eof). code is None when the TCP connection
        ended without a close frame; eof is True then."""
        deadline = time.monotonic() + scaled(timeout)
        frames, texts = [], []
        pings = 0
        while True:
            remaining = (deadline - time.monotonic()) / TIMEOUT_SCALE
            if remaining <= 0:
                raise AssertionError(f"no close within {timeout}s; got {len(frames)} frames, "
                                     f"last: {frames[-1:]!r}"[:500])
            try:
                f = self.recv_frame(remaining)
            except (EOFError, ConnectionResetError, BrokenPipeError):
                return CloseResult(None, None, frames, texts, pings, True)
            frames.append(f)
            if f.opcode == OP_PING:
                pings += 1
                self.pings += 1
                if answer_pings:
                    self.send_frame(OP_PONG, f.payload)
            elif f.opcode == OP_TEXT:
                try:
                    texts += [json.loads(x) for x in f.payload.decode().split("\n") if x]
                except ValueError:
                    texts.append(("unparsable", f.payload[:100]))
            elif f.opcode == OP_CLOSE:
                code, reason = close_code_of(f.payload)
                if echo_close:
                    self.send_close(code if code not in (None, 1005) else 1000)
                return CloseResult(code, reason, frames, texts, pings, False)

    def wait_eof(self, timeout=5):
        """Reads and discards until the server closes TCP. -> seconds waited."""
        t0 = time.monotonic()
        deadline = t0 + scaled(timeout)
        while True:
            try:
                self._recv_some(deadline)
                self.buf.clear()
            except (EOFError, ConnectionResetError):
                return time.monotonic() - t0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def close_code_of(payload):
    if len(payload) < 2:
        return (1005 if not payload else None), b""
    return struct.unpack("!H", payload[:2])[0], payload[2:]
