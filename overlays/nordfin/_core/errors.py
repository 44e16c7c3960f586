"""The one place where an error answer becomes an exception of ``nordfin.errors``.

The class raised is the status family's (``NotFound`` for 404) combined with the overlay's class
for the vendor's error code (``nordfin.goto.errors.PaymentTermGetFailed`` for 900531), so callers
can catch either. Vendor bodies are read by a parser each overlay supplies; the generic readers
for the common formats (RFC 7807 problem details) live here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from nordfin._core.redact import (
    MASK,
    SENSITIVE_HEADERS,
    SENSITIVE_PARAMS,
    mask_pii,
    redact_text,
    redact_url,
)
from nordfin._core.retry import parse_retry_after
from nordfin.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    VendorError,
    combine,
)

if TYPE_CHECKING:
    from nordfin._core.session import ApiProfile

__all__ = [
    "EXCERPT_CHARS",
    "ProblemError",
    "body_excerpt",
    "error_class",
    "error_from_response",
    "field_messages",
    "json_object",
    "parse_problem",
    "status_family",
]

_FAMILIES: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    410: NotFound,
    409: Conflict,
    412: Conflict,
    422: BadRequest,
    429: RateLimited,
}


def status_family(status: int) -> type[ApiError]:
    """The exception class for an HTTP status: a class of its own, 5xx, other 4xx, else ApiError."""
    if status in _FAMILIES:
        return _FAMILIES[status]
    if status >= 500:
        return ServerError
    return BadRequest if status >= 400 else ApiError


def error_class(family: type[ApiError], vendor: type[ApiError] | None) -> type[ApiError]:
    """A class that is both ``family`` and ``vendor`` (made once per pair, so ``is`` works)."""
    return combine(family, vendor)


def error_from_response(profile: ApiProfile, response: httpx.Response) -> ApiError:
    """Build the exception for an error answer; never raises while doing so."""
    vendor = _safe_parse(profile, response)
    family = status_family(response.status_code)
    vendor_class = profile.error_classes.get(vendor.code, profile.error_base)
    cls = error_class(family, vendor_class if vendor_class is not ApiError else None)
    request = response.request
    url = redact_url(request.url)
    kwargs: dict[str, Any] = {
        "status": response.status_code,
        "vendor": vendor,
        "request_id": response.headers.get(profile.request_id_header) if profile.request_id_header else None,
        "raw": response.content,
        "method": request.method,
        "url": url,
    }
    error = cls(_message(request.method, url, response, vendor), **kwargs)
    # Any status may carry one (a 503 for maintenance), not only a 429.
    error.retry_after = parse_retry_after(response.headers.get("retry-after"))
    return error


def _safe_parse(profile: ApiProfile, response: httpx.Response) -> VendorError:
    try:
        vendor = profile.error_parser(response)
    except Exception:  # a parser bug must not hide the server's error
        vendor = None
    return vendor if vendor is not None else VendorError()


def _message(method: str, url: str, response: httpx.Response, vendor: VendorError) -> str:
    text = vendor.message or response.reason_phrase or "error"
    code = f" [{vendor.code}]" if vendor.code is not None else ""
    field = f" (field {vendor.field})" if vendor.field else ""
    # A body the overlay could not read (a proxy's HTML page, another JSON shape, nothing) is
    # shown as a short excerpt, so the reader sees what came rather than a parser's complaint.
    shown = "" if vendor.data is not None else f"; body: {body_excerpt(response)}"
    return mask_pii(f"{method} {url} answered {response.status_code}{code}: {text}{field}{shown}")


EXCERPT_CHARS = 120


def body_excerpt(response: httpx.Response, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``response``'s body for a message: its media type, then at most ``limit``
    characters with whitespace collapsed, the request's credentials and every URL's secrets
    masked (a server may echo them); ``(empty)`` when there is none."""
    if not response.content:
        return "(empty)"
    text = response.content[: limit * 4].decode("utf-8", "replace")
    for secret in _request_secrets(response):
        text = text.replace(secret, MASK)
    text = " ".join(text.split())
    cut = text[:limit] + ("…" if len(text) > limit or len(response.content) > limit * 4 else "")
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    return f"({media or 'no Content-Type'}) {redact_text(cut)!r}"


def _request_secrets(response: httpx.Response) -> list[str]:
    """The credentials the request carried (sensitive headers and query values, and the token
    after an auth scheme), longest first so that no part of one is left behind."""
    try:
        request = response.request
    except RuntimeError:  # a response built without its request
        return []
    values = [v for k, v in request.headers.items() if k.lower() in SENSITIVE_HEADERS]
    values += [v for k, v in request.url.params.multi_items() if k.lower() in SENSITIVE_PARAMS]
    values += [v.split(" ", 1)[1] for v in values if " " in v]
    return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is anything else (HTML from a proxy, empty)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


_PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance")


def parse_problem(response: httpx.Response) -> VendorError | None:
    """Read an RFC 7807 / 9457 problem details body (``application/problem+json``, or JSON shaped so).

    ``code`` is the ``type`` URI, ``message`` the ``detail`` (else ``title``), ``details`` the
    extension members (e.g. per-field messages), ``data`` the whole body. Member names are matched
    without regard to case, because some vendors (PayEx) document them in PascalCase.
    """
    body = json_object(response)
    if body is None:
        return None
    by_lower = {key.lower(): key for key in body}
    if not any(member in by_lower for member in _PROBLEM_MEMBERS):
        return None
    member = {name: body.get(by_lower.get(name, name)) for name in _PROBLEM_MEMBERS}
    extensions = {key: value for key, value in body.items() if key.lower() not in _PROBLEM_MEMBERS}
    message = member["detail"] if isinstance(member["detail"], str) else member["title"]
    return VendorError(
        code=member["type"] if isinstance(member["type"], str) else None,
        message=message if isinstance(message, str) else None,
        details=extensions,
        data=body,
    )


def field_messages(value: Any) -> dict[str, list[str]]:
    """Per-field messages of a problem as one map: a map of field -> messages (RFC 7807 extensions as
    ASP.NET and PayEx write them), a list of ``{name, description}`` objects, or a list of one-key
    objects (older PayEx pages); else ``{}``."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [item for entry in value if isinstance(entry, dict) for item in _entry_pairs(entry)]
    found: dict[str, list[str]] = {}
    for key, messages in pairs:
        texts = messages if isinstance(messages, list) else [messages]
        found.setdefault(str(key), []).extend(t for t in texts if isinstance(t, str))
    return found


_NAME_KEYS = ("name", "field", "parameter", "property")
_TEXT_KEYS = ("description", "message", "detail", "reason", "error")


def _entry_pairs(entry: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """One list entry: ``{name, description}`` (as PayEx and others write a problem) is one field
    and its message; any other object is read as field -> messages."""
    by_lower = {str(key).lower(): key for key in entry}
    name = next((entry[by_lower[k]] for k in _NAME_KEYS if k in by_lower), None)
    text = next((entry[by_lower[k]] for k in _TEXT_KEYS if k in by_lower), None)
    if isinstance(name, str) and text is not None:
        return [(name, text)]
    return list(entry.items())


class ProblemError(ApiError):
    """An error answer read as RFC 7807 problem details (``parse_problem``): its five members, matched
    without regard to case, and the extension members. An overlay subclasses it for its API."""

    def _member(self, name: str) -> Any:
        data = self.vendor.data if isinstance(self.vendor.data, dict) else {}
        return next((value for key, value in data.items() if key.lower() == name), None)

    def _text(self, name: str) -> str | None:
        value = self._member(name)
        return value if isinstance(value, str) else None

    @property
    def problem_type(self) -> str | None:
        """``type``: a URI (or, at some vendors, a path) naming the kind of problem."""
        return self._text("type")

    @property
    def title(self) -> str | None:
        """``title``: a short human summary."""
        return self._text("title")

    @property
    def detail(self) -> str | None:
        """``detail``: a human explanation of this occurrence."""
        return self._text("detail")

    @property
    def instance(self) -> str | None:
        """``instance``: the id of this occurrence (quote it to the vendor's support)."""
        return self._text("instance")

    @property
    def extensions(self) -> dict[str, Any]:
        """Every member beyond the five of RFC 7807, as the server sent them."""
        details = self.vendor.details
        return dict(details) if isinstance(details, dict) else {}
