"""A fleet of processes sharing one quota through Redis: the rate-limit window, the OAuth2 token,
the poll schedule of each resource.

Imported only when a ``redis://`` (or ``rediss://``, ``unix://``) URL is given; it needs redis-py
(``pip install nordfin[redis]``). Each decision is one Lua script that Redis runs atomically,
timed by Redis's own clock (``TIME``), so the workers' clocks may disagree without breaking the
quota. Times are whole microseconds: exact in Lua's doubles. Every key expires once it can no
longer constrain anything, so Redis does not grow with the number of orders or windows.

Any failure to reach Redis, or an error it answers, raises :class:`nordfin.errors.RedisUnavailable`
naming the server without its password. There is no silent fallback to a per-process count: a
fleet of N processes would then send N times the vendor's quota.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import redis
import redis.asyncio
from redis.asyncio.lock import Lock as AsyncLock
from redis.lock import Lock

from nordfin._core.polling import IntervalGate
from nordfin._core.ratelimit import Turn
from nordfin._core.redact import Secret
from nordfin._core.tokenstore import SharedToken
from nordfin.errors import RedisUnavailable

__all__ = ["KEY_PREFIX", "RedisTokenStore", "RedisWindow", "SharedIntervalGate", "redis_url", "shared_gate"]

T = TypeVar("T")
P = TypeVar("P", redis.client.Pipeline, redis.asyncio.client.Pipeline)

#: Every key nordfin writes starts with this (``SCAN nordfin:*`` lists them).
KEY_PREFIX = "nordfin:"
_MICRO = 1_000_000
# A hung Redis must not hang the API call: bounded connect and reply times (seconds).
_CONNECT_TIMEOUT = 2.0
_REPLY_TIMEOUT = 5.0
_SCHEMES = ("redis://", "rediss://", "unix://")


class _Script:
    """A Lua script run by its SHA1 (EVALSHA), sent in full only when Redis does not know it yet."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()  # Redis names scripts so

    def run(self, client: redis.Redis, keys: list[str], args: list[int]) -> Any:
        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return client.eval(self.source, len(keys), *keys, *args)

    async def arun(self, client: redis.asyncio.Redis, keys: list[str], args: list[int]) -> Any:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return await client.eval(self.source, len(keys), *keys, *args)


# KEYS[1]: the latest `limit` start times (a list, oldest first); KEYS[2]: paused until (everyone);
# KEYS[3], if given: paused until, for the caller's scope (its credentials) alone.
# ARGV: limit, spacing (µs: period + margin), max wait (µs, negative: none).
# Returns {granted 0/1, wait µs, held 0/1}; held: the scope's own pause, nothing reserved.
_RESERVE = _Script("""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, spacing, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if KEYS[3] then
  local held = tonumber(redis.call('GET', KEYS[3]))
  if held and held > now then
    local wait = held - now
    if max_wait >= 0 and wait > max_wait then return {0, wait, 1} end
    return {1, wait, 1}
  end
end
local start = now
local paused = tonumber(redis.call('GET', KEYS[2]))
if paused and paused > start then start = paused end
local n = redis.call('LLEN', KEYS[1])
if n > 0 then
  local last = tonumber(redis.call('LINDEX', KEYS[1], -1))
  if last > start then start = last end
end
if n >= limit then
  local first = tonumber(redis.call('LINDEX', KEYS[1], -limit))
  if first + spacing > start then start = first + spacing end
end
local wait = start - now
if max_wait >= 0 and wait > max_wait then return {0, wait, 0} end
redis.call('RPUSH', KEYS[1], string.format('%d', start))
redis.call('LTRIM', KEYS[1], -limit, -1)
redis.call('PEXPIRE', KEYS[1], math.ceil((start + spacing - now) / 1000) + 1000)
return {1, wait, 0}
""")

# KEYS[1]: paused until (µs), of everyone or of one scope. ARGV[1]: seconds as µs. Only ever
# lengthens a pause; the key expires when the pause ends.
_PAUSE = _Script("""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local till = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or till > current then
  redis.call('SET', KEYS[1], string.format('%d', till), 'PX', math.max(1, math.ceil((till - now) / 1000)))
end
return 1
""")

# KEYS[1]: the next allowed poll of one resource (µs). ARGV: interval (µs), delay (µs) from now
# before which the caller will not poll anyway. Returns the wait (µs) until the reserved poll.
_GATE = _Script("""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, delay = tonumber(ARGV[1]), tonumber(ARGV[2])
local at = now + delay
local nxt = tonumber(redis.call('GET', KEYS[1]))
if nxt and nxt > at then at = nxt end
local ttl = math.ceil((at + interval - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', at + interval), 'PX', ttl)
return at - now
""")


def redis_url(url: object, field: str = "shared") -> str:
    """``url`` checked to be a Redis URL (the password, if any, stays in it, never in text)."""
    if not isinstance(url, str) or not url.startswith(_SCHEMES):
        raise ValueError(f"{field} must be a redis:// (or rediss://, unix://) URL")
    return url


def _where(url: str) -> str:
    """The URL without credentials, for error text and ``repr``."""
    try:
        kwargs = redis.connection.parse_url(url)  # type: ignore[no-untyped-call]
    except ValueError:
        return "redis://<unreadable URL>"
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > 200 or not key.isprintable():
        raise ValueError("key must be a non-empty printable str of at most 200 characters")
    return key


# An asyncio client, the async generator that closes it with its loop, and whether that started.
_LoopClient = tuple[redis.asyncio.Redis, "AsyncGenerator[None, None]", list[bool]]


class _Connections:
    """One thread-safe sync client per URL for the process; one asyncio client per URL and loop.

    An asyncio client belongs to the loop it first ran on; it is closed when that loop shuts down
    its async generators (``asyncio.run`` and pytest-asyncio both do), so no connection leaks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync: dict[str, redis.Redis] = {}
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _LoopClient]] = (
            weakref.WeakKeyDictionary()
        )

    @staticmethod
    def _options() -> dict[str, Any]:
        return {"socket_connect_timeout": _CONNECT_TIMEOUT, "socket_timeout": _REPLY_TIMEOUT}

    def sync(self, url: str) -> redis.Redis:
        with self._lock:
            client = self._sync.get(url)
            if client is None:
                client = self._sync[url] = redis.Redis.from_url(url, **self._options())
            return client

    async def for_loop(self, url: str) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        with self._lock:
            clients = self._async.setdefault(loop, {})
            entry = clients.get(url)
            if entry is None:
                client = redis.asyncio.Redis.from_url(url, **self._options())
                # Held here as long as the loop lives; the loop's shutdown_asyncgens closes it,
                # and it closes the client.
                entry = clients[url] = (client, _closer(client), [False])
        client, closer, started = entry
        if not started[0]:
            started[0] = True
            await closer.__anext__()
        return client

    def drop(self) -> None:
        """Forget every client (for tests that restart Redis on another port)."""
        with self._lock:
            clients, self._sync = list(self._sync.values()), {}
        for client in clients:
            client.close()


async def _closer(client: redis.asyncio.Redis) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await client.aclose()


CONNECTIONS = _Connections()


def _unavailable(url: str, error: Exception) -> RedisUnavailable:
    # redis-py's text names host and port (or Redis's own reply), never the password.
    said = " ".join(str(error).split())[:200]
    return RedisUnavailable(
        f"the Redis at {_where(url)} that coordinates this fleet failed: {type(error).__name__}"
        + (f" ({said})" if said else "")
    )


def _call(url: str, run: Callable[[], T]) -> T:
    try:
        return run()
    except redis.RedisError as error:
        raise _unavailable(url, error) from None


async def _acall(url: str, run: Callable[[], Awaitable[T]]) -> T:
    try:
        return await run()
    except redis.RedisError as error:
        raise _unavailable(url, error) from None


def _micros(seconds: float) -> int:
    return math.ceil(seconds * _MICRO)


class RedisWindow:
    """The sliding window of :class:`nordfin.RateLimiter` kept in Redis under ``key``, with the
    pauses of everyone and of each scope (a credential's keyed hash, never the credential).
    """

    def __init__(self, url: object, key: object, limit: int, spacing: float) -> None:
        self._url = redis_url(url)
        self._key = _check_key(key)
        tag = "{" + self._key + "}"  # one hash slot for every key, so Redis Cluster runs the script
        self._keys = [f"{KEY_PREFIX}rate:{tag}:starts", f"{KEY_PREFIX}rate:{tag}:pause"]
        self._args = [limit, _micros(spacing)]

    def __repr__(self) -> str:
        return f"{_where(self._url)!r}, key={self._key!r}"

    def _pause_key(self, scope: str | None) -> str:
        return self._keys[1] if scope is None else f"{self._keys[1]}:{scope}"

    def _reserve_keys(self, scope: str | None) -> list[str]:
        return self._keys if scope is None else [*self._keys, self._pause_key(scope)]

    def _reserve_args(self, max_wait: float) -> list[int]:
        return [*self._args, _micros(max_wait) if math.isfinite(max_wait) else -1]

    def reserve(self, max_wait: float, scope: str | None = None) -> Turn:
        """The :class:`~nordfin._core.ratelimit.Turn` of ``RateLimiter._turn``, decided by Redis."""
        client = CONNECTIONS.sync(self._url)
        keys, args = self._reserve_keys(scope), self._reserve_args(max_wait)
        return _turn(_call(self._url, lambda: _RESERVE.run(client, keys, args)))

    async def reserve_async(self, max_wait: float, scope: str | None = None) -> Turn:
        """:meth:`reserve` through the asyncio client."""
        client = await _acall(self._url, lambda: CONNECTIONS.for_loop(self._url))
        keys, args = self._reserve_keys(scope), self._reserve_args(max_wait)
        return _turn(await _acall(self._url, lambda: _RESERVE.arun(client, keys, args)))

    def pause(self, seconds: float, scope: str | None = None) -> None:
        """No start before ``seconds`` from now (Redis's now): for everyone, or for ``scope``."""
        client = CONNECTIONS.sync(self._url)
        keys = [self._pause_key(scope)]
        _call(self._url, lambda: _PAUSE.run(client, keys, [_micros(seconds)]))

    async def pause_async(self, seconds: float, scope: str | None = None) -> None:
        """:meth:`pause` through the asyncio client."""
        client = await _acall(self._url, lambda: CONNECTIONS.for_loop(self._url))
        keys = [self._pause_key(scope)]
        await _acall(self._url, lambda: _PAUSE.arun(client, keys, [_micros(seconds)]))


def _turn(reply: list[int]) -> Turn:
    granted, wait, held = reply
    return Turn(bool(granted), int(wait) / _MICRO, bool(held))


class SharedIntervalGate(IntervalGate):
    """:class:`~nordfin._core.polling.IntervalGate` kept in Redis: one schedule per resource for
    every process polling through the same Redis and ``name``. Keys expire after the interval.
    """

    def __init__(self, interval: float, url: str, name: str) -> None:
        super().__init__(interval)
        self._url = redis_url(url)
        self._name = _check_key(name)

    def __repr__(self) -> str:
        return (
            f"SharedIntervalGate(interval={self.interval}, shared={_where(self._url)!r}, name={self._name!r})"
        )

    def _key_args(self, key: Hashable, now: float, not_before: float) -> tuple[str, list[int]]:
        delay = max(0.0, not_before - now) if math.isfinite(not_before) else 0.0
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]  # any hashable, fixed length
        return f"{KEY_PREFIX}poll:{self._name}:{digest}", [_micros(self.interval), _micros(delay)]

    def reserve(self, key: Hashable, now: float, not_before: float = -math.inf) -> float:
        """The next allowed poll of ``key`` on the caller's clock (Redis decides how far away)."""
        client = CONNECTIONS.sync(self._url)
        key_name, args = self._key_args(key, now, not_before)
        wait = _call(self._url, lambda: _GATE.run(client, [key_name], args))
        return now + int(wait) / _MICRO

    async def reserve_async(self, key: Hashable, now: float, not_before: float = -math.inf) -> float:
        """:meth:`reserve` through the asyncio client."""
        client = await _acall(self._url, lambda: CONNECTIONS.for_loop(self._url))
        key_name, args = self._key_args(key, now, not_before)
        wait = await _acall(self._url, lambda: _GATE.arun(client, [key_name], args))
        return now + int(wait) / _MICRO


def shared_gate(interval: float, limiter: object, name: str) -> IntervalGate | None:
    """A poll gate in the Redis of ``limiter`` (a shared ``RateLimiter``), or None if it has none."""
    window = getattr(limiter, "_redis", None)
    return SharedIntervalGate(interval, window._url, name) if isinstance(window, RedisWindow) else None


class RedisTokenStore:
    """One OAuth2 token for a fleet: the first process that needs one fetches it under a Redis lock
    (released after ``lock_timeout`` seconds even if its holder dies); the others wait for the lock,
    then find the token. Only the token is stored, with its remaining lifetime as the key's TTL;
    never the client secret. Keys are named by a hash of the token URL, client id and scope.
    """

    def __init__(self, url: object, *, lock_timeout: float = 30.0) -> None:
        self._url = redis_url(url, "token_cache")
        self._lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"RedisTokenStore({_where(self._url)!r})"

    def _names(self, identity: str) -> tuple[str, str]:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        return f"{KEY_PREFIX}token:{{{digest}}}", f"{KEY_PREFIX}token:{{{digest}}}:lock"

    @contextmanager
    def hold(self, identity: str, stale: Secret | None) -> Iterator[SharedToken]:
        """Hold the fleet's fetch lock; the slot has the stored token (unless it is ``stale``)
        and stores what the holder ``keep``s when the block ends."""
        client = CONNECTIONS.sync(self._url)
        key, lock_name = self._names(identity)
        lock = Lock(client, lock_name, timeout=self._lock_timeout, blocking_timeout=self._lock_timeout)
        if not _call(self._url, lock.acquire):
            raise RedisUnavailable(
                f"no token lock from the Redis at {_where(self._url)} within {self._lock_timeout:g}s"
            )
        try:
            value, ttl = _call(self._url, lambda: _read(_get_with_ttl(client.pipeline(), key).execute()))
            slot = SharedToken.found(value, ttl, stale)
            yield slot
            if slot.kept is not None:
                token, seconds = slot.kept
                _call(self._url, lambda: client.set(key, token.reveal(), px=_micros(seconds) // 1000))
        finally:
            _call(self._url, lambda: _release(lock))

    @asynccontextmanager
    async def ahold(self, identity: str, stale: Secret | None) -> AsyncIterator[SharedToken]:
        """:meth:`hold` through the asyncio client."""
        client = await _acall(self._url, lambda: CONNECTIONS.for_loop(self._url))
        key, lock_name = self._names(identity)
        lock = AsyncLock(client, lock_name, timeout=self._lock_timeout, blocking_timeout=self._lock_timeout)
        if not await _acall(self._url, lock.acquire):
            raise RedisUnavailable(
                f"no token lock from the Redis at {_where(self._url)} within {self._lock_timeout:g}s"
            )
        try:
            replies = await _acall(self._url, lambda: _get_with_ttl(client.pipeline(), key).execute())
            slot = SharedToken.found(*_read(replies), stale)
            yield slot
            if slot.kept is not None:
                token, seconds = slot.kept
                await _acall(self._url, lambda: client.set(key, token.reveal(), px=_micros(seconds) // 1000))
        finally:
            await _acall(self._url, lambda: _arelease(lock))


def _get_with_ttl(pipeline: P, key: str) -> P:
    pipeline.get(key)
    pipeline.pttl(key)
    return pipeline


def _read(replies: list[Any]) -> tuple[str | None, float | None]:
    value, pttl = replies
    if value is None or pttl is None or pttl <= 0:
        return None, None
    return (value.decode() if isinstance(value, bytes) else str(value)), pttl / 1000


def _release(lock: Lock) -> None:
    # Past its timeout another process may hold it now: nothing of ours to release.
    with contextlib.suppress(redis.exceptions.LockNotOwnedError):
        lock.release()


async def _arelease(lock: AsyncLock) -> None:
    with contextlib.suppress(redis.exceptions.LockNotOwnedError):
        await lock.release()
