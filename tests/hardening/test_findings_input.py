"""Regression tests for the input findings of issue 13 (one behaviour each)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nordfin import aptic, goto, payex
from nordfin._core.errors import field_messages
from nordfin.errors import NotFound, RequestValidationError, ResponseValidationError
from nordfin.payex.models import AddressInput, NationalIdentifier
from nordfin.testing.aptic import FakeAptic
from nordfin.testing.goto import FakeGoto
from nordfin.testing.payex import FakePayex
from nordfin.testing.payfunc import FakePayFunc
from nordfin.testing.permanad import FakePermanad
from tests.hardening._five import no_sleep
from tests.permanad._orders import order

LEGAL = AddressInput(addressee="Britt-Marie Axelstopp", city="STOCKHOLM", zip_code="15961", country_code="SE")


# --- text that must not leave ------------------------------------------------------------------


def test_nul_and_esc_in_free_text_are_refused_and_nothing_is_sent() -> None:
    fake = FakeGoto()
    with fake.client() as client:
        for text in ("30 days\x00", "\x1b[2Jnet"):
            with pytest.raises(RequestValidationError, match="description: must not contain control"):
                client.payment_terms.create(code="N30", description=text)
    assert fake.requests == []


def test_tab_cr_and_lf_stay_allowed_in_free_text() -> None:
    fake = FakeGoto()
    with fake.client() as client:
        made = client.payment_terms.create(code="N30", description="line one\r\n\tline two")
    assert made.description == "line one\r\n\tline two"


def test_a_nul_in_an_aptic_full_name_is_refused() -> None:
    with FakeAptic().client() as client, pytest.raises(RequestValidationError, match="fullName"):
        client.customers.create(aptic.CustomerCreate(full_name="Anna\x00"))


def test_a_url_over_the_safe_length_is_refused_with_what_to_do() -> None:
    wanted = aptic.or_(*(aptic.Field("fullName").eq(f"name number {i}") for i in range(3000)))
    with FakeAptic().client() as client, pytest.raises(RequestValidationError) as caught:
        client.customers.list(filter=wanted)
    assert caught.value.field == "filter"
    assert "narrow it" in caught.value.rule


# --- Aptic filters ----------------------------------------------------------------------------


def test_a_plain_string_filter_is_refused() -> None:
    name = "x' or fullName ne 'x"
    with FakeAptic().client() as client, pytest.raises(RequestValidationError, match=r"raw\(\.\.\.\)"):
        client.customers.list(filter=f"fullName eq '{name}'")


def test_a_snake_case_field_is_sent_by_its_wire_name() -> None:
    assert str(aptic.Field("full_name").eq("Anna")) == "fullName eq 'Anna'"


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(RequestValidationError, match="not a property"):
        aptic.Field("ful_name")


# --- organisation numbers ---------------------------------------------------------------------


def test_a_personnummer_is_not_a_payex_organisation_number() -> None:
    fake = FakePayex(ledger_number="591", token="t0ken")
    identifier = NationalIdentifier(reg_no="811218-9876", country_code="SE")  # 10-digit personnummer
    with fake.client() as client, pytest.raises(RequestValidationError, match="regNo"):
        client.customers.create(
            customer_no="1", name="A", legal_address=LEGAL, national_identifier=identifier
        )


def test_a_personnummer_is_not_a_permanad_organisation_number() -> None:
    fake = FakePermanad()
    with fake.client(("SE",)) as client, pytest.raises(RequestValidationError, match="org_number"):
        client.orders.create(order("SE", org_number="811218-9876"))


# --- answers ----------------------------------------------------------------------------------


def test_payex_problems_shaped_name_and_description_are_read() -> None:
    problems = [
        {"name": "amount", "description": "must be positive"},
        {"Name": "city", "Description": "empty"},
    ]
    assert field_messages(problems) == {"amount": ["must be positive"], "city": ["empty"]}


def test_a_payex_problem_names_the_field_of_a_name_description_list() -> None:
    body = {
        "Type": "ledger/customer/v1/problems/validation",
        "Status": 400,
        "Problems": [{"Name": "legalAddress.city", "Description": "must not be empty"}],
    }
    transport = httpx.MockTransport(lambda r: httpx.Response(400, json=body))
    client = payex.Client(ledger_number="591", token="t", transport=transport, sleep=no_sleep)
    with client, pytest.raises(payex.errors.ValidationProblem) as caught:
        client.customers.get("1001")
    assert (caught.value.vendor.field, caught.value.problems) == (
        "legalAddress.city",
        {"legalAddress.city": ["must not be empty"]},
    )


def goto_answering(terms: list[dict[str, str]]) -> goto.Client:
    body = {"paymentTerms": terms, "since": 1}
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=body))
    return goto.Client(store="4711", api_key="k3y-0f-the-st0re", transport=transport, sleep=no_sleep)


def test_goto_get_takes_the_term_of_the_code_asked_for() -> None:
    terms = [{"code": "N10", "description": "ten"}, {"code": "N30", "description": "thirty"}]
    with goto_answering(terms) as client:
        assert client.payment_terms.get("N30").description == "thirty"


def test_goto_get_never_returns_a_term_of_another_code() -> None:
    with goto_answering([{"code": "N10", "description": "ten"}]) as client, pytest.raises(NotFound):
        client.payment_terms.get("N30")


def test_goto_get_with_two_terms_of_the_code_is_the_servers_fault() -> None:
    terms = [{"code": "N30", "description": "a"}, {"code": "N30", "description": "b"}]
    with goto_answering(terms) as client, pytest.raises(ResponseValidationError, match="2 payment terms"):
        client.payment_terms.get("N30")


def test_a_ten_megabyte_aptic_full_name_is_refused_before_sending() -> None:
    fake = FakeAptic()
    with fake.client() as client, pytest.raises(RequestValidationError, match="fullName"):
        client.customers.create(aptic.CustomerCreate(full_name="A" * 10_000_000))
    assert [r for r in fake.requests if "Customers" in r.url.path] == []


def test_a_payfunc_callback_that_is_not_a_url_is_refused_before_sending() -> None:
    fake = FakePayFunc()
    with fake.client() as client:
        account = client.accounts.create()
        sent = len(fake.requests)
        with pytest.raises(RequestValidationError, match="callback"):
            client.subscriptions.create(
                account.id, items=1, currency="SEK", schedule="monthly", callback="not a uri"
            )
    assert len(fake.requests) == sent


def test_the_payfunc_fake_answers_400_not_500_to_a_callback_that_is_not_a_url() -> None:
    fake = FakePayFunc()
    with fake.client() as client:
        account = client.accounts.create()
    body = {"items": 1, "currency": "SEK", "schedule": "monthly", "callback": "not a uri"}
    headers = {"Authorization": f"Bearer {fake.private_key}"}
    with httpx.Client(transport=fake, base_url="https://api.payfunc.com", headers=headers) as http:
        answer = http.post(f"/account/{account.id}/subscription", json=body)
    assert answer.status_code == 400


def test_a_fake_refuses_an_integer_outside_its_int32_format() -> None:
    fake = FakeAptic()
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    with httpx.Client(transport=fake, base_url=fake.base_url, headers=headers) as http:
        answer = http.get("/v1/Customers", params={"$skip": 2**31})
    assert answer.status_code == 400


@pytest.mark.parametrize("make", [FakeGoto, FakeAptic, FakePayFunc])
def test_a_fake_on_loopback_answers_trace_like_the_api(make: Any) -> None:
    fake = make()
    with fake.serve() as url, httpx.Client() as http:
        answer = http.request("TRACE", url + "/")
    assert answer.status_code in (404, 405)
    assert "json" in answer.headers["content-type"]


def surplus_pages(rewrite: Callable[[str], str]) -> Any:
    """A PayEx fake with two pages of surpluses whose ``navigation.next`` is rewritten by ``rewrite``."""
    fake = FakePayex(ledger_number="591", token="t0ken", page_size=1)
    with fake.client() as setup:
        setup.customers.create(customer_no="1001", name="A", legal_address=LEGAL)
    fake.seed_surplus("1001", "S1", 1.0)
    fake.seed_surplus("1001", "S2", 2.0)
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        response = fake.handle_request(request)
        body = json.loads(response.read())
        if "next" in body.get("navigation", {}):
            body["navigation"]["next"] = rewrite(body["navigation"]["next"])
        return httpx.Response(response.status_code, json=body)

    return sent, payex.Client(ledger_number="591", token="t0ken", transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda link: link.replace("skip=", "Skip="),
        lambda link: "https://lf-api.payex.com" + link.replace("skip=", "take=1&$skip="),
        lambda link: "?" + link.split("?", 1)[1],
    ],
)
def test_payex_surpluses_follow_any_next_link_to_the_same_list(rewrite: Callable[[str], str]) -> None:
    sent, client = surplus_pages(rewrite)
    with client:
        found = [surplus.surplus_id for surplus in client.surpluses.iterate("1001")]
    assert (found, sent[1].url.params.get("skip")) == (["S1", "S2"], "1")


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda link: "/admin?" + link.split("?", 1)[1],
        lambda link: link.replace("/surpluses", "/surpluses/S1"),
    ],
)
def test_payex_surpluses_never_follow_a_next_link_to_another_resource(rewrite: Callable[[str], str]) -> None:
    sent, client = surplus_pages(rewrite)
    with client, pytest.raises(ResponseValidationError, match="leads away"):
        list(client.surpluses.iterate("1001"))
    assert len(sent) == 1


def test_payex_surpluses_take_only_the_offset_of_a_link_to_another_host() -> None:
    sent, client = surplus_pages(lambda link: "https://evil.example" + link)
    with client:
        found = [surplus.surplus_id for surplus in client.surpluses.iterate("1001")]
    assert (found, {request.url.host for request in sent}) == (["S1", "S2"], {"lf-api.payex.com"})
