"""RFC 7807 problem details, read once for every API that answers them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from nordfin._core.errors import ProblemError, field_messages, parse_problem


def response(body: Any, content_type: str = "application/problem+json") -> httpx.Response:
    request = httpx.Request("GET", "https://example.test/x")
    return httpx.Response(
        400, content=json.dumps(body).encode(), headers={"content-type": content_type}, request=request
    )


def test_members_and_extensions_are_read() -> None:
    body = {
        "type": "urn:p/validation",
        "title": "Invalid",
        "status": 400,
        "detail": "name too long",
        "instance": "/customers/1",
        "problems": {"name": ["too long"]},
    }

    found = parse_problem(response(body))

    assert found is not None
    assert (found.code, found.message) == ("urn:p/validation", "name too long")
    assert found.details == {"problems": {"name": ["too long"]}}
    assert found.data == body


def test_pascal_case_members_are_read_too() -> None:
    found = parse_problem(response({"Type": "urn:p/x", "Title": "T", "Status": 404, "Problems": {"a": "b"}}))

    assert found is not None
    assert (found.code, found.message, found.details) == ("urn:p/x", "T", {"Problems": {"a": "b"}})


@pytest.mark.parametrize("body", [[1, 2], {"error": "x"}, "text"])
def test_anything_else_is_not_a_problem(body: Any) -> None:
    assert parse_problem(response(body, "application/json")) is None


def test_html_is_not_a_problem() -> None:
    html = httpx.Response(502, text="<html></html>", headers={"content-type": "text/html"})

    assert parse_problem(html) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"name": ["too long", "not ASCII"], "age": "negative"},
            {"name": ["too long", "not ASCII"], "age": ["negative"]},
        ),
        ([{"name": "too long"}, {"name": ["empty"]}], {"name": ["too long", "empty"]}),
        ({"name": [1, "kept"]}, {"name": ["kept"]}),
        ("not a map", {}),
        (None, {}),
    ],
)
def test_field_messages_read_both_documented_shapes(value: Any, expected: dict[str, list[str]]) -> None:
    assert field_messages(value) == expected


def test_a_problem_error_reads_its_members_in_any_case_and_keeps_extensions() -> None:
    vendor = parse_problem(response({"Type": "urn:x", "TITLE": "Bad", "detail": 5, "traceId": "t-1"}))
    assert vendor is not None
    error = ProblemError("bad", status=400, vendor=vendor)

    assert (error.problem_type, error.title, error.detail, error.instance) == ("urn:x", "Bad", None, None)
    assert error.extensions == {"traceId": "t-1"}
