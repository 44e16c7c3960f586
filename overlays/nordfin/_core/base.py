"""What every overlay's ``Client`` and ``AsyncClient`` share: construction, closing, ``repr``.

An overlay subclass passes its ``ApiProfile``, its auth and its quota, and adds resources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, NamedTuple, Self

import httpx

from nordfin._core import setting_checks
from nordfin._core.checked import Checked
from nordfin._core.ratelimit import RateLimiter, check_limiter, shared_limiter
from nordfin._core.record import Frozen
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Session
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert, build_async_client, build_sync_client
from nordfin.errors import RequestValidationError

__all__ = ["AsyncClientBase", "ClientBase", "ClientSetup", "Options", "Quota", "resolve_base_url"]


class Quota(NamedTuple):
    """A vendor's documented rate limit: ``limit`` requests per ``period`` seconds per ``key``."""

    limit: int
    period: float

    def limiter(self, key: str) -> RateLimiter:
        """The process-wide limiter for this quota under ``key``."""
        return RateLimiter.shared(key, self.limit, self.period)

    def choose(self, setting: bool | str | RateLimiter, key: str) -> RateLimiter | None:
        """A client's ``rate_limit=`` setting: on (the shared limiter), off, the caller's own, or a
        ``redis://`` URL: this quota under ``key`` shared by every process using that Redis.
        """
        if isinstance(setting, RateLimiter):
            return setting
        if isinstance(setting, str):
            return shared_limiter(setting, key, self.limit, self.period)
        return self.limiter(key) if setting else None


class Options(Frozen):
    """Settings every client takes; see an overlay's ``Client`` docstring for their meaning."""

    __slots__ = ("base_url", "cert", "limiter", "retry", "sleep", "strict", "timeout", "transport")
    base_url: str
    timeout: httpx.Timeout | float | None
    retry: RetryPolicy
    limiter: RateLimiter | None
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None
    cert: ClientCert | None
    strict: bool
    sleep: Callable[[float], Any] | None

    def __init__(
        self,
        *,
        base_url: str,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),  # frozen, so sharing the default is safe
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        cert: ClientCert | None = None,
        strict: bool = False,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self._init(
            base_url=base_url,
            timeout=timeout,
            retry=retry,
            limiter=limiter,
            transport=transport,
            cert=cert,
            strict=strict,
            sleep=sleep,
        )
        check_limiter(limiter)
        setting_checks.check_options(self)  # every setting refused at construction, not at first use


def resolve_base_url(environments: Mapping[str, str], environment: str | None, base_url: str | None) -> str:
    """``base_url`` wins; otherwise the named environment; an unknown name is refused."""
    if base_url is not None:
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise RequestValidationError("base_url", "must be an http(s) URL")
        return base_url.rstrip("/")
    name = environment or next(iter(environments))
    if name not in environments:
        raise RequestValidationError("environment", f"must be one of {', '.join(sorted(environments))}")
    return environments[name]


class ClientSetup(Checked):
    """Base of an overlay's constructor class, the one its sync and async clients share.

    Its ``__init__`` takes the API's credentials, calls ``_connect``, which ``ClientBase`` or
    ``AsyncClientBase`` provides (they come first among the client's bases), and hands the session
    to ``_attach``, where each client attaches its resources.
    """

    def _connect(self, profile: ApiProfile, auth: httpx.Auth, options: Options) -> Any:
        raise NotImplementedError  # provided by ClientBase / AsyncClientBase

    def _attach(self, session: Any) -> None:
        raise NotImplementedError  # each client attaches its resources


class ClientBase:
    """Base of the synchronous clients: one ``httpx.Client`` with retry, limiter and auth.

    It has no ``__init__``: an overlay puts it first among its bases, next to a class whose
    ``__init__`` takes the API's credentials and calls ``_connect``, so the sync and async
    clients share that signature instead of repeating it.
    """

    _session: Session

    def _connect(self, profile: ApiProfile, auth: httpx.Auth, options: Options) -> Session:
        setting_checks.check_sync_sleep(options.sleep)
        http = build_sync_client(
            base_url=options.base_url,
            auth=auth,
            timeout=options.timeout,
            transport=_sync_transport(options.transport),
            cert=options.cert,
            policy=options.retry,
            limiter=options.limiter,
            sleep=options.sleep,
        )
        self._session = Session(profile, http, strict=options.strict)
        self.base_url = options.base_url
        return self._session

    def close(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}(base_url={self.base_url!r})"


class AsyncClientBase:
    """Base of the asynchronous clients: one ``httpx.AsyncClient`` with retry, limiter and auth."""

    _session: AsyncSession

    def _connect(self, profile: ApiProfile, auth: httpx.Auth, options: Options) -> AsyncSession:
        http = build_async_client(
            base_url=options.base_url,
            auth=auth,
            timeout=options.timeout,
            transport=_async_transport(options.transport),
            cert=options.cert,
            policy=options.retry,
            limiter=options.limiter,
            sleep=options.sleep,
        )
        self._session = AsyncSession(profile, http, strict=options.strict)
        self.base_url = options.base_url
        return self._session

    async def aclose(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        await self._session.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}(base_url={self.base_url!r})"


def _sync_transport(transport: object) -> httpx.BaseTransport | None:
    if transport is None or isinstance(transport, httpx.BaseTransport):
        return transport
    raise RequestValidationError("transport", "must be an httpx.BaseTransport for the sync client")


def _async_transport(transport: object) -> httpx.AsyncBaseTransport | None:
    if transport is None or isinstance(transport, httpx.AsyncBaseTransport):
        return transport
    raise RequestValidationError("transport", "must be an httpx.AsyncBaseTransport for the async client")
