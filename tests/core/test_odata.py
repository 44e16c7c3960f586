"""The OData ``$filter`` builder (``nordfin._core.odata``), read back by the fakes' own parser.

The parser (``nordfin.testing._odata``) is a second, independent reading of the grammar, so the
properties below show that every value the builder accepts survives the trip exactly and never
changes the structure of the filter around it.
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nordfin._core.odata import Field, Filter, and_, literal, not_, or_, raw, render
from nordfin.errors import RequestValidationError
from nordfin.testing._odata import And, Compare, FilterSyntaxError, Node, Not, Or, evaluate, order_by, parse

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)
OPS = ("eq", "ne", "gt", "ge", "lt", "le")
KEYWORDS = {"and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "true", "false", "null"}
CET = dt.timezone(dt.timedelta(hours=1))
U1 = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")


def refusal(call: Any, *args: Any) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as caught:
        call(*args)
    return caught.value


# ------------------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        ("''", "''''''"),
        ("a) or (b eq 'c", "'a) or (b eq ''c'"),
        ("Åsa Öberg 日本", "'Åsa Öberg 日本'"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-42, "-42"),
        (10**30, "1" + "0" * 30),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-0.0, "-0.0"),
        (3.0, "3.0"),
        (1e16, "10000000000000000.0"),
        (1.5e-7, "0.00000015"),
        (Decimal("12.50"), "12.50"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-1.2E-5"), "-0.000012"),
        (dt.datetime(2024, 1, 31, 12, 0, tzinfo=dt.UTC), "2024-01-31T12:00:00Z"),
        (dt.datetime(2024, 1, 31, 13, 0, tzinfo=CET), "2024-01-31T12:00:00Z"),
        (dt.datetime(2024, 1, 31, 12, 0, 0, 500, tzinfo=dt.UTC), "2024-01-31T12:00:00.000500Z"),
        (dt.date(2024, 1, 31), "2024-01-31"),
        (U1, "01234567-89ab-cdef-0123-456789abcdef"),
        (uuid.UUID("01234567-89AB-CDEF-0123-456789ABCDEF"), "01234567-89ab-cdef-0123-456789abcdef"),
        (None, "null"),
    ],
)
def test_literal(value: Any, expected: str) -> None:
    assert expected == literal(value)


class Secret:
    def __repr__(self) -> str:
        return "19800101-1234"


@pytest.mark.parametrize(
    ("value", "hidden"),
    [
        (["19800101-1234"], "19800101-1234"),
        ({"pnr": "19800101-1234"}, "19800101-1234"),
        (Secret(), "19800101-1234"),
        (b"19800101-1234", "19800101-1234"),
        ("19800101-1234\ud800", "19800101-1234"),
        (dt.datetime(1980, 1, 1, 12, 34), "1980"),
        (dt.datetime(1, 1, 1, tzinfo=CET), "0001"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "inf"),
        (Decimal("NaN"), "NaN"),
        (Decimal("-Infinity"), "Infinity"),
        (Decimal("1E+999999999"), "999999999"),
        pytest.param(10**5000, "0000000000", id="int-of-5001-digits"),
    ],
)
def test_literal_refusals_name_the_filter_and_hide_the_value(value: Any, hidden: str) -> None:
    error = refusal(literal, value)

    assert (error.field, hidden in str(error)) == ("filter", False)


def test_naive_datetime_is_refused_as_not_timezone_aware() -> None:
    error = refusal(literal, dt.datetime(2024, 1, 31))

    assert str(error) == "filter: date-time values must be timezone-aware"


def test_unsupported_type_is_named() -> None:
    error = refusal(literal, [1])

    assert str(error) == "filter: a filter value has the unsupported type list"


@given(st.floats(allow_nan=False, allow_infinity=False))
@PROPERTY
def test_float_literal_is_plain_and_round_trips(value: float) -> None:
    text = literal(value)

    assert (True, False, value) == ("." in text, "e" in text.lower(), float(text))


# ----------------------------------------------------------------------------- fields, filters


def test_comparisons_and_combinators_render_fully_parenthesised() -> None:
    a, b, c = Field("a"), Field("b"), Field("c")

    f = a.eq(1) & (b.eq("x") | ~c.eq(True))

    assert str(f) == "(a eq 1) and ((b eq 'x') or (not (c eq true)))"


@pytest.mark.parametrize(("op", "symbol"), [(o, o) for o in OPS])
def test_each_comparison_method(op: str, symbol: str) -> None:
    assert f"customer/fullName {symbol} 'x'" == getattr(Field("customer/fullName"), op)("x").text


def test_functions_equal_operators() -> None:
    x, y = Field("x").eq(1), Field("y").eq(2)

    assert (x & y, x | y, ~x) == (and_(x, y), or_(x, y), not_(x))


def test_and_of_three_folds_from_the_left() -> None:
    x, y, z = Field("x").eq(1), Field("y").eq(2), Field("z").eq(3)

    assert and_(x, y, z).text == "((x eq 1) and (y eq 2)) and (z eq 3)"


def test_a_single_operand_is_returned_unchanged() -> None:
    x = Field("x").eq(1)

    assert (x, x) == (and_(x), or_(x))


def test_raw_is_verbatim_alone_and_parenthesised_when_combined() -> None:
    r = raw("startswith(name,'A')")

    assert (r.text, (r | Field("x").eq(1)).text) == (
        "startswith(name,'A')",
        "(startswith(name,'A')) or (x eq 1)",
    )


def test_filter_is_immutable() -> None:
    f = Field("x").eq(1)

    with pytest.raises(AttributeError):
        f.text = "x eq 2"


def test_field_equality_is_not_a_filter() -> None:
    """``==`` is left alone: it compares fields, it does not build ``eq``."""
    assert (Field("a") == Field("a"), Field("a") == Field("b")) == (True, False)


@pytest.mark.parametrize(
    "name", ["19800101-1234", "x' or 1 eq 1 or 'y", "a/", "/a", "a//b", "a b", "a\n", "", "å"]
)
def test_bad_field_names_are_refused_without_echo(name: str) -> None:
    error = refusal(Field, name)

    assert (error.field, bool(name.strip()) and name in error.rule) == ("filter", False)


@pytest.mark.parametrize("name", ["and", "not", "eq", "null", "true"])
def test_keyword_field_names_are_refused(name: str) -> None:
    error = refusal(Field, name)

    assert f"filter: field name {name} is an OData keyword" == str(error)


def test_non_str_field_name_is_refused() -> None:
    assert refusal(Field, 5).field == "filter"


@pytest.mark.parametrize("op", ["gt", "ge", "lt", "le"])
def test_null_only_with_eq_and_ne(op: str) -> None:
    error = refusal(getattr(Field("closedAt"), op), None)

    assert f"filter: closedAt {op}: only eq and ne can compare with null" == str(error)


def test_eq_and_ne_null() -> None:
    assert (Field("a").eq(None).text, Field("a").ne(None).text) == ("a eq null", "a ne null")


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (and_, ()),
        (or_, ()),
        (and_, (Field("x").eq(1), "y eq 2")),
        (not_, ("x eq 1",)),
        (raw, ("",)),
        (raw, ("  ",)),
        (raw, (5,)),
        (render, (5,)),
        (render, (b"x eq 1",)),
        (render, ("",)),
    ],
)
def test_combinator_and_render_refusals(call: Any, args: tuple[Any, ...]) -> None:
    assert refusal(call, *args).field == "filter"


def test_combining_with_a_str_is_refused() -> None:
    with pytest.raises(RequestValidationError):
        Field("x").eq(1) & "y eq 2"


def test_render() -> None:
    f = Field("x").eq("y")

    assert (render(f), render(raw("x eq 1")), render(None)) == ("x eq 'y'", "x eq 1", None)


def test_render_refuses_a_plain_str_so_an_f_string_cannot_inject() -> None:
    name = "x' or 1 eq 1 or 'a"
    with pytest.raises(RequestValidationError, match="wrapped in raw"):
        render(f"fullName eq '{name}'")


# -------------------------------------------------------------------------------------- parser


def test_hostile_text_stays_one_comparison() -> None:
    text = str(Field("name").eq("x') or (1 eq 1) or ('"))

    assert Compare("name", "eq", "x') or (1 eq 1) or ('") == parse(text)


def test_precedence_not_and_or() -> None:
    a, b, c = Compare("a", "eq", 1), Compare("b", "eq", 2), Compare("c", "eq", 3)

    assert Or(a, And(b, Not(c))) == parse("a eq 1 or b eq 2 and not c eq 3")


def test_and_is_left_associative() -> None:
    a, b, c = Compare("a", "eq", 1), Compare("b", "eq", 2), Compare("c", "eq", 3)

    assert And(And(a, b), c) == parse("a eq 1 and b eq 2 and c eq 3")


def test_parentheses_override_precedence() -> None:
    a, b, c = Compare("a", "eq", 1), Compare("b", "eq", 2), Compare("c", "eq", 3)

    assert And(Or(a, b), c) == parse("( a eq 1 or b eq 2 )\tand c eq 3")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'O''Brien'", "O'Brien"),
        ("-7", -7),
        ("2.50", Decimal("2.50")),
        ("true", True),
        ("null", None),
        ("2024-01-31T12:00:00Z", dt.datetime(2024, 1, 31, 12, tzinfo=dt.UTC)),
        ("2024-01-31T13:00:00.5+01:00", dt.datetime(2024, 1, 31, 12, 0, 0, 500000, tzinfo=dt.UTC)),
        ("2024-01-31", dt.date(2024, 1, 31)),
        ("01234567-89AB-cdef-0123-456789abcdef", U1),
    ],
)
def test_parse_literals(text: str, value: Any) -> None:
    parsed = parse(f"x eq {text}")

    assert (Compare("x", "eq", value), type(value)) == (parsed, type(parsed.value))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(a eq 1", "expected ')', found end of text at position 7"),
        ("((a eq 1) or (b eq 2)", "expected ')', found end of text at position 21"),
        ("a eq 1)", "expected 'and', 'or' or the end, found ')' at position 6"),
        ("a eq 1 b", "expected 'and', 'or' or the end, found 'b' at position 7"),
        ("a eq 1 AND b eq 2", "expected 'and', 'or' or the end, found 'AND' at position 7"),
        ("a eq 'x", "unterminated string literal at position 5"),
        ("a eq 'it''s", "unterminated string literal at position 5"),
        ("a eq '''", "unterminated string literal at position 5"),
        ("a like 'x'", "expected an operator (eq, ne, gt, ge, lt, le), found 'like' at position 2"),
        ("a EQ 1", "expected an operator (eq, ne, gt, ge, lt, le), found 'EQ' at position 2"),
        ("a eq", "expected a literal, found end of text at position 4"),
        ("a eq b", "expected a literal, found 'b' at position 5"),
        ("a eq and", "expected a literal, found 'and' at position 5"),
        ("1 eq a", "expected a field name, '(' or 'not', found a number literal at position 0"),
        ("", "expected a field name, '(' or 'not', found end of text at position 0"),
        ("not", "expected a field name, '(' or 'not', found end of text at position 3"),
        ("a eq 1 $", "unexpected character at position 7"),
        ("a eq 1.5e3", "malformed number, date, date-time or GUID literal at position 5"),
        ("a eq 2024-01-31T12:00:00", "malformed number, date, date-time or GUID literal at position 5"),
        ("a eq 2024-13-01", "invalid date literal at position 5"),
        ("a eq 2024-01-31T25:00:00Z", "invalid datetime literal at position 5"),
        ("(" * 102 + "a eq 1" + ")" * 102, "nested more than 100 deep at position 101"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse(text)

    assert message == str(caught.value)


# ------------------------------------------------------------------------------------ evaluate


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("fullName eq 'Anna'", {"fullname": "Anna"}, True),
        ("FULLNAME eq 'Anna'", {"fullName": "anna"}, False),
        ("customer/city eq 'Umeå'", {"Customer": {"City": "Umeå"}}, True),
        ("customer/city eq 'Umeå'", {"customer": "Umeå"}, False),
        ("name gt 'B'", {"name": "C"}, True),
        ("amount ge 10", {"amount": 10.0}, True),
        ("amount eq 0.1", {"amount": 0.1}, True),
        ("amount lt 1", {"amount": "0"}, False),
        ("flag eq true", {"flag": 1}, False),
        ("count eq 1", {"count": True}, False),
        ("closedAt eq null", {}, True),
        ("closedAt eq null", {"closedAt": None}, True),
        ("closedAt ne null", {"closedAt": None}, False),
        ("closedAt ne 'x'", {}, True),
        ("closedAt gt 1", {}, False),
        ("at eq 2024-01-31T12:00:00Z", {"at": "2024-01-31T13:00:00+01:00"}, True),
        ("at eq 2024-01-31T12:00:00Z", {"at": "2024-01-31T12:00:00"}, True),
        ("at lt 2024-01-31T12:00:00Z", {"at": "yesterday"}, False),
        ("day eq 2024-01-31", {"day": "2024-01-31T00:00:00"}, True),
        ("id eq 01234567-89ab-cdef-0123-456789abcdef", {"id": "01234567-89AB-CDEF-0123-456789ABCDEF"}, True),
        ("items eq 1", {"items": [1]}, False),
        ("not (a eq 1) and (b eq 2 or c eq 3)", {"a": 2, "c": 3}, True),
    ],
)
def test_evaluate(text: str, record: dict[str, Any], expected: bool) -> None:
    assert expected == evaluate(parse(text), record)


# ------------------------------------------------------------------------------------ order_by


def test_order_by_desc_then_asc() -> None:
    records = [
        {"fullName": "Anna", "customerReference": "2"},
        {"fullName": "Bo", "customerReference": "9"},
        {"fullName": "Anna", "customerReference": "1"},
    ]

    result = order_by(records, "fullname desc, customerReference")

    assert [records[1], records[2], records[0]] == result


def test_order_by_null_first_ascending_and_last_descending() -> None:
    records = [{"n": 2}, {"n": None}, {}, {"n": 1}]

    assert (
        [records.index(r) for r in order_by(records, "n")],
        [records.index(r) for r in order_by(records, "n desc")],
    ) == ([1, 2, 3, 0], [0, 3, 1, 2])


def test_order_by_is_stable() -> None:
    records = [{"k": 1, "i": 0}, {"k": 0, "i": 1}, {"k": 1, "i": 2}, {"k": 0, "i": 3}]

    assert [r["i"] for r in order_by(records, "k asc")] == [1, 3, 0, 2]


def test_order_by_nested_and_mixed_types() -> None:
    records = [{"a": {"b": "x"}}, {"a": {"b": 2}}, {"a": {"B": True}}, {"a": 5}]

    assert [records[3], records[2], records[1], records[0]] == order_by(records, "a/b")


@pytest.mark.parametrize(
    ("text", "position"),
    [("", 0), ("a,", 2), ("a desc desc", 0), ("a sideways", 0), ("a;b", 0), ("a, 1b", 2), ("a DESC", 0)],
)
def test_order_by_junk(text: str, position: int) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        order_by([{"a": 1}], text)

    assert position == caught.value.position


# ---------------------------------------------------------------------------------- properties

TRICKY = [
    "'",
    "''",
    "(",
    ")",
    " and ",
    " or ",
    "not ",
    "eq",
    " eq ",
    " ",
    "\t",
    "null",
    "true",
    "1",
    "-",
    "Ω",
]
tricky_text = st.lists(st.sampled_from(TRICKY)).map("".join)
offsets = st.timedeltas(
    min_value=-dt.timedelta(hours=23, minutes=59), max_value=dt.timedelta(hours=23, minutes=59)
)
aware = st.datetimes(
    min_value=dt.datetime(2, 1, 1),
    max_value=dt.datetime(9998, 12, 31),
    timezones=st.builds(dt.timezone, offsets),
)
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.builds(lambda m, e: Decimal(m).scaleb(e), st.integers(-(10**20), 10**20), st.integers(-40, 40)),
)
values = st.one_of(
    st.text(),
    tricky_text,
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    decimals,
    aware,
    st.dates(),
    st.uuids(),
    st.none(),
)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}(/[A-Za-z_][A-Za-z0-9_]{0,6}){0,2}", fullmatch=True).filter(
    lambda n: n not in KEYWORDS
)


def comparisons(field: st.SearchStrategy[str], value: st.SearchStrategy[Any]) -> st.SearchStrategy[Compare]:
    """A tree leaf: ``Compare(field, op, python_value)``; null only with eq and ne."""
    return st.builds(
        lambda f, v, op, null_op: Compare(f, null_op if v is None else op, v),
        field,
        value,
        st.sampled_from(OPS),
        st.sampled_from(("eq", "ne")),
    )


def trees(leaves: st.SearchStrategy[Compare]) -> st.SearchStrategy[Node]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(And, inner, inner), st.builds(Or, inner, inner), st.builds(Not, inner)
        ),
        max_leaves=10,
    )


def build(tree: Node) -> Filter:
    """The filter for a tree, with the builder's public API."""
    if isinstance(tree, And):
        return build(tree.left) & build(tree.right)
    if isinstance(tree, Or):
        return or_(build(tree.left), build(tree.right))
    if isinstance(tree, Not):
        return ~build(tree.operand)
    return getattr(Field(tree.field), tree.op)(tree.value)


def expected_value(value: Any) -> Any:
    """What the parser must read back: floats and fractional Decimals as Decimal, whole ones as int."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if int(value.as_tuple().exponent) < 0 else int(value)
    return value


def typed(node: Node) -> Any:
    """``node`` with each literal's type next to it, so ``True`` never passes for ``1``."""
    if isinstance(node, And | Or):
        return (type(node).__name__, typed(node.left), typed(node.right))
    if isinstance(node, Not):
        return ("Not", typed(node.operand))
    return (node.field, node.op, type(node.value).__name__, node.value)


def expected_tree(tree: Node) -> Node:
    if isinstance(tree, And | Or):
        return type(tree)(expected_tree(tree.left), expected_tree(tree.right))
    if isinstance(tree, Not):
        return Not(expected_tree(tree.operand))
    return Compare(tree.field, tree.op, expected_value(tree.value))


@given(trees(comparisons(names, values)))
@PROPERTY
def test_rendered_filter_parses_back_to_the_same_tree(tree: Node) -> None:
    """THE property: structure and every value survive; no value can change the structure."""
    assert typed(expected_tree(tree)) == typed(parse(str(build(tree))))


# A small world where comparisons often hit: few fields, few values, records built from them.
U2 = uuid.UUID("fedcba98-7654-3210-fedc-ba9876543210")
NOON = dt.datetime(2024, 1, 31, 12, tzinfo=dt.UTC)
small_values = st.sampled_from(
    [
        *["", "x", "X", "O'Brien", "a and b"],
        *[-1, 0, 1, 2, 0.1, 1.0, -0.0, 2.5, Decimal("0.1"), Decimal("1.00"), Decimal("2.5")],
        *[True, False, None, NOON, NOON.astimezone(CET), NOON + dt.timedelta(microseconds=1)],
        *[dt.date(2024, 1, 31), dt.date(2024, 2, 1), U1, U2],
    ]
)
json_values = st.sampled_from(
    [
        *["", "x", "X", "O'Brien", "a and b", -1, 0, 1, 2, 0.1, 1.0, 2.5, True, False, None, [1], {}],
        *["2024-01-31T12:00:00Z", "2024-01-31T13:00:00+01:00", "2024-01-31T12:00:00", "2024-01-31"],
        *["2024-02-01T00:00:00.000001Z", str(U1), str(U1).upper(), str(U2), "2024-02-01"],
    ]
)
small_names = st.sampled_from(["a", "B", "c/d", "c"])
records = st.fixed_dictionaries(
    {},
    optional={
        "a": json_values,
        "b": json_values,
        "c": st.one_of(json_values, st.fixed_dictionaries({}, optional={"D": json_values})),
    },
)


def reference(tree: Node, record: dict[str, Any]) -> bool:
    """The intended meaning, computed on the Python values the filter was built from."""
    if isinstance(tree, And):
        return reference(tree.left, record) and reference(tree.right, record)
    if isinstance(tree, Or):
        return reference(tree.left, record) or reference(tree.right, record)
    if isinstance(tree, Not):
        return not reference(tree.operand, record)
    actual: Any = record  # keys already lower-cased
    for part in tree.field.lower().split("/"):
        actual = actual.get(part) if isinstance(actual, dict) else None
    return relation(tree.op, actual, tree.value)


def relation(op: str, actual: Any, value: Any) -> bool:
    if actual is None or value is None:
        return {"eq": actual is value, "ne": actual is not value}.get(op, False)
    pair = as_pair(actual, value)
    if pair is None:
        return False
    return bool(getattr(operator, op)(*pair))


def as_pair(actual: Any, value: Any) -> tuple[Any, Any] | None:
    def number(n: Any) -> Decimal:
        return Decimal(repr(n)) if isinstance(n, float) else Decimal(n)

    if isinstance(value, bool) or isinstance(actual, bool):
        return (actual, value) if type(actual) is type(value) else None
    if isinstance(value, int | float | Decimal):
        return (number(actual), number(value)) if isinstance(actual, int | float) else None
    if not isinstance(actual, str):
        return None
    if isinstance(value, str | uuid.UUID):
        return (actual.lower(), str(value)) if isinstance(value, uuid.UUID) else (actual, value)
    try:
        moment = dt.datetime.fromisoformat(actual)
    except ValueError:
        return None
    if isinstance(value, dt.datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC), value)
    return (moment.date(), value)


def lowered(record: dict[str, Any]) -> dict[str, Any]:
    return {k.lower(): lowered(v) if isinstance(v, dict) else v for k, v in record.items()}


@given(trees(comparisons(small_names, small_values)), st.lists(records, min_size=1, max_size=4))
@PROPERTY
def test_evaluating_the_parsed_filter_agrees_with_python(tree: Node, batch: list[dict[str, Any]]) -> None:
    parsed = parse(str(build(tree)))

    assert [reference(tree, lowered(r)) for r in batch] == [evaluate(parsed, r) for r in batch]


def test_a_filter_repr_never_shows_its_values() -> None:
    """Filters hold names and identity numbers; a log line with ``repr`` must not carry them."""
    built = Field("idNumber").eq("811218-9876")

    assert "811218-9876" not in repr(built)
    assert str(built) == "idNumber eq '811218-9876'"
