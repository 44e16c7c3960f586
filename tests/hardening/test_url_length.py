"""Property: an over-long value in a URL is refused by name before sending, for every operation of
the five specs — never ``httpx.InvalidURL``, never a request (issue 13: "a request whose URL would
exceed a safe length is refused with a message that says what to do")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin.errors import RequestValidationError

sys.path.insert(0, str(Path(__file__).parents[1] / "contract"))
import _harness as h  # the contract harness draws spec-valid inputs per operation

#: (operation, location, parameter) for every string parameter a URL carries.
URL_STRINGS = [
    (op, param["in"], param["name"])
    for op in h.all_operations()
    for param in op.params
    if param["in"] in ("path", "query") and param.get("schema", {}).get("type") == "string"
]


def never_answered(request: Any) -> Any:
    raise AssertionError(f"sent {request.method} {request.url.path}: the over-long value left the process")


@pytest.mark.parametrize(("op", "location", "name"), URL_STRINGS, ids=lambda v: str(v))
@h.contract(max_examples=5)
@given(data=st.data(), length=st.integers(min_value=9_000, max_value=200_000))
def test_an_over_long_url_value_is_refused_by_name(
    op: h.Op, location: str, name: str, length: int, data: st.DataObject
) -> None:
    inputs = data.draw(h.request_inputs(op, path_shaped=False), label="inputs")
    inputs.setdefault(location, {})[name] = "a" * length
    exchange = h.invoke(op, h.call_arguments(op, inputs), never_answered, strict=False, is_async=False)

    assert exchange.sent == []
    assert isinstance(exchange.error, RequestValidationError), repr(exchange.error)
    assert exchange.error.field, "the error names the field"
    assert "a" * 50 not in str(exchange.error), "the error never repeats the value"
