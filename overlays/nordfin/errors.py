"""The public error tree of nordfin.

::

    NordfinError
    ├── ClientClosed                the client was closed before this call
    ├── RequestValidationError      bad argument; nothing was sent
    ├── ResponseValidationError     the server answered something its spec does not allow
    ├── TransportError              the request could not be completed on the network
    │   ├── Timeout
    │   └── RedisUnavailable        the Redis that coordinates a fleet did not answer
    └── ApiError                    the server answered with an error status
        ├── BadRequest              400, 422 and other 4xx without a class of their own
        ├── Unauthorized            401
        ├── Forbidden               403
        ├── NotFound                404, 410
        ├── Conflict                409, 412
        ├── RateLimited             429, or the client's own limiter refused to wait that long
        └── ServerError             5xx

Each API adds classes for its own error codes (``nordfin.goto.errors``); the error raised for a
response is both the status family's class and the vendor code's class, so either can be caught.
No secret (token, key, password) ever appears in an error's text or ``repr``. Control characters
in an error's text are escaped (``\\n``, ``\\x1b``), so a value cannot forge a log line. Every
error can be pickled (to cross a ``ProcessPoolExecutor``), vendor-code classes included.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = [
    "ApiError",
    "BadRequest",
    "ClientClosed",
    "Conflict",
    "Forbidden",
    "NordfinError",
    "NotFound",
    "RateLimited",
    "RedisUnavailable",
    "RequestValidationError",
    "ResponseValidationError",
    "ServerError",
    "Timeout",
    "TransportError",
    "Unauthorized",
    "VendorError",
]


@functools.cache
def _control() -> re.Pattern[str]:
    """C0 and C1 controls, DEL and the Unicode line separators: each could end or rewrite a log line
    (compiled by the first error, not by ``import nordfin.<slug>``)."""
    return re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """``text`` with each control character written as its Python escape (``\\r``, ``\\x1b``)."""
    return _control().sub(lambda match: repr(match.group(0))[1:-1], text)


class NordfinError(Exception):
    """Base of every error nordfin raises."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*(escape_controls(arg) if isinstance(arg, str) else arg for arg in args))

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds with ``cls(*args)``, which fails for keyword-only or several-part
        # constructors, and a class combined at runtime (``error_class``) has no importable name.
        cls = type(self)
        key: Any = cls.__dict__.get("_nordfin_bases", cls)
        return (_restore, (key, self.args, dict(vars(self))))


def _restore(key: Any, args: tuple[Any, ...], state: dict[str, Any]) -> NordfinError:
    cls: type[NordfinError] = combine(*key) if isinstance(key, tuple) else key
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ClientClosed(NordfinError, RuntimeError):
    """The client was closed (``close()``, or its ``with`` block ended) and cannot send any more."""


class RequestValidationError(NordfinError, ValueError):
    """An argument breaks a rule of the API; nothing was sent.

    ``field`` names the argument (dotted for nested values) and ``rule`` says what it must be.
    The offending value is deliberately not repeated: it may be a secret or a national id.
    """

    def __init__(self, field: str, rule: str) -> None:
        self.field = escape_controls(field)
        self.rule = escape_controls(rule)
        super().__init__(f"{self.field}: {self.rule}")


class ResponseValidationError(NordfinError):
    """The server answered something that its spec does not allow.

    ``operation`` is the spec's operationId, ``status`` the HTTP status, ``problems`` the list of
    what was wrong (JSON paths and rules), ``raw`` the body as received.

    ``maybe_applied`` is True when the server answered a write (POST, PUT, PATCH, DELETE) with a
    success status that could not be read: the request may have taken effect, so look before
    repeating it (a second create would make a second resource).
    """

    maybe_applied: bool = False

    def __init__(self, operation: str, status: int, problems: list[str], raw: bytes = b"") -> None:
        self.operation = operation
        self.status = status
        self.problems = problems
        self.raw = raw
        shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")
        super().__init__(f"{operation}: the {status} answer does not match the spec: {shown}")


class TransportError(NordfinError):
    """The request did not complete: connection refused, reset, TLS failure, protocol error."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        self.method = method
        self.url = url
        super().__init__(message)


class Timeout(TransportError):
    """A connect, read, write or pool timeout ran out."""


class RedisUnavailable(TransportError):
    """The Redis shared by a fleet (``rate_limit="redis://..."``, ``token_cache=``, ``shared=``) could
    not be reached or refused the command; nothing was sent to the API. Never silently local: the
    vendor's quota would then be multiplied by the number of processes.
    """


class VendorError:
    """A vendor's error body, read into common fields; ``data`` keeps the whole parsed body.

    ``code`` is the vendor's error code or problem type, ``message`` its human text, ``field`` the
    field it blames (if any), ``details`` the per-field messages or extra members, ``data`` all of it.
    """

    __slots__ = ("code", "data", "details", "field", "message")

    def __init__(
        self,
        *,
        code: str | int | None = None,
        message: str | None = None,
        field: str | None = None,
        details: Any = None,
        data: Any = None,
    ) -> None:
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.data = data

    def __repr__(self) -> str:
        return f"VendorError(code={self.code!r}, message={self.message!r}, field={self.field!r})"


class ApiError(NordfinError):
    """The server answered with an error status.

    ``status`` is the HTTP status (``None`` only when the client refused before sending, see
    ``RateLimited``), ``vendor`` the parsed vendor error body, ``request_id`` the server's
    request id header if any, ``raw`` the body bytes, ``method`` and ``url`` the request
    (with secrets and identity numbers masked), ``retry_after`` the seconds the answer's
    ``Retry-After`` asked for (``None`` without one).
    """

    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        vendor: VendorError | None = None,
        request_id: str | None = None,
        raw: bytes = b"",
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.vendor = vendor if vendor is not None else VendorError()
        self.request_id = request_id
        self.raw = raw
        self.method = method
        self.url = url
        super().__init__(message)

    @property
    def code(self) -> str | int | None:
        """The vendor's error code, if its body carried one."""
        return self.vendor.code


class BadRequest(ApiError):
    """400, 422, or another 4xx without a class of its own: the request was refused as wrong."""


class Unauthorized(ApiError):
    """401: credentials missing, wrong or expired."""


class Forbidden(ApiError):
    """403: the credentials are valid but not allowed to do this."""


class NotFound(ApiError):
    """404 or 410: no such resource."""


class Conflict(ApiError):
    """409 or 412: the request conflicts with the resource's current state."""


class RateLimited(ApiError):
    """429, or the client's limiter would have had to wait longer than allowed.

    ``retry_after`` is the number of seconds to wait before trying again, when known.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(ApiError):
    """5xx: the server failed."""


_COMBINED: dict[tuple[type[ApiError], type[ApiError]], type[ApiError]] = {}


def combine(family: type[ApiError], vendor: type[ApiError] | None) -> type[ApiError]:
    """A class that is both ``family`` and ``vendor`` (made once per pair, so ``is`` works)."""
    if vendor is None or issubclass(vendor, family):
        return vendor or family
    if issubclass(family, vendor):
        return family
    key = (family, vendor)
    if key not in _COMBINED:  # a race only builds an equal class twice; setdefault keeps one
        combined = type(
            vendor.__name__,
            (vendor, family),
            {"__module__": vendor.__module__, "__doc__": vendor.__doc__, "_nordfin_bases": key},
        )
        _COMBINED.setdefault(key, combined)
    return _COMBINED[key]
