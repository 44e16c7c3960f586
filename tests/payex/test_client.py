"""nordfin.payex against its fake: the documented flow, PATCH states, checks before sending, problems."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest

from nordfin import ClientCert, payex
from nordfin.errors import Forbidden, NotFound, RequestValidationError, ResponseValidationError, Unauthorized
from nordfin.payex import errors
from nordfin.payex.models import (
    AddressInput,
    InternationalAccount,
    NationalIdentifier,
    NorwegianBankAccount,
    Operation,
    SwedishBankAccount,
)
from nordfin.testing.payex import FakePayex

PERSON = NationalIdentifier(reg_no="19811218-9876", country_code="SE")
LEGAL = AddressInput(addressee="Britt-Marie Axelstopp", city="STOCKHOLM", zip_code="15961", country_code="SE")
BILLING = AddressInput(
    addressee="Kalle Axelstopp",
    street_address="Axelgatan 18",
    city="STOCKHOLM",
    zip_code="16872",
    country_code="SE",
)
IBAN = InternationalAccount(iban="SE4550000000058398257466", bic="ESSESESS")


@pytest.fixture
def fake() -> FakePayex:
    return FakePayex(ledger_number="591", token="t0ken")


@pytest.fixture
def client(fake: FakePayex) -> Iterator[payex.Client]:
    with fake.client() as client:
        yield client


def create(client: payex.Client, **extra: object) -> str:
    reference = client.customers.create(
        customer_no="9999",
        name="Britt-Marie Axelstopp",
        legal_address=LEGAL,
        national_identifier=PERSON,
        email_address="britt@axelstopp.com",
        msisdn="+46720000000",
        **extra,  # type: ignore[arg-type]
    )
    return reference.customer_no


def last_body(fake: FakePayex) -> object:
    return json.loads(fake.requests[-1].content)


def test_the_documented_flow(client: payex.Client, fake: FakePayex) -> None:
    """Create with billing address, expand, patch, delete the billing address, add it again by
    following the offered operation, find by national identifier, disburse a surplus."""
    number = create(client, billing_address=BILLING)
    customer = client.customers.get(number, expand=True)
    assert isinstance(customer.billing_address, payex.Address)
    assert customer.billing_address.street_address == "Axelgatan 18"
    assert not payex.allowed(customer, "add-billing-address")

    client.customers.update(number, email_address="new@axelstopp.com", msisdn=None)
    changed = client.customers.get(number)
    assert (changed.email_address, changed.msisdn) == ("new@axelstopp.com", None)

    client.billing_address.delete(number)
    without = client.customers.get(number)
    assert payex.allowed(without, "add-billing-address")
    client.follow(without, "add-billing-address", BILLING)
    assert client.billing_address.get(number).addressee == "Kalle Axelstopp"
    assert not payex.allowed(client.customers.get(number), "add-billing-address")

    assert number == client.customers.find(PERSON).customer_no

    fake.seed_surplus(number, "S1", 125.5)
    surplus = client.surpluses.get(number, "S1")
    assert payex.allowed(surplus, "add-disbursement-orders")
    client.surpluses.disburse(number, "S1", international=IBAN)
    assert client.surpluses.get(number, "S1").status.value == "pending-disbursement"
    orders = client.surpluses.disbursement_orders(number, "S1").items
    assert [order.international.iban for order in orders] == ["SE4550000000058398257466"]  # type: ignore[union-attr]
    assert not payex.allowed(client.surpluses.get(number, "S1"), "add-disbursement-orders")


def test_an_update_of_only_the_email_sends_only_that_key(client: payex.Client, fake: FakePayex) -> None:
    number = create(client)

    client.customers.update(number, email_address="britt@axelstopp.com")

    assert fake.requests[-1].method == "PATCH"
    assert last_body(fake) == {"emailAddress": "britt@axelstopp.com"}


def test_none_deletes_and_is_sent_as_null(client: payex.Client, fake: FakePayex) -> None:
    number = create(client)

    client.customers.update(number, email_address="britt@axelstopp.com", msisdn=None)

    assert last_body(fake) == {"emailAddress": "britt@axelstopp.com", "msisdn": None}
    assert "msisdn" not in fake.customers[number]


def test_an_update_that_names_nothing_is_refused_before_sending(
    client: payex.Client, fake: FakePayex
) -> None:
    number = create(client)
    sent = len(fake.requests)

    with pytest.raises(RequestValidationError) as caught:
        client.customers.update(number)

    assert ("changes", sent) == (caught.value.field, len(fake.requests))


def test_expand_answers_addresses_as_links_unless_asked(client: payex.Client) -> None:
    number = create(client, billing_address=BILLING)

    plain = client.customers.get(number)
    legal_only = client.customers.get(number, expand=["legaladdress"])

    assert isinstance(plain.legal_address, str)
    assert isinstance(plain.billing_address, str)
    assert isinstance(legal_only.legal_address, payex.Address)
    assert isinstance(legal_only.billing_address, str)


def test_expand_true_answers_both_addresses_as_objects(client: payex.Client) -> None:
    """``get(expand=True)`` is typed ``ExpandedCustomer``: ``.legal_address.city`` needs no cast."""
    number = create(client, billing_address=BILLING)

    customer = client.customers.get(number, expand=True)

    assert (customer.legal_address.city, type(customer.billing_address)) == (LEGAL.city, payex.Address)


def test_an_expanded_customer_answered_with_links_is_the_servers_fault() -> None:
    """A server that ignores ``$expand`` is caught, not passed on as an ``Address`` typed string."""
    body = {"@id": "/c/9999", "customerNo": "9999", "name": "A", "legalAddress": "/c/9999/legaladdress"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    client = payex.Client(ledger_number="591", token="t", transport=httpx.MockTransport(handler))
    with pytest.raises(ResponseValidationError) as caught:
        client.customers.get("9999", expand=True)

    assert caught.value.problems == ["an expanded customer's addresses must be objects, not links"]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.customers.create(name="A", legal_address=LEGAL, email="a@b.se"),
        lambda c: c.customers.update("9999", emial_address="a@b.se"),
        lambda c: c.surpluses.disburse("9999", "S1", iban="SE00"),
    ],
)
def test_misspelled_keywords_are_refused_by_the_async_client_too(call: Any) -> None:
    """The async twins took ``**kwargs: Any``; both now have the same typed keywords."""
    fake = FakePayex(ledger_number="591", token="t0ken")

    async def attempt() -> str:
        async with fake.async_client() as client:
            with pytest.raises(RequestValidationError) as caught:
                await call(client)
        return caught.value.field

    assert asyncio.run(attempt()) in ("email", "emial_address", "iban")
    assert fake.requests == []


def test_expand_refuses_unknown_names(client: payex.Client, fake: FakePayex) -> None:
    with pytest.raises(RequestValidationError) as caught:
        client.customers.get("9999", expand=["everything"])

    assert (caught.value.field, fake.requests) == ("expand", [])


def test_the_leading_space_of_answered_customer_numbers_is_dropped(client: payex.Client) -> None:
    """PayEx's examples answer " 9999"; the fake does the same and callers get "9999"."""
    assert create(client) == "9999"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (
            {"national_identifier": NationalIdentifier(reg_no="19811218-9877", country_code="SE")},
            "national_identifier.regNo",
        ),
        (
            {"national_identifier": NationalIdentifier(reg_no="8112189876", country_code="SE")},
            "national_identifier.regNo",
        ),
        (
            {"national_identifier": NationalIdentifier(reg_no="01010112345", country_code="NO")},
            "national_identifier.regNo",
        ),
        ({"vat_no": "SE556677889902"}, "vat_no"),
        ({"email_address": "britt.axelstopp.com"}, "emailAddress"),
        ({"msisdn": "0720000000"}, "msisdn"),
        ({"name": "x" * 73}, "name"),
        (
            {"legal_address": AddressInput(addressee="A", city="B", zip_code="1", country_code="se")},
            "legalAddress.countryCode",
        ),
        (
            {"legal_address": AddressInput(addressee="A", city="B", zip_code="123 45", country_code="SE")},
            "legalAddress.zipCode",
        ),
        ({"legal_entity": "person"}, "legal_entity"),
        ({"customer_no": "A-1"}, "customerNo"),
    ],
)
def test_bad_arguments_are_refused_before_sending(
    client: payex.Client, fake: FakePayex, arguments: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"name": "Britt", "legal_address": LEGAL, "customer_no": "9999", **arguments}

    with pytest.raises(RequestValidationError) as caught:
        client.customers.create(**values)  # type: ignore[arg-type]

    assert (field, []) == (caught.value.field, fake.requests)


@pytest.mark.parametrize(
    "identifier",
    [
        NationalIdentifier(reg_no="556036-0793", country_code="SE"),  # Swedish organisation number
        NationalIdentifier(reg_no="974760673", country_code="NO"),  # Norwegian organisation number
        NationalIdentifier(reg_no="15108695088", country_code="NO"),  # Norwegian fødselsnummer
    ],
)
def test_valid_identity_and_organisation_numbers_pass(
    client: payex.Client, identifier: NationalIdentifier
) -> None:
    reference = client.customers.create(
        customer_no="1", name="A", legal_address=LEGAL, national_identifier=identifier
    )

    assert reference.customer_no == "1"


def test_a_valid_vat_number_passes(client: payex.Client) -> None:
    reference = client.customers.create(
        customer_no="2", name="A", legal_address=LEGAL, vat_no="SE556036079301"
    )

    assert reference.customer_no == "2"


@pytest.mark.parametrize(
    ("country", "number", "ok"), [("NO", "123", False), ("DK", "1234567", True), ("SE", "0123", False)]
)
def test_customer_numbers_follow_the_ledger_country(
    fake: FakePayex, country: str, number: str, ok: bool
) -> None:
    with fake.client(ledger_country=country) as client:
        if ok:
            assert (
                number
                == client.customers.create(customer_no=number, name="A", legal_address=LEGAL).customer_no
            )
            return
        with pytest.raises(RequestValidationError) as caught:
            client.customers.create(customer_no=number, name="A", legal_address=LEGAL)
    assert (caught.value.field, fake.requests) == ("customer_no", [])


@pytest.mark.parametrize(
    "ways",
    [
        {},
        {"international": IBAN, "norwegian_bank_account": NorwegianBankAccount(account_no="86011117947")},
    ],
)
def test_a_disbursement_needs_exactly_one_destination(
    client: payex.Client, fake: FakePayex, ways: dict[str, object]
) -> None:
    with pytest.raises(RequestValidationError) as caught:
        client.surpluses.disburse("9999", "S1", **ways)  # type: ignore[arg-type]

    assert (caught.value.field, fake.requests) == ("disbursement", [])


@pytest.mark.parametrize(
    ("ways", "field"),
    [
        (
            {"international": InternationalAccount(iban="SE4550000000058398257467", bic="ESSESESS")},
            "international.iban",
        ),
        (
            {"international": InternationalAccount(iban="SE4550000000058398257466", bic="SWED...")},
            "international.bic",
        ),
        (
            {"norwegian_bank_account": NorwegianBankAccount(account_no="1234")},
            "norwegian_bank_account.account_no",
        ),
        (
            {"swedish_bank_account": SwedishBankAccount(clearing_no="", account_no="1049000")},
            "swedishBankAccount.clearingNo",
        ),
    ],
)
def test_disbursement_accounts_are_checked_before_sending(
    client: payex.Client, fake: FakePayex, ways: dict[str, object], field: str
) -> None:
    with pytest.raises(RequestValidationError) as caught:
        client.surpluses.disburse("9999", "S1", **ways)  # type: ignore[arg-type]

    assert (field, []) == (caught.value.field, fake.requests)


def test_surpluses_are_iterated_across_navigation_pages(fake: FakePayex) -> None:
    fake.page_size = 2
    with fake.client() as client:
        number = create(client)
        for index in range(5):
            fake.seed_surplus(number, f"S{index}", index + 1.0)
        sent = len(fake.requests)

        ids = [surplus.surplus_id for surplus in client.surpluses.iterate(number)]

    assert (ids, len(fake.requests) - sent) == (["S0", "S1", "S2", "S3", "S4"], 3)


def test_a_missing_customer_is_a_typed_problem(client: payex.Client) -> None:
    with pytest.raises(errors.CustomerNotFound) as caught:
        client.customers.get("12345")

    error = caught.value
    assert isinstance(error, NotFound)
    assert (
        error.missing,
        error.problem_type,
    ) == ("customer", "ledger/customer/v1/problems/customer-not-found")
    assert (error.title, error.detail, error.instance) == (
        "Specified customer number does not exist",
        "Specified customer number does not exist",
        error.instance,
    )
    assert error.instance


def test_a_missing_billing_address_names_what_was_missing(client: payex.Client) -> None:
    number = create(client)

    with pytest.raises(errors.BillingAddressNotFound) as caught:
        client.billing_address.get(number)

    assert (caught.value.missing, caught.value.status) == ("billing address", 404)


def test_a_server_side_validation_problem_carries_the_field_messages(client: payex.Client) -> None:
    create(client)

    with pytest.raises(errors.ValidationProblem) as caught:
        create(client)

    assert list(caught.value.problems) == ["customerNo"]
    assert caught.value.problem_code == "validation"


def test_camel_case_problems_are_read_too() -> None:
    body = {
        "type": "ledger/customer/v1/problems/legal-address-does-not-exists",
        "title": "Legal address does not exist",
        "status": 404,
        "instance": "abc",
        "detail": "none",
        "problems": {"customerNo": ["unknown"]},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json=body, headers={"Content-Type": "application/problem+json"})

    client = payex.Client(ledger_number="591", token="t", transport=httpx.MockTransport(answer))
    with client, pytest.raises(errors.LegalAddressNotFound) as caught:
        client.legal_address.get("9999")

    error = caught.value
    assert (
        error.missing,
        error.instance,
        error.detail,
        error.problems,
    ) == ("legal address", "abc", "none", {"customerNo": ["unknown"]})


def test_a_wrong_token_is_unauthorized(fake: FakePayex) -> None:
    client = payex.Client(ledger_number="591", token="wrong", transport=fake)
    with client, pytest.raises(Unauthorized):
        client.customers.get("9999")


def test_another_ledger_than_the_tokens_is_unauthorized(fake: FakePayex) -> None:
    client = payex.Client(ledger_number="592", token="t0ken", transport=fake)
    with client, pytest.raises(Unauthorized):
        client.customers.get("9999")


def test_generate_reads_the_population_register(client: payex.Client, fake: FakePayex) -> None:
    address = {
        "addressee": "Britt-Marie Axelstopp",
        "city": "STOCKHOLM",
        "zipCode": "15961",
        "countryCode": "SE",
    }
    fake.register_person("19811218-9876", "SE", name="Britt-Marie Axelstopp", address=address)

    reference = client.customers.generate_consumer(PERSON, email_address="britt@axelstopp.com")

    customer = client.customers.get(reference.customer_no, expand=True)
    assert (customer.legal_entity.value, customer.legal_address.zip_code) == ("consumer", "15961")  # type: ignore[union-attr]


def test_the_legal_address_is_updated_from_the_register_by_its_operation(
    client: payex.Client, fake: FakePayex
) -> None:
    number = create(client)
    moved = {"addressee": "Britt-Marie Axelstopp", "city": "UPPSALA", "zipCode": "75310", "countryCode": "SE"}
    fake.register_person("19811218-9876", "SE", name="Britt-Marie Axelstopp", address=moved)

    client.follow(client.legal_address.get(number), "update-legal-address-from-population-register")

    assert client.legal_address.get(number).city == "UPPSALA"


def test_a_followed_operation_that_answers_a_model_returns_that_model(
    client: payex.Client, fake: FakePayex
) -> None:
    """follow() reads each operation's answer as the generated operation's SUCCESS_MODEL."""
    number = create(client)
    fake.seed_surplus(number, "S1", 125.5)
    surplus = client.surpluses.get(number, "S1")
    offered = Operation(rel="view", href=surplus.id, method="GET")
    linked = attrs.evolve(surplus, operations=[*surplus.operations, offered])

    followed = client.follow(linked, "view", None)

    assert isinstance(followed, payex.models.Surplus)
    assert (followed.surplus_id, followed.balance) == ("S1", surplus.balance)


def test_operations_not_agreed_are_forbidden(fake: FakePayex) -> None:
    fake.population_register_access = False
    with fake.client() as client, pytest.raises(errors.PayexForbidden) as caught:
        client.customers.generate_consumer(PERSON)

    assert isinstance(caught.value, Forbidden)


def test_following_an_operation_that_is_not_offered_is_refused(client: payex.Client, fake: FakePayex) -> None:
    number = create(client, billing_address=BILLING)
    customer = client.customers.get(number)
    sent = len(fake.requests)

    with pytest.raises(RequestValidationError) as caught:
        client.follow(customer, "add-billing-address", BILLING)

    assert ("rel", sent) == (caught.value.field, len(fake.requests))


def test_a_link_outside_the_ledger_is_never_followed(client: payex.Client, fake: FakePayex) -> None:
    operation = payex.models.Operation(
        rel="delete",
        href="/ledger/customer/v1/666/customers/1/billing-address",
        method=payex.models.OperationMethod.DELETE,
    )
    resource = payex.Address(addressee="A", city="B", zip_code="1", country_code="SE", operations=[operation])

    with pytest.raises(RequestValidationError) as caught:
        client.follow(resource, "delete")

    assert (caught.value.field, fake.requests) == ("href", [])


def test_the_real_hosts_need_a_client_certificate() -> None:
    with pytest.raises(RequestValidationError) as caught:
        payex.Client(ledger_number="591", token="t")

    assert caught.value.field == "cert"


def test_the_environment_chooses_the_host_and_the_ledger_the_route(tmp_path: object) -> None:
    client = payex.Client(ledger_number="591", token="s3cret", environment="sandbox", transport=FakePayex())

    assert client.base_url == "https://api.sandbox.payex.com/ledger/customer/v1/591"
    assert "s3cret" not in repr(client)


def test_the_client_certificate_is_loaded_for_mutual_tls() -> None:
    """A missing certificate file fails at construction, before anything is sent."""
    with pytest.raises(RequestValidationError, match=r"cert: cannot be loaded \(FileNotFoundError\)"):
        payex.Client(ledger_number="591", token="t", cert=ClientCert("/nonexistent/cert.pem"))


def test_the_async_client_runs_the_same_calls() -> None:
    fake = FakePayex(page_size=1)
    assert asyncio.run(async_story(fake)) == (["S1", "S2"], "9999", "a@b.se", "Kalle Axelstopp")


async def async_story(fake: FakePayex) -> tuple[list[str], str, object, str]:
    async with fake.async_client() as client:
        reference = await client.customers.create(
            customer_no="9999", name="A", legal_address=LEGAL, national_identifier=PERSON
        )
        await client.customers.update(reference.customer_no, email_address="a@b.se")
        fake.seed_surplus("9999", "S1", 1.0)
        fake.seed_surplus("9999", "S2", 2.0)
        ids = [surplus.surplus_id async for surplus in client.surpluses.iterate("9999")]
        found = await client.customers.find(PERSON)
        customer = await client.customers.get("9999")
        await client.follow(customer, "add-billing-address", BILLING)
        billing = await client.billing_address.get("9999")

    return ids, found.customer_no, customer.email_address, billing.addressee


def test_an_unassigned_country_code_is_refused_before_sending() -> None:
    """Two capital letters are not enough: ``XX`` is no ISO 3166-1 country."""
    from nordfin.payex.models import AddressInput
    from nordfin.testing.payex import FakePayex

    fake = FakePayex()
    address = AddressInput(addressee="Britt", city="STOCKHOLM", zip_code="15961", country_code="XX")
    with fake.client() as client, pytest.raises(RequestValidationError) as raised:
        client.customers.create(customer_no="9999", name="Britt", legal_address=address)
    assert raised.value.field == "legalAddress.countryCode"
    assert [r for r in fake.requests if r.method == "POST"] == []
