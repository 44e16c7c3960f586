"""Property 2: every documented answer is parsed into its model, or raised as the documented error."""

from __future__ import annotations

from typing import Any

import _harness as h
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin._core.errors import status_family
from nordfin._core.retry import MAX_RETRY_AFTER
from nordfin.errors import RateLimited


def cases() -> list[object]:
    """An operation's success keys together, and its error keys together, one key drawn per example.

    The error keys of one operation share its error parser and, nearly always, one error schema:
    50 examples for each of them (four to eight per operation) tested the same code again and
    again, and were half of the contract suite's time. The same holds for the success keys of an
    operation with several (a 200 and a 204, a 200 and a 201: one parser, one ``expect``). Each
    operation still gets the profile's examples for its successes and for its errors.
    """
    found = []
    for op in h.all_operations():
        errors = [key for key in op.responses if key not in op.success_keys]
        for kind, keys in (("successes", op.success_keys), ("errors", errors)):
            if keys:
                found.append(pytest.param(op, tuple(keys), id=f"{op}-{kind}"))
    return found


@pytest.mark.parametrize(("op", "keys"), cases())
@h.contract()
@given(data=st.data())
def test_documented_answers_are_parsed_or_raised(
    op: h.Op, keys: tuple[str, ...], data: st.DataObject
) -> None:
    """A 2xx comes back as its generated model and round-trips to the same JSON (date-times compared
    as instants); an error status raises its ``nordfin.errors`` family, with the vendor code's class."""
    key = data.draw(st.sampled_from(keys), label="documented response")
    answer = data.draw(h.answers(op, key), label="answer")
    assert h.spec_problems(op, answer) == [], "harness: schemathesis and SpecIndex disagree on a drawn answer"
    exchange = h.answered_call(op, answer, data, strict=data.draw(st.booleans(), label="strict"))
    if 200 <= answer.status < 300:
        assert_parsed(op, key, answer, exchange)
    else:
        assert_raised(op, answer, exchange)


def assert_parsed(op: h.Op, key: str, answer: h.Answer, exchange: h.Exchange) -> None:
    if exchange.error is not None:
        raise AssertionError(f"{op}: a valid {answer.status} answer was refused") from exchange.error
    expect = h.expect_for(op, key)
    if expect is None:
        assert exchange.result is None
        return
    assert isinstance(exchange.result, expect)
    assert h.canonical(h.without_nulls(h.as_json(exchange.result))) == h.canonical(
        h.without_nulls(answer.body)
    )


def assert_raised(op: h.Op, answer: h.Answer, exchange: h.Exchange) -> None:
    error = exchange.error
    family = status_family(answer.status)
    assert isinstance(error, family), f"{op}: {answer.status} raised {error!r}, expected {family.__name__}"
    assert error.status == answer.status
    profile = h.profile(op.slug)
    assert isinstance(error, profile.error_base)
    for code in vendor_codes(op, answer):
        assert isinstance(error, profile.error_classes[code]), f"vendor code {code!r} raised {type(error)}"
    if isinstance(error, RateLimited) and answer.headers.get("Retry-After", "").isdigit():
        assert error.retry_after == min(float(answer.headers["Retry-After"]), MAX_RETRY_AFTER)


def vendor_codes(op: h.Op, answer: h.Answer) -> list[object]:
    """The vendor error codes in the body (properties the spec marks with its code list) the profile maps."""
    content = h.json_content(op.responses[h.response_key(op, answer.status)])
    if content is None or not isinstance(answer.body, dict):
        return []
    classes = h.profile(op.slug).error_classes
    body = answer.body
    values = [body.get(name) for name in h.error_code_properties(op, content[1]) if unambiguous(body, name)]
    return [v for v in values if not isinstance(v, bool) and isinstance(v, int | str) and v in classes]


def unambiguous(body: dict[str, Any], name: str) -> bool:
    """Whether the body carries ``name`` in one spelling only: a PayEx problem may be written in
    PascalCase or camelCase, and a drawn body holding both (``Type`` and ``type``, different
    values) names two problems at once, of which the client can raise only one."""
    spellings = {key for key in body if key.lower() == name.lower()}
    return len({repr(body[key]) for key in spellings}) <= 1


def test_every_documented_error_code_has_a_class() -> None:
    """Each code a spec lists in ``x-nordfin-error-codes`` is mapped by its overlay to an exception class."""
    for slug in h.SLUGS:
        listed = {
            code
            for op in h.operations(slug)
            for response in op.responses.values()
            for content in [h.json_content(response)]
            if content
            for codes in h.error_code_properties(op, content[1]).values()
            for code in codes
        }
        missing = listed - set(h.profile(slug).error_classes)
        assert not missing, f"{slug}: documented error codes without a class: {sorted(missing)}"
