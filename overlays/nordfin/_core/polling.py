"""Polling a resource until it reaches a final state, politely, for every API.

Some vendors have no push notifications and ask clients to poll: no more often than a minimum
interval per resource, backing off exponentially after failures. The rules live once here:

- :class:`PollPolicy` says how often (``interval``), how to back off (``backoff`` doubling up to
  ``max_backoff``), which failures are worth another try (``retry_on``) and for how long in total
  (``timeout``);
- :class:`IntervalGate` remembers when each resource was last polled, so two waits for one
  resource (or a wait and a direct read through the same gate) never poll it more often;
- :func:`poll` / :func:`poll_async` wait for one resource, :func:`poll_many` for several in one
  thread (each on its own schedule); with asyncio, gather :func:`poll_async` calls.

Nothing here knows an API: the caller passes ``fetch`` and ``done``. The clock and the sleep are
injectable, so tests run on a fake clock without waiting. A rate limit is not this module's job:
the fetches go through the client, whose shared limiter keeps every request within the quota.
Each fetch is one attempt (``retry.single_attempt``): a failed poll waits this module's backoff,
never the client's half-second retries, which would poll faster than the vendor allows.
:func:`polling_gate` keeps the schedules in Redis when the client's limiter is shared through one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Protocol, TypeVar

from nordfin._core import aio
from nordfin._core.record import Frozen
from nordfin._core.retry import single_attempt
from nordfin.errors import NordfinError, RateLimited, RequestValidationError, ServerError, TransportError

__all__ = [
    "Cancel",
    "IntervalGate",
    "PollPolicy",
    "WaitCancelled",
    "WaitTimeout",
    "poll",
    "poll_async",
    "poll_many",
    "polling_gate",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class WaitTimeout(NordfinError, TimeoutError):
    """A wait ran out of time before the resource reached a final state.

    ``last`` is the last value fetched (``None`` if no fetch succeeded).
    """

    def __init__(self, message: str, last: object = None) -> None:
        self.last = last
        super().__init__(message)


class WaitCancelled(NordfinError):
    """A wait was cancelled through its ``cancel`` event."""


class Cancel(Protocol):
    """Anything with ``is_set()``: a ``threading.Event`` or an ``asyncio.Event``."""

    def is_set(self) -> bool: ...


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < math.inf):
        raise RequestValidationError(name, "must be a finite number of seconds >= 0")


class PollPolicy(Frozen):
    """How to poll: at most once per ``interval`` seconds per resource; after ``n`` failures in a
    row wait ``backoff * 2 ** (n - 1)`` seconds (at most ``max_backoff``); give up after
    ``max_failures`` failures in a row (None: never) or ``timeout`` seconds (None: never).
    Only exceptions of a ``retry_on`` class count as failures; any other is raised at once.
    """

    __slots__ = ("backoff", "interval", "max_backoff", "max_failures", "retry_on", "timeout")
    interval: float
    backoff: float
    max_backoff: float
    timeout: float | None
    max_failures: int | None
    retry_on: tuple[type[BaseException], ...]

    def __init__(
        self,
        interval: float = 60.0,
        backoff: float = 60.0,
        max_backoff: float = 3600.0,
        timeout: float | None = None,
        max_failures: int | None = None,
        retry_on: tuple[type[BaseException], ...] = (TransportError, RateLimited, ServerError),
    ) -> None:
        for name, value in (("interval", interval), ("backoff", backoff), ("max_backoff", max_backoff)):
            _positive(name, value)
        self._init(
            interval=interval,
            backoff=backoff,
            max_backoff=max_backoff,
            timeout=timeout,
            max_failures=max_failures,
            retry_on=retry_on,
        )

    def delay_after_failures(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed polls in a row (1 -> ``backoff``)."""
        return min(self.backoff * 2.0 ** min(failures - 1, 64), self.max_backoff)


class IntervalGate:
    """Per-resource minimum interval: :meth:`reserve` hands out the next allowed poll time of a key.

    Thread- and asyncio-safe (one lock, never held while sleeping). Times are whatever the
    caller's clock says; use one clock per gate.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: Hashable, now: float, not_before: float = -math.inf) -> float:
        """Reserve a poll of ``key`` at the earliest allowed time at or after ``not_before``; return it."""
        with self._lock:
            at = max(now, not_before, self._next.get(key, -math.inf))
            self._next[key] = at + self.interval
            return at

    async def reserve_async(self, key: Hashable, now: float, not_before: float = -math.inf) -> float:
        """:meth:`reserve` for asyncio (a gate kept in Redis does not block the loop)."""
        return self.reserve(key, now, not_before)

    def __repr__(self) -> str:
        return f"IntervalGate(interval={self.interval})"


def polling_gate(interval: float, limiter: object, name: str) -> IntervalGate:
    """The gate for a client whose rate limiter is ``limiter``: in the same Redis as the limiter
    when it is shared through one (so a fleet polls each resource once per ``interval``), else local.
    """
    if getattr(limiter, "_redis", None) is None:
        return IntervalGate(interval)
    from nordfin._core.fleet import shared_gate  # only with a redis:// limiter: redis is installed

    return shared_gate(interval, limiter, name) or IntervalGate(interval)


class _Schedule:
    """The state of one wait: when the next poll may happen and how many failures in a row."""

    __slots__ = ("deadline", "failures", "last", "not_before", "policy")

    def __init__(self, policy: PollPolicy, deadline: float) -> None:
        self.policy, self.deadline = policy, deadline
        self.failures: int = 0
        self.not_before: float = -math.inf
        self.last: object = None

    def succeeded(self, value: object, now: float) -> None:
        self.failures, self.last, self.not_before = 0, value, now + self.policy.interval

    def failed(self, error: BaseException, now: float) -> None:
        if not isinstance(error, self.policy.retry_on):
            raise error
        self.failures += 1
        limit = self.policy.max_failures
        if limit is not None and self.failures >= limit:
            raise error
        self.not_before = now + self.policy.delay_after_failures(self.failures)

    def check_time(self, at: float, key: object) -> None:
        if at > self.deadline:
            raise WaitTimeout(f"{key!r} not final within {self.policy.timeout:g}s", self.last)


def _deadline(policy: PollPolicy, now: float) -> float:
    return math.inf if policy.timeout is None else now + policy.timeout


def _check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel.is_set():
        raise WaitCancelled("the wait was cancelled")


def poll(
    key: Hashable,
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    policy: PollPolicy = PollPolicy(),  # frozen, so sharing the default is safe
    gate: IntervalGate | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    cancel: Cancel | None = None,
) -> T:
    """Call ``fetch`` until ``done(value)``; return that value. See the module docstring for the rules.

    Raises :class:`WaitTimeout`, :class:`WaitCancelled`, or the fetch's own exception when it is
    not a ``retry_on`` failure (or the failures ran out).
    """
    return poll_many(
        [key], lambda _: fetch(), done, policy=policy, gate=gate, clock=clock, sleep=sleep, cancel=cancel
    )[key]


def poll_many(
    keys: Iterable[K],
    fetch: Callable[[K], T],
    done: Callable[[T], bool],
    *,
    policy: PollPolicy = PollPolicy(),
    gate: IntervalGate | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    cancel: Cancel | None = None,
) -> dict[K, T]:
    """:func:`poll` for several resources in one thread: each is polled on its own schedule, the
    one due first next; returns every key's final value. One timeout covers the whole wait.
    """
    import heapq  # by the first wait, not with the client

    gate = gate or IntervalGate(policy.interval)
    deadline = _deadline(policy, clock())
    schedules = {key: _Schedule(policy, deadline) for key in dict.fromkeys(keys)}
    queue = [(gate.reserve(key, clock()), order, key) for order, key in enumerate(schedules)]
    heapq.heapify(queue)
    results: dict[K, T] = {}
    while queue:
        at, order, key = heapq.heappop(queue)
        schedules[key].check_time(at, key)
        _wait_until(at, clock, sleep, cancel)
        value = _attempt(schedules[key], fetch, key, clock)
        if value is not _FAILED and done(value):  # type: ignore[arg-type]
            results[key] = value  # type: ignore[assignment]
            continue
        heapq.heappush(queue, (gate.reserve(key, clock(), schedules[key].not_before), order, key))
    return results


_FAILED = object()


def _attempt(schedule: _Schedule, fetch: Callable[[K], T], key: K, clock: Callable[[], float]) -> object:
    try:
        with single_attempt():
            value = fetch(key)
    except Exception as error:
        schedule.failed(error, clock())
        return _FAILED
    schedule.succeeded(value, clock())
    return value


def _wait_until(
    at: float, clock: Callable[[], float], sleep: Callable[[float], None], cancel: Cancel | None
) -> None:
    _check_cancel(cancel)
    wait = at - clock()
    if wait > 0:
        if isinstance(cancel, threading.Event) and sleep is time.sleep:
            cancel.wait(wait)  # wakes at once when cancelled
        else:
            sleep(wait)
    _check_cancel(cancel)


async def poll_async(
    key: Hashable,
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    policy: PollPolicy = PollPolicy(),
    gate: IntervalGate | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = aio.sleep,
    cancel: Cancel | None = None,
) -> T:
    """:func:`poll` for coroutines. Cancel it by cancelling its task, or through ``cancel``
    (checked before and after every sleep). Await many at once with ``asyncio.gather``.
    """
    gate = gate or IntervalGate(policy.interval)
    schedule = _Schedule(policy, _deadline(policy, clock()))
    while True:
        at = await gate.reserve_async(key, clock(), schedule.not_before)
        schedule.check_time(at, key)
        _check_cancel(cancel)
        if (wait := at - clock()) > 0:
            await sleep(wait)
        _check_cancel(cancel)
        try:
            with single_attempt():
                value = await fetch()
        except Exception as error:
            schedule.failed(error, clock())
            continue
        schedule.succeeded(value, clock())
        if done(value):
            return value
