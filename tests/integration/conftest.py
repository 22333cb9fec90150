"""Fixtures for the wshub integration tests.

Run: /usr/bin/python3 -m pytest tests/integration -q
Binary under test: $WSHUB_BIN (default build/bin/wshub). Sanitizer builds:
WSHUB_TEST_TIMEOUT_SCALE=10 and `-m tsan`. WSHUB_TEST_BROKER=redis runs every
server on a redis-server of its own (the broker contract, end to end); tests
marked `memory_only` are skipped then.
"""

import os

import pytest

from wshub_harness import STANDARD_CONFIG, Server


def pytest_configure(config):
    config.addinivalue_line("markers", "tsan: run under a ThreadSanitizer build "
                                       "(concurrency-heavy: fan-out, shutdown)")
    config.addinivalue_line("markers", "slow: takes more than about 5 seconds")
    config.addinivalue_line("markers", "nosan: meaningless under sanitizers (timing or memory figures)")
    config.addinivalue_line("markers", "memory_only: about the embedded broker only")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("WSHUB_TEST_BROKER") == "redis":
        skip = pytest.mark.skip(reason="embedded broker only (WSHUB_TEST_BROKER=redis)")
        for item in items:
            if "memory_only" in item.keywords:
                item.add_marker(skip)




@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in list(Server.live):
            rep.sections.append((f"wshub stderr (pid {srv.pid}, port {srv.port}, "
                                 f"args {' '.join(srv.command()[len(srv.prefix) + 2:])})", srv.stderr_tail()))


@pytest.fixture
def server_factory(tmp_path):
    """start(args=(), env=None, config=None, dev=True, prefix=()) -> a running
    Server, killed at teardown. `prefix`: a command that execs wshub."""
    servers = []

    def start(args=(), env=None, config=None, dev=True, timeout=10, prefix=()):
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        srv = Server(args=args, env=env, config=config, dev=dev, workdir=workdir, prefix=prefix)
        servers.append(srv)
        return srv.start(timeout=timeout)

    yield start
    for srv in servers:
        srv.close()


HUB_ARGS = ["--max-publish-size", "4096", "--max-channels-per-connection", "10",
            "--client-op-rate", "100000", "--client-op-burst", "100000"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A dev server shared by a test module: the standard namespaces (chat,
    nohist, small), max_publish_size 4096, 10 channels per connection, no
    practical op rate limit. Tests use unique channel names."""
    srv = Server(args=HUB_ARGS, config=STANDARD_CONFIG, dev=True,
                 workdir=tmp_path_factory.mktemp("hub"))
    srv.start()
    yield srv
    srv.close()
