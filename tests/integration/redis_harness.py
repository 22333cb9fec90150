"""A real redis-server for the multi-instance tests, and a TCP proxy that can
freeze the connections through it (a Redis that stays connected but stops
answering, which only a health probe can notice).

Thread-safety: RedisServer methods may be called from any thread. The proxy
runs its own threads; freeze()/thaw() may be called from any thread.
"""

import os
import select
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from wshub_harness import scaled

REDIS_BIN = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp_command(port, *args, timeout=5, password=None):
    """Sends one command over a fresh connection and returns the decoded reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        f = s.makefile("rwb")
        cmds = ([("AUTH", password)] if password else []) + [args]
        for cmd in cmds:
            parts = [str(a).encode() if not isinstance(a, bytes) else a for a in cmd]
            f.write(b"*%d\r\n" % len(parts))
            for p in parts:
                f.write(b"$%d\r\n%s\r\n" % (len(p), p))
        f.flush()
        reply = None
        for _ in cmds:
            reply = _read_reply(f)
        return reply


def _read_reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        return RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise ValueError(f"bad RESP line {line!r}")


class RedisError(str):
    pass


class RedisServer:
    """One redis-server process without persistence, on a fixed port so that a
    restart comes back at the same address."""

    def __init__(self, workdir, port=None, password=None, extra=()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.password = password
        self.extra = list(extra)
        self.proc = None

    @property
    def url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}"

    def start(self, timeout=10):
        cmd = [REDIS_BIN, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(self.workdir), "--daemonize", "no",
               "--logfile", str(self.workdir / "redis.log")]
        if self.password:
            cmd += ["--requirepass", self.password]
        cmd += self.extra
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + scaled(timeout)
        while True:
            try:
                if self.command("PING") == "PONG":
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise AssertionError(f"redis-server exited with {self.proc.returncode}: "
                                     f"{(self.workdir / 'redis.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not answer PING within {timeout}s")
            time.sleep(0.02)

    def command(self, *args, timeout=5):
        return resp_command(self.port, *args, timeout=timeout, password=self.password)

    def kill(self):
        """SIGKILL: no goodbye to the clients, all data lost (no persistence)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self, timeout=10):
        self.kill()
        return self.start(timeout=timeout)

    def clients(self, name_prefix=""):
        """CLIENT LIST entries (dicts) whose name starts with name_prefix."""
        text = self.command("CLIENT", "LIST")
        text = text.decode() if isinstance(text, bytes) else text
        out = []
        for line in text.splitlines():
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if fields.get("name", "").startswith(name_prefix):
                out.append(fields)
        return out

    def close(self):
        self.kill()


class FreezingProxy:
    """Forwards 127.0.0.1:port to the target port. freeze() stops moving bytes
    on every connection open at that moment (they stay open); connections
    accepted later flow normally."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs = []   # [client_sock, upstream_sock, frozen_flag_list]
        self._stop = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def _accept_loop(self):
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            state = [False]
            with self._lock:
                self._pairs.append((client, upstream, state))
            threading.Thread(target=self._pump, args=(client, upstream, state), daemon=True).start()

    def _pump(self, a, b, state):
        socks = [a, b]
        try:
            while not self._stop:
                if state[0]:
                    time.sleep(0.05)
                    continue
                ready, _, _ = select.select(socks, [], [], 0.05)
                for s in ready:
                    if state[0]:
                        break
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            pass
        finally:
            for s in socks:
                try:
                    s.close()
                except OSError:
                    pass

    def freeze(self):
        with self._lock:
            for _, _, state in self._pairs:
                state[0] = True

    def frozen_count(self):
        with self._lock:
            return sum(1 for _, _, st in self._pairs if st[0])

    def close(self):
        self._stop = True
        self.listener.close()
        with self._lock:
            for a, b, _ in self._pairs:
                for s in (a, b):
                    try:
                        s.close()
                    except OSError:
                        pass
