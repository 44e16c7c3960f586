"""Property 1: spec-valid inputs become exactly the request the spec describes."""

from __future__ import annotations

from typing import Any

import _harness as h
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
