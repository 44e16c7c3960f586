"""Goto's error codes as exceptions.

Goto answers errors as ``{"errorCode", "errorMessage", "errorField", "errorData"}``. The exception
raised for such an answer is the class of its ``errorCode`` below *and* the status family of
``nordfin.errors`` (a 404 with 900531 is both ``PaymentTermGetFailed`` and ``NotFound``), so
either can be caught. An unknown code still raises ``GotoError`` (with the status family).
"""

from __future__ import annotations

from typing import Any

import httpx

from nordfin._core.errors import json_object
from nordfin.errors import ApiError, VendorError

__all__ = [
    "CODES",
    "CommonError",
    "CredentialsMismatch",
    "GotoError",
    "PaymentTermCreateFailed",
    "PaymentTermDeleteFailed",
    "PaymentTermGetFailed",
    "PaymentTermUpdateFailed",
    "TooManyRequests",
    "parse_error",
]


class GotoError(ApiError):
    """An error answer in Goto's format."""

    @property
    def error_code(self) -> int | None:
        """``errorCode``: Goto's numeric code (see ``CODES``)."""
        code = self.vendor.code
        return code if isinstance(code, int) else None

    @property
    def error_message(self) -> str | None:
        """``errorMessage``: Goto's text."""
        return self.vendor.message

    @property
    def error_field(self) -> str | None:
        """``errorField``: the field Goto blames, if any."""
        return self.vendor.field

    @property
    def error_data(self) -> Any:
        """``errorData``: extra data about the error, shape undocumented."""
        return self.vendor.details


class CredentialsMismatch(GotoError):
    """900001: the store, key or user credentials don't match."""


class CommonError(GotoError):
    """900101: Goto's common error ("Something went wrong on the server")."""


class TooManyRequests(GotoError):
    """900429: more than 200 requests in a minute."""


class PaymentTermGetFailed(GotoError):
    """900531: error when getting a payment term (e.g. no term with that id)."""


class PaymentTermCreateFailed(GotoError):
    """900532: error when creating a payment term."""


class PaymentTermUpdateFailed(GotoError):
    """900533: error when updating a payment term."""


class PaymentTermDeleteFailed(GotoError):
    """900534: error when deleting a payment term."""


CODES: dict[int, type[GotoError]] = {
    900001: CredentialsMismatch,
    900101: CommonError,
    900429: TooManyRequests,
    900531: PaymentTermGetFailed,
    900532: PaymentTermCreateFailed,
    900533: PaymentTermUpdateFailed,
    900534: PaymentTermDeleteFailed,
}


def parse_error(response: httpx.Response) -> VendorError | None:
    """Read Goto's error body; ``None`` when the body is not one (an HTML page from a proxy)."""
    body = json_object(response)
    if body is None or "errorCode" not in body:
        return None
    code = body.get("errorCode")
    return VendorError(
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        message=_text(body.get("errorMessage")),
        field=_text(body.get("errorField")),
        details=body.get("errorData"),
        data=body,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
