"""nordfin._core.leniency: what a lenient and a strict client accept, on Goto's client and a small spec."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nordfin import RetryPolicy, errors, goto
from nordfin._core.leniency import Deviation, deviations, may_apply
from nordfin._core.spec import SpecIndex

KEY = "k-3f9a71c2e5"
TERM = {"code": "NET/30", "description": "30 days net"}
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, **kwargs: Any) -> goto.Client:
    return goto.Client(store="s1", api_key=KEY, transport=httpx.MockTransport(handler), **kwargs)


def answer(status: int, content: bytes | Any = b"", media: str = "application/json") -> Handler:
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    return lambda request: httpx.Response(status, content=raw, headers={"content-type": media})


# --- undocumented success statuses ---------------------------------------------------------------


def test_a_create_answered_201_is_read_as_the_documented_200(caplog: pytest.LogCaptureFixture) -> None:
    """The issue's reproduction: the server created the term and said so with 201."""
    with client(answer(201, TERM)) as goto_client, caplog.at_level(logging.WARNING, logger="nordfin"):
        first = goto_client.payment_terms.create(code="NET/30", description="30 days net")
        goto_client.payment_terms.create(code="NET/30", description="30 days net")

    assert (first.code, first.description) == ("NET/30", "30 days net")
    warned = [r.getMessage() for r in caplog.records if "create_payment_term" in r.getMessage()]
    assert warned == [
        "goto create_payment_term: answered 201, which the spec does not document; read as its "
        "documented 200 answer (strict=True refuses it)"
    ]


def test_a_create_answered_201_is_refused_in_strict_mode_as_maybe_applied() -> None:
    with (
        client(answer(201, TERM), strict=True) as goto_client,
        pytest.raises(errors.ResponseValidationError) as caught,
    ):
        goto_client.payment_terms.create(code="NET/30", description="30 days net")

    assert caught.value.maybe_applied is True
    assert str(caught.value) == (
        "create_payment_term: the 201 answer does not match the spec: status: 201 is not a documented "
        "success of create_payment_term. The POST may have taken effect (maybe_applied): "
        "look before repeating it"
    )


def test_an_unreadable_success_of_a_write_says_it_may_have_taken_effect() -> None:
    created = answer(201, b"<html>Created</html>", "text/html")
    with client(created) as goto_client, pytest.raises(errors.ResponseValidationError) as caught:
        goto_client.payment_terms.create(code="NET/30", description="30 days net")

    assert caught.value.maybe_applied is True
    assert "may have taken effect" in str(caught.value)
    assert "KeyError" not in str(caught.value)


def test_an_unreadable_success_of_a_read_is_not_maybe_applied() -> None:
    with client(answer(200)) as goto_client, pytest.raises(errors.ResponseValidationError) as caught:
        goto_client.payment_terms.get("NET/30")

    assert caught.value.maybe_applied is False
    assert caught.value.problems == [
        "body: is empty, but the 200 answer documents ['application/json', 'application/xml']"
    ]


def test_a_delete_answered_202_with_a_body_is_read_as_no_body() -> None:
    """The documented successes of a delete have no body: whatever came is not read."""
    with client(answer(202, {"deleted": True})) as goto_client:
        assert goto_client.payment_terms.delete("NET/30") is None


def test_a_documented_constraint_is_enforced_by_default() -> None:
    """A term's ``code`` is required by the vendor's class table, not by a guess: its absence is
    refused, though the wrapper around it is a guess (a marker does not reach into a component)."""
    with (
        client(answer(200, {"paymentTerms": [{"description": "x"}], "since": 1})) as goto_client,
        pytest.raises(errors.ResponseValidationError) as caught,
    ):
        goto_client.payment_terms.get("NET/30")

    assert caught.value.problems == ["body.paymentTerms.0.code: is required"]


# --- error answers the vendor did not document -----------------------------------------------------


def test_an_html_error_page_gives_the_status_family_with_a_redacted_excerpt() -> None:
    """A proxy's page that echoes the request's key: the key never reaches the message."""
    page = f"<html>\n<body>Bad   gateway for key {KEY} at 19811218-9876</body></html>".encode()
    proxy = answer(502, page, "text/html")
    with client(proxy, retry=RetryPolicy.none()) as goto_client, pytest.raises(errors.ServerError) as caught:
        goto_client.payment_terms.get("NET/30")

    assert caught.value.status == 502
    assert str(caught.value) == (
        "GET https://capi.lagerkoll.com/v1/payment_terms/NET/30 answered 502: Bad Gateway; body: (text/html) "
        "'<html> <body>Bad gateway for key *** at *********9876</body></html>'"
    )


def test_an_empty_error_body_says_so() -> None:
    with client(answer(404, b"")) as goto_client, pytest.raises(errors.NotFound) as caught:
        goto_client.payment_terms.get("NET/30")

    assert str(caught.value).endswith("answered 404: Not Found; body: (empty)")


def test_another_json_shape_is_shown_not_a_parser_exception() -> None:
    with client(answer(400, {"message": "nope"})) as goto_client, pytest.raises(errors.BadRequest) as caught:
        goto_client.payment_terms.get("NET/30")

    assert str(caught.value).endswith(
        """answered 400: Bad Request; body: (application/json) '{"message": "nope"}'"""
    )


def test_an_undocumented_error_body_is_refused_in_strict_mode() -> None:
    with (
        client(answer(404, b""), strict=True) as goto_client,
        pytest.raises(errors.ResponseValidationError) as caught,
    ):
        goto_client.payment_terms.get("NET/30")

    assert isinstance(caught.value.__cause__, errors.NotFound)
    assert caught.value.maybe_applied is False


# --- which deviations are guesses ------------------------------------------------------------------

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Status": {"type": "string", "enum": ["a", "b"], "x-nordfin-inferred": "guessed list"},
            "Fixed": {"type": "string", "enum": ["x", "y"]},
            "Guessed": {
                "type": "object",
                "required": ["id", "size", "seen"],
                "x-nordfin-inferred": "shape from a sample",
                "properties": {
                    "id": {"type": "string"},
                    "seen": {"type": "string", "x-nordfin-inferred": "always there is a guess"},
                    "size": {"type": "integer", "maximum": 9},
                    "part": {"$ref": "#/components/schemas/Fixed"},
                },
            },
            "Thing": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "status": {"$ref": "#/components/schemas/Status"},
                    "fixed": {"$ref": "#/components/schemas/Fixed"},
                    "inner": {"$ref": "#/components/schemas/Guessed"},
                    "maybe": {"anyOf": [{"$ref": "#/components/schemas/Status"}, {"type": "null"}]},
                    "list": {"type": "array", "items": {"type": "string"}, "x-nordfin-inferred": "sample"},
                    "either": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Guessed"}]},
                },
            },
        }
    },
}
THING = {"$ref": "#/components/schemas/Thing"}


def found(body: Any) -> list[Deviation]:
    return deviations(SpecIndex(SPEC), THING, body)


def test_deviations_under_a_marker_are_guesses() -> None:
    body = {"name": "n", "status": "c", "inner": {"id": "i", "seen": None, "size": 10}, "maybe": "d"}

    assert sorted(found(body), key=str) == [
        Deviation("null", "body.inner.seen"),
        Deviation("bound", "body.inner.size", "is greater than the maximum of 9"),
        Deviation("enum", "body.maybe"),
        Deviation("enum", "body.status"),
    ]


def test_a_missing_member_is_a_guess_under_its_own_marker() -> None:
    assert found({"name": "n", "inner": {"id": "i", "size": 1}}) == [Deviation("missing", "body.inner.seen")]


def test_deviations_outside_a_marker_are_not_guesses() -> None:
    """An unlisted value of a documented enum (also one referred to from a guessed object), a null
    name, a null where one branch is a guessed object (the member's nullability is documented), a
    null item of a guessed array, a missing name, a wrong type anywhere; a missing or null member of
    a guessed object whose own schema is not marked (the object's marker is about its shape)."""
    part = {"name": "n", "inner": {"id": "i", "seen": "s", "size": 1, "part": "z"}}
    either = {"name": "n", "either": None}
    items = {"name": "n", "list": ["a", None]}  # a null item is no absent member
    for body in (
        {"name": "n", "fixed": "z"},
        part,
        {"name": None},
        either,
        items,
        {},
        {"name": "n", "status": 3},
        {"name": "n", "inner": {"seen": "s", "size": 1}},
        {"name": "n", "inner": {"id": None, "seen": "s", "size": 1}},
    ):
        assert found(body) == [], body


@pytest.mark.parametrize(
    ("method", "writes"), [("GET", False), ("head", False), ("POST", True), ("PUT", True), ("DELETE", True)]
)
def test_may_apply(method: str, writes: bool) -> None:
    assert may_apply(method) is writes
