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

#: A string no enum of our specs lists.
UNLISTED = "nordfin-unlisted-value"
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
        nodes = [node for node, marked in _nodes(op, schema) if marked == inferred] if schema else []
        if any(_breakable(op, node, inferred, plain) for node in nodes):
            cases.append(pytest.param(op, id=str(op)))
    assert cases, "no operation has a member to break: the property would test nothing"
    return cases


def _breakable(op: h.Op, node: dict[str, Any], inferred: bool, plain: bool) -> bool:
    if plain:
        return _refuses_null(op, node) and _is_plain(op, node)
    return _refuses_null(op, node) or "enum" in node or (inferred and bool(node.get("required")))


def _nodes(
    op: h.Op, schema: Any, marked: bool = False, depth: int = 6, item: bool = False
) -> Iterator[tuple[dict[str, Any], bool]]:
    """The member schemas below ``schema`` (through properties, items, allOf) and whether each is
    under a marker; the body's own schema only for its ``required``, an array's items but for
    their type (a null item is no deviation we draw)."""
    node, marked = h.marked(op.spec, schema, marked)
    if not isinstance(node, dict) or depth == 0:
        return
    kept = ("required", "enum") if item else ()
    yield ({k: node[k] for k in ("required", *kept) if k in node} if depth == 6 or item else node), marked
    for child in node.get("properties", {}).values():
        yield from _nodes(op, child, marked, depth - 1)
    if isinstance(node.get("items"), dict):
        yield from _nodes(op, node["items"], marked, depth - 1, item=True)
    for branch in node.get("allOf", []):
        yield from _nodes(op, branch, marked, depth - 1, item)


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
        if enums and isinstance(value, str) and _all(enums, inferred):
            found["enum"].append(path)
        refusing = [s for s in schemas if _refuses_null(op, s.schema)]
        readable = not plain or all(_is_plain(op, s.schema) for s in schemas)
        member = bool(path) and isinstance(path[-1], str)  # a null item of an array is no member
        if member and value is not None and refusing and _all(refusing, inferred) and readable:
            found["null"].append(path)
    found["missing"] = [p for p, marked in h.required_members(op.spec, schema, body) if marked == inferred]
    return found


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
    new = {"enum": UNLISTED, "null": None, "missing": h.NO_BODY}[kind]
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
