"""Building the httpx clients every overlay uses: timeouts on, TLS always verified, retry and
rate limiting in the transport, no redirects followed, a ``User-Agent`` naming nordfin.
"""

from __future__ import annotations

import ssl
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from functools import cache

import httpx

from nordfin._core import aio
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.record import Frozen
from nordfin._core.redact import Secret
from nordfin._core.retry import AsyncRetryTransport, RetryPolicy, RetryTransport
from nordfin.errors import RequestValidationError

__all__ = [
    "DEFAULT_TIMEOUT",
    "ClientCert",
    "build_async_client",
    "build_sync_client",
    "env_proxy",
    "ssl_context",
    "user_agent",
]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def _optional_secret(value: str | Secret | None) -> Secret | None:
    return None if value is None else Secret.of(value)


class ClientCert(Frozen):
    """A client certificate for mutual TLS: PEM ``certfile``, its key (if in another file), and the
    key's password (if it is encrypted; a plain ``str`` is wrapped in a ``Secret``).
    """

    __slots__ = ("certfile", "keyfile", "password")
    certfile: str
    keyfile: str | None
    password: Secret | None

    def __init__(
        self, certfile: str, keyfile: str | None = None, password: str | Secret | None = None
    ) -> None:
        self._init(certfile=certfile, keyfile=keyfile, password=_optional_secret(password))


def ssl_context(cert: ClientCert | None = None) -> ssl.SSLContext:
    """A verifying TLS context (certifi's CA bundle, as httpx builds it) with ``cert`` loaded.

    There is deliberately no way to turn verification off: a test that needs plain traffic passes a
    ``transport=`` instead.
    """
    ctx = httpx.create_ssl_context()
    # Asserted, not assumed: a changed default upstream must not silently weaken this.
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    if cert is not None:
        password = cert.password.reveal() if cert.password is not None else None
        try:
            ctx.load_cert_chain(cert.certfile, cert.keyfile, password=password)
        except (OSError, ssl.SSLError, ValueError) as error:  # missing file, wrong password, not PEM
            raise RequestValidationError(
                "cert", f"cannot be loaded ({type(error).__name__}): give PEM files and the key's password"
            ) from None
    return ctx


def version(name: str) -> str:
    """The installed version of ``name``; importlib.metadata is loaded by the first client, not on import."""
    from importlib.metadata import version as installed

    return installed(name)


@cache
def user_agent() -> str:
    """``nordfin/<installed version>``, or ``nordfin/0+unknown`` when run from a source tree."""
    try:
        return f"nordfin/{version('nordfin')}"
    except ModuleNotFoundError:  # importlib.metadata's PackageNotFoundError
        return "nordfin/0+unknown"


def _headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {"User-Agent": user_agent(), **(headers or {})}


def env_proxy(base_url: str) -> str | None:
    """The proxy that ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` name for ``base_url``.

    httpx reads these itself only when it builds its own transport; ours wraps it, so we read them.
    """
    url = httpx.URL(base_url)
    if not url.host or urllib.request.proxy_bypass(url.host):
        return None
    proxy = urllib.request.getproxies().get(url.scheme)
    return None if not proxy else proxy if "://" in proxy else f"http://{proxy}"


def build_sync_client(
    *,
    base_url: str,
    auth: httpx.Auth | None,
    timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    cert: ClientCert | None = None,
    policy: RetryPolicy = RetryPolicy(),  # frozen, so sharing the default is safe
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], None] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` for one API: ``transport`` (or a verifying HTTP transport with ``cert``,
    through the environment's proxy if any) wrapped in :class:`RetryTransport` with ``policy`` and
    ``limiter``; ``sleep`` (default ``time.sleep``) is used for backoff and limiter waits.
    """
    if transport is None:
        transport = httpx.HTTPTransport(verify=ssl_context(cert), proxy=env_proxy(base_url))
    retrying = RetryTransport(transport, policy=policy, limiter=limiter, sleep=sleep or time.sleep)
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        transport=retrying,
        follow_redirects=False,
        headers=_headers(headers),
    )


def build_async_client(
    *,
    base_url: str,
    auth: httpx.Auth | None,
    timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
    cert: ClientCert | None = None,
    policy: RetryPolicy = RetryPolicy(),  # frozen, so sharing the default is safe
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """:func:`build_sync_client` for ``httpx.AsyncClient`` and :class:`AsyncRetryTransport`."""
    if transport is None:
        transport = httpx.AsyncHTTPTransport(verify=ssl_context(cert), proxy=env_proxy(base_url))
    retrying = AsyncRetryTransport(transport, policy=policy, limiter=limiter, sleep=sleep or aio.sleep)
    return httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        transport=retrying,
        follow_redirects=False,
        headers=_headers(headers),
    )
