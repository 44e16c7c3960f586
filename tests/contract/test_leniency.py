"""Lenient and strict reading (``nordfin._core.leniency``), proved on both sides for every operation.

By default an answer that deviates from the spec only where the spec is a guess is read, and the
deviation logged; ``strict=True`` refuses it. Documented constraints are enforced in both modes.
The deviations whose default acceptance needs the generated models to read them (an unlisted
enum value, any null, a missing member) are in ``test_leniency_models.py``, with their refusal
in strict mode. Where a property proves both modes, each drawn answer is read in both.
"""

from __future__ import annotations

import re

import _deviations as d
import _harness as h
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin._core.errors import status_family
from nordfin.errors import ResponseValidationError

UNDOCUMENTED_2XX = [
    pytest.param(op, id=str(op))
    for op in h.all_operations()
    if op.success_keys and h.undocumented_successes(op)
]
GUESSED_PLAIN = d.body_cases(inferred=True, plain=True)
DOCUMENTED = d.body_cases(inferred=False)
ALL = [pytest.param(op, id=str(op)) for op in h.all_operations()]
#: What an error answer the vendor did not document may hold (bytes: sent as they are; else JSON).
UNKNOWN_ERROR_BODIES = (
    ("text/html", b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"),
    (None, b""),
    ("application/json", {"nordfin": ["an", "unexpected", "shape"]}),
    ("application/json", "Service Unavailable"),
    ("text/plain", b"upstream connect error or disconnect/reset before headers"),
)
INTERNAL_NAMES = re.compile(r"\b(KeyError|ValueError|TypeError|AttributeError|JSONDecodeError|Traceback)\b")


@st.composite
def undocumented_success(draw: st.DrawFn, op: h.Op) -> h.Answer:
    """A valid answer of the first documented success, sent with a 2xx the spec does not list."""
    valid = draw(h.answers(op, op.success_keys[0]), label="valid answer")
    status = draw(st.sampled_from(h.undocumented_successes(op)), label="status")
    return h.Answer(status, valid.headers, valid.media_type, valid.body)


@pytest.mark.parametrize("op", UNDOCUMENTED_2XX)
@h.contract()
@given(data=st.data())
def test_an_undocumented_success_status_is_read_by_default_and_refused_in_strict_mode(
    op: h.Op, data: st.DataObject
) -> None:
    """A 201 where the spec says 200 (or any such guess) is read with the documented model and
    logged; strict mode refuses the same answer, saying for a write that the request may have taken
    effect. (Both modes read each drawn answer: drawing it was most of the time.)"""
    answer = data.draw(undocumented_success(op), label="answer")
    with d.warnings_logged() as records:
        exchange = h.answered_call(op, answer, data, strict=False)
    d.assert_accepted(op, f"an undocumented {answer.status}", exchange, records)
    expect = h.expect_for(op, op.success_keys[0])
    if expect is None:
        assert exchange.result is None
    elif len(op.success_keys) == 1:
        assert h.canonical(h.without_nulls(h.as_json(exchange.result))) == h.canonical(
            h.without_nulls(answer.body)
        )

    exchange = h.answered_call(op, answer, data, strict=True)
    d.assert_refused(op, f"an undocumented {answer.status}", exchange)
    assert isinstance(exchange.error, ResponseValidationError)
    assert exchange.error.problems == [
        f"status: {answer.status} is not a documented success of {op.operation_id}"
    ]


@pytest.mark.parametrize("op", GUESSED_PLAIN)
@d.FILTERING
@given(data=st.data())
def test_a_null_where_the_spec_guessed_none_is_accepted_by_default(op: h.Op, data: st.DataObject) -> None:
    """A null in a plain member (string, number, boolean) whose non-nullability is a guess is read,
    and logged. (Every other member: ``test_leniency_models.py``.)"""
    _, where, answer = data.draw(d.deviated(op, inferred=True, kinds=("null",), plain=True), label="null")
    with d.warnings_logged() as records:
        exchange = h.answered_call(op, answer, data, strict=False)
    d.assert_accepted(op, f"a null at {where}", exchange, records)


@pytest.mark.parametrize("op", DOCUMENTED)
@d.FILTERING
@given(data=st.data())
def test_documented_constraints_are_enforced_by_default(op: h.Op, data: st.DataObject) -> None:
    """A null, an unlisted enum value or a missing member where the spec does NOT guess is refused
    without strict mode too."""
    kind, where, answer = data.draw(d.deviated(op, inferred=False), label="deviation")
    exchange = h.answered_call(op, answer, data, strict=False)
    d.assert_refused(op, f"{kind} at {where}", exchange)


@st.composite
def unknown_error(draw: st.DrawFn, op: h.Op) -> h.Answer:
    """An error status answered with a body its spec does not document (HTML, empty, other JSON)."""
    status = draw(st.sampled_from(h.ERROR_STATUSES), label="status")
    media, raw = draw(st.sampled_from(UNKNOWN_ERROR_BODIES), label="body")
    return h.Answer(status, {}, media, raw if raw != b"" else h.NO_BODY)


@pytest.mark.parametrize("op", ALL)
@h.contract()
@given(data=st.data())
def test_an_unknown_error_body_raises_its_status_family_and_is_refused_in_strict_mode(
    op: h.Op, data: st.DataObject
) -> None:
    """By default the status family's error, with the status and an excerpt of the body, never a
    parser's exception name; logged as a deviation (when it is one). Strict mode: an error answer the
    spec does not document is a ``ResponseValidationError`` whose cause is the status family's error."""
    answer = data.draw(unknown_error(op), label="answer")
    deviates = bool(h.spec_problems(op, answer))
    with d.warnings_logged() as records:
        exchange = h.answered_call(op, answer, data, strict=False)
    error = exchange.error
    family = status_family(answer.status)
    assert isinstance(error, family), f"{op}: {answer.status} raised {error!r}, expected {family.__name__}"
    assert error.status == answer.status
    assert f"answered {answer.status}" in str(error)
    assert not INTERNAL_NAMES.search(str(error)), str(error)
    if error.vendor.data is None:
        assert "body: " in str(error)
    assert d.warned_about(records, op) is deviates
    if not deviates:
        return  # documented after all (e.g. a problem body whose members are all optional)

    strict = h.answered_call(op, answer, data, strict=True).error
    assert isinstance(strict, ResponseValidationError), f"{op}: {answer.status} raised {strict!r}"
    assert strict.status == answer.status
    assert isinstance(strict.__cause__, family)
    assert strict.maybe_applied is False
