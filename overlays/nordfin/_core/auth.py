"""The authentication schemes the vendors use, as ``httpx.Auth`` flows.

Every credential is held as a :class:`~nordfin._core.redact.Secret`, so no ``repr``, log line or
exception text shows it.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import quote_plus

import httpx

from nordfin._core.errors import status_family
from nordfin._core.redact import Secret, get_logger, redact_url
from nordfin._core.retry import parse_retry_after
from nordfin._core.tokenstore import LOCAL, SharedToken, TokenStore
from nordfin.errors import NordfinError, RateLimited, ResponseValidationError, Unauthorized, VendorError

if TYPE_CHECKING:
    import asyncio

__all__ = ["BearerAuth", "HeaderKeysAuth", "OAuth2ClientCredentials", "WithHeaders"]

_log = get_logger("nordfin.auth")


class BearerAuth(httpx.Auth):
    """A fixed token in one header: ``Authorization: Bearer <token>`` unless told otherwise.

    ``prefix=""`` sends the bare token (some vendors want ``Authorization: <token>``).
    """

    def __init__(self, token: str | Secret, *, header: str = "Authorization", prefix: str = "Bearer") -> None:
        self._token = Secret.of(token)
        self._header = header
        self._prefix = prefix

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the header and send."""
        token = self._token.reveal()
        request.headers[self._header] = f"{self._prefix} {token}" if self._prefix else token
        yield request

    def __repr__(self) -> str:
        return f"BearerAuth(header={self._header!r}, prefix={self._prefix!r}, token={self._token!r})"


class HeaderKeysAuth(httpx.Auth):
    """Several headers set at once, e.g. Goto's ``store`` and ``api_key``; all values kept secret."""

    def __init__(self, headers: Mapping[str, str | Secret]) -> None:
        if not headers:
            raise ValueError("HeaderKeysAuth needs at least one header")
        self._headers = {name: Secret.of(value) for name, value in headers.items()}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the headers and send."""
        for name, value in self._headers.items():
            request.headers[name] = value.reveal()
        yield request

    def __repr__(self) -> str:
        return f"HeaderKeysAuth(headers={sorted(self._headers)!r})"


class _Token(NamedTuple):
    value: Secret
    expires_at: float


class OAuth2ClientCredentials(httpx.Auth):
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4) with a cached, self-renewing token.

    The token is fetched on first use by a request that goes through the same client and
    transport, kept until it is within ``refresh_margin`` seconds of expiry (at most half its
    lifetime, so a short-lived token is not fetched for every call), and fetched again once if
    the API answers 401. One fetch at a time: threads wait on a lock, asyncio tasks on an asyncio
    lock (one per event loop), and whoever waited uses the token the first one got.

    ``token_url`` is absolute, or an absolute path (``/oauth/token``) on the host of the request.
    ``auth_style="basic"`` sends the credentials form-encoded in HTTP Basic as RFC 6749 §2.3.1 says;
    ``"post"`` sends them in the form body. A token answer without ``expires_in`` is kept until a 401.
    A token request the server refuses (400, 401) raises :class:`nordfin.errors.Unauthorized`; any
    other failure raises its own family (``ServerError`` for a 503, ``RateLimited`` for a 429,
    ``ResponseValidationError`` for a 200 without a token). Tasks that waited while a fetch failed
    get that failure, not a fetch of their own, so a down endpoint sees one fetch, not one per task.
    """

    requires_request_body = True  # the request may be resent after a 401, so its body must be kept
    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | Secret,
        *,
        scope: str | None = None,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.time,
        auth_style: Literal["basic", "post"] = "basic",
        token_store: TokenStore = LOCAL,
    ) -> None:
        if not token_url.startswith(("https://", "http://", "/")):
            raise ValueError("token_url must be an absolute URL or an absolute path such as '/oauth/token'")
        if auth_style not in ("basic", "post"):
            raise ValueError("auth_style must be 'basic' or 'post'")
        self._token_url, self._client_id, self._scope = token_url, client_id, scope
        self._secret = Secret.of(client_secret)
        self._margin, self._clock, self._style = refresh_margin, clock, auth_style
        self._token: _Token | None = None
        # A fleet's shared store (token_cache=): one fetch at a time across processes.
        self._shared, self._identity = token_store, f"{token_url}\n{client_id}\n{scope or ''}"
        self._fetches = 0  # fetches finished; a waiter compares it to know one failed meanwhile
        self._failure: NordfinError | None = None
        self._cache_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(token_url={redact_url(self._token_url)!r}, "
            f"client_id={self._client_id!r}, scope={self._scope!r}, client_secret={self._secret!r})"
        )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Authorize ``request`` (fetching a token if needed); on a 401, refetch once and resend."""
        request.read()
        stale: Secret | None = None
        for _ in range(2):
            token = yield from self._sync_token(request, stale)
            response = yield self._authorized(request, token)
            if response.status_code != 401:
                return
            stale = token

    def _sync_token(
        self, request: httpx.Request, stale: Secret | None
    ) -> Generator[httpx.Request, httpx.Response, Secret]:
        token = self._cached(stale)
        if token is not None:
            return token
        fetches = self._fetches
        with self._refresh_lock, self._shared.hold(self._identity, stale) as shared:
            token = self._cached(stale) or self._adopt(shared)
            if token is None:
                self._raise_failure_since(fetches)
                response = yield self._token_request(request)
                response.read()
                token = self._store(response)
                self._share(shared)
        return token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """:meth:`sync_auth_flow` for ``httpx.AsyncClient``."""
        await request.aread()
        stale: Secret | None = None
        for _ in range(2):
            token = self._cached(stale)
            if token is None:
                fetches = self._fetches
                async with self._loop_lock(), self._shared.ahold(self._identity, stale) as shared:
                    token = self._cached(stale) or self._adopt(shared)
                    if token is None:
                        self._raise_failure_since(fetches)
                        response = yield self._token_request(request)
                        await response.aread()
                        token = self._store(response)
                        self._share(shared)
            response = yield self._authorized(request, token)
            if response.status_code != 401:
                return
            stale = token

    def _loop_lock(self) -> asyncio.Lock:
        import asyncio  # only the async client gets here; a sync program never loads asyncio

        # An asyncio.Lock belongs to one event loop; a client may be used from several in turn.
        loop = asyncio.get_running_loop()
        with self._cache_lock:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
            return lock

    def _cached(self, stale: Secret | None) -> Secret | None:
        """The cached token, unless it is missing, about to expire, or the one the API refused."""
        with self._cache_lock:
            token = self._token
        if token is None or self._clock() >= token.expires_at or token.value == stale:
            return None
        return token.value

    def _adopt(self, shared: SharedToken) -> Secret | None:
        """Cache the token another process of the fleet fetched, if the store had one."""
        if shared.token is None or shared.ttl is None:
            return None
        with self._cache_lock:
            self._token = _Token(shared.token, self._clock() + shared.ttl)
        return shared.token

    def _share(self, shared: SharedToken) -> None:
        with self._cache_lock:
            token = self._token
        if token is not None:
            shared.keep(token.value, token.expires_at - self._clock())

    @staticmethod
    def _authorized(request: httpx.Request, token: Secret) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {token.reveal()}"
        return request

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        form = {"grant_type": "client_credentials"} | ({"scope": self._scope} if self._scope else {})
        headers = {"Accept": "application/json"}
        if self._style == "basic":
            pair = f"{quote_plus(self._client_id)}:{quote_plus(self._secret.reveal())}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form |= {"client_id": self._client_id, "client_secret": self._secret.reveal()}
        if "user-agent" in request.headers:
            headers["User-Agent"] = request.headers["user-agent"]
        # Asking for a token twice does no harm, so the retry layer may repeat it like a GET.
        return httpx.Request(
            "POST",
            request.url.join(self._token_url),
            data=form,
            headers=headers,
            extensions={"nordfin.idempotent": True},
        )

    def _raise_failure_since(self, fetches: int) -> None:
        """Raise (a copy of) the failure of a fetch that ran while this caller waited for the lock."""
        failure = self._failure
        if failure is not None and self._fetches != fetches:
            raise copy.copy(failure)

    def _store(self, response: httpx.Response) -> Secret:
        """Read the token answer, cache the token, return it; raise the failure if there is none."""
        body = _json_object(response) if response.is_success else None
        value = body.get("access_token") if body else None
        self._fetches += 1
        if not isinstance(value, str) or not value:
            self._failure = self._token_error(response)
            raise self._failure
        self._failure = None
        lifetime = _lifetime(body.get("expires_in") if body else None)
        token = _Token(Secret(value), self._clock() + lifetime - min(self._margin, lifetime / 2))
        with self._cache_lock:
            self._token = token
        _log.info(
            "fetched an OAuth2 token from %s, valid for %ss", redact_url(response.request.url), lifetime
        )
        return token.value

    def _token_error(self, response: httpx.Response) -> NordfinError:
        url = redact_url(response.request.url)
        body = _json_object(response) or {}
        code, text = (self._scrub(body.get(key)) for key in ("error", "error_description"))
        reason = "no access_token in the answer" if response.is_success else f"HTTP {response.status_code}"
        said = ": ".join(part for part in (code, text) if part)
        message = f"OAuth2 token request to {url} failed, {reason}" + (f" ({said})" if said else "")
        if response.is_success:  # the endpoint answered, but not with a token: its fault, not ours
            return ResponseValidationError("oauth2_token", response.status_code, [message])
        # RFC 6749 §5.2: refused credentials, grant or scope are a 400 or 401; others keep their family.
        family = Unauthorized if response.status_code in (400, 401) else status_family(response.status_code)
        extra: dict[str, Any] = {}
        if issubclass(family, RateLimited):
            extra["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
        return family(
            message,
            status=response.status_code,
            vendor=VendorError(code=code, message=text, data={"error": code, "error_description": text}),
            method="POST",
            url=url,
            **extra,
        )

    def _scrub(self, value: Any) -> str | None:
        # A token endpoint may echo what it was sent; the secret must not reach the error text.
        return str(value).replace(self._secret.reveal(), "***") if value is not None else None


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _lifetime(expires_in: Any) -> float:
    try:
        seconds = float(expires_in)  # some servers send it as a string
    except (TypeError, ValueError):
        return math.inf
    return seconds if seconds > 0 and math.isfinite(seconds) else math.inf


class WithHeaders(httpx.Auth):
    """Secret headers on every API request, then another flow: e.g. an API key beside OAuth2.

    The inner flow's own requests (a token request) do not get the headers: they go to the
    token endpoint, which needs only the client's credentials.
    """

    def __init__(self, inner: httpx.Auth, headers: Mapping[str, str | Secret]) -> None:
        self._inner = inner
        self._headers = HeaderKeysAuth(headers)
        self.requires_request_body = inner.requires_request_body
        self.requires_response_body = inner.requires_response_body

    def _apply(self, request: httpx.Request) -> None:
        next(self._headers.auth_flow(request))

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the headers, then run the inner flow."""
        self._apply(request)
        yield from self._inner.sync_auth_flow(request)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Set the headers, then run the inner flow (an async generator has no ``yield from``)."""
        self._apply(request)
        flow = self._inner.async_auth_flow(request)
        outgoing = await flow.__anext__()
        while True:
            response = yield outgoing
            try:
                outgoing = await flow.asend(response)
            except StopAsyncIteration:
                return

    def __repr__(self) -> str:
        return f"WithHeaders({self._inner!r}, {self._headers!r})"
