"""The harness can fail: it finds every operation, its validator and comparisons notice what is wrong."""

from __future__ import annotations

import json
from typing import Any

import _harness as h
import httpx
import pytest
from hypothesis import find
from hypothesis import strategies as st

from nordfin._core.spec import SpecIndex

FIND = h.FIRST_FOUND
OPERATIONS = [pytest.param(op, id=str(op)) for op in h.all_operations()]
SUCCESS_JSON = [
    pytest.param(op, id=str(op))
    for op in h.all_operations()
    if op.success_keys
    and h.json_content(op.responses[op.success_keys[0]])
    and h.can_require(op.spec, h.json_content(op.responses[op.success_keys[0]])[1])
]


def test_discovery_finds_the_five_goto_operations() -> None:
    """The spec reader sees all five Goto operations (a harness that found none would pass everything)."""
    found = {op.operation_id for op in h.operations("goto")}
    assert found == {
        "list_payment_terms",
        "create_payment_term",
        "get_payment_term",
        "update_payment_term",
        "delete_payment_term",
    }


@pytest.mark.parametrize("slug", h.SLUGS)
def test_discovery_agrees_with_spec_index_and_the_generated_client(slug: str) -> None:
    """Every operation of the spec is known to ``SpecIndex`` and has a generated module."""
    ours = [op.operation_id for op in h.operations(slug)]
    assert ours == [op.operation_id for op in SpecIndex.for_slug(slug).operations]
    assert set(ours) <= set(h.generated_modules(slug))


@pytest.mark.parametrize("op", OPERATIONS)
def test_every_parameter_and_success_model_is_found(op: h.Op) -> None:
    """Each spec parameter maps to one ``build_request`` argument; each JSON 2xx to a generated class."""
    assert len(h.python_names(op)) == len([p for p in op.params if p["in"] != "cookie"])
    for key in op.success_keys:
        expect = h.expect_for(op, key)
        assert (expect is None) == (h.json_content(op.responses[key]) is None)


@pytest.mark.parametrize("op", SUCCESS_JSON)
def test_validator_rejects_a_body_missing_a_required_property(op: h.Op) -> None:
    """The validator the properties rely on accepts a drawn answer and rejects it without a required key."""
    key = op.success_keys[0]
    schema = h.json_content(op.responses[key])[1]
    valid = find(h.answers(op, key), lambda a: any(h.required_sites(op.spec, schema, a.body)), settings=FIND)
    assert h.spec_problems(op, valid) == []
    site = next(h.required_sites(op.spec, schema, valid.body))
    broken = h.Answer(valid.status, valid.headers, valid.media_type, h.replaced(valid.body, site))
    assert h.spec_problems(op, broken) != []


BODY_MUTATIONS = {"drop_property", "wrong_type"}


def mutation_cases() -> list[Any]:
    """Every mutation for every operation with a success answer that its spec lets it break: body
    mutations only where there is a body, dropping a property only where one is required, a wrong
    type only where a member is typed, an undocumented status only where one is left undocumented."""
    return [
        pytest.param(op, kind, id=f"{op}-{kind}")
        for op in h.all_operations()
        if op.success_keys
        for kind in h.MUTATIONS
        if _can_break(op, kind)
    ]


def _can_break(op: h.Op, kind: str) -> bool:
    if kind == "undocumented_status":
        # OpenAPI's `default` answers every status not listed, successes too: a success body
        # breaks it only if the default schema requires something (Goto's error body does,
        # Aptic's all-optional problem details do not).
        default = h.json_content(op.responses.get("default"))
        lenient = default is not None and not h.requires_somewhere(op.spec, default[1])
        return bool(h.undocumented_successes(op)) and not lenient
    if kind not in BODY_MUTATIONS:
        return True
    content = h.json_content(op.responses[op.success_keys[0]])
    if content is None or not h.is_container(op.spec, content[1]):
        return False
    if kind == "drop_property":
        return h.requires_somewhere(op.spec, content[1])
    return h.constrains_members(op.spec, content[1])


@pytest.mark.parametrize(("op", "kind"), mutation_cases())
def test_each_mutation_can_break_an_answer(op: h.Op, kind: str) -> None:
    """Every kind of mutation that applies to an operation's answers yields answers the spec rejects."""
    answer = find(
        h.answers(op, op.success_keys[0]), lambda a: kind in h.applicable_mutations(op, a), settings=FIND
    )
    breaks = lambda pair: bool(h.spec_problems(op, pair[1]))  # noqa: E731
    broken = find(h.mutated(op, answer, [kind]), breaks, settings=FIND)
    assert broken[0] == kind


def captured_request(op: h.Op) -> tuple[dict[str, Any], httpx.Request]:
    """Drawn inputs that the client sends, and the request it sent for them."""
    sent: dict[str, Any] = {}

    def sends(inputs: dict[str, Any]) -> bool:
        exchange = h.invoke(
            op, h.call_arguments(op, inputs), lambda r: httpx.Response(503), strict=False, is_async=False
        )
        sent["request"] = exchange.sent[0] if exchange.sent else None
        return sent["request"] is not None and not h.request_mismatches(op, inputs, sent["request"])

    inputs = find(h.request_inputs(op, path_shaped=False), sends, settings=FIND)
    sends(inputs)
    return inputs, sent["request"]


def tampered(
    request: httpx.Request,
    *,
    method: str | None = None,
    raw_path: bytes | None = None,
    content: bytes | None = None,
) -> httpx.Request:
    """A copy of ``request`` with another method, path (and query) or body."""
    url = request.url.copy_with(raw_path=raw_path) if raw_path is not None else request.url
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(
        method or request.method,
        url,
        headers=headers,
        content=request.content if content is None else content,
    )


@pytest.mark.parametrize("op", OPERATIONS)
def test_request_comparison_notices_a_tampered_request(op: h.Op) -> None:
    """The independent reading of a request reports another method, path, query or body."""
    inputs, request = captured_request(op)
    assert h.request_mismatches(op, inputs, request) == []
    path, _, query = request.url.raw_path.partition(b"?")
    variants = [
        tampered(request, method="PATCH" if request.method != "PATCH" else "PUT"),
        tampered(request, raw_path=path + b"x/y" + (b"?" + query if query else b"")),
        tampered(request, raw_path=path + b"?" + (query + b"&" if query else b"") + b"undocumented=1"),
        tampered(request, content=json.dumps({"tampered": [1]}).encode()),
    ]
    for variant in variants:
        assert h.request_mismatches(op, inputs, variant) != [], variant


def test_canonical_json_compares_instants_and_keeps_booleans_apart() -> None:
    """Date-times are equal as instants (toolchain P7); ``True`` is not the number 1; values differ."""
    assert h.canonical({"at": "2026-01-01T00:00:00Z"}) == h.canonical({"at": "2026-01-01T00:00:00+00:00"})
    assert h.canonical({"at": "2026-01-01T00:00:00Z"}) != h.canonical({"at": "2026-01-01T00:00:01Z"})
    assert h.canonical([True]) != h.canonical([1])
    assert h.canonical([1.0]) == h.canonical([1])
    assert h.canonical({"a": "x"}) != h.canonical({"a": "y"})


def coded_error_answers(slug: str) -> list[tuple[h.Op, str, dict[str, Any]]]:
    """(operation, status, {property: listed codes}) for error answers whose spec lists vendor codes."""
    return [
        (op, key, codes)
        for op in h.operations(slug)
        for key, response in op.responses.items()
        for content in [h.json_content(response)]
        if content and not key.startswith("2")
        for codes in [h.error_code_properties(op, content[1])]
        if codes
    ]


# An API whose error bodies carry no documented code list (Permånad) has nothing to check here.
CODED_SLUGS = [slug for slug in h.SLUGS if coded_error_answers(slug)]


@pytest.mark.parametrize("slug", CODED_SLUGS)
def test_error_answers_carry_documented_vendor_codes(slug: str) -> None:
    """Drawn error bodies sometimes hold a code from the spec's list, so the vendor classes get checked."""
    op, key, codes = coded_error_answers(slug)[0]
    name, listed = next(iter(codes.items()))
    found = find(
        h.answers(op, key), lambda a: isinstance(a.body, dict) and a.body.get(name) in listed, settings=FIND
    )
    assert found.body[name] in listed


def test_mutations_are_drawn_from_every_kind() -> None:
    """The mutation strategy offers each kind for an answer that has objects, a body and a 2xx."""
    op = next(op for op in h.all_operations() if op.success_keys)
    answer = h.Answer(200, {}, "application/json", {"a": {"b": 1}})
    kinds = find(
        st.lists(h.mutated(op, answer).map(lambda pair: pair[0]), min_size=20),
        lambda drawn: set(drawn) >= set(h.applicable_mutations(op, answer)),
        settings=FIND,
    )
    assert set(kinds) == set(h.applicable_mutations(op, answer))
