"""The seven settings every client's constructor takes, typed once.

Each overlay's constructor ends in ``**settings: Unpack[Settings]``: users still write
``Client(..., timeout=5, strict=True)``, mypy checks each keyword against this ``TypedDict``, and at
run time ``nordfin._core.checked`` refuses an unknown keyword (``timout=5``) or a wrong type by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeAlias, TypedDict

import httpx

from nordfin._core import setting_checks
from nordfin._core.base import Options, Quota
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert
from nordfin.errors import RequestValidationError

__all__ = ["CertInput", "Settings", "options"]

_Path: TypeAlias = str | os.PathLike[str]
# ``cert=`` in every form httpx accepts, or a ``ClientCert`` (``setting_checks.client_cert`` reads them).
CertInput: TypeAlias = (
    ClientCert | _Path | tuple[_Path, _Path | None] | tuple[_Path, _Path | None, str | Secret | None]
)


class Settings(TypedDict, total=False):
    """Settings every client takes; an overlay's ``Client`` docstring says what each does there.

    - ``timeout``: seconds or an ``httpx.Timeout`` (default 10 s connect, 30 s otherwise);
    - ``retry``: a ``RetryPolicy``; reads are retried, a create is never sent twice;
    - ``rate_limit``: ``True`` keeps under the vendor's documented quota (shared by every client of
      the process), ``False`` or ``None`` for none, or a ``RateLimiter`` (or limiter URL) of your own;
    - ``strict``: validate every answer against the spec and raise ``ResponseValidationError``;
    - ``transport``: an httpx transport, e.g. a fake from ``nordfin.testing`` in tests;
    - ``cert``: a client certificate (``ClientCert``, a PEM path, or ``(cert, key)`` /
      ``(cert, key, password)`` as httpx takes it), if your network or the API needs one;
    - ``sleep``: how to wait between retries (tests pass a function that returns at once).
    """

    timeout: httpx.Timeout | float | None
    retry: RetryPolicy | None
    rate_limit: bool | RateLimiter | str | None
    strict: bool
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None
    cert: CertInput | None
    sleep: Callable[[float], Any] | None


def options(
    settings: Settings,
    *,
    base_url: str,
    quota: Quota | None = None,
    limiter_key: str = "",
    retry: RetryPolicy | None = None,
) -> Options:
    """The ``Options`` for ``settings``; ``retry`` is the API's default policy, ``quota`` its limit."""
    rate_limit = settings.get("rate_limit", quota is not None)
    limiter: RateLimiter | None
    if isinstance(rate_limit, RateLimiter):
        limiter = rate_limit
    elif quota is not None:  # on, off, or a redis:// URL sharing the documented quota
        limiter = quota.choose(rate_limit if isinstance(rate_limit, str) else bool(rate_limit), limiter_key)
    elif isinstance(rate_limit, str):
        raise RequestValidationError(
            "rate_limit",
            "this API documents no quota to share; "
            "pass nordfin.RateLimiter(limit, period, shared=URL, key=NAME)",
        )
    else:
        limiter = None
    return Options(
        base_url=base_url,
        timeout=settings.get("timeout", DEFAULT_TIMEOUT),
        # `is None`, not `or`: a wrong retry= (0, "") must reach the check, not become the default.
        retry=_first_given(settings.get("retry"), retry, RetryPolicy()),
        limiter=limiter,
        transport=settings.get("transport"),
        cert=setting_checks.client_cert(settings.get("cert")),  # any form httpx takes, as a ClientCert
        strict=settings.get("strict", False),
        sleep=settings.get("sleep"),
    )


def _first_given(*values: Any) -> Any:
    return next(value for value in values if value is not None)
