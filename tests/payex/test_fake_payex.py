"""FakePayex on the wire: problems as documented, credentials, state-dependent operations, pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nordfin.testing.payex import FakePayex

ROOT = "http://fake/ledger/customer/v1/591"
LEGAL = {"addressee": "A", "city": "STOCKHOLM", "zipCode": "15961", "countryCode": "SE"}
SE = {"regNo": "19811218-9876", "countryCode": "SE"}


@pytest.fixture
def fake() -> FakePayex:
    return FakePayex(ledger_number="591", token="t0ken", page_size=2)


@pytest.fixture
def http(fake: FakePayex) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer t0ken"}
    with httpx.Client(transport=fake, base_url=ROOT, headers=headers) as client:
        yield client


def create(http: httpx.Client, **extra: Any) -> httpx.Response:
    return http.post("/customers", json={"customerNo": "9999", "name": "A", "legalAddress": LEGAL, **extra})


def test_problems_are_pascal_case_problem_json(http: httpx.Client) -> None:
    response = http.get("/customers/1")

    body = response.json()
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")
    assert (body["Type"], body["Status"]) == ("ledger/customer/v1/problems/customer-not-found", 404)
    assert {"Title", "Instance", "Detail"} <= set(body)


def test_a_rejected_body_is_a_validation_problem_naming_the_field(http: httpx.Client) -> None:
    body = create(http, msisdn="0720").json()

    assert body["Type"] == "ledger/customer/v1/problems/validation"
    assert list(body["Problems"]) == ["msisdn"]


@pytest.mark.parametrize(
    ("url", "token"),
    [(ROOT + "/customers/1", "wrong"), ("http://fake/ledger/customer/v1/592/customers/1", "t0ken")],
)
def test_wrong_token_or_ledger_is_unauthorized(fake: FakePayex, url: str, token: str) -> None:
    with httpx.Client(transport=fake) as client:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})

    assert (response.status_code, response.json()["Type"]) == (
        401,
        "ledger/customer/v1/problems/unauthorized",
    )


def test_create_answers_201_with_the_vendors_leading_space(http: httpx.Client) -> None:
    response = create(http)

    assert (response.status_code, response.json()) == (
        201,
        {"@id": "/ledger/customer/v1/591/customers/9999", "customerNo": " 9999"},
    )


def test_patch_sets_and_null_deletes(http: httpx.Client, fake: FakePayex) -> None:
    create(http, msisdn="+46720000000", emailAddress="a@b.se")

    response = http.patch("/customers/9999", json={"emailAddress": "c@d.se", "msisdn": None})

    stored = fake.customers["9999"]
    assert (response.status_code, stored["emailAddress"], "msisdn" in stored) == (204, "c@d.se", False)


def test_add_billing_address_is_offered_only_while_there_is_none(http: httpx.Client) -> None:
    create(http)
    rels = lambda: [op["rel"] for op in http.get("/customers/9999").json()["operations"]]  # noqa: E731
    before = rels()
    http.post("/customers/9999/billing-address", json=LEGAL)
    during = rels()
    http.delete("/customers/9999/billing-address")

    assert (before, during, rels()) == (["add-billing-address"], [], ["add-billing-address"])


def test_a_second_billing_address_is_refused(http: httpx.Client) -> None:
    create(http, billingAddress=LEGAL)

    response = http.post("/customers/9999/billing-address", json=LEGAL)

    assert (response.status_code, list(response.json()["Problems"])) == (400, ["billingAddress"])


def test_missing_addresses_and_surpluses_have_their_own_problem_types(http: httpx.Client) -> None:
    create(http)

    kinds = [
        http.get(path).json()["Type"].rsplit("/", 1)[1]
        for path in ("/customers/9999/billing-address", "/customers/9999/surpluses/X")
    ]

    assert kinds == ["billing-address-does-not-exists", "not-found"]


def test_surpluses_are_paged_with_skip_and_navigation(http: httpx.Client, fake: FakePayex) -> None:
    create(http)
    for index in range(3):
        fake.seed_surplus("9999", f"S{index}", 1.0)

    first = http.get("/customers/9999/surpluses").json()
    last = http.get("/customers/9999/surpluses", params={"skip": 2}).json()

    assert [s["surplusId"] for s in first["items"]] == ["S0", "S1"]
    assert first["navigation"]["next"] == "/ledger/customer/v1/591/customers/9999/surpluses?skip=2"
    assert ("next" in last["navigation"], last["navigation"]["previous"].endswith("skip=0")) == (False, True)


def test_surplus_ids_are_not_case_sensitive(http: httpx.Client, fake: FakePayex) -> None:
    create(http)
    fake.seed_surplus("9999", "AbC", 5.0)

    assert http.get("/customers/9999/surpluses/abc").json()["surplusId"] == "AbC"


def test_a_disbursement_order_changes_the_surplus(http: httpx.Client, fake: FakePayex) -> None:
    create(http)
    fake.seed_surplus("9999", "S1", 5.0)
    url = "/customers/9999/surpluses/S1"

    added = http.post(
        url + "/active-disbursement-orders", json={"norwegianBankAccount": {"accountNo": "86011117947"}}
    )
    again = http.post(
        url + "/active-disbursement-orders", json={"norwegianBankAccount": {"accountNo": "86011117947"}}
    )

    surplus = http.get(url).json()
    assert (added.status_code, again.status_code) == (201, 400)
    assert (surplus["status"], surplus["operations"]) == ("pending-disbursement", [])
    assert fake.disbursement_orders("9999", "S1") == [{"norwegianBankAccount": {"accountNo": "86011117947"}}]


def test_disbursements_not_agreed_are_forbidden(http: httpx.Client, fake: FakePayex) -> None:
    fake.disbursement_agreed = False
    create(http)
    fake.seed_surplus("9999", "S1", 5.0)

    response = http.post(
        "/customers/9999/surpluses/S1/active-disbursement-orders",
        json={"international": {"iban": "x", "bic": "y"}},
    )

    assert (response.status_code, response.json()["Type"]) == (403, "ledger/customer/v1/problems/forbidden")


def test_find_customer_by_national_identifier(http: httpx.Client) -> None:
    create(http, nationalIdentifier=SE)

    found = http.post("/find-customer", json={"nationalIdentifier": SE})
    missing = http.post("/find-customer", json={"nationalIdentifier": {**SE, "regNo": "19811218-0000"}})

    assert (found.json()["customerNo"], missing.status_code) == (" 9999", 404)


def test_generate_needs_the_person_in_the_register(http: httpx.Client, fake: FakePayex) -> None:
    unknown = http.post("/generate-consumer-customer-by-reg-no", json={"nationalIdentifier": SE})
    fake.register_person(SE["regNo"], "SE", name="Britt", address=LEGAL)
    known = http.post("/generate-consumer-customer-by-reg-no", json={"nationalIdentifier": SE})

    customer = http.get(f"/customers/{known.json()['customerNo'].strip()}").json()
    assert (unknown.status_code, known.status_code) == (404, 201)
    assert (customer["name"], customer["legalEntity"]) == ("Britt", "consumer")


def test_the_fake_serves_on_loopback(fake: FakePayex) -> None:
    with fake.serve() as url, httpx.Client() as client:
        response = client.get(url + "/customers/1", headers={"Authorization": "Bearer t0ken"})

    assert (url.endswith("/ledger/customer/v1/591"), response.status_code) == (True, 404)


def test_patch_is_sent_as_json_and_merge_patch_is_accepted_too(http: httpx.Client, fake: FakePayex) -> None:
    """Toolchain P1: the generator keeps one JSON media type (application/json, as the vendor sends);
    the spec also documents application/merge-patch+json, which the fake reads the same way."""
    create(http)
    with fake.client() as client:
        client.customers.update("9999", email_address="a@b.se")
    sent = fake.requests[-1].headers["content-type"]

    response = http.patch(
        "/customers/9999",
        content=b'{"emailAddress": null}',
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert (sent, response.status_code, "emailAddress" in fake.customers["9999"]) == (
        "application/json",
        204,
        False,
    )
