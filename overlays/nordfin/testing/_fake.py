"""The generic, spec-driven fake that every API's fake subclasses.

A fake is an httpx transport (sync and async) that answers as the vendor documents. Per request,
in this order, it: records the request; strips the spec's server path; routes it with
:meth:`SpecIndex.match`; enforces the vendor's rate limit on the fake's clock; authenticates;
decodes the body (JSON, or XML where the spec documents ``application/xml``); validates the
request against the spec; reads the body into the pydantic model generated for its schema; and
calls the handler registered for the operationId. The answer is JSON, or XML when the request's
``Accept`` prefers it and the spec documents it for that answer.

Everything specific to one API lives in hooks: :meth:`FakeApi.error_body`,
:meth:`FakeApi.authenticate`, :meth:`FakeApi.invalid_request`, :meth:`FakeApi.reset_state`,
:meth:`FakeApi.outside_spec` (e.g. a token endpoint) and the handlers themselves. One lock
guards all state, so the threaded loopback server is safe.
"""

from __future__ import annotations

import contextlib
import hmac
import importlib
import ipaddress
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import attrs
import httpx
from pydantic import BaseModel, ValidationError

from nordfin._core.ratelimit import RateLimiter
from nordfin._core.spec import Operation, SpecIndex, media_type_of
from nordfin._core.xmlbody import read_xml, write_xml
from nordfin.testing._query import typed_query

__all__ = [
    "Call",
    "FakeApi",
    "FakeError",
    "ModelMismatch",
    "json_answer",
    "no_async_sleep",
    "no_sleep",
    "operation",
]

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__nordfin_fake_operation__"


def operation(operation_id: str) -> Callable[[F], F]:
    """Mark a :class:`FakeApi` method as the handler of ``operation_id``.

    The handler takes a :class:`Call` and returns ``(status, payload)`` or raises :class:`FakeError`.
    """

    def mark(func: F) -> F:
        setattr(func, _MARK, operation_id)
        return func

    return mark


class FakeError(Exception):
    """An error answer: ``status``, the error body ``payload`` (None: no body) and extra ``headers``."""

    def __init__(self, status: int, payload: Any = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"fake error answer {status}")
        self.status = status
        self.payload = payload
        self.headers = dict(headers or {})


class ModelMismatch(AssertionError):
    """The generated pydantic model rejects a body that the spec accepts: the spec or a generator is wrong."""


@attrs.frozen
class Call:
    """One validated request, as a handler sees it.

    ``query`` holds typed values with the spec's defaults filled in; ``body`` is the pydantic
    model read from the body (None without one); ``data`` is the decoded body as JSON-like data.
    """

    operation: Operation
    path_params: dict[str, str]
    query: dict[str, Any]
    headers: httpx.Headers
    body: BaseModel | None
    data: Any
    accept: str
    request: httpx.Request

    def body_as(self, model: type[M]) -> M:
        """The body as ``model``; TypeError when it is something else (a handler's bug)."""
        if not isinstance(self.body, model):
            got = type(self.body).__name__
            raise TypeError(f"{self.operation.operation_id}: the body is {got}, not {model.__name__}")
        return self.body


class FakeApi(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A stateful in-memory fake of one API, driven by its spec; subclass it once per API.

    Use it as ``transport=`` of an httpx client (sync or async) or serve it on a loopback port
    with :meth:`serve`. ``requests`` logs every request received; :meth:`reset` clears everything.
    ``clock`` (seconds, like ``time.time``) drives the rate limit; tests pass their own.
    """

    slug: ClassVar[str]
    #: The media type of answers for which the spec documents none (e.g. an unknown path).
    default_media_type: ClassVar[str] = "application/json"
    _handlers: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = dict(cls._handlers)
        for name, value in vars(cls).items():
            operation_id = getattr(value, _MARK, None)
            if operation_id is not None:
                handlers[operation_id] = name
        cls._handlers = handlers

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.index = self.spec_index()
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self._lock = threading.RLock()
        self._hits: deque[float] = deque()
        self._limiter: RateLimiter | None = None
        self._models = self._body_models(self.models_module())
        self._check_handlers()
        self.reset_state()

    # --- hooks ------------------------------------------------------------------------------

    @classmethod
    def spec_index(cls) -> SpecIndex:
        """The spec this fake serves (the packaged spec of ``slug``)."""
        return SpecIndex.for_slug(cls.slug)

    @classmethod
    def models_module(cls) -> ModuleType:
        """The module of pydantic models generated from the same spec."""
        return importlib.import_module(f"nordfin_generated.pydantic_models.{cls.slug}")

    def reset_state(self) -> None:
        """Forget the API's state (called by ``__init__`` and :meth:`reset`, under the lock)."""

    def base_path(self) -> str:
        """The path this fake serves under: the spec's server path (override when it holds a variable
        the fake fills in per instance, e.g. a ledger number)."""
        return self.index.server_path

    def rate_limit(self) -> tuple[int, float] | None:
        """``(limit, period)``: at most ``limit`` requests in any ``period`` seconds; None for no limit.

        By default the spec's ``info.x-nordfin-rate-limit`` (``requests`` per ``per-seconds``).
        """
        quota = self.index.spec.get("info", {}).get("x-nordfin-rate-limit")
        return (int(quota["requests"]), float(quota["per-seconds"])) if quota else None

    def nordfin_rate_limiter(self) -> RateLimiter | None:
        """The limiter every client of this fake uses in place of the process-wide one (see
        ``nordfin._core.ratelimit.for_transport``): this fake's quota on its clock, one per fake, so a
        test never waits for another test's traffic, and a fake's clients share one as in production.
        """
        quota = self.rate_limit()
        if quota is None:
            return None
        with self._lock:
            if self._limiter is None:
                self._limiter = RateLimiter(quota[0], quota[1], clock=self.clock)
            return self._limiter

    def outside_spec(self, request: httpx.Request) -> httpx.Response | None:
        """Answer a request the spec has no operation for, e.g. an OAuth2 token endpoint; None: route
        it by the spec (the default). Called under the lock, after the request is recorded."""
        return None

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        """The error to answer when the request's credentials are wrong; None to let it through."""
        return None

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> Any:
        """The API's error body; ``code`` None means "the API's common error code"."""
        raise NotImplementedError(f"{type(self).__name__} must define error_body()")

    def not_found(self, request: httpx.Request) -> FakeError:
        """The answer for a path that no operation serves."""
        return self.fail(404, None, f"no resource at {request.url.path}")

    def method_not_allowed(self, request: httpx.Request, allowed: list[str]) -> FakeError:
        """The answer for a known path asked with an undocumented method."""
        message = f"{request.method} is not allowed here"
        return self.fail(405, None, message, headers={"Allow": ", ".join(allowed)})

    def too_many_requests(self, retry_after: int) -> FakeError:
        """The answer when the rate limit is exceeded; ``retry_after`` whole seconds until a slot frees."""
        return self.fail(429, None, "Too many requests", headers={"Retry-After": str(retry_after)})

    def invalid_request(self, operation: Operation, field: str, rule: str) -> FakeError:
        """The answer to a request the spec rejects; ``field`` is e.g. ``body.code`` or ``query.since``."""
        return self.fail(400, None, f"{field}: {rule}", field=field)

    # --- helpers for subclasses and tests ---------------------------------------------------

    def fail(
        self,
        status: int,
        code: Any,
        message: str,
        field: str | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> FakeError:
        """A :class:`FakeError` carrying the API's error body (raise it from a handler)."""
        return FakeError(status, self.error_body(status, code, message, field, data), headers)

    def error_response(
        self,
        status: int,
        code: Any,
        message: str,
        field: str | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The API's error answer as an ``httpx.Response`` (JSON), e.g. for hand-built test doubles."""
        error = self.fail(status, code, message, field, data, headers)
        response = self._render(None, None, error.status, error.payload, error.headers)
        response.read()
        return response

    def security_satisfied(
        self, operation: Operation, request: httpx.Request, credentials: Mapping[str, str | None]
    ) -> bool:
        """Whether the request meets one of the operation's security requirements.

        ``credentials`` maps a security scheme's name to its expected value (for HTTP basic:
        ``"user:password"``). apiKey (header, query, cookie) and HTTP bearer/basic are understood.
        """
        if not operation.security:
            return True
        return any(
            all(self._scheme_ok(name, request, credentials.get(name)) for name in requirement)
            for requirement in operation.security
        )

    def _scheme_ok(self, name: str, request: httpx.Request, expected: str | None) -> bool:
        sent = _credential_sent(self.index.security_schemes.get(name, {}), request)
        if expected is None or sent is None:
            return False
        return hmac.compare_digest(sent.encode(), expected.encode())

    def reset(self) -> None:
        """Forget every request, the rate-limit window and the API's state."""
        with self._lock:
            self.requests.clear()
            self._hits.clear()
            self.reset_state()

    # --- the transport ----------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (httpx sync transport interface)."""
        request.read()
        return self._handle(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (httpx async transport interface); the same logic as the sync one."""
        await request.aread()
        return self._handle(request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            answer = self.outside_spec(request)
            if answer is not None:
                return answer
            route = self._route(request)
            if isinstance(route, FakeError):
                return self._render(request, None, route.status, route.payload, route.headers)
            operation, path_params = route
            try:
                call = self._admit(request, operation, path_params)
                status, payload = getattr(self, self._handlers[operation.operation_id])(call)
            except FakeError as error:
                return self._render(request, operation, error.status, error.payload, error.headers)
            return self._render(request, operation, status, payload, {})

    def _route(self, request: httpx.Request) -> tuple[Operation, dict[str, str]] | FakeError:
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        prefix = self.base_path()
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            return self.not_found(request)
        path = path[len(prefix) :]
        found = self.index.match(request.method, path)
        if found is not None:
            return found
        allowed = self.index.allowed_methods(path)
        return self.method_not_allowed(request, allowed) if allowed else self.not_found(request)

    def _admit(self, request: httpx.Request, operation: Operation, path_params: dict[str, str]) -> Call:
        self._count_request()
        denied = self.authenticate(operation, request)
        if denied is not None:
            raise denied
        content_type = request.headers.get("content-type")
        data = self._decode(operation, media_type_of(content_type), request.content)
        query = list(request.url.params.multi_items())
        problems = self.index.validate_request(
            operation,
            path_params=path_params,
            query=query,
            headers=request.headers,
            content_type=content_type,
            body=data,
        )
        if problems:
            field, _, rule = problems[0].partition(": ")
            raise self.invalid_request(operation, field, rule)
        body = self._read_model(operation, media_type_of(content_type), data)
        return Call(
            operation,
            path_params,
            typed_query(self.index, operation, query),
            request.headers,
            body,
            data,
            request.headers.get("accept", "*/*"),
            request,
        )

    def _count_request(self) -> None:
        """A sliding window on the fake's clock; a refused request does not count, as at most vendors."""
        quota = self.rate_limit()
        if quota is None:
            return
        limit, period = quota
        now = self.clock()
        while self._hits and self._hits[0] <= now - period:
            self._hits.popleft()
        if len(self._hits) >= limit:
            raise self.too_many_requests(max(1, math.ceil(self._hits[0] + period - now)))
        self._hits.append(now)

    # --- bodies -----------------------------------------------------------------------------

    def _decode(self, operation: Operation, media: str | None, content: bytes) -> Any:
        if operation.request_body is None or not content:
            return None
        schema = operation.request_body.content.get(media or "")
        try:
            return self.decode_body(media, content, schema)
        except ValueError as error:
            raise self.invalid_request(operation, "body", str(error)) from None

    def decode_body(self, media: str | None, content: bytes, schema: Any) -> Any:
        """Decode a request body: JSON, or XML when its schema is documented for it; else the bytes.

        Raise ValueError for a body that cannot be read. Override for other media types.
        """
        if media is not None and _is_json(media):
            try:
                return json.loads(content, parse_constant=_refuse_constant)
            except ValueError:
                raise ValueError("is not valid JSON") from None
        if media is not None and _is_xml(media) and schema is not None:
            return read_xml(self.index, content, schema)
        return content

    def _read_model(self, operation: Operation, media: str | None, data: Any) -> BaseModel | None:
        model = self._models.get((operation.operation_id, media or ""))
        if model is None or data is None:
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            where = f"{self.slug}.{operation.operation_id}: {model.__name__}"
            raise ModelMismatch(f"{where} refuses a body the spec allows: {error}") from None

    def _body_models(self, module: ModuleType) -> dict[tuple[str, str], type[BaseModel]]:
        models = {}
        for op in self.index.operations:
            for media, schema in op.request_body.content.items() if op.request_body else ():
                ref = schema.get("$ref") if isinstance(schema, dict) else None
                if isinstance(ref, str):
                    models[(op.operation_id, media)] = _model_class(module, ref.rsplit("/", 1)[-1])
        return models

    def _check_handlers(self) -> None:
        known = {op.operation_id for op in self.index.operations}
        unknown, missing = set(self._handlers) - known, known - set(self._handlers)
        if unknown or missing:
            raise TypeError(
                f"{type(self).__name__}: handlers for unknown operations {sorted(unknown)}, "
                f"no handler for {sorted(missing)}"
            )

    # --- answers ----------------------------------------------------------------------------

    def _render(
        self,
        request: httpx.Request | None,
        operation: Operation | None,
        status: int,
        payload: Any,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        if payload is None:
            return _response(status, headers, b"")
        accept = request.headers.get("accept", "*/*") if request is not None else "*/*"
        media, schema = self._negotiate(operation, status, accept)
        data = _jsonable(payload)
        if _is_xml(media):
            content = write_xml(self.index, data, schema)
        else:
            content = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return _response(status, {**headers, "Content-Type": media}, content)

    def _negotiate(self, operation: Operation | None, status: int, accept: str) -> tuple[str, Any]:
        """The documented media type the client prefers (the first documented one when it accepts none)."""
        response = self.index.response_for(operation, status) if operation is not None else None
        documented = response.content if response is not None else {}
        offered = {m: s for m, s in documented.items() if _is_json(m) or _is_xml(m)}
        if not offered:
            return self.default_media_type, {}
        media = preferred_media_type(accept, list(offered))
        return media, offered[media]

    # --- serving ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve this fake over HTTP on a loopback address; yield its base URL (with the server path).

        Runs a threaded server in a daemon thread and stops it on exit. Refuses any address that
        is not loopback: a fake with demo credentials must never be reachable from the network.
        """
        _require_loopback(host)
        server = _server_class(host)((host, port), _relay_class(self))
        base = f"http://{_netloc(host, server.server_address[1])}"
        thread = threading.Thread(target=server.serve_forever, name=f"fake-{self.slug}", daemon=True)
        thread.start()
        try:
            yield base + self.base_path()
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def credentials_help(self) -> dict[str, str]:
        """The credentials this fake accepts, for ``python -m nordfin.testing`` to print."""
        return {}


def no_sleep(seconds: float) -> None:
    """The ``sleep=`` a fake's ready-made client gets: retries and limiter waits are instant."""


async def no_async_sleep(seconds: float) -> None:
    """:func:`no_sleep` for the async clients."""


def json_answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A plain ``application/json`` answer outside the spec's operations (e.g. a token endpoint)."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return _response(status, {**(headers or {}), "Content-Type": "application/json"}, content)


def _response(status: int, headers: Mapping[str, str], content: bytes) -> httpx.Response:
    """A response the client reads through its stream, as from a server (so ``elapsed`` gets set)."""
    headers = {**headers, "Content-Length": str(len(content))}
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))


def preferred_media_type(accept: str, offered: list[str]) -> str:
    """The media type of ``offered`` that ``accept`` ranks highest.

    Ties go to the earlier one; when ``accept`` allows none, the first (lenient: no 406).
    """
    ranges = _parse_accept(accept)
    best, best_q = offered[0], -1.0
    for media in offered:
        q = _quality(media, ranges)
        if q > best_q:
            best, best_q = media, q
    return best


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = next((p.split("=", 1)[1] for p in params if p.replace(" ", "").startswith("q=")), "1")
        try:
            ranges.append((media.lower(), float(q)))
        except ValueError:
            continue
    return [r for r in ranges if r[0]] or [("*/*", 1.0)]


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range that matches ``media`` (0 when none does)."""
    main = media.split("/", 1)[0]
    for candidate in (media, f"{main}/*", "*/*"):
        for pattern, q in ranges:
            if pattern == candidate:
                return q
    return 0.0


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _is_xml(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _jsonable(payload: Any) -> Any:
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(payload, dict):
        return {k: _jsonable(v) for k, v in payload.items()}
    if isinstance(payload, (list, tuple)):
        return [_jsonable(v) for v in payload]
    return payload


def _model_class(module: ModuleType, component: str) -> type[BaseModel]:
    """The pydantic class datamodel-code-generator made for a component schema."""
    cleaned = re.sub(r"\W", "", component)
    for name in (component, cleaned, cleaned[:1].upper() + cleaned[1:]):
        found = getattr(module, name, None)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    raise LookupError(f"{module.__name__} has no model for the component schema {component!r}")


def _credential_sent(scheme: Mapping[str, Any], request: httpx.Request) -> str | None:
    kind, where = scheme.get("type"), scheme.get("in")
    if kind == "apiKey" and where == "header":
        return _str_or_none(request.headers.get(scheme["name"]))
    if kind == "apiKey" and where == "query":
        return _str_or_none(request.url.params.get(scheme["name"]))
    if kind == "apiKey" and where == "cookie":
        morsel = SimpleCookie(request.headers.get("cookie", "")).get(scheme["name"])
        return morsel.value if morsel is not None else None
    if kind == "http":
        http_scheme = str(scheme.get("scheme", "")).lower()
        return _http_credential(http_scheme, request.headers.get("authorization", ""))
    return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _http_credential(scheme: str, authorization: str) -> str | None:
    kind, _, value = authorization.partition(" ")
    if kind.lower() != scheme or not value:
        return None
    if scheme == "basic":
        import base64
        import binascii

        try:
            return base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value.strip()


def _require_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"a fake serves only on a loopback address, not {host!r}")


def _server_class(host: str) -> type[ThreadingHTTPServer]:
    if ":" not in host:
        return ThreadingHTTPServer

    class IPv6Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    return IPv6Server


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _relay_class(fake: FakeApi) -> type[BaseHTTPRequestHandler]:
    """A request handler class that passes every HTTP request through ``fake``."""

    class Relay(BaseHTTPRequestHandler):
        def relay(self) -> None:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.send_error(411, "send a Content-Length; chunked requests are not supported")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            url = f"http://{self.headers.get('Host') or 'localhost'}{self.path}"
            try:
                request = httpx.Request(self.command, url, headers=list(self.headers.items()), content=body)
            except (httpx.InvalidURL, ValueError):
                self.send_error(400, "bad request target")
                return
            try:
                response = fake.handle_request(request)
                response.read()
            except Exception:
                self.send_error(500, "the fake crashed (a bug in the fake or its spec); see its traceback")
                raise
            self.answer(response)

        def answer(self, response: httpx.Response) -> None:
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.content)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a fake in a test run should not write a line per request."""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = relay
        # Every other method (TRACE, CONNECT, PROPFIND...) goes to the fake too, which answers it as
        # the API would (405 or 404 in the API's error format), not with Python's HTML 501 page.
        do_TRACE = do_CONNECT = do_PROPFIND = do_MKCOL = do_COPY = do_MOVE = do_LOCK = do_UNLOCK = relay

    return Relay
