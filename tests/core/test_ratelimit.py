from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nordfin._core.ratelimit import RateLimiter, check_limiter, for_transport, shared_limiter
from nordfin.errors import RateLimited, RequestValidationError


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    RateLimiter.clear_shared()
    yield
    RateLimiter.clear_shared()


def assert_window_holds(starts: list[float], limit: int, period: float) -> None:
    """No window ``[t, t + period)`` holds more than ``limit`` of ``starts``."""
    ordered = sorted(starts)
    for earlier, later in zip(ordered, ordered[limit:], strict=False):
        assert later >= earlier + period, (earlier, later)


# --- construction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "period"),
    [(0, 1), (-1, 1), (1.5, 1), (True, 1), (1, 0), (1, -1), (1, math.inf), (1, math.nan), (1, "1")],
)
def test_bad_settings_are_refused(limit: Any, period: Any) -> None:
    with pytest.raises(ValueError, match=r"limit|period"):
        RateLimiter(limit, period)


def test_limit_and_period_are_read_only() -> None:
    limiter = RateLimiter(5, 2)
    assert (limiter.limit, limiter.period) == (5, 2.0)
    assert repr(limiter) == "RateLimiter(limit=5, period=2.0, margin=0.1)"
    with pytest.raises(AttributeError):
        limiter.limit = 6  # type: ignore[misc]


# --- reserve --------------------------------------------------------------------------------


def test_reserve_hands_out_the_earliest_free_slots(clock: Any) -> None:
    limiter = RateLimiter(2, 10, clock=clock, margin=0)
    assert [limiter.reserve() for _ in range(5)] == [0.0, 0.0, 10.0, 10.0, 20.0]
    clock.advance(15)
    assert limiter.reserve() == 5.0  # the window from 20 holds one start so far: room for one more


def test_reserve_is_free_again_after_a_quiet_period(clock: Any) -> None:
    limiter = RateLimiter(3, 1, clock=clock, margin=0)
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.advance(1)  # the window is half-open: exactly one period later is allowed
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve() == 1.0


def test_reserve_beyond_max_wait_reserves_nothing(clock: Any) -> None:
    limiter = RateLimiter(1, 10, clock=clock, margin=0)
    assert limiter.reserve() == 0.0
    assert limiter.reserve(max_wait=9.9) is None
    assert limiter.reserve(max_wait=10) == 10.0  # the refused call did not take the slot at 10
    assert limiter.reserve(max_wait=0) is None


@settings(max_examples=300, deadline=None)
@given(
    limit=st.integers(1, 5),
    period=st.integers(1, 20),
    margin=st.sampled_from([0, 0.5, 3]),
    calls=st.lists(st.tuples(st.integers(0, 15), st.one_of(st.none(), st.integers(0, 30))), max_size=60),
)
def test_granted_starts_never_break_the_window(
    limit: int, period: int, margin: float, calls: list[tuple[int, int | None]]
) -> None:
    now = [0.0]
    limiter = RateLimiter(limit, period, clock=lambda: now[0], margin=margin)
    spacing = period + margin  # the window, kept with its margin
    starts: list[float] = []
    for advance, max_wait in calls:
        now[0] += advance
        wait = limiter.reserve(math.inf if max_wait is None else max_wait)
        if wait is None:
            continue
        start = now[0] + wait
        assert wait >= 0
        # Earliest: any earlier start would break the window, or overtake an earlier reservation.
        assert wait == 0 or sum(start - spacing <= s < start for s in starts) >= limit or start == starts[-1]
        starts.append(start)
    assert starts == sorted(starts)  # first come, first served
    assert_window_holds(starts, limit, spacing)


def test_the_margin_defaults_to_five_percent_of_the_period_at_most_a_second() -> None:
    assert [RateLimiter(1, period).margin for period in (2.0, 10.0, 60.0, 300.0)] == [0.1, 0.5, 1.0, 1.0]
    assert RateLimiter(1, 60.0, margin=0).margin == 0.0


def test_a_start_waits_for_the_one_limit_places_back_to_be_period_plus_margin_old(clock: Any) -> None:
    limiter = RateLimiter(2, 10, clock=clock, margin=0.5)
    assert [limiter.reserve() for _ in range(5)] == [0.0, 0.0, 10.5, 10.5, 21.0]


def test_the_margin_never_makes_a_caller_give_up(clock: Any) -> None:
    limiter = RateLimiter(1, 10, clock=clock, margin=0.5)
    assert limiter.reserve() == 0.0
    assert limiter.reserve(max_wait=10) == 10.5  # willing to wait a period: waits for the next slot
    assert limiter.reserve(max_wait=10) is None  # the one after is two periods away


def test_release_jitter_within_the_margin_keeps_every_arrival_window(clock: Any) -> None:
    # Starts released as granted, arriving up to `margin` late: the worst case is every request of
    # one window arriving late and those of the next on time, so alternate the two.
    limit, period, margin = 3, 2.0, 0.25

    def arrivals(limiter: RateLimiter, late: float) -> list[float]:
        starts = [clock() + (limiter.reserve() or 0.0) for _ in range(8 * limit)]
        return [start + (late if i // limit % 2 == 0 else 0.0) for i, start in enumerate(starts)]

    kept = RateLimiter(limit, period, clock=clock, margin=margin)
    assert_window_holds(arrivals(kept, margin), limit, period)
    bare = RateLimiter(limit, period, clock=clock, margin=0)
    with pytest.raises(AssertionError):  # the bare window: a millisecond of jitter breaks it
        assert_window_holds(arrivals(bare, 0.001), limit, period)


@pytest.mark.parametrize("margin", [-0.1, math.inf, math.nan, "1", True])
def test_a_bad_margin_is_refused(margin: Any) -> None:
    with pytest.raises(ValueError, match="margin"):
        RateLimiter(5, 1.0, margin=margin)


def test_fractional_periods(clock: Any) -> None:
    limiter = RateLimiter(3, 0.1, clock=clock, margin=0)
    starts = []
    for _ in range(30):
        clock.advance(0.007)
        starts.append(clock() + (limiter.reserve() or 0.0))
    ordered = sorted(starts)
    assert all(b - a >= 0.1 - 1e-9 for a, b in zip(ordered, ordered[3:], strict=False))


# --- pause ----------------------------------------------------------------------------------


def test_pause_holds_every_user_back(clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    limiter.pause(5)
    assert limiter.reserve() == 5.0
    clock.advance(2)
    assert limiter.reserve() == 3.0


def test_a_shorter_or_negative_pause_does_not_shorten_a_longer_one(clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    limiter.pause(5)
    limiter.pause(1)
    limiter.pause(-10)
    assert limiter.reserve() == 5.0


def test_pause_then_the_window_still_applies(clock: Any) -> None:
    limiter = RateLimiter(1, 10, clock=clock, margin=0)
    limiter.pause(3)
    assert [limiter.reserve(), limiter.reserve()] == [3.0, 13.0]


def test_a_scoped_pause_holds_back_only_that_scope(clock: Any, sleep: Any, sleeps: list[float]) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    limiter.pause(5, scope="key-a")
    limiter.acquire(sleep=sleep, scope="key-b")
    limiter.acquire(sleep=sleep)
    assert sleeps == []  # another scope, and callers without one, start at once
    limiter.acquire(sleep=sleep, scope="key-a")
    assert sleeps == [5.0]
    limiter.acquire(sleep=sleep, scope="key-a")
    assert sleeps == [5.0]  # over once sat out


def test_a_scope_sits_out_its_pause_then_queues_in_the_window(
    clock: Any, sleep: Any, sleeps: list[float]
) -> None:
    limiter = RateLimiter(1, 10, clock=clock, margin=0)
    limiter.acquire(sleep=sleep, scope="key-b")  # the window's one start, at 0
    limiter.pause(3, scope="key-a")
    limiter.acquire(sleep=sleep, scope="key-a")
    assert sleeps == [3.0, 7.0]  # its own pause, then the shared window's next slot at 10


def test_a_scoped_pause_beyond_max_wait_raises_and_reserves_nothing(clock: Any, sleep: Any) -> None:
    limiter = RateLimiter(1, 10, clock=clock)
    limiter.pause(30, scope="key-a")
    with pytest.raises(RateLimited) as caught:
        limiter.acquire(max_wait=10, sleep=sleep, scope="key-a")
    assert caught.value.retry_after == 30.0
    assert "Retry-After" in str(caught.value)
    assert limiter.reserve() == 0.0  # the window's one slot is still free


@pytest.mark.asyncio
async def test_a_scoped_pause_async(clock: Any, async_sleep: Any, sleeps: list[float]) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    await limiter.pause_async(4, scope="key-a")
    await limiter.acquire_async(sleep=async_sleep, scope="key-b")
    await limiter.acquire_async(sleep=async_sleep, scope="key-a")
    assert sleeps == [4.0]
    await limiter.pause_async(9, scope="key-a")
    with pytest.raises(RateLimited):
        await limiter.acquire_async(max_wait=1, sleep=async_sleep, scope="key-a")


def test_expired_scoped_pauses_are_forgotten(clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    for number in range(50):
        limiter.pause(1, scope=f"key-{number}")
    clock.advance(2)
    limiter.pause(1, scope="key-x")
    assert list(limiter._scope_paused) == ["key-x"]  # bounded by the credentials paused lately


@pytest.mark.parametrize("scope", ["", "a b", "x" * 65, "ключ", 5, b"k"])
def test_a_bad_scope_is_refused(scope: Any) -> None:
    limiter = RateLimiter(100, 1)
    with pytest.raises(ValueError, match="scope"):
        limiter.pause(1, scope=scope)
    with pytest.raises(ValueError, match="scope"):
        limiter.acquire(scope=scope)


# --- acquire --------------------------------------------------------------------------------


def test_acquire_sleeps_only_when_it_must(clock: Any, sleep: Any, sleeps: list[float]) -> None:
    limiter = RateLimiter(1, 4, clock=clock, margin=0)
    limiter.acquire(sleep=sleep)
    limiter.acquire(sleep=sleep)
    assert sleeps == [4.0]


def test_acquire_beyond_max_wait_raises_rate_limited_and_reserves_nothing(clock: Any, sleep: Any) -> None:
    limiter = RateLimiter(1, 30, clock=clock, margin=0)
    limiter.acquire(sleep=sleep)
    with pytest.raises(RateLimited) as caught:
        limiter.acquire(max_wait=10, sleep=sleep)
    assert caught.value.retry_after == 30.0
    assert caught.value.status is None
    assert "client-side rate limit" in str(caught.value)
    assert limiter.reserve() == 30.0


@pytest.mark.asyncio
async def test_acquire_async_waits_and_raises_the_same(
    clock: Any, async_sleep: Any, sleeps: list[float]
) -> None:
    limiter = RateLimiter(1, 4, clock=clock, margin=0)
    await limiter.acquire_async(sleep=async_sleep)
    await limiter.acquire_async(sleep=async_sleep)
    assert sleeps == [4.0]
    with pytest.raises(RateLimited) as caught:
        await limiter.acquire_async(max_wait=1, sleep=async_sleep)
    assert caught.value.retry_after == 4.0


# --- concurrency ----------------------------------------------------------------------------


class CountingClock:
    """Moves one second at every reading and tells each thread what it last read."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self.last = threading.local()

    def __call__(self) -> float:
        with self._lock:
            self._now += 1
            self.last.value = self._now
            return self._now


def test_threads_hammering_one_limiter_never_break_the_window() -> None:
    clock = CountingClock()
    limiter = RateLimiter(3, 50, clock=clock)
    starts: list[float] = []
    starts_lock = threading.Lock()
    gate = threading.Barrier(8)

    def worker() -> None:
        gate.wait()
        for _ in range(40):
            wait = limiter.reserve()
            assert wait is not None
            with starts_lock:
                starts.append(clock.last.value + wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 320
    assert_window_holds(starts, 3, 50)


def test_threads_acquiring_with_a_still_clock_get_exactly_the_expected_slots(clock: Any) -> None:
    limiter = RateLimiter(4, 10, clock=clock, margin=0)
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    threads = [threading.Thread(target=limiter.acquire, kwargs={"sleep": record}) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [10.0] * 4 + [20.0] * 4 + [30.0] * 4 + [40.0] * 4  # 4 more started at once


@pytest.mark.asyncio
async def test_asyncio_tasks_share_the_limiter(clock: Any) -> None:
    limiter = RateLimiter(2, 5, clock=clock, margin=0)
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    await asyncio.gather(*(limiter.acquire_async(sleep=record) for _ in range(10)))
    assert sorted(waits) == [5.0, 5.0, 10.0, 10.0, 15.0, 15.0, 20.0, 20.0]


# --- shared ---------------------------------------------------------------------------------


def test_shared_returns_one_limiter_per_key() -> None:
    first = RateLimiter.shared("goto:store-1", 10, 1)
    assert RateLimiter.shared("goto:store-1", 10, 1.0) is first
    assert RateLimiter.shared("goto:store-2", 10, 1) is not first


def test_shared_refuses_a_second_reading_of_the_same_quota() -> None:
    RateLimiter.shared("payex", 10, 1)
    with pytest.raises(ValueError, match="payex"):
        RateLimiter.shared("payex", 20, 1)
    with pytest.raises(ValueError, match="payex"):
        RateLimiter.shared("payex", 10, 2)


def test_clear_shared_forgets_every_limiter() -> None:
    first = RateLimiter.shared("k", 1, 1)
    RateLimiter.clear_shared()
    assert RateLimiter.shared("k", 2, 1) is not first


def test_shared_is_safe_to_create_from_many_threads() -> None:
    found: list[RateLimiter] = []

    def find() -> None:
        found.append(RateLimiter.shared("k", 5, 1))

    threads = [threading.Thread(target=find) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(limiter) for limiter in found}) == 1


# --- which limiter a transport gets; settings ------------------------------------------------------


class OwnQuota(httpx.MockTransport):
    """A transport with a quota of its own, as the fakes of nordfin.testing have."""

    def __init__(self) -> None:
        super().__init__(lambda request: httpx.Response(200))
        self.limiter = RateLimiter(5, 1.0)

    def nordfin_rate_limiter(self) -> RateLimiter:
        return self.limiter


def test_a_transport_with_its_own_quota_replaces_only_the_process_default() -> None:
    transport = OwnQuota()
    default = RateLimiter.shared("some-api", 200, 60.0)
    mine = RateLimiter(10, 1.0)
    assert for_transport(default, transport) is transport.limiter
    assert for_transport(mine, transport) is mine  # the caller's own choice is kept
    assert for_transport(None, transport) is None  # off stays off
    assert for_transport(default, httpx.MockTransport(lambda r: httpx.Response(200))) is default


@pytest.mark.parametrize("value", ["redis://localhost:6379/0", 5, object()])
def test_an_api_without_a_quota_refuses_anything_but_a_limiter(value: Any) -> None:
    with pytest.raises(RequestValidationError) as refused:
        check_limiter(value)
    assert refused.value.field == "rate_limit"


@pytest.mark.parametrize("url", ["http://localhost:6379", "localhost:6379", ""])
def test_shared_needs_a_redis_url_and_a_key(url: str) -> None:
    with pytest.raises(ValueError, match="redis://"):
        RateLimiter(5, 1.0, shared=url, key="k")
    with pytest.raises(ValueError, match="key"):
        RateLimiter(5, 1.0, shared="redis://localhost:6379/0", key="")
    with pytest.raises(RequestValidationError):
        shared_limiter(url, "k", 5, 1.0)


def test_a_password_in_the_url_never_shows_in_repr() -> None:
    limiter = RateLimiter(5, 1.0, shared="redis://:hunter2@localhost:6379/3", key="k")
    assert "hunter2" not in repr(limiter)
    assert "localhost:6379/3" in repr(limiter)


def test_pause_async_of_a_local_limiter_pauses_it(clock: Any) -> None:
    limiter = RateLimiter(5, 1.0, clock=clock)
    asyncio.run(limiter.pause_async(7.0))
    assert limiter.reserve() == 7.0
