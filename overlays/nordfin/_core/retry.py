"""Retrying requests that are safe to repeat, as an httpx transport.

The rules live once, in pure functions (:func:`plan_after_response`, :func:`plan_after_error`);
:class:`RetryTransport` and :class:`AsyncRetryTransport` only carry them out.

- Every attempt first passes the rate limiter, waiting at most ``policy.max_wait``.
- A response with a status in ``policy.retry_statuses`` is retried only for an idempotent request,
  after its ``Retry-After`` (seconds or HTTP date) or else an exponential backoff with jitter. A
  ``Retry-After`` longer than ``policy.max_wait`` is not slept: that response is returned and the
  caller raises ``RateLimited``. A 429's ``Retry-After`` also pauses the limiter for every client
  sending the same credentials (:func:`credential_scope`), for at most ``policy.max_wait``: a
  hostile or broken header cannot stop a process, and one key's 429 never stops another key.
- Inside :func:`single_attempt` (a poll, which has its own slower backoff) nothing is retried.
- A transport error is retried for an idempotent request; for any other only when it proves that
  the request never left (connect error, connect or pool timeout): a write is never sent twice
  when the first may have reached the server.
- A request whose body cannot be replayed is never retried.
- After the last attempt the last response is returned, or the last exception re-raised.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import NamedTuple

import httpx

from nordfin._core import aio
from nordfin._core.ratelimit import RateLimiter, for_transport
from nordfin._core.record import Frozen
from nordfin._core.redact import SENSITIVE_HEADERS, get_logger, redact_url
from nordfin.errors import RequestValidationError

__all__ = [
    "IDEMPOTENT_METHODS",
    "MAX_RETRY_AFTER",
    "AsyncRetryTransport",
    "RetryDecision",
    "RetryPolicy",
    "RetryTransport",
    "backoff_delay",
    "credential_scope",
    "is_idempotent",
    "parse_retry_after",
    "plan_after_error",
    "plan_after_response",
    "single_attempt",
]

IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

# Errors raised before a single byte of the request reached the server.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_log = get_logger("nordfin.retry")


def _check(condition: bool, message: str) -> None:
    """``message`` is "<field> <rule>": a RequestValidationError (a ValueError) naming the field."""
    if not condition:
        field, _, rule = message.partition(" ")
        raise RequestValidationError(field, rule)


class RetryPolicy(Frozen):
    """How often and how long to retry.

    ``max_attempts`` counts every attempt, the first included (1: never retry).
    ``initial_delay`` doubles per retry up to ``max_delay``, then varies by ± ``jitter`` (a fraction).
    ``max_wait`` is the longest wait (``Retry-After`` or rate limiter) that is slept at all; the
    limiter may add its safety margin (at most 1 s by default) to a slot's wait.
    ``retry_statuses`` are the statuses worth another attempt.
    """

    __slots__ = ("initial_delay", "jitter", "max_attempts", "max_delay", "max_wait", "retry_statuses")
    max_attempts: int
    initial_delay: float
    max_delay: float
    max_wait: float
    jitter: float
    retry_statuses: frozenset[int]

    def __init__(
        self,
        max_attempts: int = 3,
        initial_delay: float = 0.5,
        max_delay: float = 8.0,
        max_wait: float = 60.0,
        jitter: float = 0.25,
        retry_statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504}),
    ) -> None:
        self._init(
            max_attempts=max_attempts,
            initial_delay=initial_delay,
            max_delay=max_delay,
            max_wait=max_wait,
            jitter=jitter,
            retry_statuses=retry_statuses,
        )
        _check(type(self.max_attempts) is int and self.max_attempts >= 1, "max_attempts must be an int >= 1")
        for name in ("initial_delay", "max_delay", "max_wait"):
            value = getattr(self, name)
            _check(isinstance(value, int | float) and 0 <= value < math.inf, f"{name} must be in [0, inf)")
        _check(self.max_delay >= self.initial_delay, "max_delay must be >= initial_delay")
        _check(isinstance(self.jitter, int | float) and 0 <= self.jitter <= 1, "jitter must be within 0..1")
        _check(
            isinstance(self.retry_statuses, frozenset)
            and all(type(s) is int and 100 <= s <= 599 for s in self.retry_statuses),
            "retry_statuses must be a frozenset of HTTP statuses",
        )

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)


def is_idempotent(request: httpx.Request) -> bool:
    """Whether sending ``request`` twice does no more than sending it once.

    True for the idempotent methods and for any request with an ``Idempotency-Key`` header;
    ``request.extensions["nordfin.idempotent"]`` (a bool), when set, decides instead.
    """
    override = request.extensions.get("nordfin.idempotent")
    if isinstance(override, bool):
        return override
    return request.method.upper() in IDEMPOTENT_METHODS or "idempotency-key" in request.headers


_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")
#: The longest ``Retry-After`` read (one day): 400 digits would otherwise read as infinity.
MAX_RETRY_AFTER = 86_400.0


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date (RFC 9110).

    A date in the past gives ``0.0``; anything unreadable gives ``None``; anything longer than
    :data:`MAX_RETRY_AFTER` gives that, so the result is always finite.
    """
    if value is None:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # RFC 9110 dates are GMT
    return min(max(0.0, when.timestamp() - now()), MAX_RETRY_AFTER)


def backoff_delay(policy: RetryPolicy, attempt: int, rnd: Callable[[], float] = random.random) -> float:
    """Delay after failed attempt number ``attempt`` (1-based): exponential, capped, jittered."""
    # The exponent is capped so that a large attempt number cannot overflow a float.
    base = min(policy.initial_delay * 2.0 ** min(attempt - 1, 64), policy.max_delay)
    return max(0.0, base * (1.0 + policy.jitter * (2.0 * rnd() - 1.0)))


class RetryDecision(NamedTuple):
    """What to do after an attempt: ``delay`` seconds before the next one, or stop if None;
    ``pause`` seconds for the rate limiter, when the server asked these credentials to wait.
    """

    delay: float | None
    pause: float | None = None


_DONE = RetryDecision(None)  # stop, no pause (frozen: one shared instance)


def _replayable(request: httpx.Request) -> bool:
    # A body still to be read from a generator or file is gone after the first attempt.
    return isinstance(request.stream, httpx.ByteStream)


_SINGLE_ATTEMPT: ContextVar[bool] = ContextVar("nordfin_single_attempt", default=False)


@contextmanager
def single_attempt() -> Iterator[None]:
    """Within this block (this thread or task), requests are sent once and never retried.

    For callers with a retry rule of their own, slower than this one: a poll that fails waits the
    vendor's polling backoff, not half a second.
    """
    token = _SINGLE_ATTEMPT.set(True)
    try:
        yield
    finally:
        _SINGLE_ATTEMPT.reset(token)


def _may_retry(policy: RetryPolicy, request: httpx.Request, attempt: int) -> bool:
    return attempt < policy.max_attempts and _replayable(request) and not _SINGLE_ATTEMPT.get()


def plan_after_response(
    policy: RetryPolicy,
    request: httpx.Request,
    response: httpx.Response,
    attempt: int,
    rnd: Callable[[], float] = random.random,
) -> RetryDecision:
    """The decision after attempt ``attempt`` got ``response``."""
    status = response.status_code
    retryable = status in policy.retry_statuses
    if not retryable and status != 429:
        return _DONE  # nearly every answer: nothing to wait for, nothing to build
    header = response.headers.get("retry-after") if retryable or status == 429 else None
    retry_after = parse_retry_after(header)
    # Never pause everyone longer than this client would wait itself.
    pause = min(retry_after, policy.max_wait) if status == 429 and retry_after is not None else None
    if not (retryable and is_idempotent(request) and _may_retry(policy, request, attempt)):
        return RetryDecision(None, pause)
    if retry_after is None:
        return RetryDecision(backoff_delay(policy, attempt, rnd), pause)
    return RetryDecision(retry_after if retry_after <= policy.max_wait else None, pause)


def plan_after_error(
    policy: RetryPolicy,
    request: httpx.Request,
    error: httpx.TransportError,
    attempt: int,
    rnd: Callable[[], float] = random.random,
) -> RetryDecision:
    """The decision after attempt ``attempt`` raised ``error``."""
    safe = is_idempotent(request) or isinstance(error, _NEVER_SENT)
    if not (safe and _may_retry(policy, request, attempt)):
        return RetryDecision(None)
    return RetryDecision(backoff_delay(policy, attempt, rnd))


# The headers that say who is asking: those redaction masks, less the ones that are not a vendor
# credential (cookies come and go, a proxy's password is not the API's).
_CREDENTIAL_HEADERS = SENSITIVE_HEADERS - {"cookie", "set-cookie", "proxy-authorization"}
# Fixed, so every process of a fleet names the same credentials alike; it keeps the hash nordfin's own.
_SCOPE_KEY = b"nordfin rate-limit scope v1"


def credential_scope(request: httpx.Request) -> str:
    """Who a rate-limit pause applies to: a keyed hash (HMAC-SHA256, 128 bits) of the credential
    headers ``request`` carries as sent, so a pause reaches every client with the same key and no
    client with another. Never the secret itself: it is safe to keep in Redis, though never logged.
    A request without credentials gets the scope of all such requests.
    """
    mac = hmac.new(_SCOPE_KEY, digestmod=hashlib.sha256)
    for name, value in sorted((n.lower(), v) for n, v in request.headers.raw):
        if name.decode("latin-1") in _CREDENTIAL_HEADERS:
            mac.update(b"%d:%s%d:%s" % (len(name), name, len(value), value))
    return mac.hexdigest()[:32]


def _log_retry(request: httpx.Request, reason: str, attempt: int, policy: RetryPolicy, delay: float) -> None:
    _log.info(
        "retrying %s %s after %s (attempt %d of %d failed), next in %.2fs",
        request.method,
        redact_url(request.url),
        reason,
        attempt,
        policy.max_attempts,
        delay,
    )


class _Base:
    def __init__(self, policy: RetryPolicy, limiter: RateLimiter | None, rnd: Callable[[], float]) -> None:
        self._policy = policy
        self._limiter = limiter
        self._rnd = rnd
        self._scopes: dict[tuple[tuple[bytes, bytes], ...], str] = {}

    def _scope(self, request: httpx.Request) -> str | None:
        if self._limiter is None:
            return None
        # A pure function of the headers, which are the same on nearly every request of a client.
        key = tuple(request.headers.raw)
        scope = self._scopes.get(key)
        if scope is None:
            if len(self._scopes) >= 64:  # a rotating token must not grow it without bound
                self._scopes.clear()
            scope = self._scopes[key] = credential_scope(request)
        return scope

    def _on_response(self, request: httpx.Request, response: httpx.Response, attempt: int) -> RetryDecision:
        plan = plan_after_response(self._policy, request, response, attempt, self._rnd)
        if plan.delay is not None:
            _log_retry(request, f"status {response.status_code}", attempt, self._policy, plan.delay)
        return plan

    def _on_error(self, request: httpx.Request, error: httpx.TransportError, attempt: int) -> float | None:
        plan = plan_after_error(self._policy, request, error, attempt, self._rnd)
        if plan.delay is not None:
            _log_retry(request, type(error).__name__, attempt, self._policy, plan.delay)
        return plan.delay

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self._policy!r}, limiter={self._limiter!r})"


class RetryTransport(_Base, httpx.BaseTransport):
    """Wraps ``inner`` with the retry and rate-limit rules of this module (see its docstring)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        policy: RetryPolicy = RetryPolicy(),
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rnd: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(policy, for_transport(limiter, inner), rnd)
        self._inner = inner
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the limiter and ``inner``, retrying as the policy allows."""
        attempt, scope = 1, self._scope(request)
        while True:
            if self._limiter is not None:
                self._limiter.acquire(max_wait=self._policy.max_wait, sleep=self._sleep, scope=scope)
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as error:
                if (delay := self._on_error(request, error, attempt)) is None:
                    raise
            else:
                plan = self._on_response(request, response, attempt)
                if plan.pause is not None and self._limiter is not None:
                    self._limiter.pause(plan.pause, scope=scope)
                if (delay := plan.delay) is None:
                    return response
                response.read()
                response.close()
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        """Close the inner transport."""
        self._inner.close()


class AsyncRetryTransport(_Base, httpx.AsyncBaseTransport):
    """:class:`RetryTransport` for ``httpx.AsyncClient``: the same rules, awaited."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        policy: RetryPolicy = RetryPolicy(),
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = aio.sleep,
        rnd: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(policy, for_transport(limiter, inner), rnd)
        self._inner = inner
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the limiter and ``inner``, retrying as the policy allows."""
        attempt, scope = 1, self._scope(request)
        while True:
            if self._limiter is not None:
                await self._limiter.acquire_async(
                    max_wait=self._policy.max_wait, sleep=self._sleep, scope=scope
                )
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as error:
                if (delay := self._on_error(request, error, attempt)) is None:
                    raise
            else:
                plan = self._on_response(request, response, attempt)
                if plan.pause is not None and self._limiter is not None:
                    await self._limiter.pause_async(plan.pause, scope=scope)
                if (delay := plan.delay) is None:
                    return response
                await response.aread()
                await response.aclose()
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()
