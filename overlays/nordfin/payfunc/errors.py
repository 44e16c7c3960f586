"""PayFunc's errors as exceptions.

PayFunc answers every status of 400 or higher with ``{"status", "type", "content"}``, e.g.
``{"status": 400, "type": "invalid content", "content": {"type": "model.Order.Creatable",
"description": "A valid order to be created."}}``. The exception raised is the class of its
``type`` below *and* the status family of ``nordfin.errors`` (``NotFound`` for 404), so either can
be caught; an unknown ``type`` still raises ``PayFuncError``.
"""

from __future__ import annotations

from typing import Any

import httpx

from nordfin._core.errors import json_object
from nordfin.errors import ApiError, VendorError

__all__ = [
    "TYPES",
    "Conflict",
    "FlawedContent",
    "Forbidden",
    "InvalidContent",
    "MalformedContent",
    "MissingProperty",
    "NotFound",
    "PayFuncError",
    "ServerError",
    "Unauthorized",
    "parse_error",
]


class PayFuncError(ApiError):
    """An error answer in PayFunc's format."""

    @property
    def error_type(self) -> str | None:
        """``type``: PayFunc's kind of error, e.g. ``"invalid content"``."""
        code = self.vendor.code
        return code if isinstance(code, str) else None

    @property
    def content(self) -> dict[str, Any] | None:
        """``content``: what the error is about (``property``, ``type``, ``description``), if given."""
        details = self.vendor.details
        return details if isinstance(details, dict) else None


class MalformedContent(PayFuncError):
    """ "malformed content": the body is not valid JSON."""


class FlawedContent(PayFuncError):
    """ "flawed content": the body breaks PayFunc's model."""


class MissingProperty(PayFuncError):
    """ "missing property": a required property is missing."""


class InvalidContent(PayFuncError):
    """ "invalid content": the content is not valid (e.g. a currency change while the total is not 0)."""


class Unauthorized(PayFuncError):
    """ "unauthorized": no key, or a key PayFunc does not accept."""


class Forbidden(PayFuncError):
    """ "forbidden": the key may not do this (a public key listing accounts)."""


class NotFound(PayFuncError):
    """ "not found": no such account, subscription or order."""


class Conflict(PayFuncError):
    """ "conflict": the request conflicts with the resource's state."""


class ServerError(PayFuncError):
    """ "server error": PayFunc failed."""


TYPES: dict[str, type[PayFuncError]] = {
    "malformed content": MalformedContent,
    "flawed content": FlawedContent,
    "missing property": MissingProperty,
    "invalid content": InvalidContent,
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "not found": NotFound,
    "conflict": Conflict,
    "server error": ServerError,
}


def parse_error(response: httpx.Response) -> VendorError | None:
    """Read PayFunc's error body; ``None`` when the body is not one (an HTML page from a proxy)."""
    body = json_object(response)
    if body is None or not isinstance(body.get("type"), str) or "status" not in body:
        return None
    content = body.get("content")
    content = content if isinstance(content, dict) else None
    return VendorError(
        code=body["type"],
        message=_message(body["type"], content, body.get("error")),
        field=_text(content.get("property")) if content else None,
        details=content,
        data=body,
    )


def _message(kind: str, content: dict[str, Any] | None, error: Any) -> str:
    """``type``, then the content's description or type: never a value from the request."""
    about = (content or {}).get("description") or (content or {}).get("type") or error
    return about if isinstance(about, str) and about else kind


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
