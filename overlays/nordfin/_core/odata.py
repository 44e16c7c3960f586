"""A typed builder for OData ``$filter`` expressions, for the APIs that take one.

Aptic's API Gateway documents "filter conditions specified in a simplified OData format"; what is
confirmed from real client code is ``eq`` with a single-quoted string whose ``'`` is doubled. This
module writes that format (and the rest of OData v4's comparison syntax) so that no value can ever
change a filter's structure: every value goes through :func:`literal`, and every sub-expression is
parenthesised.

::

    >>> from nordfin._core.odata import Field, render
    >>> name, amount = Field("fullName"), Field("invoice/amount")
    >>> f = name.eq("O'Brien") & (amount.gt(100) | ~Field("closed").eq(True))
    >>> str(f)
    "(fullName eq 'O''Brien') and ((invoice/amount gt 100) or (not (closed eq true)))"
    >>> render(f) == f.text
    True

Rendering, always the same shape:

- a comparison is ``<field> <op> <literal>``, with single spaces: ``name eq 'x'``;
- ``and`` / ``or`` wrap *both* operands in parentheses: ``(A) and (B)``; :func:`and_` and
  :func:`or_` of more than two filters fold from the left: ``((A) and (B)) and (C)``;
- ``not`` wraps its operand: ``not (A)``;
- a :func:`raw` text is wrapped like any other operand when combined, and sent as is otherwise;
  a plain ``str`` is refused (:func:`render`), so hand-written text is always marked by ``raw``.

Literals (:func:`literal`): ``str`` -> ``'...'`` with ``'`` doubled (any text, control characters
included; only lone surrogates, which UTF-8 cannot carry, are refused); ``bool`` -> ``true`` /
``false``; ``int`` -> decimal digits; ``float`` (finite) and ``Decimal`` (finite) -> plain notation,
never an exponent (a float always has a ``.``, e.g. ``1e16`` -> ``10000000000000000.0``, and reads
back to the same float); aware ``datetime`` -> ISO 8601 in UTC with ``Z``, unquoted, microseconds
only when non-zero (``2024-01-31T12:00:00Z``); ``date`` -> ``2024-01-31``; ``UUID`` -> bare
lower-case GUID; ``None`` -> ``null`` (only with ``eq`` and ``ne``). Every refusal is a
``RequestValidationError("filter", rule)`` that never repeats the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeAlias

from nordfin._core.record import Frozen
from nordfin.errors import RequestValidationError

__all__ = ["Field", "Filter", "Value", "and_", "literal", "not_", "or_", "raw", "render", "vocabulary"]

#: The Python types :func:`literal` turns into OData literals.
if TYPE_CHECKING:
    import uuid
    from decimal import Decimal

# uuid and decimal are imported by whoever makes a UUID or a Decimal, not for this (issue 14)
Value: TypeAlias = "str | bool | int | float | Decimal | dt.datetime | dt.date | uuid.UUID | None"

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*")
_KEYWORDS = frozenset({"and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "true", "false", "null"})
_MAX_DECIMAL_CHARS = 400  # a Decimal such as 1E+999999999 would otherwise be a billion digits


def _refuse(rule: str) -> RequestValidationError:
    return RequestValidationError("filter", rule)


class Filter(Frozen):
    """An OData filter expression; ``text`` (or ``str(f)``) is what goes into ``$filter``.

    Combine with ``&`` (and), ``|`` (or) and ``~`` (not), or with :func:`and_`, :func:`or_` and
    :func:`not_`. Build one with :class:`Field`'s methods or, unchecked, with :func:`raw`.
    """

    # How an argument error names this type: a plain (maybe f-) string is refused, and says why.
    describe_as = "a Filter (Field(...) comparisons, or raw(...) for hand-written text)"

    __slots__ = ("text",)
    text: str  # not in the repr: the values may be names or identity numbers

    def __init__(self, text: str) -> None:
        self._init(text=text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Filter(<{len(self.text)} characters>)"

    def __and__(self, other: Filter) -> Filter:
        return and_(self, other)

    def __or__(self, other: Filter) -> Filter:
        return or_(self, other)

    def __invert__(self) -> Filter:
        return not_(self)


def _check_name(name: object) -> None:
    if not isinstance(name, str) or _FIELD.fullmatch(name) is None:
        raise _refuse("field names must be identifiers joined by '/', such as customer/fullName")
    if name in _KEYWORDS:
        raise _refuse(f"field name {name} is an OData keyword")


class Field(Frozen):
    """A property to compare, by its name in the API's JSON (``a/b`` for a nested property).

    ``Field("fullName").eq("Anna")`` is the filter ``fullName eq 'Anna'``. The comparison methods
    are named as in OData; ``==`` keeps its ordinary meaning (two fields of the same name).
    """

    __slots__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _check_name(name)
        self._init(name=name)

    def eq(self, value: Value) -> Filter:
        """``name eq value``; ``None`` compares with ``null``."""
        return self._compare("eq", value)

    def ne(self, value: Value) -> Filter:
        """``name ne value``; ``None`` compares with ``null``."""
        return self._compare("ne", value)

    def gt(self, value: Value) -> Filter:
        """``name gt value``."""
        return self._compare("gt", value)

    def ge(self, value: Value) -> Filter:
        """``name ge value``."""
        return self._compare("ge", value)

    def lt(self, value: Value) -> Filter:
        """``name lt value``."""
        return self._compare("lt", value)

    def le(self, value: Value) -> Filter:
        """``name le value``."""
        return self._compare("le", value)

    def _compare(self, op: str, value: Value) -> Filter:
        if value is None and op not in ("eq", "ne"):
            raise _refuse(f"{self.name} {op}: only eq and ne can compare with null")
        return Filter(f"{self.name} {op} {literal(value)}")


def literal(value: object) -> str:
    """``value`` as an OData literal (see the module's text for each type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return _float(value)
    if _is_instance(value, "decimal", "Decimal"):
        return _decimal(value)  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if _is_instance(value, "uuid", "UUID"):
        return str(value)
    raise _refuse(f"a filter value has the unsupported type {type(value).__name__}")


def _is_instance(value: object, module: str, name: str) -> bool:
    """``isinstance(value, module.name)`` without importing ``module``: before it is imported, no
    instance of its class can exist."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(value, getattr(loaded, name))


def _string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse("text values must be valid Unicode (no lone surrogates)") from None
    return "'" + value.replace("'", "''") + "'"


def _integer(value: int) -> str:
    try:
        return str(int(value))
    except ValueError:  # more digits than sys.get_int_max_str_digits() allows
        raise _refuse("an integer value has too many digits") from None


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise _refuse("float values must be finite numbers")
    from decimal import Decimal

    text = format(Decimal(repr(float(value))), "f")
    return text if "." in text else text + ".0"


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise _refuse("Decimal values must be finite numbers")
    digits, exponent = len(value.as_tuple().digits), int(value.as_tuple().exponent)
    if max(digits + exponent, 1) + max(-exponent, 0) > _MAX_DECIMAL_CHARS:
        raise _refuse(f"a Decimal value needs more than {_MAX_DECIMAL_CHARS} digits in plain notation")
    return format(value, "f")


def _datetime(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _refuse("date-time values must be timezone-aware")
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        raise _refuse("a date-time value is out of range once converted to UTC") from None
    return utc.replace(tzinfo=None).isoformat() + "Z"


def _operands(name: str, filters: tuple[object, ...]) -> list[Filter]:
    if not filters:
        raise _refuse(f"{name} needs at least one filter")
    checked: list[Filter] = []
    for f in filters:
        if not isinstance(f, Filter):
            raise _refuse(f"{name} combines Filter objects, not {type(f).__name__}")
        checked.append(f)
    return checked


def _fold(name: str, keyword: str, filters: tuple[object, ...]) -> Filter:
    first, *rest = _operands(name, filters)
    for f in rest:
        first = Filter(f"({first.text}) {keyword} ({f.text})")
    return first


def and_(*filters: Filter) -> Filter:
    """All of ``filters``: ``(A) and (B)``; one filter is returned as is."""
    return _fold("and_", "and", filters)


def or_(*filters: Filter) -> Filter:
    """Any of ``filters``: ``(A) or (B)``; one filter is returned as is."""
    return _fold("or_", "or", filters)


def not_(f: Filter) -> Filter:
    """The negation of ``f``: ``not (A)``."""
    (operand,) = _operands("not_", (f,))
    return Filter(f"not ({operand.text})")


def raw(text: str) -> Filter:
    """An expert's escape hatch: ``text`` is sent verbatim and **not checked** at all.

    Only a non-empty ``str`` is required. Values put into it are not escaped; prefer
    :class:`Field`. Combined with other filters, it is wrapped in parentheses like any operand.
    """
    if not isinstance(text, str):
        raise _refuse(f"a raw filter must be str, not {type(text).__name__}")
    if not text.strip():
        raise _refuse("a raw filter must not be empty")
    return Filter(text)


def render(value: object) -> str | None:
    """What an overlay sends for its ``filter=`` argument.

    A :class:`Filter` becomes its text, ``None`` stays ``None`` (no ``$filter``). A plain ``str`` is
    refused: an f-string would let a value rewrite the filter (``f"fullName eq '{name}'"`` with
    ``name = "x' or 1 eq 1 or 'a"``), so hand-written text must be wrapped in :func:`raw` on purpose.
    """
    candidate: object = value
    if candidate is None:
        return None
    if isinstance(candidate, Filter):
        return candidate.text
    if isinstance(candidate, str):
        raise _refuse(
            "must be built with Field(...) (values are quoted for you), or wrapped in raw(...) "
            "when written by hand; a plain str is refused because an f-string could inject OData"
        )
    raise _refuse(f"must be a Filter or None, not {type(candidate).__name__}")


def vocabulary(wire_names: Iterable[str]) -> Callable[[str], str]:
    """A converter of field names for one API: each ``/``-separated segment must be one of
    ``wire_names`` or their snake_case spelling (``full_name`` -> ``fullName``); an unknown name is
    refused, because the server would silently match nothing."""
    known = frozenset(wire_names)
    by_snake = {_snake(name): name for name in known}

    def to_wire(name: object) -> str:
        if not isinstance(name, str) or _FIELD.fullmatch(name) is None:
            raise _refuse("field names must be identifiers joined by '/', such as customer/fullName")
        segments = []
        for segment in name.split("/"):
            wire = segment if segment in known else by_snake.get(segment)
            if wire is None:
                raise _refuse(f"field {segment} is not a property of this API (check its spelling)")
            segments.append(wire)
        return "/".join(segments)

    return to_wire


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
