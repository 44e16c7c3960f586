"""nordfin.aptic against its fake: the realistic flow, sync and async, and the token's life."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from nordfin import aptic
from nordfin.errors import NotFound, Unauthorized
from nordfin.testing.aptic import FakeAptic

NAME = aptic.Field("fullName")


class Clock:
    """The fake's and the client's time; nothing really waits."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def obrien() -> aptic.CustomerCreate:
    return aptic.CustomerCreate(
        customer_reference="C-1",
        full_name="Siobhán O'Brien",
        id_number="811218-9876",
        juridical_type=aptic.JuridicalType.PERSON,
        street="Storgatan",
        house_no="1",
        zip_code="11122",
        city="Stockholm",
        country_code="SE",
        email="siobhan@example.se",
        currency_code="SEK",
    )


def others(count: int) -> list[aptic.CustomerCreate]:
    return [
        aptic.CustomerCreate(full_name=f"Kund {n:03}", customer_reference=f"K-{n:03}") for n in range(count)
    ]


BILLING = aptic.CustomerAddressInput(
    address_type="BILLING",
    street="Box",
    house_no="123",
    zip_code="11122",
    city="Stockholm",
    country_code="SE",
)
SEGMENT = aptic.ExtraFieldInput(name="SEGMENT", value=["GOLD"])


def test_the_whole_flow_sync() -> None:
    fake = FakeAptic()
    with fake.client(strict=True) as client:
        customer = client.customers.create(obrien())
        guid = customer.customer_guid
        address = client.customers.addresses(guid).create(BILLING)
        client.customers.extra_fields(guid).create(SEGMENT)
        for new in others(249):
            client.customers.create(new)

        found = list(client.customers.iterate(filter=NAME.eq("Siobhán O'Brien")))
        everyone = list(client.customers.iterate(orderby="customerReference"))
        pages = [len(page.value) for page in client.customers.iterate(page_size=100).pages()]

        client.customers.update(guid, aptic.CustomerUpdate(email="s.obrien@example.se", telefax=None))
        changed = client.customers.get(guid)
        segment = fake_extra_field(fake, guid)
        client.customers.delete(guid)
        with pytest.raises(NotFound):
            client.customers.get(guid)

    assert [guid] == [c.customer_guid for c in found]
    assert len(everyone) == 250
    assert [c.customer_reference for c in everyone[:3]] == ["C-1", "K-000", "K-001"]
    assert pages == [100, 100, 50]
    assert (address.address_type, address.full_address) == ("BILLING", "Box 123, 11122 Stockholm")
    assert changed.email == "s.obrien@example.se"
    assert {"LEGAL", "BILLING"} == {a.address_type for a in changed.addresses}
    assert segment == ["GOLD"]
    assert len(fake.customers) == 249


def fake_extra_field(fake: FakeAptic, guid: str) -> Any:
    """The extra field as the fake stored it (read through a second client, as another system would)."""
    with fake.client() as other:
        return other.customers.extra_fields(guid).get("SEGMENT").value


@pytest.mark.asyncio
async def test_the_whole_flow_async() -> None:
    fake = FakeAptic()
    async with fake.async_client(strict=True) as client:
        customer = await client.customers.create(obrien())
        guid = customer.customer_guid
        await client.customers.addresses(guid).create(BILLING)
        await client.customers.extra_fields(guid).create(SEGMENT)
        await asyncio.gather(*(client.customers.create(new) for new in others(249)))

        found = [c async for c in client.customers.iterate(filter=NAME.eq("Siobhán O'Brien"))]
        everyone = [c async for c in client.customers.iterate()]
        fields = [f.name async for f in client.customers.extra_fields(guid).iterate()]

        await client.customers.update(guid, aptic.CustomerUpdate(email="s.obrien@example.se"))
        changed = await client.customers.get(guid)
        await client.customers.delete(guid)
        with pytest.raises(NotFound):
            await client.customers.get(guid)

    assert [guid] == [c.customer_guid for c in found]
    assert len(everyone) == 250
    assert fields == ["SEGMENT"]
    assert changed.email == "s.obrien@example.se"
    assert len(fake.customers) == 249


def test_a_quote_in_a_value_cannot_widen_the_filter() -> None:
    """``x' or fullName ne 'x`` is one value: it matches nobody instead of everybody."""
    fake = FakeAptic()
    with fake.client() as client:
        for new in others(3):
            client.customers.create(new)

        hostile = client.customers.list(filter=NAME.eq("x' or fullName ne 'x"))
        raw = client.customers.list(filter=aptic.raw("fullName eq 'x' or fullName ne 'x'"))  # unquoted

    assert (hostile.total, raw.total) == (0, 3)


def test_filters_on_numbers_dates_and_not() -> None:
    fake = FakeAptic()
    with fake.client() as client:
        person = client.customers.create(obrien())
        company = client.customers.create(
            aptic.CustomerCreate(full_name="Exempel AB", juridical_type=aptic.JuridicalType.ORGANISATION)
        )
        companies = client.customers.list(filter=aptic.Field("juridicalType").eq(1))
        people = client.customers.list(filter=~aptic.Field("juridicalType").eq(1))
        since = dt.datetime.fromtimestamp(0, tz=dt.UTC)
        registered = client.customers.list(filter=aptic.Field("regDate").ge(since) | NAME.eq("nobody"))

    assert [company.customer_guid] == [c.customer_guid for c in companies.value]
    assert [person.customer_guid] == [c.customer_guid for c in people.value]
    assert registered.total == 2


def test_the_token_is_renewed_before_it_expires() -> None:
    clock = Clock()
    fake = FakeAptic(clock=clock, token_lifetime=600)
    with fake.client(clock=clock) as client:
        client.ping()
        clock.now += 530  # 70 s of the token's 600 left: still used
        client.ping()
        clock.now += 20  # within its last minute: renewed before it is used, so no 401
        client.ping()

    paths = [r.url.path.rsplit("/", 1)[-1] for r in fake.requests]
    assert paths == ["access_token", "Ping", "Ping", "access_token", "Ping"]


def test_an_expired_token_is_replaced_after_the_401() -> None:
    clock = Clock()
    fake = FakeAptic(clock=clock)
    with fake.client(clock=clock) as client:
        client.ping()
        fake.expire_tokens()  # the gateway forgets the token before the client thinks it expires
        client.ping()

    paths = [r.url.path.rsplit("/", 1)[-1] for r in fake.requests]
    assert paths == ["access_token", "Ping", "Ping", "access_token", "Ping"]  # the second Ping got 401


@pytest.mark.asyncio
async def test_twenty_concurrent_calls_share_one_token() -> None:
    fake = FakeAptic()
    async with fake.async_client() as client:
        await asyncio.gather(*(client.ping() for _ in range(20)))

    assert len(fake.token_requests) == 1


def test_a_wrong_secret_is_unauthorized_and_nothing_else_is_sent() -> None:
    fake = FakeAptic()
    wrong = aptic.Client(
        base_url=fake.base_url, client_id=fake.client_id, client_secret="nope", transport=fake
    )

    with pytest.raises(Unauthorized) as raised:
        wrong.customers.list()

    assert "nope" not in str(raised.value)
    assert len(fake.requests) == 1


def test_an_api_key_tenant_needs_the_key_in_the_configured_header() -> None:
    fake = FakeAptic(api_key="tenant-key", api_key_header="X-Tenant-Key")
    keyless = aptic.Client(
        base_url=fake.base_url, client_id=fake.client_id, client_secret=fake.client_secret, transport=fake
    )
    with fake.client() as client:  # the fake's client() passes its key in its header
        client.ping()
    with keyless, pytest.raises(Unauthorized):
        keyless.ping()
    assert fake.requests[1].headers["x-tenant-key"] == "tenant-key"


def test_sub_resources_of_a_customer() -> None:
    fake = FakeAptic()
    with fake.client(strict=True) as client:
        guid = client.customers.create(obrien()).customer_guid
        customers = client.customers
        customers.parameters(guid).create(
            [aptic.CustomerParameterInput(name="REMINDER_FEE", type_="BOOL", value="false")]
        )
        customers.parameters(guid).update("REMINDER_FEE", [aptic.CustomerParameterInput(value="true")])
        mandate = customers.direct_debit_mandates(guid).create(
            aptic.DirectDebitMandateInput(
                direct_debit_mandate_type=aptic.DirectDebitMandateType.SWEDISH_AUTOGIRO,
                receiving_bank_account_no="5050-1055",
                sending_bank_account_no="8327-9 123 456 789-0",
            )
        )
        insurance = customers.credit_insurances(guid).create(
            aptic.CreditInsuranceCreate(insurance_company_reference_code="ATRADIUS", amount=250000.0)
        )
        customers.credit_insurances(guid).update(
            insurance.insurance_guid, aptic.CreditInsuranceUpdate(amount=1.5)
        )
        question = fake.add_user_question(guid, message="Confirm the new address?")
        customers.user_questions(guid).respond(
            question, aptic.UserQuestionResponse(response="YES", note="ok")
        )
        result = customers.invoke_service(guid, "SendReminder", {"level": 2}, asynchronous=False)
        summary = customers.ledger_summary(guid)
        parameter = customers.parameters(guid).get("REMINDER_FEE")
        mandates = customers.direct_debit_mandates(guid).list()
        amount = customers.credit_insurances(guid).get(insurance.insurance_guid).amount
        questions = customers.user_questions(guid).list()

    assert parameter.value == "true"
    assert ([mandate.mandate_guid], "8327-9 123 456 789-0") == (
        [m.mandate_guid for m in mandates.value],
        mandate.bank_account_no,
    )
    assert (amount, insurance.insurance_company_name) == (1.5, "Atradius")
    assert [question] == [q.action_guid for q in questions.value]
    assert [(r.response, r.note) for r in fake.question_responses] == [("YES", "ok")]
    assert [("SendReminder", guid, False, {"level": 2})] == [
        (c.service_definition, c.customer_guid, c.asynchronous, c.body) for c in fake.service_calls
    ]
    assert result.to_dict() == {}
    assert (summary.currency_code, summary.total_balance) == ("SEK", 0)
