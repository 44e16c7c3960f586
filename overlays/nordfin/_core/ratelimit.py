"""Client-side rate limiting to a vendor's documented quota.

A :class:`RateLimiter` keeps an exact sliding-window log: in any window ``[t, t + period)`` at most
``limit`` requests start. A caller reserves a start time under one lock and then sleeps outside it,
so the same limiter serves threads and asyncio tasks at once, and nobody sleeps holding the lock.
Clients that count against one quota share one limiter through :meth:`RateLimiter.shared`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import ClassVar

from nordfin._core import aio
from nordfin.errors import RateLimited

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``limit`` request starts in any ``period`` seconds, for everyone using this object.

    Slots are handed out first come, first served: a later reservation never starts before an
    earlier one. ``clock`` must be monotonic; tests pass a fake one.
    """

    _registry: ClassVar[dict[str, RateLimiter]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, limit: int, period: float, *, clock: Callable[[], float] = time.monotonic) -> None:
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

    @property
    def limit(self) -> int:
        """The number of request starts allowed per ``period``."""
        return self._limit

    @property
    def period(self) -> float:
        """The window length, in seconds."""
        return self._period

    def __repr__(self) -> str:
        return f"RateLimiter(limit={self._limit}, period={self._period})"

    def reserve(self, max_wait: float = math.inf) -> float | None:
        """Reserve the earliest free start; return the seconds to wait before it (``0.0``: now).

        If that wait would exceed ``max_wait``, nothing is reserved and ``None`` is returned.
        """
        granted, wait = self._reserve(max_wait)
        return wait if granted else None

    def _reserve(self, max_wait: float) -> tuple[bool, float]:
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
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

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
        sleep: Callable[[float], Awaitable[None]] = aio.sleep,
    ) -> None:
        """:meth:`acquire` for asyncio: the same rules, the wait is awaited."""
        wait = self._reserve_or_raise(max_wait)
        if wait > 0:
            await sleep(wait)

    def _reserve_or_raise(self, max_wait: float) -> float:
        granted, wait = self._reserve(max_wait)
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
