"""The check that finds a problem (jsonschema-rs) and the one that words it (jsonschema) agree.

A value jsonschema-rs refuses was once worded as no problem at all (``format: email`` was only
"has an @" on the wording side), so a refused value read as fine; and the other way round, a
message must never call a value wrong that the validator accepts.
"""

from __future__ import annotations

import jsonschema_rs
import pytest

from nordfin._core.schema import SchemaChecker

EMAIL = {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}
REFUSED = ["a@", "@b.se", "a b@c.se", "a@@b", ".a@b.se"]
ACCEPTED = ["a@b", "a@b.se", "first.last@example.com", "user+tag@example.co.uk", '"a b"@c.se']


def fast_says_valid(schema: object, value: object) -> bool:
    return bool(jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid(value))


@pytest.mark.parametrize("address", REFUSED)
def test_an_address_the_validator_refuses_is_worded_as_refused(address: str) -> None:
    checker = SchemaChecker({})

    assert (
        fast_says_valid(EMAIL, {"email": address}),
        checker.problems("body", EMAIL, {"email": address}),
    ) == (False, ["body.email: is not a 'email'"])


@pytest.mark.parametrize("address", ACCEPTED)
def test_an_address_the_validator_accepts_is_no_problem_on_either_side(address: str) -> None:
    checker = SchemaChecker({})

    assert (
        fast_says_valid(EMAIL, {"email": address}),
        checker.validator(EMAIL).is_valid({"email": address}),
        checker.problems("body", EMAIL, {"email": address}),
    ) == (True, True, [])


@pytest.mark.parametrize("address", REFUSED)
def test_the_wording_validator_refuses_what_the_fast_one_refuses(address: str) -> None:
    """``validator()`` serves leniency and verify too: its email is jsonschema-rs's email."""
    assert SchemaChecker({}).validator(EMAIL).is_valid({"email": address}) is False


def test_a_refusal_jsonschema_cannot_see_is_still_a_problem_named_by_field() -> None:
    """Python's ``\\d`` matches Arabic-Indic digits, ECMA-262's (jsonschema-rs's) does not: the
    value is refused and named, never passed as fine; the rule does not repeat the value."""
    schema = {"type": "object", "properties": {"count": {"type": "string", "pattern": "^\\d+$"}}}
    value = {"count": "\u0661\u0662\u0663"}

    problems = SchemaChecker({}).problems("body", schema, value)

    assert problems == ["body.count: does not match '^\\\\d+$'"]
    assert "\u0661" not in problems[0]
