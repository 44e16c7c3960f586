"""A real Redis for the fleet tests: ``redis-server`` started on a free loopback port, stopped after.

``.ci/run`` installs Debian's ``redis-server`` when it is missing; without it these tests fail
(never skip) with a message saying what to install.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from nordfin._core.fleet import CONNECTIONS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` process: no persistence, loopback only."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed: apt-get install -y redis-server (.ci/run does)")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            for _ in range(200):  # up to ~10 s on a loaded machine
                try:
                    probe.ping()
                    return
                except redis.ConnectionError:
                    time.sleep(0.05)
            pytest.fail(f"redis-server did not answer on port {self.port}")
        finally:
            probe.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        CONNECTIONS.drop()  # the pooled connections point at a server that is gone

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    with redis_server.client() as client:
        client.flushdb()
    return redis_server.url


@pytest.fixture
def lone_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, which the test may stop."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()
