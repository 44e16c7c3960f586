"""A fleet of processes shares one quota, one token and one poll schedule through a real Redis."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from nordfin import RateLimiter, aptic, errors, goto
from nordfin._core.fleet import KEY_PREFIX, SharedIntervalGate
from nordfin._core.polling import IntervalGate
from nordfin.testing.aptic import FakeAptic
from nordfin.testing.goto import FakeGoto
from nordfin.testing.permanad import FakeClock, FakePermanad

from .conftest import RedisServer

WORKER = Path(__file__).with_name("_worker.py")
TOKEN_PATH = "/login/oauth/access_token"


class TimedFakeGoto(FakeGoto):
    """FakeGoto noting when each request arrived, by the server's own clock."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.arrivals.append(time.monotonic())
        return super().handle_request(request)


def busiest_window(times: list[float], period: float) -> int:
    """The most requests that arrived in any half-open window ``[t, t + period)``."""
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + period) for i, t in enumerate(times))


def run_fleet(
    mode: str, processes: int, settings: dict[str, Any], before_go: Callable[[], object] = lambda: None
) -> list[dict[str, Any]]:
    """Start ``processes`` workers; once all are ready, call ``before_go`` and let them all go at
    once; return what each printed."""
    command = [sys.executable, str(WORKER), mode, json.dumps(settings)]
    workers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        before_go()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert [worker.returncode for worker in workers] == [0] * processes
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def nordfin_keys(server: RedisServer) -> dict[str, int]:
    """Every key nordfin left, with its remaining lifetime in ms (-1: none, which must not happen)."""
    with server.client() as client:
        return {key.decode(): client.pttl(key) for key in client.scan_iter(f"{KEY_PREFIX}*")}


# --- the rate limit --------------------------------------------------------------------------------

LIMIT, PERIOD = 4, 1.0
# The limiter decides start times; the server sees arrivals, later by the loopback latency of a
# loaded machine (a few ms, more when a worker is descheduled). Starts released exactly a period
# apart arrive closer together than that and break the vendor's window; the limiter's margin keeps
# them `period + margin` apart instead. Half a period absorbs the scheduling jitter of a loaded
# 2-core machine. Without the shared window, all 20 calls arrive within a fraction of a second.
MARGIN = 0.5


def test_four_processes_keep_every_window_within_the_quota(redis_url: str, redis_server: RedisServer) -> None:
    fake = TimedFakeGoto()
    with fake.serve() as server:
        settings = {"redis": redis_url, "server": server, "limit": LIMIT, "period": PERIOD, "calls": 5}
        settings |= {"store": fake.store, "api_key": fake.api_key, "margin": MARGIN}

        def forget_warm_up() -> None:  # each worker's first call opened its connection
            fake.arrivals.clear()
            with redis_server.client() as raw:
                raw.delete(f"{KEY_PREFIX}rate:{{fleet-test}}:starts")

        run_fleet("rate", 4, settings, forget_warm_up)

    assert len(fake.arrivals) == 20
    busiest = busiest_window(fake.arrivals, PERIOD)  # every full window, by the server's clock
    ordered = sorted(fake.arrivals)
    tightest = min(b - a for a, b in zip(ordered, ordered[LIMIT:], strict=False))
    print(f"busiest window: {busiest} of 20 in a full {PERIOD}s window, quota {LIMIT}; ", end="")
    print(f"the tightest {LIMIT + 1} arrivals span {tightest:.3f}s")
    assert busiest <= LIMIT
    keys = nordfin_keys(redis_server)
    assert set(keys) <= {f"{KEY_PREFIX}rate:{{fleet-test}}:starts", f"{KEY_PREFIX}rate:{{fleet-test}}:pause"}
    assert all(0 < ttl <= (PERIOD + MARGIN + 1) * 1000 for ttl in keys.values())  # every key expires


def test_threads_and_tasks_of_one_process_share_the_window(redis_url: str) -> None:
    limiter = RateLimiter(3, 60.0, shared=redis_url, key="mixed")
    granted: list[bool] = []

    def take() -> None:
        granted.append(limiter.reserve(max_wait=0.0) is not None)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def take_async() -> None:
        try:
            await limiter.acquire_async(max_wait=0.0)
            granted.append(True)
        except errors.RateLimited:
            granted.append(False)

    async def main() -> None:
        await asyncio.gather(*(take_async() for _ in range(3)))

    asyncio.run(main())
    assert sorted(granted) == [False] * 4 + [True] * 3  # 3 per minute, whoever asks


def test_a_pause_reaches_every_process_and_is_bounded(redis_url: str) -> None:
    one = RateLimiter(10, 1.0, shared=redis_url, key="paused")
    other = RateLimiter(10, 1.0, shared=redis_url, key="paused")  # another worker, same key
    elsewhere = RateLimiter(10, 1.0, shared=redis_url, key="other-credential")
    one.pause(30.0)
    wait = other.reserve()
    assert wait is not None
    assert 29.0 < wait <= 30.0
    assert elsewhere.reserve() == 0.0


def test_a_scoped_pause_holds_back_that_scope_in_every_process_only(
    redis_url: str, redis_server: RedisServer
) -> None:
    one = RateLimiter(10, 1.0, shared=redis_url, key="scoped")
    other = RateLimiter(10, 1.0, shared=redis_url, key="scoped")  # another worker, same quota
    one.pause(30.0, scope="key-a")
    slept: list[float] = []
    other.acquire(sleep=slept.append, scope="key-b")
    other.acquire(sleep=slept.append)
    assert slept == []  # other credentials, and the window, are not paused
    other.acquire(sleep=slept.append, scope="key-a")
    (wait,) = slept
    assert 29.0 < wait <= 30.0
    with pytest.raises(errors.RateLimited) as raised:
        other.acquire(max_wait=5.0, sleep=slept.append, scope="key-a")
    assert 29.0 < (raised.value.retry_after or 0) <= 30.0
    pause_key = f"{KEY_PREFIX}rate:{{scoped}}:pause:key-a"
    assert 29_000 < nordfin_keys(redis_server)[pause_key] <= 30_000  # gone when the pause is over


def test_a_scoped_pause_async(redis_url: str) -> None:
    limiter = RateLimiter(10, 1.0, shared=redis_url, key="scoped-async")
    slept: list[float] = []

    async def note(seconds: float) -> None:
        slept.append(seconds)

    async def main() -> None:
        await limiter.pause_async(20.0, scope="key-a")
        await limiter.acquire_async(sleep=note, scope="key-b")
        assert slept == []
        await limiter.acquire_async(sleep=note, scope="key-a")

    asyncio.run(main())
    (wait,) = slept
    assert 19.0 < wait <= 20.0


def test_the_redis_window_keeps_the_margin(redis_url: str) -> None:
    limiter = RateLimiter(2, 10.0, shared=redis_url, key="margin", margin=0.5)
    waits = [limiter.reserve() for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] is not None
    assert 10.0 < waits[2] <= 10.5  # period + margin after the first start, by Redis's clock


def test_rate_limit_url_is_the_documented_quota_keyed_as_today(
    redis_url: str, redis_server: RedisServer
) -> None:
    fake = FakeGoto()
    credentials = {"store": fake.store, "api_key": fake.api_key}
    with fake.serve() as server, goto.Client(**credentials, base_url=server, rate_limit=redis_url) as client:
        client.payment_terms.list()
        limiter = client._session.http._transport._limiter  # type: ignore[attr-defined]
    assert (limiter.limit, limiter.period) == (200, 60.0)
    with redis_server.client() as raw:
        starts = raw.lrange(f"{KEY_PREFIX}rate:{{goto:127.0.0.1}}:starts", 0, -1)
    assert len(starts) == 1


def test_an_api_without_a_documented_quota_refuses_a_url(redis_url: str) -> None:
    with pytest.raises(errors.RequestValidationError) as refused:
        aptic.Client(
            base_url="https://aptic.example/APIGW", client_id="c", client_secret="s", rate_limit=redis_url
        )  # type: ignore[arg-type]
    assert refused.value.field == "rate_limit"
    assert "RateLimiter(limit, period, shared=" in str(refused.value)


@pytest.mark.parametrize("bad", ["http://127.0.0.1:6379", "", "127.0.0.1:6379"])
def test_a_url_that_is_not_redis_is_refused(bad: str) -> None:
    with pytest.raises(errors.RequestValidationError) as refused:
        goto.Client(store="s", api_key="k", rate_limit=bad)
    assert refused.value.field == "rate_limit"


def test_redis_is_imported_only_for_a_redis_url() -> None:
    code = "import sys, nordfin.goto, nordfin.aptic, nordfin.permanad; print('redis' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


# --- the token -------------------------------------------------------------------------------------


def test_eight_processes_share_one_token_fetch(redis_url: str, redis_server: RedisServer) -> None:
    fake = FakeAptic()
    with fake.serve() as server:
        run_fleet("token", 8, {"redis": redis_url, "server": server})

    fetches = [r for r in fake.requests if r.url.path.endswith(TOKEN_PATH)]
    calls = [r for r in fake.requests if not r.url.path.endswith(TOKEN_PATH)]
    assert len(fetches) == 1
    assert len(calls) == 8
    assert len({r.headers["authorization"] for r in calls}) == 1  # one token for the fleet
    keys = nordfin_keys(redis_server)
    assert len(keys) == 1  # the token; the lock is gone
    assert all(0 < ttl <= fake.token_lifetime * 1000 for ttl in keys.values())
    with redis_server.client() as raw:
        stored = b"".join(raw.get(key) or b"" for key in keys)
    assert fake.client_secret.encode() not in stored


def test_async_clients_share_the_token_too(redis_url: str) -> None:
    fake = FakeAptic()

    async def main() -> None:
        clients = [fake.async_client(token_cache=redis_url) for _ in range(5)]
        await asyncio.gather(*(client.ping() for client in clients))
        for client in clients:
            await client.aclose()

    asyncio.run(main())
    assert sum(r.url.path.endswith(TOKEN_PATH) for r in fake.requests) == 1


def test_a_refused_shared_token_is_fetched_again_once(redis_url: str) -> None:
    fake = FakeAptic()
    with fake.client(token_cache=redis_url) as first:
        first.ping()
    fake.reset()  # the server forgets its tokens: the stored one is now refused
    with fake.client(token_cache=redis_url) as second:
        second.ping()
    assert sum(r.url.path.endswith(TOKEN_PATH) for r in fake.requests) == 1


def test_the_token_never_appears_in_logs(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeAptic()
    with caplog.at_level("DEBUG"), fake.client(token_cache=redis_url) as client:
        client.ping()
    tokens = list(fake._tokens)  # type: ignore[attr-defined]
    assert tokens
    assert not any(token in caplog.text for token in tokens)
    assert fake.client_secret not in caplog.text


# --- polling ---------------------------------------------------------------------------------------


def test_two_processes_poll_an_order_at_most_once_an_interval(redis_url: str) -> None:
    # Two gates are two processes: both reserve a poll of one order; the second gets the next slot.
    first = SharedIntervalGate(60.0, redis_url, "permanad")
    second = SharedIntervalGate(60.0, redis_url, "permanad")
    a = first.reserve(("SE", "ord-1"), now=1000.0)
    b = second.reserve(("SE", "ord-1"), now=5.0)  # another clock entirely
    c = second.reserve(("SE", "ord-2"), now=5.0)
    assert a == 1000.0
    assert 64.0 < b <= 65.0  # a minute after the first poll, by Redis's clock
    assert c == 5.0


def test_poll_gates_of_many_orders_leave_only_expiring_keys(
    redis_url: str, redis_server: RedisServer
) -> None:
    gate = SharedIntervalGate(2.0, redis_url, "permanad")
    for number in range(50):
        gate.reserve(("SE", f"ord-{number}"), now=0.0)
    keys = nordfin_keys(redis_server)
    assert len(keys) == 50  # one per order, named by a hash (any id, fixed length)
    assert all(0 < ttl <= 3000 for ttl in keys.values())  # gone a second after the interval


def test_permanad_clients_with_a_redis_rate_limit_share_the_poll_schedule(redis_url: str) -> None:
    clock = FakeClock()
    fake = FakePermanad(clock=clock, decision_delay=0.0)
    clients = [fake.client(("SE",), sleep=clock.sleep, rate_limit=redis_url) for _ in range(2)]
    created = clients[0].orders.create(_order())
    before = len(fake.requests)
    clients[0].orders.wait_for_decision(created.public_id)
    gates = [client.orders._gate for client in clients]  # type: ignore[attr-defined]
    assert all(isinstance(gate, SharedIntervalGate) for gate in gates)
    # The second process may not poll this order before a minute after the first did.
    reserved = clients[1].orders._gate.reserve(("SE", created.public_id), clock())  # type: ignore[attr-defined]
    assert reserved - clock() > 55.0
    assert len(fake.requests) == before + 1
    for client in clients:
        client.close()


def test_async_permanad_polls_through_the_shared_gate(redis_url: str, redis_server: RedisServer) -> None:
    clock = FakeClock()
    fake = FakePermanad(clock=clock, decision_delay=90.0)

    async def main() -> str:
        async with fake.async_client(("SE",), sleep=clock.asleep, rate_limit=redis_url) as client:
            created = await client.orders.create(_order())
            return str((await client.orders.wait_for_decision(created.public_id)).status)

    status = asyncio.run(clock.run(main()))
    assert status != "pending"
    assert sum(1 for r in fake.requests if r.method == "GET") == 3  # at 0, 60 and 120 s: decided at 90
    assert sum(key.startswith(f"{KEY_PREFIX}poll:permanad:") for key in nordfin_keys(redis_server)) == 1


def test_a_local_rate_limit_keeps_a_local_gate() -> None:
    with FakePermanad().client(("SE",)) as client:
        assert type(client.orders._gate) is IntervalGate  # type: ignore[attr-defined]


def _order() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "permanad"))
    from _orders import order

    return order()


# --- Redis failures ---------------------------------------------------------------------------------


def test_redis_stopped_mid_run_raises_redis_unavailable(lone_redis: RedisServer) -> None:
    fake = FakeGoto()
    with goto.Client(
        store=fake.store, api_key=fake.api_key, transport=fake, rate_limit=lone_redis.url
    ) as client:
        client.payment_terms.list()
        lone_redis.stop()
        with pytest.raises(errors.RedisUnavailable) as raised:
            client.payment_terms.list()
    assert "127.0.0.1" in str(raised.value)
    assert len(fake.requests) == 1  # nothing sent without the shared quota's say-so


def test_redis_stopped_mid_run_async_and_token(lone_redis: RedisServer) -> None:
    fake = FakeAptic()
    limiter = RateLimiter(10, 1.0, shared=lone_redis.url, key="k")

    async def main() -> None:
        await limiter.acquire_async()
        lone_redis.stop()
        with pytest.raises(errors.RedisUnavailable):
            await limiter.acquire_async()
        async with fake.async_client(token_cache=lone_redis.url) as client:
            with pytest.raises(errors.RedisUnavailable):
                await client.ping()

    asyncio.run(main())
    assert fake.requests == []


def test_unreachable_redis_names_the_server_never_the_password() -> None:
    port = _closed_port()
    url = f"redis://:hunter2@127.0.0.1:{port}/0"
    limiter = RateLimiter(5, 1.0, shared=url, key="k")
    with pytest.raises(errors.RedisUnavailable) as raised:
        limiter.acquire()
    assert isinstance(raised.value, errors.TransportError)
    assert "hunter2" not in str(raised.value) + repr(raised.value) + repr(limiter)
    assert f"127.0.0.1:{port}" in str(raised.value)
    with pytest.raises(errors.RedisUnavailable):
        FakeAptic().client(token_cache=url).ping()


def _closed_port() -> int:
    from .conftest import free_port

    return free_port()


# --- the README ------------------------------------------------------------------------------------


def test_readme_fleet_example_builds_clients_sharing_one_redis(redis_url: str) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running a fleet", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```py\n(.*?)```", section, flags=re.DOTALL)
    assert 'REDIS = "redis://localhost:6379/0"' in block
    names: dict[str, Any] = {}
    exec(compile(block.replace("redis://localhost:6379/0", redis_url), "README.md", "exec"), names)
    limiters = [
        client._session.http._transport._limiter
        for client in (names["terms"], names["leasing"], names["tenant"])
    ]
    assert all(limiter._redis is not None for limiter in limiters)
    assert [(limiter.limit, limiter.period) for limiter in limiters] == [(200, 60.0), (100, 300.0), (50, 1.0)]
    for client in ("terms", "leasing", "tenant"):
        names[client].close()


def test_an_error_answered_by_redis_is_redis_unavailable(redis_url: str, redis_server: RedisServer) -> None:
    with redis_server.client() as raw:
        raw.set(f"{KEY_PREFIX}rate:{{clobbered}}:starts", "not a list")  # WRONGTYPE for the script
    with pytest.raises(errors.RedisUnavailable) as raised:
        RateLimiter(5, 1.0, shared=redis_url, key="clobbered").acquire()
    assert "ResponseError" in str(raised.value)
