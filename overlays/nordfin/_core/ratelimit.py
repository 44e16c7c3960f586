"""Client-side rate limiting to a vendor's documented quota.

A :class:`RateLimiter` keeps an exact sliding-window log: in any window ``[t, t + period)`` at most
``limit`` requests start, with room to spare: a start is granted only once the start ``limit``
places back is ``period + margin`` old. The margin absorbs the jitter between the moment a request
is released and the moment it reaches the vendor (requests released exactly one period apart
arrive a few ms closer together, and a vendor counting arrivals would answer 429). A caller
reserves a start time under one lock and then sleeps outside it, so the same limiter serves threads
and asyncio tasks at once, and nobody sleeps holding the lock. Clients that count against one quota
share one limiter through :meth:`RateLimiter.shared`.

A server's ``Retry-After`` pauses the limiter with :meth:`RateLimiter.pause`: for everyone, or with
``scope=`` only for the callers that acquire with the same scope (the retry layer passes a keyed
hash of the request's credentials, so a 429 drawn by one API key never stops a client with
another one). The window itself stays shared by every scope.

With ``shared="redis://..."`` the same window is kept in Redis instead (``nordfin._core.fleet``,
imported only then), so every process of a fleet draws from one quota.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from nordfin._core import aio
from nordfin.errors import RateLimited, RequestValidationError

if TYPE_CHECKING:
    from nordfin._core.fleet import RedisWindow

__all__ = [
    "RateLimiter",
    "Turn",
    "check_limiter",
    "check_scope",
    "default_margin",
    "for_transport",
    "shared_limiter",
]

_SCOPE = re.compile(r"[0-9A-Za-z_-]{1,64}")


def default_margin(period: float) -> float:
    """The safety margin a limiter keeps unless told otherwise: 5 % of ``period``, at most 1 s.

    Goto's minute gets 1 s (200 requests per 61 s: 1.6 % of the quota given up), a 2 s test
    window 0.1 s: more than the loopback or LAN jitter between release and arrival.
    """
    return min(0.05 * period, 1.0)


def check_scope(scope: object) -> str | None:
    """``scope`` checked: None (everyone) or 1-64 letters, digits, ``_`` and ``-`` (a Redis key part)."""
    if scope is not None and not (isinstance(scope, str) and _SCOPE.fullmatch(scope)):
        raise ValueError("scope must be None or 1-64 letters, digits, '_' or '-'")
    return scope


class Turn(NamedTuple):
    """One answer of a limiter: ``wait`` seconds from now; ``granted`` when that is within the
    caller's ``max_wait``; ``held`` when the wait is the caller's scope sitting out a pause of its
    own, and nothing was reserved (ask again once it is over).
    """

    granted: bool
    wait: float
    held: bool = False


class RateLimiter:
    """At most ``limit`` request starts in any ``period`` seconds, for everyone using this object.

    Slots are handed out first come, first served: a later reservation never starts before an
    earlier one. A new start is granted only once the start ``limit`` places back is older than
    ``period + margin`` seconds; ``margin`` defaults to :func:`default_margin` (5 % of the period,
    at most 1 s) and covers the jitter between release and arrival at the vendor: raise it for a
    slow or distant network, or pass ``0`` for the bare window. ``clock`` must be monotonic; tests
    pass a fake one.

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
        margin: float | None = None,
    ) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be an int >= 1, not {limit!r}")
        if not (isinstance(period, int | float) and 0 < period < math.inf):
            raise ValueError(f"period must be a finite number of seconds > 0, not {period!r}")
        if margin is None:
            margin = default_margin(period)
        if isinstance(margin, bool) or not (isinstance(margin, int | float) and 0 <= margin < math.inf):
            raise ValueError(f"margin must be a finite number of seconds >= 0, not {margin!r}")
        self._limit = limit
        self._period = float(period)
        self._margin = float(margin)
        self._spacing = self._period + self._margin  # between a start and the one `limit` later
        self._clock = clock
        self._lock = threading.Lock()
        # Only the latest `limit` starts can constrain the next one, because starts are ordered.
        self._starts: deque[float] = deque(maxlen=limit)
        self._paused_until = -math.inf
        self._scope_paused: dict[str, float] = {}  # scope -> paused until; expired ones dropped
        self._process_default = False  # set by shared(): a fake transport may replace it
        self._redis: RedisWindow | None = None
        if shared is not None or key is not None:
            try:
                from nordfin._core.fleet import RedisWindow  # redis is optional: imported only here
            except ImportError:  # pragma: no cover - the test environment has the extra
                raise ValueError("shared= needs the redis extra: pip install 'nordfin[redis]'") from None
            self._redis = RedisWindow(shared, key, limit, self._spacing)

    @property
    def limit(self) -> int:
        """The number of request starts allowed per ``period``."""
        return self._limit

    @property
    def period(self) -> float:
        """The window length, in seconds."""
        return self._period

    @property
    def margin(self) -> float:
        """The seconds added to ``period`` between a start and the one ``limit`` places later."""
        return self._margin

    def __repr__(self) -> str:
        where = f", shared={self._redis!r}" if self._redis is not None else ""
        return f"RateLimiter(limit={self._limit}, period={self._period}, margin={self._margin:g}{where})"

    def reserve(self, max_wait: float = math.inf) -> float | None:
        """Reserve the earliest free start; return the seconds to wait before it (``0.0``: now).

        If that wait would exceed ``max_wait`` (plus the margin, which never makes a caller give
        up), nothing is reserved and ``None`` is returned. Scoped pauses do not apply here:
        :meth:`acquire` with ``scope=`` sits them out.
        """
        turn = self._turn(max_wait, None)
        return turn.wait if turn.granted else None

    def _turn(self, max_wait: float, scope: str | None) -> Turn:
        # The margin is this limiter's own caution: it never makes a caller give up. A caller
        # willing to wait one period still waits for the next slot, as without a margin.
        allowed = max_wait + self._margin
        if self._redis is not None:
            return self._redis.reserve(allowed, scope)
        with self._lock:
            now = self._clock()
            if scope is not None and (held := self._scope_paused.get(scope, now) - now) > 0:
                return Turn(held <= allowed, held, held=True)
            start = self._earliest(now)
            wait = start - now
            if wait > allowed:
                return Turn(False, wait)
            self._starts.append(start)
            return Turn(True, wait)

    def _earliest(self, now: float) -> float:
        start = max(now, self._paused_until)
        if self._starts:
            start = max(start, self._starts[-1])
        if len(self._starts) == self._limit:
            start = max(start, self._starts[0] + self._spacing)
        return start

    def pause(self, seconds: float, *, scope: str | None = None) -> None:
        """Hand out no start before ``seconds`` from now (the server said Retry-After).

        Without ``scope`` this holds back everyone; with one, only :meth:`acquire` calls passing
        the same ``scope`` (one credential's 429 must not stop clients with other credentials).
        A pause only ever lengthens; a scoped one is forgotten once it is over.
        """
        check_scope(scope)
        seconds = max(0.0, seconds)
        if self._redis is not None:
            self._redis.pause(seconds, scope)
            return
        self._pause_here(seconds, scope)

    def _pause_here(self, seconds: float, scope: str | None) -> None:
        with self._lock:
            now = self._clock()
            if scope is None:
                self._paused_until = max(self._paused_until, now + seconds)
                return
            # Bounded by the credentials paused within the last max_wait: expired ones go here.
            self._scope_paused = {s: t for s, t in self._scope_paused.items() if t > now}
            self._scope_paused[scope] = max(self._scope_paused.get(scope, now), now + seconds)

    async def pause_async(self, seconds: float, *, scope: str | None = None) -> None:
        """:meth:`pause` for asyncio (a shared limiter talks to Redis without blocking the loop)."""
        check_scope(scope)
        seconds = max(0.0, seconds)
        if self._redis is not None:
            await self._redis.pause_async(seconds, scope)
        else:
            self._pause_here(seconds, scope)

    def acquire(
        self,
        *,
        max_wait: float = math.inf,
        sleep: Callable[[float], None] = time.sleep,
        scope: str | None = None,
    ) -> None:
        """Wait for a start slot and take it.

        With ``scope``, first sit out a pause of that scope (see :meth:`pause`), then take a slot
        within what is left of ``max_wait``. Raises :class:`nordfin.errors.RateLimited`
        (``status`` None, ``retry_after`` the wait that would have been needed) without reserving
        anything if the wait would exceed ``max_wait`` plus the margin.
        """
        check_scope(scope)
        turn = self._turn(max_wait, scope)
        if turn.held:
            sleep(self._granted_or_raise(turn, max_wait))
            max_wait -= turn.wait
            turn = self._turn(max_wait, None)  # sat out: a pause set meanwhile counts from the next call
        wait = self._granted_or_raise(turn, max_wait)
        if wait > 0:
            sleep(wait)

    async def acquire_async(
        self,
        *,
        max_wait: float = math.inf,
        sleep: Callable[[float], Awaitable[None]] = aio.sleep,
        scope: str | None = None,
    ) -> None:
        """:meth:`acquire` for asyncio: the same rules, the wait is awaited."""
        check_scope(scope)
        turn = await self._turn_async(max_wait, scope)
        if turn.held:
            await sleep(self._granted_or_raise(turn, max_wait))
            max_wait -= turn.wait
            turn = await self._turn_async(max_wait, None)
        wait = self._granted_or_raise(turn, max_wait)
        if wait > 0:
            await sleep(wait)

    async def _turn_async(self, max_wait: float, scope: str | None) -> Turn:
        if self._redis is not None:
            return await self._redis.reserve_async(max_wait + self._margin, scope)
        return self._turn(max_wait, scope)

    def _granted_or_raise(self, turn: Turn, max_wait: float) -> float:
        if not turn.granted:
            reason = (
                "the server asked these credentials to wait (Retry-After)"
                if turn.held
                else f"client-side rate limit of {self._limit} requests per {self._period:g}s"
            )
            raise RateLimited(
                f"{reason}: the next slot is {turn.wait:.3g}s away, "
                f"more than the allowed wait of {max_wait:g}s",
                retry_after=turn.wait,
            )
        return turn.wait

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


def check_limiter(value: RateLimiter | None) -> None:
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
