"""Answers that deviate from their spec where it is a guess (``x-nordfin-inferred``), or where it is
not, drawn for the leniency properties (``test_leniency*.py``). Driven by the specs alone."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import _harness as h
import pytest
from hypothesis import HealthCheck, assume
from hypothesis import strategies as st

from nordfin.errors import ResponseValidationError

#: A string and an integer no enum of our specs lists.
UNLISTED = "nordfin-unlisted-value"
UNLISTED_NUMBER = 2_000_000_000
KINDS = ("enum", "null", "missing")
READS = ("GET", "HEAD", "OPTIONS")
#: Answers drawn at most to find one with a member to break.
TRIES = 4
#: The contract settings, for properties that need a member the answers hold only now and then.
FILTERING = h.contract(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
)


def body_key(op: h.Op) -> str | None:
    """The first documented success answer with a JSON body."""
    return next((k for k in op.success_keys if h.json_content(op.responses[k])), None)


def body_cases(*, inferred: bool, plain: bool = False) -> list[Any]:
    """Operations whose success body has a member that can be broken under a marker (``inferred``),
    or under none: a member refusing null, an enum, or (``inferred``) a guessed required member;
    ``plain``: a plain member refusing null only (see ``deviation_sites``)."""
    cases = []
    for op in h.all_operations():
        key = body_key(op)
        schema = h.json_content(op.responses[key])[1] if key else None
        if any(_breakable(op, node, inferred, plain) for node in _nodes(op, schema) if schema):
            cases.append(pytest.param(op, id=str(op)))
    assert cases, "no operation has a member to break: the property would test nothing"
    return cases


def _breakable(op: h.Op, site: h.Site, inferred: bool, plain: bool) -> bool:
    """Whether ``site`` has a deviation to draw under a marker (``inferred``) or under none: a null
    in a member (its own marker), an unlisted enum value (a marker on it or above), a required
    member dropped (its own marker; ``inferred`` only)."""
    node, member = site.schema, bool(site.path) and isinstance(site.path[-1], str)
    null = member and _refuses_null(op, node) and site.guessed == inferred
    if plain:
        return null and _is_plain(op, node)
    enum = bool(site.path) and "enum" in node and site.inferred == inferred
    missing = inferred and any(h.guessed_member(node, k) for k in node.get("required", []))
    return null or enum or missing


def _nodes(
    op: h.Op,
    schema: Any,
    marked: bool = False,
    depth: int = 6,
    path: tuple[Any, ...] = (),
    guessed: bool = False,
) -> Iterator[h.Site]:
    """The schemas below ``schema`` (through properties, items, allOf) as sites: ``path`` ends in
    ``0`` for an array's item (a null item is no deviation we draw), is empty for the body."""
    node, marked = h.marked(op.spec, schema, marked)
    if not isinstance(node, dict) or depth == 0:
        return
    yield h.Site(path, node, marked, guessed)
    for name, child in node.get("properties", {}).items():
        yield from _nodes(op, child, marked, depth - 1, (*path, name), h.guessed_member(node, name))
    if isinstance(node.get("items"), dict):
        yield from _nodes(op, node["items"], marked, depth - 1, (*path, 0))
    for branch in node.get("allOf", []):
        yield from _nodes(op, branch, marked, depth - 1, path, guessed)


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def deviation_sites(op: h.Op, body: Any, *, inferred: bool, plain: bool = False) -> dict[str, list[Any]]:
    """Where ``body`` can be broken, by kind: ``enum`` (an unlisted value), ``null`` (in an object's
    member whose schema allows none), ``missing`` (a required member dropped); each site under a marker
    (``inferred``) or under none. ``plain``: null only in a member of a plain string, number or
    boolean schema (no format, no enum: what any generated parser reads without converting)."""
    schema = h.json_content(op.responses[body_key(op) or ""])[1]
    by_path: dict[tuple[Any, ...], list[h.Site]] = {}
    for site in h.sites(op.spec, schema, body):
        by_path.setdefault(site.path, []).append(site)
    found: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    for path, schemas in by_path.items():
        value = at(body, path)
        enums = [s for s in schemas if isinstance(s.schema.get("enum"), list)]
        if enums and _listable(value) and _all(enums, inferred):
            found["enum"].append(path)
        refusing = [s for s in schemas if _refuses_null(op, s.schema)]
        readable = not plain or all(_is_plain(op, s.schema) for s in schemas)
        member = bool(path) and isinstance(path[-1], str)  # a null item of an array is no member
        guessed = all(s.guessed == inferred for s in refusing)  # a member's own marker
        if member and value is not None and refusing and guessed and readable:
            found["null"].append(path)
    found["missing"] = [p for p, marked in h.required_members(op.spec, schema, body) if marked == inferred]
    return found


def _listable(value: Any) -> bool:
    """A value an enum of ours can list: a string or an integer (not a bool, which is an int too)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _all(sites: list[h.Site], inferred: bool) -> bool:
    return all(s.inferred == inferred for s in sites)


def _refuses_null(op: h.Op, schema: dict[str, Any]) -> bool:
    types = h.schema_types(op.spec, schema)
    enum = schema.get("enum")
    return bool(types) and "null" not in types and not (isinstance(enum, list) and None in enum)


def _is_plain(op: h.Op, schema: dict[str, Any]) -> bool:
    types = h.schema_types(op.spec, schema)
    return types <= {"string", "integer", "number", "boolean"} and not ({"format", "enum"} & set(schema))


@st.composite
def deviated(
    draw: st.DrawFn, op: h.Op, *, inferred: bool, kinds: tuple[str, ...] = KINDS, plain: bool = False
) -> tuple[str, tuple[Any, ...], h.Answer]:
    """A valid success answer of ``op`` with one deviation of a drawn kind at a drawn site."""
    for _ in range(TRIES):  # optional members are drawn now and then: a few answers find one
        valid = draw(h.answers(op, body_key(op) or ""), label="valid answer")
        found = deviation_sites(op, valid.body, inferred=inferred, plain=plain)
        if any(found[k] for k in kinds):
            break
    kinds = tuple(k for k in kinds if found[k])
    assume(kinds)
    kind = draw(st.sampled_from(kinds), label="kind")
    path = draw(st.sampled_from(found[kind]), label="where")
    unlisted = UNLISTED if isinstance(at(valid.body, path), str) else UNLISTED_NUMBER
    new = {"enum": unlisted, "null": None, "missing": h.NO_BODY}[kind]
    broken = h.Answer(valid.status, valid.headers, valid.media_type, h.replaced(valid.body, path, new))
    assume(h.spec_problems(op, broken))  # e.g. an enum that lists our unlisted value after all
    return kind, path, broken


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def warnings_logged() -> Iterator[list[logging.LogRecord]]:
    """The WARNING records nordfin logs about answers while the block runs."""
    logger = logging.getLogger("nordfin.leniency")
    handler = _Records()
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def warned_about(records: list[logging.LogRecord], op: h.Op) -> bool:
    return any(op.operation_id in r.getMessage() and r.levelno == logging.WARNING for r in records)


def assert_accepted(op: h.Op, what: str, exchange: h.Exchange, records: list[logging.LogRecord]) -> None:
    """Read without an error, and said so once at WARNING."""
    if exchange.error is not None:
        raise AssertionError(f"{op}: {what} was refused by default") from exchange.error
    assert warned_about(records, op), f"{op}: {what} was accepted without a warning"


def assert_refused(op: h.Op, what: str, exchange: h.Exchange) -> None:
    """A ``ResponseValidationError``, marked ``maybe_applied`` exactly for a write."""
    error = exchange.error
    if not isinstance(error, ResponseValidationError):
        raise AssertionError(f"{op}: {what} gave {exchange.result!r}") from error
    assert error.maybe_applied is (op.method not in READS)
    assert ("may have taken effect" in str(error)) is error.maybe_applied
