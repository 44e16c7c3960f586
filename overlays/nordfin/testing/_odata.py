"""OData ``$filter`` and ``$orderby`` as the fakes read them: a parser, an evaluator and a sorter.

This is a second, independent reading of the grammar that ``nordfin._core.odata`` writes (it
deliberately imports nothing of it), so the tests can check one against the other::

    filter   := or
    or       := and ("or" and)*                 left-associative
    and      := unary ("and" unary)*            left-associative
    unary    := "not" unary | "(" filter ")" | NAME OP literal
    NAME     := identifier ("/" identifier)*    e.g. customer/fullName
    OP       := eq | ne | gt | ge | lt | le     lower-case, as in OData
    literal  := 'text' ('' is one quote) | -?digits[.digits] | true | false | null
              | 2024-01-31T12:00:00[.ffffff](Z|+01:00) | 2024-01-31 | GUID (bare, any case)

Keywords are lower-case and case-sensitive; spaces and tabs between tokens are ignored.
Integers parse to ``int``, numbers with a ``.`` to ``Decimal`` (exact), date-times to aware
``datetime``. ``evaluate`` runs a parsed filter on a JSON object; ``order_by`` sorts by
``$orderby``. Errors are :class:`FilterSyntaxError` with the position of the problem.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, TypeVar

__all__ = [
    "And",
    "Compare",
    "FilterSyntaxError",
    "LiteralValue",
    "Node",
    "Not",
    "Or",
    "evaluate",
    "order_by",
    "parse",
]

LiteralValue = str | int | Decimal | bool | None | dt.datetime | dt.date | uuid.UUID
R = TypeVar("R", bound=Mapping[str, Any])


class FilterSyntaxError(ValueError):
    """A ``$filter`` or ``$orderby`` text is malformed; ``position`` is the 0-based offset."""

    def __init__(self, message: str, position: int) -> None:
        self.position = position
        super().__init__(f"{message} at position {position}")


@dataclass(frozen=True)
class Compare:
    """``field op value``: ``field`` as written (``a/b``), ``op`` one of eq ne gt ge lt le."""

    field: str
    op: str
    value: LiteralValue


@dataclass(frozen=True)
class And:
    """``left and right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    """``left or right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Node


Node = Compare | And | Or | Not

# ---------------------------------------------------------------------------------------- tokens

_OPS: Final = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
_WORDS: Final = _OPS | {"and", "or", "not", "true", "false", "null"}
_END: Final = r"(?![A-Za-z0-9_./:-])"
_DAY: Final = r"\d{4}-\d{2}-\d{2}"
_TIME: Final = r"T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})"
_HEX: Final = "[0-9A-Fa-f]"
_IDENT: Final = r"[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*"
_TOKEN: Final = re.compile(
    rf"""
    (?P<space>[ \t]+)
  | (?P<string>'(?:[^']|'')*+')
  | (?P<paren>[()])
  | (?P<datetime>{_DAY}{_TIME}{_END})
  | (?P<guid>{_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}{_END})
  | (?P<date>{_DAY}{_END})
  | (?P<number>-?\d+(?:\.\d+)?{_END})
  | (?P<name>{_IDENT}{_END})
    """,
    re.VERBOSE | re.ASCII,
)
_MAX_DEPTH: Final = 100


@dataclass(frozen=True)
class _Token:
    kind: str  # string, paren, datetime, guid, date, number, name, word, end
    text: str
    pos: int

    def describe(self) -> str:
        """The token for an error message; a literal is named by its kind, never repeated."""
        if self.kind in ("paren", "name", "word"):
            return repr(self.text)
        return "end of text" if self.kind == "end" else f"a {self.kind} literal"


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _bad_char(text, pos)
        kind = match.lastgroup or ""
        if kind != "space":
            word = kind == "name" and match.group() in _WORDS
            found.append(_Token("word" if word else kind, match.group(), pos))
        pos = match.end()
    found.append(_Token("end", "", len(text)))
    return found


def _bad_char(text: str, pos: int) -> FilterSyntaxError:
    if text[pos] == "'":
        return FilterSyntaxError("unterminated string literal", pos)
    if text[pos].isdigit() or text[pos] == "-":
        return FilterSyntaxError("malformed number, date, date-time or GUID literal", pos)
    return FilterSyntaxError("unexpected character", pos)


# ---------------------------------------------------------------------------------------- parser


def parse(text: str) -> Node:
    """The syntax tree of the ``$filter`` ``text``; :class:`FilterSyntaxError` if malformed."""
    parser = _Parser(_tokens(text))
    node = parser.disjunction(0)
    parser.expect_end()
    return node


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += min(1, len(self.tokens) - 1 - self.at)
        return token

    def accept(self, kind: str, text: str) -> bool:
        token = self.peek()
        if token.kind == kind and token.text == text:
            self.take()
            return True
        return False

    def expect_end(self) -> None:
        token = self.peek()
        if token.kind != "end":
            raise FilterSyntaxError(f"expected 'and', 'or' or the end, found {token.describe()}", token.pos)

    def disjunction(self, depth: int) -> Node:
        node = self.conjunction(depth)
        while self.accept("word", "or"):
            node = Or(node, self.conjunction(depth))
        return node

    def conjunction(self, depth: int) -> Node:
        node = self.unary(depth)
        while self.accept("word", "and"):
            node = And(node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        token = self.peek()
        if depth > _MAX_DEPTH:
            raise FilterSyntaxError(f"nested more than {_MAX_DEPTH} deep", token.pos)
        if self.accept("word", "not"):
            return Not(self.unary(depth + 1))
        if self.accept("paren", "("):
            node = self.disjunction(depth + 1)
            if not self.accept("paren", ")"):
                closing = self.peek()
                raise FilterSyntaxError(f"expected ')', found {closing.describe()}", closing.pos)
            return node
        return self.comparison()

    def comparison(self) -> Compare:
        name = self.take()
        if name.kind != "name":
            raise FilterSyntaxError(f"expected a field name, '(' or 'not', found {name.describe()}", name.pos)
        op = self.take()
        if op.kind != "word" or op.text not in _OPS:
            found = op.describe()
            raise FilterSyntaxError(f"expected an operator (eq, ne, gt, ge, lt, le), found {found}", op.pos)
        return Compare(name.text, op.text, _literal(self.take()))


def _literal(token: _Token) -> LiteralValue:
    try:
        return _READERS[token.kind](token.text)
    except KeyError:
        raise FilterSyntaxError(f"expected a literal, found {token.describe()}", token.pos) from None
    except ValueError:  # 2024-13-45 and the like
        raise FilterSyntaxError(f"invalid {token.kind} literal", token.pos) from None


def _word(text: str) -> LiteralValue:
    values: dict[str, LiteralValue] = {"true": True, "false": False, "null": None}
    return values[text]  # KeyError for a keyword that is no literal: "expected a literal"


def _number(text: str) -> LiteralValue:
    return Decimal(text) if "." in text else int(text)


def _datetime(text: str) -> LiteralValue:
    return dt.datetime.fromisoformat(text)


_READERS: Final[dict[str, Callable[[str], LiteralValue]]] = {
    "string": lambda text: text[1:-1].replace("''", "'"),
    "number": _number,
    "word": _word,
    "datetime": _datetime,
    "date": dt.date.fromisoformat,
    "guid": uuid.UUID,
}

# ------------------------------------------------------------------------------------ evaluation

_MISSING: Final = object()


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    """The value at ``a/b`` in ``record``, keys matched case-insensitively; ``_MISSING`` if none."""
    value: Any = record
    for segment in path.split("/"):
        if not isinstance(value, Mapping):
            return _MISSING
        if segment in value:
            value = value[segment]
            continue
        key = next((k for k in value if isinstance(k, str) and k.lower() == segment.lower()), _MISSING)
        value = _MISSING if key is _MISSING else value[key]
    return value


def evaluate(node: Node, record: Mapping[str, Any]) -> bool:
    """Whether the JSON object ``record`` matches the parsed filter ``node``.

    Fields match keys case-insensitively and ``a/b`` walks nested objects. Strings compare exactly
    (``gt``/``lt`` by code point), numbers numerically (a JSON float as its shortest decimal form),
    booleans only with booleans; a date-time literal compares with an ISO 8601 string (naive means
    UTC), a date with a date string (or the date part of a date-time string), a GUID with a string,
    ignoring case. ``eq null`` matches a missing key or ``null``; a missing or ``null`` field is
    ``ne`` every other value. Any other comparison of incompatible values is false, never an error.
    """
    if isinstance(node, And):
        return evaluate(node.left, record) and evaluate(node.right, record)
    if isinstance(node, Or):
        return evaluate(node.left, record) or evaluate(node.right, record)
    if isinstance(node, Not):
        return not evaluate(node.operand, record)
    return _compare(node.op, _lookup(record, node.field), node.value)


def _compare(op: str, actual: Any, expected: LiteralValue) -> bool:
    null = actual is _MISSING or actual is None
    if null or expected is None:
        both_null = null and expected is None
        return {"eq": both_null, "ne": not both_null}.get(op, False)
    pair = _comparable(actual, expected)
    if pair is None:
        return False
    left, right = pair
    return bool(_RELATIONS[op](left, right))


_RELATIONS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def _comparable(actual: Any, expected: LiteralValue) -> tuple[Any, Any] | None:
    """``actual`` and ``expected`` as two values of one ordered type, or None if incompatible."""
    if isinstance(expected, bool):
        return (actual, expected) if isinstance(actual, bool) else None
    if isinstance(expected, int | Decimal):
        number = _json_number(actual)
        return None if number is None else (number, Decimal(expected))
    if isinstance(expected, str):
        return (actual, expected) if isinstance(actual, str) else None
    if isinstance(expected, uuid.UUID):
        return (actual.lower(), str(expected)) if isinstance(actual, str) else None
    if isinstance(expected, dt.datetime):
        moment = _json_datetime(actual)
        return None if moment is None else (moment, expected)
    if isinstance(expected, dt.date):
        day = _json_date(actual)
        return None if day is None else (day, expected)
    return None


def _json_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)) if value - value == 0 else None  # NaN and infinities: None
    return Decimal(value)


def _json_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=dt.UTC)


def _json_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        return None


# -------------------------------------------------------------------------------------- $orderby

_ORDER_ITEM: Final = re.compile(
    rf"[ \t]*(?P<name>{_IDENT})(?:[ \t]+(?P<dir>asc|desc))?[ \t]*\Z",
    re.ASCII,
)


def order_by(records: Sequence[R], text: str) -> list[R]:
    """``records`` sorted by the ``$orderby`` ``text``, e.g. ``fullName desc, customerReference``.

    Field names match keys case-insensitively (``a/b`` for nested ones); ``asc`` is the default.
    ``null`` and missing values are the smallest (first ascending, last descending); values of
    different JSON types order by type (booleans, numbers, strings, then the rest). The sort is
    stable. Malformed text raises :class:`FilterSyntaxError`.
    """
    result = list(records)
    for name, descending in reversed(_order_items(text)):
        result.sort(key=lambda record: _sort_key(_lookup(record, name)), reverse=descending)
    return result


def _order_items(text: str) -> list[tuple[str, bool]]:
    items: list[tuple[str, bool]] = []
    start = 0
    for part in text.split(","):
        match = _ORDER_ITEM.match(part)
        if match is None:
            raise FilterSyntaxError("expected 'field', 'field asc' or 'field desc'", start)
        items.append((match["name"], match["dir"] == "desc"))
        start += len(part) + 1
    return items


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is _MISSING or value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    number = _json_number(value)
    if number is not None:
        return (2, number)
    if isinstance(value, str):
        return (3, value)
    return (4, repr(value))
