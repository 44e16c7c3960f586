"""Property 3: an answer that breaks the spec raises ``ResponseValidationError``; garbage never comes back."""

from __future__ import annotations

from typing import Any

import _harness as h
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nordfin.errors import ResponseValidationError

WITH_SUCCESS = [pytest.param(op, id=str(op)) for op in h.all_operations() if op.success_keys]


def lenient_cases() -> list[object]:
    """Operations whose first success body has a documented (not guessed) required property (a
    delete's empty answer has none; a guessed one may be missing, see ``test_leniency*.py``)."""
    cases = []
    for op in h.all_operations():
        content = h.json_content(op.responses[op.success_keys[0]]) if op.success_keys else None
        if content is not None and has_required(op.spec, content[1], set()):
            cases.append(pytest.param(op, id=str(op)))
    assert cases, "no operation answers a body with a required property: the property would test nothing"
    return cases


def has_required(spec: dict[str, Any], schema: Any, seen: set[int], inferred: bool = False) -> bool:
    """Whether a schema requires a property, not under a marker, somewhere reachable through
    properties, items or allOf."""
    schema, inferred = h.marked(spec, schema, inferred)
    if not isinstance(schema, dict) or id(schema) in seen:
        return False
    seen.add(id(schema))
    children = [*schema.get("allOf", []), *schema.get("properties", {}).values()]
    children += [schema["items"]] if isinstance(schema.get("items"), dict) else []
    own = bool(schema.get("required")) and not inferred
    return own or any(has_required(spec, child, seen, inferred) for child in children)


@pytest.mark.parametrize("op", WITH_SUCCESS)
@h.contract()
@given(data=st.data())
def test_strict_client_refuses_spec_breaking_answers(op: h.Op, data: st.DataObject) -> None:
    """A valid success answer broken by a drawn mutation — a property dropped at any depth, a value of
    the wrong JSON type, a whole body of another type, a non-JSON body under a JSON Content-Type, an
    undocumented 2xx status — is refused by a strict client. Only mutations the spec really rejects
    are kept (``SpecIndex.validate_response``; a non-JSON body always breaks a JSON answer)."""
    valid = data.draw(h.answers(op, op.success_keys[0]), label="valid answer")
    kind, broken = data.draw(h.mutated(op, valid), label="broken answer")
    assume(h.spec_problems(op, broken))
    exchange = h.answered_call(op, broken, data, strict=True)
    if not isinstance(exchange.error, ResponseValidationError):
        raise AssertionError(f"{op}: {kind} answer gave {exchange.result!r}") from exchange.error


@pytest.mark.parametrize("op", lenient_cases())
@h.contract()
@given(data=st.data())
def test_lenient_client_refuses_answers_missing_a_required_property(op: h.Op, data: st.DataObject) -> None:
    """Without strict mode, a success body missing a documented required property of its model still
    raises ``ResponseValidationError``: the generated parser's ``KeyError`` must not escape (toolchain P8)."""
    valid = data.draw(h.answers(op, op.success_keys[0]), label="valid answer")
    schema = h.json_content(op.responses[op.success_keys[0]])[1]
    sites = [path for path, inferred in h.required_members(op.spec, schema, valid.body) if not inferred]
    assume(sites)
    site = data.draw(st.sampled_from(sites), label="dropped")
    broken = h.Answer(valid.status, valid.headers, valid.media_type, h.replaced(valid.body, site))
    exchange = h.answered_call(op, broken, data, strict=False)
    if not isinstance(exchange.error, ResponseValidationError):
        raise AssertionError(f"{op}: without {site} the answer gave {exchange.result!r}") from exchange.error
