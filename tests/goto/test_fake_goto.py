"""nordfin.testing.goto.FakeGoto: the Goto Payment terms API as the vendor documents it."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nordfin._core.spec import SpecIndex, load_spec, media_type_of
from nordfin._core.xmlbody import read_xml
from nordfin.testing.__main__ import main
from nordfin.testing.goto import FakeGoto

BASE = "https://capi.lagerkoll.com/v1"
KEY_AUTH = {"store": "demo-store", "api_key": "demo-api-key"}
USER_AUTH = {"store": "demo-store", "user_id": "demo-user", "user_token": "demo-token"}
XML = "application/xml"
INDEX = SpecIndex.for_slug("goto")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ticking() -> Callable[[], float]:
    """A clock one second further on every reading: 200 requests a minute never run out."""
    ticks = itertools.count()
    return lambda: float(next(ticks))


@pytest.fixture
def fake() -> FakeGoto:
    return FakeGoto(clock=ticking())


@pytest.fixture
def http(fake: FakeGoto) -> httpx.Client:
    return httpx.Client(transport=fake, base_url=BASE, headers=KEY_AUTH)


def error_of(response: httpx.Response) -> tuple[int, int, str | None]:
    body = response.json()
    return response.status_code, body["errorCode"], body["errorField"]


def assert_documented(operation_id: str, response: httpx.Response) -> None:
    """The answer is one the spec allows (XML bodies read back by the spec's own rules)."""
    operation = INDEX.operation(operation_id)
    media = media_type_of(response.headers.get("content-type"))
    body: Any = None
    if response.content:
        schema = INDEX.response_for(operation, response.status_code)
        assert schema is not None, response.status_code
        body = read_xml(INDEX, response.content, schema.content[XML]) if media == XML else response.json()
    problems = INDEX.validate_response(
        operation, status=response.status_code, content_type=media, body=body, headers=response.headers
    )
    assert problems == []


# --- credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [KEY_AUTH, USER_AUTH, {**KEY_AUTH, "user_token": "wrong"}])
def test_either_documented_header_set_is_accepted(fake: FakeGoto, headers: dict[str, str]) -> None:
    response = httpx.Client(transport=fake, base_url=BASE).get("/payment_terms/", headers=headers)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"store": "demo-store"},
        {"api_key": "demo-api-key"},
        {"store": "other-store", "api_key": "demo-api-key"},
        {"store": "demo-store", "api_key": "wrong"},
        {"store": "demo-store", "user_id": "demo-user"},
        {"store": "demo-store", "user_id": "demo-user", "user_token": "wrong"},
    ],
)
def test_credentials_that_dont_match_are_401_900001(fake: FakeGoto, headers: dict[str, str]) -> None:
    response = httpx.Client(transport=fake, base_url=BASE).get("/payment_terms/", headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "errorCode": 900001,
        "errorMessage": "Credentials don't match",
        "errorField": None,
        "errorData": None,
    }
    assert_documented("list_payment_terms", response)


def test_the_credentials_are_the_fakes_own() -> None:
    fake = FakeGoto(store="s1", api_key="k1", user_id="u1", user_token="t1", clock=ticking())
    http = httpx.Client(transport=fake, base_url=BASE)

    assert http.get("/payment_terms/", headers={"store": "s1", "api_key": "k1"}).status_code == 200
    assert (
        http.get("/payment_terms/", headers={"store": "s1", "user_id": "u1", "user_token": "t1"}).status_code
        == 200
    )
    assert http.get("/payment_terms/", headers=KEY_AUTH).status_code == 401
    assert (fake.store, fake.api_key, fake.credentials_help()["user_token"]) == ("s1", "k1", "t1")


# --- state and since -----------------------------------------------------------------------------


def test_an_empty_store_answers_since_0(http: httpx.Client) -> None:
    assert http.get("/payment_terms/").json() == {"paymentTerms": [], "since": 0}


def test_since_returns_what_changed_after_the_cursor(http: httpx.Client) -> None:
    http.post("/payment_terms/", json={"code": "10D", "description": "10 days"})
    http.post("/payment_terms/", json={"code": "30D", "description": "30 days"})
    first = http.get("/payment_terms/").json()
    http.put("/payment_terms/10D", json={"description": "ten days"})
    second = http.get("/payment_terms/", params={"since": first["since"]}).json()
    third = http.get("/payment_terms/", params={"since": second["since"]}).json()

    assert first == {
        "paymentTerms": [
            {"code": "10D", "description": "10 days"},
            {"code": "30D", "description": "30 days"},
        ],
        "since": 2,
    }
    assert second == {"paymentTerms": [{"code": "10D", "description": "ten days"}], "since": 3}
    assert third == {"paymentTerms": [], "since": 3}
    assert http.get("/payment_terms/", params={"since": 1}).json()["paymentTerms"] == [
        {"code": "30D", "description": "30 days"},
        {"code": "10D", "description": "ten days"},
    ]


def test_deletions_are_not_reported_by_since(fake: FakeGoto, http: httpx.Client) -> None:
    http.post("/payment_terms/", json={"code": "10D", "description": "10 days"})

    deleted = http.delete("/payment_terms/10D")

    assert (deleted.status_code, deleted.content) == (200, b"")
    assert http.get("/payment_terms/", params={"since": 0}).json() == {"paymentTerms": [], "since": 1}
    assert fake.terms == {}
    assert_documented("delete_payment_term", deleted)


def test_get_one_answers_the_list_wrapper_with_the_current_since(http: httpx.Client) -> None:
    http.post("/payment_terms/", json={"code": "10D", "description": "10 days"})
    http.post("/payment_terms/", json={"code": "30D", "description": "30 days"})

    response = http.get("/payment_terms/10D")

    assert response.json() == {"paymentTerms": [{"code": "10D", "description": "10 days"}], "since": 2}
    assert_documented("get_payment_term", response)


def test_create_and_update_answer_the_stored_term(fake: FakeGoto, http: httpx.Client) -> None:
    created = http.post("/payment_terms/", json={"code": "10D", "description": "10 days"})
    updated = http.put("/payment_terms/10D", json={"code": "IGNORED", "description": "ten"})

    assert (created.status_code, created.json()) == (200, {"code": "10D", "description": "10 days"})
    assert (updated.status_code, updated.json()) == (200, {"code": "10D", "description": "ten"})
    assert fake.terms == {"10D": "ten"}
    assert fake.since == 2
    assert_documented("create_payment_term", created)
    assert_documented("update_payment_term", updated)


@pytest.mark.parametrize("code", ["NET/30", "a/b/c", "50%/x y", "å/ö?#"])
def test_ids_with_slashes_and_reserved_characters_work(http: httpx.Client, code: str) -> None:
    http.post("/payment_terms/", json={"code": code, "description": "d"})
    raw_slash = "/payment_terms/" + quote(code, safe="/")
    encoded = "/payment_terms/" + quote(code, safe="")

    assert http.get(raw_slash).json()["paymentTerms"] == [{"code": code, "description": "d"}]
    assert http.get(encoded).json()["paymentTerms"] == [{"code": code, "description": "d"}]
    assert http.put(encoded, json={"description": "e"}).json() == {"code": code, "description": "e"}
    assert http.delete(raw_slash).status_code == 200


def test_add_term_and_the_read_only_terms_view(fake: FakeGoto) -> None:
    fake.add_term("10D", "10 days")
    fake.add_term("NODESC")

    assert dict(fake.terms) == {"10D": "10 days", "NODESC": None}
    assert fake.since == 2
    with pytest.raises(TypeError):
        fake.terms["X"] = "y"  # type: ignore[index]
    with pytest.raises(ValueError, match="code"):
        fake.add_term("", "empty code")


def test_a_null_description_is_answered_as_null(fake: FakeGoto, http: httpx.Client) -> None:
    fake.add_term("NODESC")

    response = http.get("/payment_terms/NODESC")

    assert response.json()["paymentTerms"] == [{"code": "NODESC", "description": None}]
    assert_documented("get_payment_term", response)


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/payment_terms/NOPE", None, (404, 900531, "term_id")),
        ("PUT", "/payment_terms/NOPE", {"description": "d"}, (404, 900533, "term_id")),
        ("DELETE", "/payment_terms/NOPE", None, (404, 900534, "term_id")),
        ("POST", "/payment_terms/", {"code": "10D", "description": "again"}, (400, 900532, "code")),
        ("POST", "/payment_terms/", {"code": "X"}, (400, 900532, "description")),
        ("POST", "/payment_terms/", {"code": "", "description": "d"}, (400, 900532, "code")),
        ("POST", "/payment_terms/", {"code": "X", "description": "d" * 1001}, (400, 900532, "description")),
        ("POST", "/payment_terms/", None, (400, 900532, "body")),
        ("PUT", "/payment_terms/10D", {"description": None}, (400, 900533, "description")),
        ("PUT", "/payment_terms/10D", {"code": "a\nb", "description": "d"}, (400, 900533, "code")),
        ("GET", "/payment_terms/?since=-1", None, (400, 900531, "since")),
        ("GET", "/payment_terms/?since=soon", None, (400, 900531, "since")),
        ("GET", "/payment_terms/%0A", None, (400, 900531, "term_id")),
        ("DELETE", "/payment_terms/%7F", None, (400, 900534, "term_id")),
        ("GET", "/payment_terms", None, (404, 900101, None)),
        ("GET", "/customers/", None, (404, 900101, None)),
        ("PATCH", "/payment_terms/10D", None, (405, 900101, None)),
    ],
)
def test_every_error_has_its_status_code_and_field(
    fake: FakeGoto,
    http: httpx.Client,
    method: str,
    path: str,
    body: Any,
    expected: tuple[int, int, str | None],
) -> None:
    fake.add_term("10D", "10 days")

    response = http.request(method, path, json=body)

    assert error_of(response) == expected


def test_a_body_that_is_not_json_is_a_400_naming_the_body(http: httpx.Client) -> None:
    response = http.post("/payment_terms/", content=b"{", headers={"Content-Type": "application/json"})

    assert error_of(response) == (400, 900532, "body")
    assert response.json()["errorMessage"] == "Error when creating a payment term: body is not valid JSON"


def test_an_error_message_names_the_rule_but_never_the_value(http: httpx.Client) -> None:
    response = http.post("/payment_terms/", json={"code": "SECRET-VALUE\x00", "description": "d"})

    assert response.json()["errorMessage"].startswith(
        "Error when creating a payment term: code does not match"
    )
    assert "SECRET-VALUE" not in response.text


# --- rate limit ----------------------------------------------------------------------------------


def test_the_201st_request_in_a_minute_is_429_until_a_slot_frees() -> None:
    clock = Clock(1000.0)
    http = httpx.Client(transport=FakeGoto(clock=clock), base_url=BASE, headers=KEY_AUTH)
    accepted = [http.get("/payment_terms/").status_code for _ in range(200)]

    refused = http.get("/payment_terms/")
    clock.now += 45.25
    still = http.get("/payment_terms/")
    clock.now += 14.75

    assert accepted == [200] * 200
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "60")
    assert refused.json() == {
        "errorCode": 900429,
        "errorMessage": "Too many requests",
        "errorField": None,
        "errorData": None,
    }
    assert (still.status_code, still.headers["Retry-After"]) == (429, "15")
    assert http.get("/payment_terms/").status_code == 200
    assert_documented("list_payment_terms", refused)


def test_the_window_slides_request_by_request() -> None:
    clock = Clock()
    http = httpx.Client(transport=FakeGoto(clock=clock), base_url=BASE, headers=KEY_AUTH)
    for n in range(200):
        clock.now = n / 4
        http.get("/payment_terms/")

    clock.now = 60.0
    first_slot = http.get("/payment_terms/")
    second_slot = http.get("/payment_terms/")

    assert first_slot.status_code == 200
    assert (second_slot.status_code, second_slot.headers["Retry-After"]) == (429, "1")


def test_requests_without_credentials_count_against_the_limit_too() -> None:
    fake = FakeGoto(clock=Clock())
    for _ in range(200):
        httpx.Client(transport=fake, base_url=BASE).get("/payment_terms/")

    assert (
        httpx.Client(transport=fake, base_url=BASE, headers=KEY_AUTH).get("/payment_terms/").status_code
        == 429
    )


# --- XML -----------------------------------------------------------------------------------------


def test_xml_answers_when_accept_prefers_xml(fake: FakeGoto, http: httpx.Client) -> None:
    fake.add_term("NET/30", "30 days")

    listed = http.get("/payment_terms/", headers={"Accept": XML})
    missing = http.get("/payment_terms/NOPE", headers={"Accept": "application/json;q=0.1, application/xml"})

    assert listed.headers["Content-Type"] == XML
    assert listed.content == (
        b"<?xml version='1.0' encoding='utf-8'?>\n<paymentTermsResponse><paymentTerm>"
        b"<code>NET/30</code><description>30 days</description></paymentTerm>"
        b"<since>1</since></paymentTermsResponse>"
    )
    assert missing.status_code == 404
    assert b"<errorCode>900531</errorCode>" in missing.content
    assert_documented("list_payment_terms", listed)
    assert_documented("get_payment_term", missing)


def test_xml_request_bodies_are_read(fake: FakeGoto, http: httpx.Client) -> None:
    xml = {"Content-Type": XML, "Accept": XML}
    created = http.post(
        "/payment_terms/",
        headers=xml,
        content=b"<paymentTerm><code>A&amp;B</code><description>x</description></paymentTerm>",
    )
    updated = http.put(
        "/payment_terms/A%26B",
        headers=xml,
        content=b"<?xml version='1.0'?><paymentTerm><description>y</description></paymentTerm>",
    )
    refused = http.post("/payment_terms/", headers=xml, content=b"<paymentTerm><code>B</code></paymentTerm>")

    assert created.status_code == 200
    assert updated.status_code == 200
    assert fake.terms == {"A&B": "y"}
    error = read_xml(INDEX, refused.content, {"$ref": "#/components/schemas/Error"})
    assert (refused.status_code, error["errorCode"], error["errorField"]) == (400, 900532, "description")
    assert_documented("update_payment_term", updated)


# --- serving -------------------------------------------------------------------------------------


def test_the_loopback_server_answers_a_real_http_client() -> None:
    fake = FakeGoto()
    with fake.serve() as url, httpx.Client(base_url=url, headers=KEY_AUTH, timeout=10) as http:
        created = http.post("/payment_terms/", json={"code": "NET/30", "description": "30 days"})
        got = http.get("/payment_terms/NET%2F30", headers={"Accept": XML})
        denied = http.get("/payment_terms/", headers={"api_key": "wrong"})

    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/v1")
    assert (created.status_code, created.json()) == (200, {"code": "NET/30", "description": "30 days"})
    assert (got.status_code, got.headers["content-type"]) == (200, XML)
    assert error_of(denied) == (401, 900001, None)
    assert [r.url.raw_path for r in fake.requests] == [
        b"/v1/payment_terms/",
        b"/v1/payment_terms/NET%2F30",
        b"/v1/payment_terms/",
    ]


def test_the_command_line_refuses_a_non_loopback_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        main(["goto", "--host", "0.0.0.0", "--port", "0"])


def test_concurrent_requests_from_threads_lose_nothing(fake: FakeGoto) -> None:
    def create(worker: int) -> None:
        http = httpx.Client(transport=fake, base_url=BASE, headers=KEY_AUTH)
        for n in range(20):
            assert (
                http.post("/payment_terms/", json={"code": f"{worker}-{n}", "description": "d"}).status_code
                == 200
            )

    threads = [threading.Thread(target=create, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert fake.since == 160
    assert len(fake.terms) == 160
    assert len(fake.requests) == 160


@pytest.mark.asyncio
async def test_the_fake_is_an_async_transport_too(fake: FakeGoto) -> None:
    async with httpx.AsyncClient(transport=fake, base_url=BASE, headers=KEY_AUTH) as http:
        await http.post("/payment_terms/", json={"code": "10D", "description": "10 days"})
        response = await http.get("/payment_terms/10D")

    assert response.json() == {"paymentTerms": [{"code": "10D", "description": "10 days"}], "since": 1}


# --- schemathesis --------------------------------------------------------------------------------

SCHEMA = schemathesis.openapi.from_dict(load_spec("goto"))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations() if isinstance(result, Ok)]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def send(http: httpx.Client, kwargs: Mapping[str, Any]) -> httpx.Response:
    """Send schemathesis' requests-style arguments with httpx."""
    arguments = {k: v for k, v in kwargs.items() if k not in ("cookies", "data")}
    if "data" in kwargs:
        arguments["content"] = kwargs["data"]
    return http.request(**arguments)


def test_schemathesis_sees_every_operation() -> None:
    assert sorted(op.definition.raw["operationId"] for op in OPERATIONS) == sorted(
        op.operation_id for op in INDEX.operations
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_schemathesis_finds_nothing_wrong_with_the_fake(operation: Any) -> None:
    fake = FakeGoto(clock=ticking())
    for code in ("code", "30D", "NET/30"):
        fake.add_term(code, "seeded")
    http = httpx.Client(transport=fake)

    @given(case=operation.as_strategy(), accept=st.sampled_from(["application/json", XML, "*/*"]))
    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any, accept: str) -> None:
        kwargs = case.as_transport_kwargs(base_url=BASE, headers={**KEY_AUTH, "Accept": accept})
        response = send(http, kwargs)
        assert response.status_code < 500
        if media_type_of(response.headers.get("content-type")) != XML:
            case.validate_response(response, checks=CHECKS)
        assert_documented(operation.definition.raw["operationId"], response)

    check()
