"""Checks of the settings every client takes, run when the client is constructed.

A wrong setting is refused at once with ``RequestValidationError`` naming it, instead of an
``AttributeError`` at the first call or a ``TypeError`` at the first retry.
"""

from __future__ import annotations

import inspect
import math
import os
from typing import TYPE_CHECKING, Any

import httpx

from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin.errors import RequestValidationError

if TYPE_CHECKING:
    from nordfin._core.base import Options
    from nordfin._core.transport import ClientCert

__all__ = ["check_options", "client_cert"]

_CERT_RULE = (
    "must be a nordfin.ClientCert, a path to a PEM file, or a (certfile, keyfile) or "
    "(certfile, keyfile, password) tuple, as httpx accepts"
)


def client_cert(value: Any) -> ClientCert | None:
    """``cert=`` in any form httpx accepts, as a :class:`~nordfin._core.transport.ClientCert`."""
    from nordfin._core.transport import ClientCert  # transport imports this module's users

    if value is None or isinstance(value, ClientCert):
        return value
    if isinstance(value, str | os.PathLike):
        return ClientCert(os.fspath(value))
    if isinstance(value, tuple) and len(value) in (2, 3):
        parts = [None if part is None else _path(part) for part in value[:2]]
        password = value[2] if len(value) == 3 else None
        if parts[0] is None or not (password is None or isinstance(password, str | Secret)):
            raise RequestValidationError("cert", _CERT_RULE)
        return ClientCert(parts[0], parts[1], password)
    raise RequestValidationError("cert", _CERT_RULE)


def _path(part: Any) -> str:
    if isinstance(part, str | os.PathLike):
        return str(os.fspath(part))
    raise RequestValidationError("cert", _CERT_RULE)


def check_options(options: Options) -> None:
    """Refuse a setting of the wrong type or out of range, naming it (``rate_limit`` is the
    limiter's own check, ``ratelimit.check_limiter``)."""
    _check_timeout(options.timeout)
    if not isinstance(options.retry, RetryPolicy):
        raise RequestValidationError("retry", "must be a RetryPolicy, e.g. RetryPolicy(max_attempts=3)")
    if not isinstance(options.strict, bool):
        raise RequestValidationError("strict", "must be True or False")
    if options.sleep is not None and not callable(options.sleep):
        raise RequestValidationError("sleep", "must be a function taking a number of seconds")
    transport = options.transport
    if transport is not None and not isinstance(transport, httpx.BaseTransport | httpx.AsyncBaseTransport):
        raise RequestValidationError("transport", "must be an httpx transport")
    if options.cert is not None and transport is not None:
        # Unused beside a transport of the caller's, but a wrong path must not wait for production.
        from nordfin._core.transport import ssl_context

        ssl_context(options.cert)


def check_sync_sleep(sleep: Any) -> None:
    """The sync client cannot await: an ``async def`` sleep would never run."""
    if sleep is not None and inspect.iscoroutinefunction(sleep):
        raise RequestValidationError("sleep", "must be a plain function in the sync client")


def _check_timeout(timeout: Any) -> None:
    if timeout is None or isinstance(timeout, httpx.Timeout):
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf:
        raise RequestValidationError("timeout", "must be a number of seconds > 0, an httpx.Timeout, or None")
