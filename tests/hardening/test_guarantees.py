"""The guarantees of issue 13 as properties over all five APIs (hypothesis draws the values):

- input: a C0 control character (other than TAB, CR, LF) in a text field, or a text longer than
  its bound, is refused with ``RequestValidationError`` naming the field, and nothing is sent;
  every string a request of any spec carries has an upper bound;
- settings: a wrong value of any constructor setting is refused at construction, naming it;
- errors: whatever a server answers, the error is a nordfin error that pickles to an equal one and
  whose text carries no control character; a closed client raises ``ClientClosed``.
"""

from __future__ import annotations

import asyncio
import pickle
import re
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from nordfin import aptic, goto, payex, payfunc, permanad
from nordfin._core.retry import RetryPolicy
from nordfin.errors import ClientClosed, NordfinError, RequestValidationError
from nordfin.payex.models import AddressInput
from tests.hardening._five import SLUGS, build
from tests.permanad._orders import order

ROOT = Path(__file__).resolve().parents[2]
CONTROL = [chr(c) for c in range(32) if chr(c) not in "\t\r\n"] + ["\x7f"]
LEGAL = AddressInput(addressee="Britt-Marie Axelstopp", city="STOCKHOLM", zip_code="15961", country_code="SE")


@st.composite
def with_control(draw: st.DrawFn) -> str:
    """Ordinary text with at least one refused control character somewhere in it."""
    text = draw(st.text(alphabet=string.ascii_letters + " åäö", min_size=1, max_size=20))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(CONTROL)) + text[at:]


# One free-text argument of each API: (slug, the call given the text, the field it must name).
TEXT_CALLS: dict[str, tuple[Callable[[Any, str], Any], str]] = {
    "goto": (lambda c, t: c.payment_terms.create(code="N30", description=t), "description"),
    "payex": (
        lambda c, t: c.customers.create(customer_no="1", name=t, legal_address=LEGAL),
        "name",
    ),
    "payfunc": (lambda c, t: c.accounts.create(number=t), "number"),
    "aptic": (lambda c, t: c.customers.create(aptic.CustomerCreate(full_name=t)), "fullName"),
    "permanad": (lambda c, t: c.orders.create(order("SE", company=t)), "company"),
}


class Counting:
    """A transport that counts what reaches it and answers every request with a 500."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("access_token"):
            self.sent.append(request)
            return httpx.Response(500, json={})
        return httpx.Response(200, json={"access_token": "tok-0123456789", "expires_in": 60})


def client_for(slug: str, handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    keys = {"key": "abc.def.ghi", "token": "aaa.bbb.ccc", "client_secret": "s3cret-of-app"}
    client, _ = build(slug, keys, transport=httpx.MockTransport(handler))
    return client


# --- input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
@given(text=with_control())
def test_a_control_character_in_text_is_refused_and_nothing_is_sent(slug: str, text: str) -> None:
    call, field = TEXT_CALLS[slug]
    transport = Counting()
    with client_for(slug, transport) as client, pytest.raises(RequestValidationError) as caught:
        call(client, text)
    assert (caught.value.field.rsplit(".", 1)[-1], transport.sent) == (field, [])
    assert "control characters" in caught.value.rule


@pytest.mark.parametrize("slug", SLUGS)
@given(extra=st.integers(1, 5000))
def test_a_text_over_its_bound_is_refused_and_nothing_is_sent(slug: str, extra: int) -> None:
    call, field = TEXT_CALLS[slug]
    transport = Counting()
    with client_for(slug, transport) as client, pytest.raises(RequestValidationError) as caught:
        call(client, "A" * (8192 + extra))
    assert (caught.value.field.rsplit(".", 1)[-1], transport.sent) == (field, [])


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        for part in node["$ref"].lstrip("#/").split("/"):
            spec = spec[part.replace("~1", "/")] if part else spec
        node, spec = spec, ROOT_SPEC[0]
    return node


ROOT_SPEC: list[dict[str, Any]] = [{}]


def _unbounded(spec: dict[str, Any], node: Any, where: str, seen: set[int]) -> Iterator[str]:
    node = _resolve(spec, node)
    if not isinstance(node, dict) or id(node) in seen:
        return
    seen.add(id(node))
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for member in node.get(key, []):
            yield from _unbounded(spec, member, where, seen)
    for key in ("items", "additionalProperties", "not"):
        yield from _unbounded(spec, node.get(key), f"{where}[]", seen)
    for name, member in (node.get("properties") or {}).items():
        yield from _unbounded(spec, member, f"{where}.{name}", seen)
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if "string" not in types or any(k in node for k in ("maxLength", "enum", "const")):
        return
    if node.get("format") in ("date-time", "date", "uuid"):
        return
    # Escaped characters and character classes are single characters; a quantifier outside them is not.
    pattern = re.sub(r"\[(?:\\.|[^\]])*\]", "x", re.sub(r"\\.", "x", node.get("pattern", "+")))
    if re.search(r"[+*]|\{\d+,\}", pattern):
        yield where


@pytest.mark.parametrize("slug", SLUGS)
def test_every_string_a_request_carries_has_an_upper_bound(slug: str) -> None:
    spec = yaml.safe_load((ROOT / "specs" / slug / "openapi.yaml").read_text())
    ROOT_SPEC[0] = spec
    found: list[str] = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method not in ("get", "post", "put", "patch", "delete"):
                continue
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                parameter = _resolve(spec, parameter)
                found += _unbounded(spec, parameter.get("schema"), f"{path} {parameter['name']}", set())
            body = _resolve(spec, operation.get("requestBody") or {})
            for media in (body.get("content") or {}).values():
                found += _unbounded(spec, media.get("schema"), f"{method} {path} body", set())
    assert found == []


# --- settings ---------------------------------------------------------------------------------

WRONG = st.one_of(
    st.text(max_size=5),
    st.binary(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.builds(object),
)
SETTINGS = ["timeout", "retry", "sleep", "strict", "transport", "cert"]


@pytest.mark.parametrize("slug", SLUGS)
@given(setting=st.sampled_from(SETTINGS), value=WRONG)
def test_a_wrong_setting_is_refused_at_construction_naming_it(slug: str, setting: str, value: Any) -> None:
    if setting == "cert" and isinstance(value, str):
        value = value + "/no/such/cert.pem"  # a str is a path: it must then load
    keys = {"key": "abc.def.ghi", "token": "aaa.bbb.ccc", "client_secret": "s3cret-of-app"}
    settings = {"transport": httpx.MockTransport(lambda r: httpx.Response(500)), setting: value}
    with pytest.raises(RequestValidationError) as caught:
        build(slug, keys, **settings)
    assert caught.value.field == setting


# --- errors -----------------------------------------------------------------------------------

BODIES = st.one_of(
    st.binary(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=10,
    ).map(lambda value: httpx.Response(200, json=value).content),
)
VENDOR_KEYS = st.sampled_from(["errorMessage", "detail", "Detail", "title", "message", "error_description"])


@pytest.mark.parametrize("slug", SLUGS)
@given(status=st.integers(400, 599), body=BODIES, key=VENDOR_KEYS, text=with_control())
def test_every_error_pickles_and_its_text_has_no_control_character(
    slug: str, status: int, body: bytes, key: str, text: str
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("access_token"):
            return httpx.Response(200, json={"access_token": "tok-0123456789", "expires_in": 60})
        content = body if body[:1] != b"{" else httpx.Response(200, json={key: text}).content
        return httpx.Response(status, content=content, headers={"Retry-After": "1"})

    keys = {"key": "abc.def.ghi", "token": "aaa.bbb.ccc", "client_secret": "s3cret-of-app"}
    client, call = build(slug, keys, transport=httpx.MockTransport(answer), retry=RetryPolicy.none())
    with client, pytest.raises(NordfinError) as caught:
        call()
    error = caught.value
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), repr(vars(copy))) == (type(error), str(error), repr(vars(error)))
    assert re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", str(error)) is None


@pytest.mark.parametrize("slug", SLUGS)
def test_a_closed_client_raises_client_closed(slug: str) -> None:
    keys = {"key": "abc.def.ghi", "token": "aaa.bbb.ccc", "client_secret": "s3cret-of-app"}
    client, call = build(slug, keys, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    client.close()
    with pytest.raises(ClientClosed):
        call()


@pytest.mark.parametrize("slug", SLUGS)
def test_a_closed_async_client_raises_client_closed(slug: str) -> None:
    async def main() -> None:
        transport = httpx.MockTransport(lambda r: httpx.Response(500))
        settings: dict[str, Any] = {"transport": transport, "sleep": _async_no_sleep}
        keys = {"key": "abc.def.ghi", "client_secret": "s3cret-of-app"}
        client = {
            "goto": lambda: goto.AsyncClient(store="4711", api_key=keys["key"], **settings),
            "payex": lambda: payex.AsyncClient(ledger_number="591", token=keys["key"], **settings),
            "payfunc": lambda: payfunc.AsyncClient(api_key=keys["key"], **settings),
            "aptic": lambda: aptic.AsyncClient(
                base_url="https://aptic.example/api",
                client_id="app",
                client_secret=keys["client_secret"],
                **settings,
            ),
            "permanad": lambda: permanad.AsyncClient(
                api_keys={"SE": keys["key"]}, market="SE", rate_limit=False, **settings
            ),
        }[slug]()
        await client.aclose()
        with pytest.raises(ClientClosed):
            await _first_call(slug, client)

    asyncio.run(main())


async def _async_no_sleep(seconds: float) -> None:
    """Instant."""


async def _first_call(slug: str, client: Any) -> Any:
    if slug == "goto":
        return await client.payment_terms.get("NET30")
    if slug == "payex":
        return await client.customers.get("1001")
    if slug == "payfunc":
        return await client.accounts.get("acc1acc1acc1acc1")
    if slug == "aptic":
        return await client.customers.get("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    return await client.orders.get("ord-123")
