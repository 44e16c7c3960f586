"""ISO 4217 currency codes, for the APIs whose amounts carry a currency.

The spec can only say "three capital letters"; :func:`check_currency` also refuses codes that ISO
4217 does not list (a typo such as ``"SKE"`` would otherwise reach the vendor).
"""

from __future__ import annotations

from typing import Any

from nordfin._core._iso_codes import CURRENCIES
from nordfin._core.validate import check_str
from nordfin.errors import RequestValidationError

__all__ = ["ISO_4217", "check_currency"]

#: ISO 4217 alphabetic codes, from pycountry's copy of the standard (``scripts/iso_codes.py``).
ISO_4217: frozenset[str] = CURRENCIES


def check_currency(field: str, value: Any) -> str:
    """``value`` must be an ISO 4217 code in capitals (``"SEK"``); returned as is."""
    text = check_str(field, value)
    if len(text) != 3 or not text.isascii() or not text.isupper():
        raise RequestValidationError(field, "must be a 3-letter ISO 4217 currency code in capitals, e.g. SEK")
    if text not in ISO_4217:
        raise RequestValidationError(field, "is not an ISO 4217 currency code")
    return text
