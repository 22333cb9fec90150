"""Command line and configuration precedence through the real binary
(PROTOCOL.md section 8)."""

import os
import re
import subprocess

import pytest

from wshub_harness import WSHUB_BIN, WsClient, arun, wait_until


def run_bin(args, env=None, timeout=10):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WSHUB_")}
    full_env.update(env or {})
    return subprocess.run([WSHUB_BIN] + args, capture_output=True, text=True, timeout=timeout,
                          env=full_env, stdin=subprocess.DEVNULL)


def welcome_ping_interval(srv):
    async def main():
        c = await WsClient.connect(srv.port)
        try:
            return c.welcome["ping_interval"]
        finally:
            await c.close()
    return arun(main())


def test_precedence_file_env_flag(server_factory):
    config = "ping_interval = 7\n"
    assert welcome_ping_interval(server_factory(config=config)) == 7, "file"
    assert welcome_ping_interval(server_factory(
        config=config, env={"WSHUB_PING_INTERVAL": "9"})) == 9, "env over file"
    assert welcome_ping_interval(server_factory(
        config=config, env={"WSHUB_PING_INTERVAL": "9"},
        args=["--ping-interval", "11"])) == 11, "flag over env and file"
    assert welcome_ping_interval(server_factory(
        config=config, args=["--ping-interval", "11"])) == 11, "flag over file"
    assert welcome_ping_interval(server_factory(
        env={"WSHUB_PING_INTERVAL": "9"})) == 9, "env alone"


def test_namespace_config_from_file_applies(server_factory):
    srv = server_factory(config="history_size = 2\n[namespaces.big]\nhistory_size = 50\n")
    for i in range(4):
        srv.publish("plain", i)
        srv.publish("big:x", i)
    _, body = srv.api("POST", "/api/history", {"channel": "plain"})
    assert [m["data"] for m in body["messages"]] == [2, 3], body
    _, body = srv.api("POST", "/api/history", {"channel": "big:x"})
    assert [m["data"] for m in body["messages"]] == [0, 1, 2, 3], body
    _, body = srv.api("POST", "/api/history", {"channel": "other:x"})
    assert body["messages"] == [], "unknown namespaces use the default namespace's options"
    srv.publish("other:x", "a")
    srv.publish("other:x", "b")
    srv.publish("other:x", "c")
    _, body = srv.api("POST", "/api/history", {"channel": "other:x"})
    assert [m["data"] for m in body["messages"]] == ["b", "c"], body


def test_version():
    r = run_bin(["--version"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"\d+\.\d+\.\d+", r.stdout), f"no version in {r.stdout!r}"


OPTIONS = {  # flag -> default that --help must show (None: no default to show)
    "--listen": "0.0.0.0:8000",
    "--broker": "memory",
    "--instance-id": None,
    "--dev": None,
    "--api-key": None,
    "--jwt-secret": None,
    "--jwt-public-key": None,
    "--jwt-jwks-file": None,
    "--jwt-algorithms": "HS256,RS256,ES256",
    "--jwt-issuer": None,
    "--jwt-audience": None,
    "--jwt-leeway": "30",
    "--allowed-origins": None,
    "--ping-interval": "25",
    "--max-message-size": r"\d",
    "--send-queue-bytes": r"\d",
    "--shutdown-timeout": r"\d",
    "--config": None,
}


def option_block(help_text, flag):
    """The help lines describing flag: its line and any continuation lines."""
    lines = help_text.splitlines()
    for i, line in enumerate(lines):
        if re.search(re.escape(flag) + r"(?![\w-])", line):
            block = [line]
            for nxt in lines[i + 1:]:
                if not nxt.strip() or nxt.strip().startswith("-"):
                    break
                block.append(nxt)
            return "\n".join(block)
    return None


def test_serve_help_lists_every_option_with_default():
    r = run_bin(["serve", "--help"])
    assert r.returncode == 0, r.stderr
    text = r.stdout + r.stderr
    missing = [flag for flag in OPTIONS if option_block(text, flag) is None]
    assert not missing, f"--help does not mention {missing}:\n{text}"
    for flag, default in OPTIONS.items():
        if default is None:
            continue
        block = option_block(text, flag)
        rest = block.split(flag, 1)[1]
        found = re.search(default if default.startswith("\\") else re.escape(default), rest)
        assert found, f"--help does not show the default of {flag}: {block!r}"


@pytest.mark.parametrize("args,env,needle", [
    (["--ping-interval", "abc"], {}, r"ping.interval"),
    (["--ping-interval", "-3"], {}, r"ping.interval"),
    (["--max-message-size", "lots"], {}, r"max.message.size"),
    ([], {"WSHUB_PING_INTERVAL": "abc"}, r"ping.interval"),
    (["--listen", "127.0.0.1:notaport"], {}, r"listen"),
    (["--no-such-option"], {}, r"no-such-option"),
    # Unusable token keys are refused at start rather than refusing every client.
    (["--jwt-public-key", "/nonexistent/key.pem"], {}, r"jwt_public_key"),
    (["--jwt-algorithms", "none"], {}, r"jwt.algorithms"),
    (["--broker", "redis+cluster://127.0.0.1:1"], {}, r"broker"),
    (["--broker", "redis://127.0.0.1:notaport"], {}, r"broker|port"),
])
def test_bad_option_exits_nonzero_with_message(args, env, needle):
    r = run_bin(["serve", "--dev", "--listen", "127.0.0.1:0"] + args, env=env)
    assert r.returncode != 0, f"accepted {args} {env}; stdout {r.stdout!r}"
    assert "wshub listening" not in r.stdout
    assert re.search(needle, r.stderr, re.I), f"stderr does not explain: {r.stderr!r}"


def test_bad_config_file_value_exits_nonzero(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('ping_interval = "abc"\n')
    r = run_bin(["serve", "--dev", "--listen", "127.0.0.1:0", "--config", str(path)])
    assert r.returncode != 0, r.stdout
    assert re.search(r"ping.interval", r.stderr, re.I), r.stderr


def test_unparsable_config_file_exits_nonzero(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("ping_interval = = 3\n[[[\n")
    r = run_bin(["serve", "--dev", "--listen", "127.0.0.1:0", "--config", str(path)])
    assert r.returncode != 0, r.stdout
    assert r.stderr.strip(), "a clear message on stderr"


def test_missing_config_file_exits_nonzero(tmp_path):
    r = run_bin(["serve", "--dev", "--listen", "127.0.0.1:0", "--config",
                 str(tmp_path / "nope.toml")])
    assert r.returncode != 0, r.stdout
    assert "nope.toml" in r.stderr, r.stderr


def test_listen_port_in_use_exits_nonzero(server_factory):
    srv = server_factory()
    r = run_bin(["serve", "--dev", "--listen", f"127.0.0.1:{srv.port}"])
    assert r.returncode != 0, r.stdout
    assert r.stderr.strip()


def test_dev_mode_warns_loudly(server_factory):
    srv = server_factory()
    wait_until(lambda: re.search(r"warn.*dev|dev.*warn", srv.stderr_text(), re.I | re.S), 3,
               what="a warning about --dev in the log")


def test_startup_log_names_the_allocator_in_use(server_factory):
    # The release build links tcmalloc (cmake/allocator.cmake); sanitizer builds keep
    # glibc's malloc. The log line must agree with what the process really loaded.
    srv = server_factory()
    wait_until(lambda: "allocator=" in srv.stderr_text(), 5, what="the 'wshub serving' line")
    m = re.search(r'allocator="([^"]*)"', srv.stderr_text())
    assert m, srv.stderr_tail()
    allocator = m.group(1)
    with open(f"/proc/{srv.pid}/maps") as f:
        tcmalloc_loaded = "libtcmalloc" in f.read()
    if os.environ.get("WSHUB_SANITIZER"):
        assert allocator == "glibc", allocator
    elif tcmalloc_loaded:
        assert re.fullmatch(r"tcmalloc \d+\.\d+.*", allocator), allocator
    else:
        assert allocator == "glibc", allocator
