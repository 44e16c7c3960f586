"""Property 1: spec-valid inputs become exactly the request the spec describes."""

from __future__ import annotations

from typing import Any

import _harness as h
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin._core.retry import RetryPolicy, RetryTransport
from nordfin._core.session import Session
from nordfin.errors import ServerError

OPERATIONS = h.all_operations()


def refuse(request: Any) -> Any:
    """Answer every request with a bare 503: the request is all this property looks at."""
    return h.Answer(503, {}, None).respond(request)


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
@h.contract()
@given(data=st.data())
def test_drawn_inputs_are_sent_as_one_request_the_spec_allows(op: h.Op, data: st.DataObject) -> None:
    """Inputs drawn from the spec are sent as one request that the spec allows and that carries them.

    ``Session`` validates every request against the spec before sending it, so "the captured request
    validates" alone would hold even for a client that sends the wrong id or drops the body. The
    request is therefore also read back independently — method, path parameters decoded from the
    operation's template, query values, JSON body — and compared with the drawn inputs.
    """
    inputs = data.draw(h.request_inputs(op), label="inputs")
    is_async = data.draw(st.booleans(), label="async")
    exchange = h.invoke(op, h.call_arguments(op, inputs), refuse, strict=False, is_async=is_async)
    if not exchange.sent:
        raise AssertionError(f"{op}: nothing was sent for spec-valid inputs") from exchange.error
    assert len(exchange.sent) == 1, f"{op}: {len(exchange.sent)} requests for one call"
    assert isinstance(exchange.error, ServerError), exchange.error
    request = exchange.sent[0]
    assert h.validate_sent_request(op, request) == []
    expected_path = {name: str(value) for name, value in inputs.get("path", {}).items()}
    assert h.routed(op, request) == (op.operation_id, expected_path)
    assert h.request_mismatches(op, inputs, request) == []


#: RFC 9110 section 9.2.2: the methods whose repetition has the effect of one request.
SAFE_TO_REPEAT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}


def repeatable(op: h.Op) -> bool:
    """What the spec says: ``x-nordfin-idempotent`` where given (a create by PUT), else the method."""
    marked = h.load(op.slug)["paths"][op.path][op.method.lower()].get("x-nordfin-idempotent")
    return marked if isinstance(marked, bool) else op.method in SAFE_TO_REPEAT


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
@h.contract(max_examples=3)
@given(data=st.data())
def test_a_server_error_is_retried_only_where_repeating_is_safe(op: h.Op, data: st.DataObject) -> None:
    """Through the retry layer every client uses, a 503 is tried three times for an operation whose
    repetition is safe and once for every other (POST, PATCH, a create by PUT): a write that may
    have arrived is never sent twice."""
    inputs = data.draw(h.request_inputs(op), label="inputs")
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return refuse(request)

    headers, query = h.credentials(op)
    retrying = RetryTransport(
        httpx.MockTransport(answer), policy=RetryPolicy(), limiter=None, sleep=lambda s: None
    )
    with httpx.Client(
        base_url=h.base_url(op.slug), headers=headers, params=query, transport=retrying
    ) as http:
        session = Session(h.profile(op.slug), http)
        with pytest.raises(ServerError):
            session.call(h.module_for(op), None, slash_params=op.slash_params, **h.call_arguments(op, inputs))

    assert (3 if repeatable(op) else 1) == len(sent)
