"""Calling one generated operation: check, send, translate — the one path every overlay uses.

Each generated operation module (openapi-python-client, nordfin's templates in specs/_templates)
has the same public seam: ``OPERATION_ID``, ``SUCCESS_MODEL``, ``build_request(**arguments)`` and
``parse_response(client=, response=)``. Only success answers reach the generated parser (it would
read every documented status with ``response.json()``, toolchain P6); errors go to the single
translation point in ``_core.errors``. The contract tests call every operation through this path.
"""

from __future__ import annotations

import json as jsonlib
import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import httpx

from nordfin._core import guard, send
from nordfin._core.errors import error_from_response
from nordfin._core.parsed import unparsed
from nordfin._core.redact import SecretSet, get_logger, redact_url
from nordfin.errors import (
    ApiError,
    RequestValidationError,
    ResponseValidationError,
    Timeout,
    TransportError,
    VendorError,
)

if TYPE_CHECKING:  # the spec machinery loads with the first client, not with `import nordfin.<slug>`
    from nordfin._core.spec import Operation, SpecIndex

_log = get_logger("nordfin.session")
T = TypeVar("T")
R = TypeVar("R")

__all__ = ["ApiProfile", "AsyncSession", "Call", "Session"]


class ParserSettings:
    """The generated ``Client``'s one setting a parser reads, without importing that class (attrs):
    a status the spec does not list raises (the session hands the parser documented answers only)."""

    __slots__ = ()
    raise_on_unexpected_status = True


PARSER_SETTINGS = ParserSettings()


class ApiProfile(NamedTuple):
    """What ``_core`` needs to know about one API; each overlay defines one.

    ``error_parser`` reads the vendor's error body (never raises; ``None`` when unreadable),
    ``error_classes`` maps a vendor error code to the overlay's exception class for it,
    ``error_base`` is the overlay's class for every other error answer of this API,
    ``request_id_header`` names the header that carries the server's request id.
    """

    slug: str
    error_parser: Callable[[httpx.Response], VendorError | None]
    error_classes: Mapping[Any, type[ApiError]] = MappingProxyType({})
    error_base: type[ApiError] = ApiError
    request_id_header: str | None = None

    @property
    def spec(self) -> SpecIndex:
        from nordfin._core.spec import SpecIndex

        return SpecIndex.for_slug(self.slug)


def _unchanged(parsed: Any) -> Any:
    return parsed


class Call(NamedTuple, Generic[R]):
    """One call of an operation, described once so the sync and async clients share every line of it.

    ``module`` is the generated operation, ``expect`` the model its success answer must be,
    ``arguments`` what its ``build_request`` takes, ``then`` turns the parsed answer into the result.
    """

    module: ModuleType
    expect: type[Any] | None
    arguments: Mapping[str, Any] = MappingProxyType({})
    slash_params: bool = False
    then: Callable[[Any], R] = _unchanged


class Prepared(NamedTuple):
    """A request ready to send, with what is needed to read its answer."""

    request: httpx.Request
    operation_id: str
    module: ModuleType


class _SessionBase:
    secrets: SecretSet  # what the client holds and has sent, masked in every error it raises

    def __init__(self, profile: ApiProfile, *, strict: bool = False) -> None:
        self.profile = profile
        self.strict = strict
        from nordfin._core.leniency import AnswerReader

        self.spec = profile.spec
        self.answers = AnswerReader(profile.slug, self.spec)
        self._base: tuple[httpx.URL | None, str] = (None, "")  # the client's base URL, as a string

    def _prepare(
        self,
        http: httpx.Client | httpx.AsyncClient,
        module: ModuleType,
        slash_params: bool,
        arguments: dict[str, Any],
    ) -> Prepared:
        try:
            kwargs = module.build_request(**arguments)
        except (TypeError, ValueError, AttributeError) as error:
            raise RequestValidationError("arguments", f"cannot be sent: {type(error).__name__}") from None
        path = kwargs["url"]
        if slash_params:
            # The generator quotes path parameters with safe=""; ids documented as `{x : .+}` must
            # keep their slashes (validated by check_path_id before this point).
            path = kwargs["url"] = path.replace("%2F", "/")
        operation_id = module.OPERATION_ID
        operation = self.spec.operation(operation_id)
        refuse_dot_segments(operation, path)
        params = kwargs.get("params")
        query = query_items(params) if params else []
        url = self._url(http, path, query if params else None)
        guard.check_url_length(url, query)
        check_request(self.spec, operation, kwargs, query)
        # the retry layer reads it (a create by PUT is not idempotent)
        extensions = {} if operation.idempotent is None else {"nordfin.idempotent": operation.idempotent}
        try:
            request = send.build(http, kwargs, url, extensions)
        except httpx.InvalidURL:
            raise RequestValidationError("path", "cannot be sent in a URL") from None
        except (TypeError, ValueError) as error:  # e.g. a value json cannot encode
            raise RequestValidationError(
                "body", f"cannot be encoded as JSON: {type(error).__name__}"
            ) from None
        return Prepared(request, operation_id, module)

    def _url(
        self, http: httpx.Client | httpx.AsyncClient, path: str, query: list[tuple[str, str]] | None
    ) -> str:
        base = http.base_url
        if base is not self._base[0]:  # computed once per client
            self._base = (base, send.base_of(base))
        return send.full_url(self._base[1], path, query)

    def _finish(self, prepared: Prepared, response: httpx.Response, expect: type[T] | None) -> T | None:
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug(
                "%s %s %s -> %s",
                self.profile.slug,
                prepared.operation_id,
                redact_url(prepared.request.url),
                response.status_code,
            )
        # What strict and lenient reading accept is decided in one place: _core.leniency.
        if not response.is_success:
            error = error_from_response(self.profile, response)
            raise self.answers.error(error, prepared.operation_id, response, strict=self.strict)
        decode_once(response)
        try:
            return self.answers.success(  # type: ignore[no-any-return]
                prepared.operation_id,
                response,
                lambda answer: parse_success(self.profile, prepared, answer, expect),
                strict=self.strict,
            )
        finally:  # the decoded body lives as long as the call, not as long as the response
            vars(response).pop("json", None)


class Session(_SessionBase):
    """Synchronous calls through one ``httpx.Client`` (retry, rate limit and auth live in it)."""

    def __init__(self, profile: ApiProfile, http: httpx.Client, *, strict: bool = False) -> None:
        super().__init__(profile, strict=strict)
        self.http = http
        self.secrets = guard.watch_secrets(http, http.auth)

    def call(
        self, module: ModuleType, expect: type[T] | None, *, slash_params: bool = False, **arguments: Any
    ) -> T | None:
        """Send the operation of ``module`` and return its parsed answer, which must be ``expect``."""
        with guard.one_exit(self.http, self.secrets):
            prepared = self._prepare(self.http, module, slash_params, arguments)
            try:
                response = send.send(self.http, prepared.request)
            except httpx.RequestError as error:  # DecodingError (bad gzip) is no TransportError
                raise network_error(prepared.request, error) from error
            return self._finish(prepared, response, expect)

    def run(self, call: Call[R]) -> R:
        """Carry out ``call`` and return its result."""
        parsed = self.call(call.module, call.expect, slash_params=call.slash_params, **call.arguments)
        return call.then(parsed)

    def close(self) -> None:
        self.http.close()


class AsyncSession(_SessionBase):
    """The same as ``Session`` through one ``httpx.AsyncClient``."""

    def __init__(self, profile: ApiProfile, http: httpx.AsyncClient, *, strict: bool = False) -> None:
        super().__init__(profile, strict=strict)
        self.http = http
        self.secrets = guard.watch_secrets(http, http.auth)

    async def call(
        self, module: ModuleType, expect: type[T] | None, *, slash_params: bool = False, **arguments: Any
    ) -> T | None:
        """Send the operation of ``module`` and return its parsed answer, which must be ``expect``."""
        with guard.one_exit(self.http, self.secrets):
            prepared = self._prepare(self.http, module, slash_params, arguments)
            try:
                response = await send.send_async(self.http, prepared.request)
            except httpx.RequestError as error:  # DecodingError (bad gzip) is no TransportError
                raise network_error(prepared.request, error) from error
            return self._finish(prepared, response, expect)

    async def run(self, call: Call[R]) -> R:
        """Carry out ``call`` and return its result."""
        parsed = await self.call(call.module, call.expect, slash_params=call.slash_params, **call.arguments)
        return call.then(parsed)

    async def aclose(self) -> None:
        await self.http.aclose()


def decode_once(response: httpx.Response) -> None:
    """Let ``response.json()`` decode the body once: the validity check (``_core.leniency``) and
    the generated parser both ask for it (the check only reads it, the parser copies what it
    reads). A body that is not JSON still raises on every call, as before. As httpx's own
    ``json()``, from ``content``. The caller removes it after the call: httpx's response sits in
    reference cycles, which would keep the decoded page alive until the garbage collector runs."""
    content = response.content
    decoded: list[Any] = []

    def json(**kwargs: Any) -> Any:
        if kwargs:
            return jsonlib.loads(content, **kwargs)
        if not decoded:
            decoded.append(jsonlib.loads(content))
        return decoded[0]

    response.json = json  # type: ignore[method-assign]


def network_error(request: httpx.Request, error: httpx.RequestError) -> TransportError:
    """nordfin's exception for httpx's network exception, naming the request without secrets."""
    method, url = request.method, redact_url(request.url)
    cls = Timeout if isinstance(error, httpx.TimeoutException) else TransportError
    return cls(f"{method} {url}: {type(error).__name__}", method=method, url=url)


def refuse_dot_segments(operation: Operation, url: str) -> None:
    """A `.` or `..` path segment would be resolved away by httpx or the server (RFC 3986 5.2.4),
    and the request would reach another resource; no id may produce one.
    """
    path = url.split("?", 1)[0]
    if "." in path and any(segment in (".", "..") for segment in path.split("/")):
        names = [p.name for p in operation.parameters if p.location == "path"]
        raise RequestValidationError(
            names[0] if len(names) == 1 else "path", "must not be or contain a '.' or '..' path segment"
        )


def check_request(
    spec: SpecIndex, operation: Operation, kwargs: Mapping[str, Any], query: list[tuple[str, str]]
) -> None:
    """Refuse, before sending, a request that its spec does not allow; name the field and the rule.

    ``kwargs`` is what the generated ``build_request`` returned: the path relative to the server,
    ``params`` and ``headers`` under their wire names, the JSON body as Python values; ``query``
    the query as httpx will send it (:func:`query_items`). Checking these avoids re-parsing the
    built request.
    """
    headers = kwargs.get("headers") or {}
    problems = spec.validate_request(
        operation,
        path_params=path_params_of(spec, operation, kwargs["url"]),
        query=query,
        headers=headers,
        content_type="application/json" if "json" in kwargs else headers.get("Content-Type"),
        body=kwargs.get("json"),
    )
    if problems:
        field, _, rule = problems[0].partition(": ")
        raise RequestValidationError(_argument_name(field), guard.explain(rule))


def query_items(params: Any) -> list[tuple[str, str]]:
    """The query as httpx will send it (``True`` as ``true``, a list as repeated pairs), read
    without building an ``httpx.QueryParams`` (a quarter of a list call's checking time)."""
    if not isinstance(params, Mapping):
        return httpx.QueryParams(params).multi_items()
    return [
        (str(name), _WIRE[item] if item is None or isinstance(item, bool) else str(item))
        for name, value in params.items()
        for item in (value if isinstance(value, list | tuple) else (value,))
    ]


_WIRE: dict[bool | None, str] = {True: "true", False: "false", None: ""}


def _argument_name(location: str) -> str:
    """``body.description`` / ``query.since`` / ``path.term_id`` name the overlay's argument."""
    head, _, rest = location.partition(".")
    return rest if head in ("body", "query", "path", "header") and rest else location


def path_params_of(spec: SpecIndex, operation: Operation, url: str) -> dict[str, str]:
    found = spec.match(operation.method, url.split("?", 1)[0])
    if found is None or found[0] is not operation:
        raise RequestValidationError("path", f"does not lead to {operation.operation_id}")
    return found[1]


def parse_success(
    profile: ApiProfile, prepared: Prepared, response: httpx.Response, expect: type[T] | None
) -> T | None:
    """Read a success answer with the generated parser; anything it can't read is the server's fault."""
    try:
        parsed = prepared.module.parse_response(client=PARSER_SETTINGS, response=response)
    except Exception as error:  # KeyError, TypeError, ValueError, UnexpectedStatus: all the same to us
        # The exception's name and text are the generator's internals (and may quote a value):
        # the message says what happened; the chained exception keeps the detail for debugging.
        problem = "body: the generated model cannot read it"
        raise ResponseValidationError(
            prepared.operation_id, response.status_code, [problem], response.content
        ) from error
    if expect is None or isinstance(parsed, expect):
        left_raw = unparsed(parsed)  # the generator hands back raw JSON where a union did not read
        if left_raw:
            raise ResponseValidationError(
                prepared.operation_id, response.status_code, left_raw[:5], response.content
            )
        return parsed if expect is not None else None
    got = type(parsed).__name__
    raise ResponseValidationError(
        prepared.operation_id,
        response.status_code,
        [f"expected {expect.__name__}, the answer reads as {got}"],
        response.content,
    )
