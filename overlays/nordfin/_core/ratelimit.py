"""Client-side rate limiting to a vendor's documented quota.

A :class:`RateLimiter` keeps an exact sliding-window log: in any window ``[t, t + period)`` at most
``limit`` requests start. A caller reserves a start time under one lock and then sleeps outside it,
so the same limiter serves threads and asyncio tasks at once, and nobody sleeps holding the lock.
Clients that count against one quota share one limiter through :meth:`RateLimiter.shared`.

With ``shared="redis://..."`` the same window is kept in Redis instead (``nordfin._core.fleet``,
imported only then), so every process of a fleet draws from one quota.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from nordfin.errors import RateLimited, RequestValidationError

if TYPE_CHECKING:
    from nordfin._core.fleet import RedisWindow

__all__ = ["RateLimiter", "check_limiter", "for_transport", "shared_limiter"]


class RateLimiter:
    """At most ``limit`` request starts in any ``period`` seconds, for everyone using this object.

    Slots are handed out first come, first served: a later reservation never starts before an
    earlier one. ``clock`` must be monotonic; tests pass a fake one.

    ``shared="redis://HOST:PORT/DB"`` keeps the window in that Redis under ``key`` instead of in
    this object, timed by Redis's clock: every process using the same URL and key shares it
    (needs ``pip install nordfin[redis]``). When Redis cannot be reached, calls raise
    :class:`nordfin.errors.RedisUnavailable` rather than fall back to a per-process count.
    """

    _registry: ClassVar[dict[str, RateLimiter]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        limit: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        shared: str | None = None,
        key: str | None = None,
    ) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be an int >= 1, not {limit!r}")
        if not (isinstance(period, int | float) and 0 < period < math.inf):
            raise ValueError(f"period must be a finite number of seconds > 0, not {period!r}")
        self._limit = limit
        self._period = float(period)
        self._clock = clock
        self._lock = threading.Lock()
        # Only the latest `limit` starts can constrain the next one, because starts are ordered.
        self._starts: deque[float] = deque(maxlen=limit)
        self._paused_until = -math.inf
        self._process_default = False  # set by shared(): a fake transport may replace it
        self._redis: RedisWindow | None = None
        if shared is not None or key is not None:
            try:
                from nordfin._core.fleet import RedisWindow  # redis is optional: imported only here
            except ImportError:  # pragma: no cover - the test environment has the extra
                raise ValueError("shared= needs the redis extra: pip install 'nordfin[redis]'") from None
            self._redis = RedisWindow(shared, key, limit, self._period)

    @property
    def limit(self) -> int:
        """The number of request starts allowed per ``period``."""
        return self._limit

    @property
    def period(self) -> float:
        """The window length, in seconds."""
        return self._period

    def __repr__(self) -> str:
        where = f", shared={self._redis!r}" if self._redis is not None else ""
        return f"RateLimiter(limit={self._limit}, period={self._period}{where})"

    def reserve(self, max_wait: float = math.inf) -> float | None:
        """Reserve the earliest free start; return the seconds to wait before it (``0.0``: now).

        If that wait would exceed ``max_wait``, nothing is reserved and ``None`` is returned.
        """
        granted, wait = self._reserve(max_wait)
        return wait if granted else None

    def _reserve(self, max_wait: float) -> tuple[bool, float]:
        if self._redis is not None:
            return self._redis.reserve(max_wait)
        with self._lock:
            now = self._clock()
            start = self._earliest(now)
            wait = start - now
            if wait > max_wait:
                return False, wait
            self._starts.append(start)
            return True, wait

    def _earliest(self, now: float) -> float:
        start = max(now, self._paused_until)
        if self._starts:
            start = max(start, self._starts[-1])
        if len(self._starts) == self._limit:
            start = max(start, self._starts[0] + self._period)
        return start

    def pause(self, seconds: float) -> None:
        """Hand out no start before ``seconds`` from now, to anyone (the server said Retry-After)."""
        if self._redis is not None:
            self._redis.pause(seconds)
            return
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    async def pause_async(self, seconds: float) -> None:
        """:meth:`pause` for asyncio (a shared limiter talks to Redis without blocking the loop)."""
        if self._redis is not None:
            await self._redis.pause_async(seconds)
        else:
            self.pause(seconds)

    def acquire(self, *, max_wait: float = math.inf, sleep: Callable[[float], None] = time.sleep) -> None:
        """Wait for a start slot and take it.

        Raises :class:`nordfin.errors.RateLimited` (``status`` None, ``retry_after`` the wait that
        would have been needed) without reserving anything if the wait would exceed ``max_wait``.
        """
        wait = self._reserve_or_raise(max_wait)
        if wait > 0:
            sleep(wait)

    async def acquire_async(
        self,
        *,
        max_wait: float = math.inf,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """:meth:`acquire` for asyncio: the same rules, the wait is awaited."""
        if self._redis is not None:
            wait = self._granted_or_raise(*await self._redis.reserve_async(max_wait), max_wait)
        else:
            wait = self._reserve_or_raise(max_wait)
        if wait > 0:
            await sleep(wait)

    def _reserve_or_raise(self, max_wait: float) -> float:
        return self._granted_or_raise(*self._reserve(max_wait), max_wait)

    def _granted_or_raise(self, granted: bool, wait: float, max_wait: float) -> float:
        if not granted:
            raise RateLimited(
                f"client-side rate limit of {self._limit} requests per {self._period:g}s: the next "
                f"slot is {wait:.3g}s away, more than the allowed wait of {max_wait:g}s",
                retry_after=wait,
            )
        return wait

    @classmethod
    def shared(cls, key: str, limit: int, period: float) -> RateLimiter:
        """The process-wide limiter for ``key``, created on first use.

        Every client counting against the same vendor quota passes the same ``key`` and so shares
        one limiter. Asking for an existing key with another ``limit`` or ``period`` is a
        ``ValueError``: two readings of one quota would make neither hold.
        """
        with cls._registry_lock:
            limiter = cls._registry.get(key)
            if limiter is None:
                limiter = cls._registry[key] = cls(limit, period)
                limiter._process_default = True
            elif (limiter.limit, limiter.period) != (limit, float(period)):
                raise ValueError(
                    f"rate limiter {key!r} already exists as {limiter!r}, not limit={limit}, period={period}"
                )
            return limiter

    @classmethod
    def clear_shared(cls) -> None:
        """Forget every shared limiter (for tests)."""
        with cls._registry_lock:
            cls._registry.clear()


def for_transport(limiter: RateLimiter | None, transport: object) -> RateLimiter | None:
    """The limiter to put in front of ``transport``.

    A transport that keeps a quota of its own (a fake from ``nordfin.testing``, with its own clock)
    offers ``nordfin_rate_limiter()``; it replaces the process-wide default limiter, so a test's
    fake never waits for the traffic of another test, while every client of one fake shares one
    limiter as production clients do. A limiter the caller chose is always kept.
    """
    own = getattr(transport, "nordfin_rate_limiter", None)
    if limiter is None or not limiter._process_default or not callable(own):
        return limiter
    replacement = own()
    return replacement if isinstance(replacement, RateLimiter) else limiter


def shared_limiter(url: str, key: str, limit: int, period: float) -> RateLimiter:
    """A client's ``rate_limit="redis://..."``: the quota under ``key``, shared through that Redis."""
    try:
        return RateLimiter(limit, period, shared=url, key=key)
    except ValueError as error:
        raise RequestValidationError("rate_limit", str(error)) from None


def check_limiter(instance: object, attribute: object, value: RateLimiter | None) -> None:
    """A client's ``rate_limit=`` after its API resolved it: a ``RateLimiter`` or None.

    A URL reaching this far belongs to an API without a documented quota: there is nothing to share.
    """
    if isinstance(value, str):  # typed as it should be, checked as it may come
        raise RequestValidationError(
            "rate_limit",
            "this API documents no quota to share; "
            "pass nordfin.RateLimiter(limit, period, shared=URL, key=NAME)",
        )
    if value is not None and not isinstance(value, RateLimiter):
        raise RequestValidationError("rate_limit", "must be a nordfin.RateLimiter")
