"""Captured traffic: a transport that records every exchange, and HAR 1.2 files without secrets.

:class:`RecordingTransport` wraps the transport a client would use (the real network by default)
and keeps each request and answer as an :class:`Exchange`. It sits below the client's retry and
rate limiting, so it sees every attempt as it went over the wire. :func:`write_har` writes the
exchanges as HAR 1.2 with secrets and personal data redacted (:mod:`nordfin.verify.scrub`);
:func:`read_har` reads any HAR 1.2 file, ours or one a browser exported, back into exchanges.

This module needs no testing extra: ``nordfin.testing.record`` re-exports it for discovery.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx

from nordfin.verify.scrub import Scrubber

__all__ = ["Exchange", "RecordingTransport", "exchanges_to_har", "read_har", "record", "write_har"]


@attrs.frozen
class Exchange:
    """One request and its answer, as they went over the wire (bodies as bytes)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    started: str = ""
    elapsed_ms: float = 0.0

    def request_header(self, name: str) -> str | None:
        """The first request header called ``name`` (any case), if any."""
        return _first(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        """The first response header called ``name`` (any case), if any."""
        return _first(self.response_headers, name)


def _first(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


_DECODED = frozenset({"content-encoding", "content-length", "transfer-encoding"})

#: Called with each request before it is sent; raising stops it (nothing reaches the server).
Guard = Callable[[httpx.Request], None]


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Records every exchange that passes through it into :attr:`exchanges`.

    ``inner`` is the transport that really sends (default: a verifying ``httpx.HTTPTransport``
    or its async twin, made on first use). ``guard``, if given, sees each request first and may
    raise to stop it.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        *,
        guard: Guard | None = None,
    ) -> None:
        self._inner = inner
        self._guard = guard
        self.exchanges: list[Exchange] = []
        #: The kind of each network error met (no answer came, so there is no exchange).
        self.errors: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Guard, send, read the whole answer, record it and hand it on."""
        if self._guard is not None:
            self._guard(request)
        if self._inner is None:
            self._inner = httpx.HTTPTransport()
        if not isinstance(self._inner, httpx.BaseTransport):
            raise TypeError("this RecordingTransport wraps an async transport: use it with an AsyncClient")
        start = time.monotonic()
        request.read()
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as error:
            self.errors.append(type(error).__name__)
            raise
        content = response.read()
        response.close()
        return self._keep(request, response, content, start)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """:meth:`handle_request` for ``httpx.AsyncClient``."""
        if self._guard is not None:
            self._guard(request)
        if self._inner is None:
            self._inner = httpx.AsyncHTTPTransport()
        if not isinstance(self._inner, httpx.AsyncBaseTransport):
            raise TypeError("this RecordingTransport wraps a sync transport: use it with a Client")
        start = time.monotonic()
        await request.aread()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as error:
            self.errors.append(type(error).__name__)
            raise
        content = await response.aread()
        await response.aclose()
        return self._keep(request, response, content, start)

    def _keep(
        self, request: httpx.Request, response: httpx.Response, content: bytes, start: float
    ) -> httpx.Response:
        self.exchanges.append(
            Exchange(
                method=request.method,
                url=str(request.url),
                request_headers=tuple(request.headers.multi_items()),
                request_body=request.content,
                status=response.status_code,
                response_headers=tuple(response.headers.multi_items()),
                response_body=content,
                started=dt.datetime.now(dt.UTC).isoformat(),
                elapsed_ms=round((time.monotonic() - start) * 1000, 3),
            )
        )
        # Decoded already: the copy must not announce a Content-Encoding it no longer has.
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        """Close the inner transport (if it is a sync one)."""
        if isinstance(self._inner, httpx.BaseTransport):
            self._inner.close()

    async def aclose(self) -> None:
        """Close the inner transport (if it is an async one)."""
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            await self._inner.aclose()


@contextlib.contextmanager
def record(
    path: str | os.PathLike[str],
    *,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    secrets: Iterable[str] = (),
) -> Iterator[RecordingTransport]:
    """Record a client's traffic into a HAR 1.2 file at ``path``, written when the block ends.

    Pass the yielded transport as the client's ``transport=``. Secrets are redacted by name
    (auth headers, API keys, tokens, client secrets, card tokens) and, for the values given in
    ``secrets``, wherever they appear (also URL-encoded, in base64 and in HTTP Basic); personal
    data (identity numbers, e-mail addresses, phone numbers) are redacted too::

        with record("aptic.har", secrets=[client_secret]) as transport:
            with aptic.Client(..., transport=transport) as client:
                client.customers.list()
    """
    recorder = RecordingTransport(transport)
    try:
        yield recorder
    finally:
        write_har(path, recorder.exchanges, secrets=secrets)


def write_har(
    path: str | os.PathLike[str], exchanges: Iterable[Exchange], *, secrets: Iterable[str] = ()
) -> None:
    """Write ``exchanges`` to ``path`` as HAR 1.2, redacted."""
    document = exchanges_to_har(exchanges, secrets=secrets)
    Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def exchanges_to_har(exchanges: Iterable[Exchange], *, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """The HAR 1.2 document of ``exchanges``, redacted."""
    scrub = Scrubber(secrets)
    entries = [_entry(scrub.exchange(exchange)) for exchange in exchanges]
    creator = {"name": "nordfin", "version": _version()}
    return {"log": {"version": "1.2", "creator": creator, "entries": entries}}


def _version() -> str:
    from nordfin._version import __version__

    return __version__


def _entry(exchange: Exchange) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(exchange.request_headers),
        "queryString": [
            {"name": name, "value": value} for name, value in httpx.URL(exchange.url).params.multi_items()
        ],
        "headersSize": -1,
        "bodySize": len(exchange.request_body),
    }
    if exchange.request_body:
        request["postData"] = {
            "mimeType": exchange.request_header("content-type") or "application/octet-stream",
            "text": exchange.request_body.decode("utf-8", errors="replace"),
        }
    response = {
        "status": exchange.status,
        "statusText": httpx.codes.get_reason_phrase(exchange.status),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _har_headers(exchange.response_headers),
        "content": {
            "size": len(exchange.response_body),
            "mimeType": exchange.response_header("content-type") or "",
            "text": exchange.response_body.decode("utf-8", errors="replace"),
        },
        "redirectURL": exchange.response_header("location") or "",
        "headersSize": -1,
        "bodySize": len(exchange.response_body),
    }
    timings = {"send": 0, "wait": exchange.elapsed_ms, "receive": 0}
    started = exchange.started or dt.datetime.fromtimestamp(0, dt.UTC).isoformat()
    return {
        "startedDateTime": started,
        "time": exchange.elapsed_ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": timings,
    }


def _har_headers(headers: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def read_har(path: str | os.PathLike[str]) -> list[Exchange]:
    """The exchanges of a HAR 1.2 file; ValueError when it is not one."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        entries = document["log"]["entries"]
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the HAR file ({type(error).__name__})") from None
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ValueError("not a HAR file: no log.entries") from None
    try:
        return [_exchange(entry) for entry in entries]
    except (KeyError, TypeError, ValueError):
        raise ValueError("not a HAR 1.2 file: an entry lacks its request or response") from None


def _exchange(entry: dict[str, Any]) -> Exchange:
    request, response = entry["request"], entry["response"]
    content = response.get("content") or {}
    text = content.get("text") or ""
    body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")
    post = request.get("postData") or {}
    return Exchange(
        method=str(request["method"]).upper(),
        url=str(request["url"]),
        request_headers=_pairs(request.get("headers", [])),
        request_body=str(post.get("text") or "").encode("utf-8"),
        status=int(response["status"]),
        response_headers=_pairs(response.get("headers", [])),
        response_body=body,
        started=str(entry.get("startedDateTime", "")),
        elapsed_ms=float(entry.get("time") or 0),
    )


def _pairs(headers: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(h["name"]), str(h["value"])) for h in headers)
