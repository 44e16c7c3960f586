"""Property 4: schemathesis, drawing requests from each spec, finds nothing wrong with its fake."""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import inspect
from typing import Any

import _harness as h
import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st

from nordfin.testing import FakeApi

#: APIs whose fake must exist: a missing one fails instead of being skipped.
REQUIRED_FAKES = {"aptic", "goto", "payex", "payfunc", "permanad"}
OPERATIONS = [pytest.param(op, id=str(op)) for op in h.all_operations()]


def fake_class(slug: str) -> type[FakeApi] | None:
    """The ``FakeApi`` subclass serving ``slug`` in ``nordfin.testing.<slug>``, if there is one."""
    try:
        module = importlib.import_module(f"nordfin.testing.{slug}")
    except ModuleNotFoundError:
        return None
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, FakeApi) and cls is not FakeApi and getattr(cls, "slug", None) == slug
    ]
    return found[0] if len(found) == 1 else None


@functools.cache
def schema(slug: str) -> Any:
    """The spec for schemathesis, without its security: the fake's valid credentials are sent instead."""
    spec = copy.deepcopy(h.load(slug))
    spec.pop("security", None)
    for item in spec["paths"].values():
        for method in h.METHODS:
            item.get(method, {}).pop("security", None)
    return schemathesis.openapi.from_dict(spec)


def st_operation(op: h.Op) -> Any:
    return schema(op.slug)[op.path][op.method]


@functools.cache  # one strategy per operation: Hypothesis validates and caches a strategy once
def cases(op: h.Op) -> Any:
    return st_operation(op).as_strategy()


def credentials(fake: FakeApi, op: h.Op) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query that meet the first security requirement with the fake's own credentials.

    ``FakeApi.credentials_help()`` maps a security scheme's name to the value the fake accepts.
    """
    accepted = fake.credentials_help()
    headers, query = h.credentials(op)
    schemes = h.load(op.slug).get("components", {}).get("securitySchemes", {})
    for name in (op.security or [{}])[0]:
        scheme, value = h.resolve(op.spec, schemes[name]), accepted.get(name, "")
        if scheme.get("type") == "apiKey":
            (headers if scheme.get("in") == "header" else query)[scheme["name"]] = value
        elif scheme.get("type") == "http" and str(scheme.get("scheme")).lower() == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(value.encode()).decode()
        elif scheme.get("type") == "mutualTLS":
            continue  # a property of the connection, not of the request: nothing to send
        else:
            headers["Authorization"] = f"Bearer {value}"
    return headers, query


def send(http: httpx.Client, case: Any, headers: dict[str, str], query: dict[str, str]) -> httpx.Response:
    """Send a schemathesis case with httpx (its own transport speaks ``requests``)."""
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"), headers=headers)
    content = kwargs.get("data")
    if "json" in kwargs:
        content = httpx.Request("POST", "http://x", json=kwargs["json"]).content
    params = httpx.QueryParams(kwargs.get("params") or {}).merge(query)
    request = http.build_request(
        kwargs["method"], kwargs["url"], headers=kwargs["headers"], params=params, content=content
    )
    return http.send(request)


def grammar_refused(op: h.Op, case: Any, response: httpx.Response) -> bool:
    """A 400 that names a query parameter whose grammar the spec cannot express (it says which one
    with ``x-nordfin-grammar``, e.g. an OData ``$filter``): a drawn string is rarely a sentence of it."""
    names = [p["name"] for p in op.params_in("query") if p.get("x-nordfin-grammar")]
    sent = [name for name in names if (case.query or {}).get(name) is not None]
    return response.status_code == 400 and any(name in response.text for name in sent)


@st.composite
def steps(draw: st.DrawFn, op: h.Op) -> list[tuple[h.Op, Any]]:
    """Up to two drawn calls of any operation of the spec, then one of ``op``: some state, by chance."""
    others = draw(st.lists(st.sampled_from(h.operations(op.slug)), max_size=2), label="before")
    return [(other, draw(cases(other), label=str(other))) for other in [*others, op]]


@pytest.mark.parametrize("op", OPERATIONS)
@h.contract()
@given(data=st.data())
def test_fake_answers_as_its_spec_says(op: h.Op, data: st.DataObject) -> None:
    """Every answer of a fresh fake to spec-valid requests passes schemathesis' own response check
    (``validate_response``: status, content type, schema, headers), is never a 5xx and never refuses
    the valid credentials. A 400 is accepted only once an earlier request changed the fake's state
    (a taken code); on a fresh fake a valid request breaks no rule, and an unknown id is a 404."""
    cls = fake_class(op.slug)
    if cls is None:
        if op.slug in REQUIRED_FAKES:
            pytest.fail(f"nordfin.testing.{op.slug} has no FakeApi subclass with slug {op.slug!r}")
        pytest.skip(f"no fake yet: nordfin.testing.{op.slug} has no FakeApi subclass with slug {op.slug!r}")
    fake = cls(clock=lambda: 0.0)
    changed = False
    with httpx.Client(transport=fake, base_url=h.base_url(op.slug)) as http:
        for step, case in data.draw(steps(op), label="steps"):
            response = send(http, case, *credentials(fake, step))
            st_operation(step).validate_response(response)
            assert response.status_code < 500, response.text
            assert response.status_code not in (401, 403), response.text
            refused = response.status_code == 400 and not grammar_refused(step, case, response)
            assert not refused or changed, f"{step}: a valid request refused: {response.text}"
            changed |= step.method != "GET" and response.is_success
