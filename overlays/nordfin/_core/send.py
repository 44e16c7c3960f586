"""Building and sending a call's request without ``httpx.Client.build_request`` and ``send``.

A nordfin client owns its ``httpx.Client`` (``_core.transport``): it never follows redirects,
registers no hooks but its own, and authenticates with keys and tokens, not cookies. Of what
``Client.send`` does on every request, this module keeps what does a job here and mirrors httpx
0.28's ``_client.py`` line for line where it does:

- the request: the client's base URL, default headers and timeout merged as ``build_request``
  merges them (the same bytes on the wire, in the same order and casing; the URL parsed once,
  not twice). A client with default query parameters or cookies has its request built by
  ``build_request`` itself: nordfin's clients have neither, a test harness may.
- the auth flow (``Auth.sync_auth_flow``/``async_auth_flow``), each intermediate answer read
  before it is sent back into the flow (``requires_response_body``), and closed on any exception;
  unlike httpx, a request of the flow's own (an OAuth2 token request) gets the client's timeouts;
- the client's request and response event hooks (``_core.guard`` learns the secrets each request
  carries in one), the transport the client would pick (``mounts``), ``response.request``, httpx's
  ``HTTP Request:`` log line when its logger is on, and the body read (and the response closed on
  any exception) before the answer is returned.

What it leaves out, deliberately:

- **cookies**: a server's ``Set-Cookie`` is not stored and never sent back. None of the five APIs
  uses cookies (their specs name none, the vendors' texts say nothing of them), and for a client
  that moves money a session a server could start without being asked is a liability. This also
  skips urllib's ``http.cookiejar`` on every answer, the largest single cost of ``send``.
- **redirects**: never followed (the client is built with ``follow_redirects=False``), so neither
  ``response.next_request`` nor ``history`` is filled in; a 3xx is an error answer like any other.
- ``response.elapsed`` (nothing reads it) and the ``request_context`` that puts the request on an
  httpx exception: every such exception is translated by the session, which names the request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

__all__ = ["base_of", "build", "full_url", "send", "send_async"]

# httpx's logger, whose `HTTP Request:` line the client would write (redacted by _core.redact).
_httpx_log = logging.getLogger("httpx")


def base_of(base_url: httpx.URL) -> str:
    """The start of every request URL of a client with ``base_url``: httpx ends its path with `/`
    (``str()`` leaves it out when the path is only that)."""
    text = str(base_url)
    return text if text.endswith("/") else text + "/"


def full_url(base: str, path: str, query: list[tuple[str, str]] | None) -> str:
    """The URL ``build_request`` makes of ``path`` (the generator writes it from `/`) and ``query``
    (the pairs as httpx sends them; None without ``params``) on a client whose :func:`base_of` is
    ``base``: the query encoded as ``str(httpx.QueryParams(...))`` encodes it. As httpx, ``params``
    whose only key has an empty list give a bare `?`."""
    if query is None:
        return base + path.lstrip("/")
    return base + path.lstrip("/") + "?" + urlencode(query)


def build(
    http: httpx.Client | httpx.AsyncClient, kwargs: Mapping[str, Any], url: str, extensions: dict[str, Any]
) -> httpx.Request:
    """The request ``http.build_request(**kwargs)`` would build, ``url`` being the full URL it would
    reach (base URL, path and encoded query); ``extensions`` are added to its own (the timeout)."""
    # Nothing nordfin's clients and the generated code have; where they are, httpx merges them.
    if http.params or http.cookies or http.base_url.query or "#" in url or "?" in kwargs["url"]:
        request = http.build_request(**kwargs)
        request.extensions = {**request.extensions, **extensions}
        return request
    headers = httpx.Headers(http.headers)
    if given := kwargs.get("headers"):
        headers.update(given)
    extensions["timeout"] = http.timeout.as_dict()
    body = {key: kwargs[key] for key in ("content", "data", "files", "json", "cookies") if key in kwargs}
    return httpx.Request(kwargs["method"], httpx.URL(url), headers=headers, extensions=extensions, **body)


def _auth(http: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> httpx.Auth:
    # Client._build_request_auth, for the client's own auth.
    if http.auth is not None:
        return http.auth
    url = request.url
    if url.username or url.password:
        return httpx.BasicAuth(username=url.username, password=url.password)
    return httpx.Auth()


def _log(request: httpx.Request, response: httpx.Response) -> None:
    if _httpx_log.isEnabledFor(logging.INFO):
        _httpx_log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


def send(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    """``http.send(request)`` as described above: the answer is read, or closed if anything fails."""
    response = _send_handling_auth(http, request, _auth(http, request))
    try:
        response.read()
    except BaseException:
        response.close()
        raise
    return response


def _send_handling_auth(http: httpx.Client, request: httpx.Request, auth: httpx.Auth) -> httpx.Response:
    flow = auth.sync_auth_flow(request)
    try:
        request = next(flow)
        while True:
            response = _send_single(http, request)
            try:
                try:
                    request = flow.send(response)
                except StopIteration:
                    return response
                response.read()  # the flow may need it (requires_response_body); then it is done
            except BaseException:
                response.close()
                raise
    finally:
        flow.close()


def _timed(http: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> None:
    """An auth flow's own request (an OAuth2 token request) gets the client's timeouts too: httpx
    sets them only on the request it was handed, and a request without them waits forever."""
    if "timeout" not in request.extensions:
        request.extensions = {**request.extensions, "timeout": http.timeout.as_dict()}


def _send_single(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    _timed(http, request)
    hooks = http.event_hooks
    for hook in hooks["request"]:
        hook(request)
    response = http._transport_for_url(request.url).handle_request(request)
    response.request = request
    try:
        for hook in hooks["response"]:
            hook(response)
    except BaseException:
        response.close()
        raise
    _log(request, response)
    return response


async def send_async(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """:func:`send` for ``httpx.AsyncClient``."""
    response = await _send_handling_auth_async(http, request, _auth(http, request))
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
    return response


async def _send_handling_auth_async(
    http: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth
) -> httpx.Response:
    flow = auth.async_auth_flow(request)
    try:
        request = await flow.__anext__()
        while True:
            response = await _send_single_async(http, request)
            try:
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    return response
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
    finally:
        await flow.aclose()


async def _send_single_async(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    _timed(http, request)
    hooks = http.event_hooks
    for hook in hooks["request"]:
        await hook(request)
    response = await http._transport_for_url(request.url).handle_async_request(request)
    response.request = request
    try:
        for hook in hooks["response"]:
            await hook(response)
    except BaseException:
        await response.aclose()
        raise
    _log(request, response)
    return response
