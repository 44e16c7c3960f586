"""_core.polling: minimum interval per resource, backoff on failures, timeout, cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from nordfin._core.polling import (
    IntervalGate,
    PollPolicy,
    WaitCancelled,
    WaitTimeout,
    poll,
    poll_async,
    poll_many,
)
from nordfin.errors import NotFound, ServerError, TransportError


class Time:
    """A clock whose sleeps only move it, recording each sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def sequence(*outcomes: object, at: list[float], clock: Time) -> Callable[[], object]:
    """A fetch returning (or raising) each outcome in turn, recording when it was called."""
    queue = list(outcomes)

    def fetch() -> object:
        at.append(clock.now)
        value = queue.pop(0)
        if isinstance(value, BaseException):
            raise value
        return value

    return fetch


def test_polls_at_the_interval_until_done() -> None:
    clock, calls = Time(), []
    fetch = sequence("pending", "pending", "done", at=calls, clock=clock)

    result = poll("o1", fetch, lambda v: v == "done", clock=clock, sleep=clock.sleep)

    assert (result, calls) == ("done", [0.0, 60.0, 120.0])


def test_failures_back_off_exponentially_then_reset() -> None:
    clock, calls = Time(), []
    fetch = sequence(
        ServerError("x"), TransportError("y"), ServerError("z"), "pending", "done", at=calls, clock=clock
    )

    poll("o1", fetch, lambda v: v == "done", clock=clock, sleep=clock.sleep)

    assert calls == [0.0, 60.0, 180.0, 420.0, 480.0]


def test_backoff_is_capped() -> None:
    policy = PollPolicy(backoff=60, max_backoff=100)

    assert [policy.delay_after_failures(n) for n in (1, 2, 3)] == [60.0, 100.0, 100.0]


def test_an_error_that_is_not_a_failure_is_raised_at_once() -> None:
    clock, calls = Time(), []
    fetch = sequence(NotFound("gone"), at=calls, clock=clock)

    with pytest.raises(NotFound):
        poll("o1", fetch, lambda v: True, clock=clock, sleep=clock.sleep)
    assert calls == [0.0]


def test_max_failures_gives_up_with_the_last_error() -> None:
    clock, calls = Time(), []
    fetch = sequence(ServerError("a"), ServerError("b"), at=calls, clock=clock)

    with pytest.raises(ServerError, match="b"):
        poll("o1", fetch, lambda v: True, policy=PollPolicy(max_failures=2), clock=clock, sleep=clock.sleep)


def test_timeout_raises_before_sleeping_past_the_deadline() -> None:
    clock, calls = Time(), []
    fetch = sequence("pending", "pending", "pending", at=calls, clock=clock)

    with pytest.raises(WaitTimeout) as caught:
        poll("o1", fetch, lambda v: False, policy=PollPolicy(timeout=150), clock=clock, sleep=clock.sleep)
    assert (calls, caught.value.last, clock.now) == ([0.0, 60.0, 120.0], "pending", 120.0)


def test_cancel_event_stops_the_wait() -> None:
    clock, cancel = Time(), threading.Event()

    def fetch() -> str:
        cancel.set()
        return "pending"

    with pytest.raises(WaitCancelled):
        poll("o1", fetch, lambda v: False, clock=clock, sleep=clock.sleep, cancel=cancel)


def test_a_shared_gate_keeps_two_waits_for_one_resource_apart() -> None:
    gate = IntervalGate(60)

    first, second, other = gate.reserve("o1", 0.0), gate.reserve("o1", 10.0), gate.reserve("o2", 10.0)

    assert (first, second, other) == (0.0, 60.0, 10.0)


def test_poll_many_polls_each_resource_on_its_own_schedule() -> None:
    clock, calls = Time(), []
    states = {"a": ["p", "done"], "b": ["p", "p", "done"]}

    def fetch(key: str) -> str:
        calls.append((key, clock.now))
        return states[key].pop(0)

    result = poll_many(["a", "b"], fetch, lambda v: v == "done", clock=clock, sleep=clock.sleep)

    assert result == {"a": "done", "b": "done"}
    assert calls == [("a", 0.0), ("b", 0.0), ("a", 60.0), ("b", 60.0), ("b", 120.0)]


def test_async_poll_follows_the_same_rules() -> None:
    clock, calls = Time(), []
    outcomes = [ServerError("x"), "pending", "done"]

    async def fetch() -> str:
        calls.append(clock.now)
        value = outcomes.pop(0)
        if isinstance(value, BaseException):
            raise value
        return value

    result = asyncio.run(poll_async("o1", fetch, lambda v: v == "done", clock=clock, sleep=clock.asleep))

    assert (result, calls) == ("done", [0.0, 60.0, 120.0])


def test_async_poll_is_cancelled_with_its_task() -> None:
    async def scenario() -> None:
        async def fetch() -> str:
            return "pending"

        task = asyncio.create_task(poll_async("o1", fetch, lambda v: False, policy=PollPolicy(interval=3600)))
        await asyncio.sleep(0)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(scenario())


def test_policy_refuses_negative_intervals() -> None:
    with pytest.raises(ValueError, match="interval"):
        PollPolicy(interval=-1)


def test_a_local_gate_reserves_the_same_asynchronously() -> None:
    gate = IntervalGate(60.0)
    first = asyncio.run(gate.reserve_async("order", 0.0))
    second = asyncio.run(gate.reserve_async("order", 1.0))
    assert (first, second) == (0.0, 60.0)


def test_polling_gate_is_local_without_a_shared_limiter() -> None:
    from nordfin._core.polling import polling_gate
    from nordfin._core.ratelimit import RateLimiter

    assert type(polling_gate(60.0, RateLimiter(5, 1.0), "x")) is IntervalGate
    assert type(polling_gate(60.0, None, "x")) is IntervalGate
