"""Argument checks the spec cannot express; everything the spec can say is checked by ``Session``.

Every check raises ``RequestValidationError(field, rule)`` and never repeats the value, which may
be a secret or a national identity number.
"""

from __future__ import annotations

import enum
import re
import sys
from typing import Any, TypeVar

from nordfin._core._iso_codes import COUNTRIES
from nordfin.errors import RequestValidationError

__all__ = [
    "check_country",
    "check_enum",
    "check_guid",
    "check_header_value",
    "check_path_id",
    "check_str",
    "check_type",
    "is_se_organisation_number",
]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
E = TypeVar("E", bound=enum.Enum)


def check_type(field: str, value: Any, kind: type | tuple[type, ...]) -> None:
    """``value`` must be an instance of ``kind``; ``bool`` never passes for ``int``."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise RequestValidationError(field, f"must be {_names(kinds)}, not a bool")
    if not isinstance(value, kinds):
        raise RequestValidationError(field, f"must be {_names(kinds)}, not {type(value).__name__}")


def check_str(field: str, value: Any) -> str:
    """``value`` must be a ``str``; returned as one."""
    if not isinstance(value, str):
        raise RequestValidationError(field, f"must be str, not {type(value).__name__}")
    return value


def check_path_id(field: str, value: Any, *, allow_slash: bool = False) -> str:
    """An id that goes into a URL path: it may never leave the resource's path.

    With ``allow_slash`` (ids documented as ``{id : .+}``) it may contain ``/`` between
    segments, but no empty, ``.`` or ``..`` segment, no backslash and no leading or trailing slash,
    so ``../../admin`` or ``//evil.example`` can never point the request elsewhere.
    """
    text = check_str(field, value)
    if not text:
        raise RequestValidationError(field, "must not be empty")
    if _CONTROL.search(text):
        raise RequestValidationError(field, "must not contain control characters")
    if "\\" in text:
        raise RequestValidationError(field, "must not contain a backslash")
    segments = text.split("/")
    if len(segments) > 1 and not allow_slash:
        raise RequestValidationError(field, "must not contain '/'")
    if any(segment in ("", ".", "..") for segment in segments):
        raise RequestValidationError(field, "must not have empty, '.' or '..' path segments")
    return text


def check_header_value(field: str, value: Any) -> str:
    """A credential or other value sent as an HTTP header: a non-empty single line of text."""
    text = check_str(field, value)
    if not text.strip():
        raise RequestValidationError(field, "must not be empty")
    if _CONTROL.search(text):
        raise RequestValidationError(field, "must be one line without control characters")
    if not text.isascii():
        raise RequestValidationError(field, "must be ASCII (it is sent as an HTTP header)")
    return text


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(kind.__name__ for kind in kinds)


def check_country(field: str, code: Any) -> None:
    """An assigned ISO 3166-1 alpha-2 code, upper-case (``SE``); the list is pycountry's (``_iso_codes``)."""
    if not isinstance(code, str) or len(code) != 2 or not code.isupper():
        raise RequestValidationError(field, "must be an ISO 3166-1 alpha-2 country code such as SE")
    if code not in COUNTRIES:
        raise RequestValidationError(field, "is not an assigned ISO 3166-1 alpha-2 country code")


def check_guid(field: str, value: Any) -> str:
    """A GUID in its canonical 8-4-4-4-12 form, as a ``str`` or a ``uuid.UUID``; returned as text.

    Braces, ``urn:uuid:`` prefixes and missing hyphens are refused rather than rewritten: a GUID
    that reaches a URL path must be exactly what the server stored.
    """
    uuid = sys.modules.get("uuid")  # not imported for this: no UUID exists before its module is
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    text = check_str(field, value)
    if not _GUID.fullmatch(text):
        raise RequestValidationError(field, "must be a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    return text


def check_enum(field: str, value: Any, kind: type[E]) -> E:
    """A member of the enum ``kind``, or one of its values (never a bool); returned as the member."""
    if isinstance(value, kind):
        return value
    if not isinstance(value, bool):
        try:
            return kind(value)
        except (ValueError, TypeError):
            pass
    allowed = ", ".join(str(member.value) for member in kind)
    raise RequestValidationError(field, f"must be one of {allowed} ({kind.__name__})")


def is_se_organisation_number(number: str) -> bool:
    """Whether a Swedish organisation number (10 digits, separators allowed) has an organisation's
    group digits: its third and fourth digits are 20 or more, where a personnummer has its birth
    month (01-12; Skatteverket, SKV 709). A personnummer passes the same Luhn check, so without
    this a person's number would be taken for a company's."""
    digits = "".join(c for c in number if c.isdigit())
    return len(digits) == 10 and int(digits[2:4]) >= 20
