"""Permånad's error answers as exceptions.

Permånad 1.1.4 documents no error body; nordfin's spec assumes the legacy LeaseCloud format
``{"error": {"code", "message", "fields": [{"field", "message", "code"}]}}`` and this parser also
reads a bare ``{"message": ...}``. Every error answer raises ``PermanadError`` combined with its
status family of ``nordfin.errors`` (a 404 is both ``PermanadError`` and ``NotFound``).
"""

from __future__ import annotations

from typing import Any

import httpx

from nordfin._core.errors import json_object
from nordfin._core.polling import WaitCancelled, WaitTimeout
from nordfin.errors import ApiError, VendorError

__all__ = ["PermanadError", "WaitCancelled", "WaitTimeout", "parse_error"]


class PermanadError(ApiError):
    """An error answer of the Permånad Partner API."""

    @property
    def fields(self) -> list[dict[str, Any]]:
        """The per-field problems the server listed (``error.fields``), if any."""
        details = self.vendor.details
        return [f for f in details if isinstance(f, dict)] if isinstance(details, list) else []


def parse_error(response: httpx.Response) -> VendorError | None:
    """Read Permånad's error body; ``None`` when the body is not one (an HTML page from a proxy)."""
    body = json_object(response)
    if body is None:
        return None
    inner = body.get("error")
    if isinstance(inner, dict):
        fields = inner.get("fields")
        first = fields[0] if isinstance(fields, list) and fields and isinstance(fields[0], dict) else {}
        return VendorError(
            code=_text(inner.get("code")),
            message=_text(inner.get("message")),
            field=_text(first.get("field")),
            details=fields,
            data=body,
        )
    if isinstance(body.get("message"), str):
        return VendorError(message=body["message"], code=_text(body.get("code")), data=body)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
