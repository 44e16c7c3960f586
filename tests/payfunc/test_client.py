"""nordfin.payfunc's clients: checks before sending, the shapes sent, keys, errors, secrets."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nordfin import errors, payfunc
from nordfin.payfunc.models import Item
from nordfin.testing.payfunc import FakePayFunc

Handler = Callable[[httpx.Request], httpx.Response]
ACCOUNT = "abcdefghijklmnop"


@pytest.fixture
def fake() -> FakePayFunc:
    return FakePayFunc(clock=lambda: dt.datetime(2026, 1, 15, tzinfo=dt.UTC).timestamp())


@pytest.fixture
def client(fake: FakePayFunc) -> payfunc.Client:
    return fake.client(strict=True)


def sent_bodies(fake: FakePayFunc, method: str = "POST") -> list[Any]:
    return [json.loads(r.content) for r in fake.requests if r.method == method and r.content]


def answer(status: int, body: Any) -> Handler:
    content = json.dumps(body).encode()
    return lambda request: httpx.Response(
        status, content=content, headers={"content-type": "application/json"}
    )


def mocked(handler: Handler, key: str = "k.e.y") -> payfunc.Client:
    return payfunc.Client(api_key=key, transport=httpx.MockTransport(handler), sleep=lambda s: None)


# --- the balance's three shapes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (100, 100),
        (12.5, 12.5),
        ({"name": "Fee", "price": 10, "vat": 2.5}, {"name": "Fee", "price": 10, "vat": 2.5}),
        (Item(name="Fee", price=10), {"name": "Fee", "price": 10}),
        (Item(name="Fee", price=10, quantity=3), {"name": "Fee", "price": 10, "quantity": 3}),
        (
            [{"name": "A", "price": 1}, Item(name="B", price=2)],
            [{"name": "A", "price": 1}, {"name": "B", "price": 2}],
        ),
    ],
)
def test_balance_is_sent_in_the_shape_given(
    fake: FakePayFunc, client: payfunc.Client, given: Any, sent: Any
) -> None:
    """A number stays a JSON number, one item an object, a list an array; only the fields given."""
    account = client.accounts.create()
    fake.requests.clear()

    client.balance.add(account.id, given)

    assert [sent] == sent_bodies(fake)


@pytest.mark.parametrize(
    ("items", "field"),
    [
        (0, "items"),
        (-5, "items"),
        (float("nan"), "items"),
        (True, "items"),
        ([], "items"),
        ({"vat": 2}, "items.vat"),
        ([{"price": 1}, {"vat": 2}], "items[1].vat"),
        ({"price": -1}, "price"),
        ("100", "items"),
    ],
)
def test_bad_balance_input_is_refused_before_sending(
    fake: FakePayFunc, client: payfunc.Client, items: Any, field: str
) -> None:
    account = client.accounts.create()
    fake.requests.clear()

    with pytest.raises(errors.RequestValidationError) as caught:
        client.balance.add(account.id, items)

    assert (field, []) == (caught.value.field, fake.requests)


# --- checks before sending ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.accounts.create(currency="sek"), "currency"),
        (lambda c: c.accounts.create(currency="SKE"), "currency"),
        (lambda c: c.accounts.create(currency="SEKR"), "currency"),
        (lambda c: c.accounts.create(id="short"), "id"),
        (lambda c: c.accounts.get("abc"), "account_id"),
        (lambda c: c.accounts.get("../account"), "account_id"),
        (lambda c: c.accounts.get(), "account_id"),
        (lambda c: c.accounts.me(), "account_id"),
        (lambda c: c.accounts.create(schedule="fortnightly"), "schedule"),
        (lambda c: c.accounts.create(schedule={"frequency": "weekly", "offset": 7}), "schedule.offset"),
        (lambda c: c.accounts.create(schedule={"frequency": "monthly", "offset": 31}), "schedule.offset"),
        (lambda c: c.accounts.create(schedule={"frequency": "monthly", "offset": -4}), "schedule.offset"),
        (
            lambda c: c.accounts.create(schedule={"frequency": "quarterly", "offset": [3, 0]}),
            "schedule.offset",
        ),
        (lambda c: c.accounts.create(schedule={"frequency": "yearly", "offset": 12}), "schedule.offset"),
        (lambda c: c.accounts.create(schedule={"frequency": "daily", "divisor": [3, 2]}), "schedule.divisor"),
        (
            lambda c: c.accounts.create(customer={"type": "person", "identityNumber": "199001011235"}),
            "customer.identityNumber",
        ),
        (lambda c: c.accounts.add_method(ACCOUNT, card=""), "card"),
        (lambda c: c.subscriptions.create(ACCOUNT, items=-1, currency="SEK", schedule="monthly"), "items"),
        (lambda c: c.subscriptions.delete(ACCOUNT, "toolong"), "subscription_id"),
        (lambda c: c.orders.event("abcdefghijklmnop", "settle"), "type"),
    ],
)
def test_bad_arguments_never_leave_the_process(
    fake: FakePayFunc, client: payfunc.Client, call: Any, field: str
) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        call(client)

    assert (field, []) == (caught.value.field, fake.requests)


@pytest.mark.parametrize("month", [0, 13])
def test_card_expiry_month_is_checked(month: int) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        payfunc.card_method(scheme="visa", iin="411111", last4="1111", expires=(month, 30), reference="r")

    assert caught.value.field == "expires.month"


def test_a_valid_identity_number_is_sent(client: payfunc.Client) -> None:
    account = client.accounts.create(customer={"type": "person", "identityNumber": "198112289874"})

    assert account.customer.identity_number == "198112289874"  # type: ignore[union-attr]


# --- currency change --------------------------------------------------------------------------------


def test_currency_change_with_a_total_is_explained_before_the_update(
    fake: FakePayFunc, client: payfunc.Client
) -> None:
    """The client reads the account (one GET) and refuses; no PATCH is sent."""
    account = client.accounts.create()
    client.balance.add(account.id, 10)
    fake.requests.clear()

    with pytest.raises(errors.RequestValidationError) as caught:
        client.accounts.update(account.id, currency="EUR")

    assert (caught.value.field, [r.method for r in fake.requests]) == ("currency", ["GET"])
    assert "total is not 0" in caught.value.rule


def test_currency_changes_while_the_total_is_zero(client: payfunc.Client) -> None:
    account = client.accounts.create()

    assert client.accounts.update(account.id, currency="EUR").currency == "EUR"


def test_the_fake_refuses_a_currency_change_sent_anyway(fake: FakePayFunc) -> None:
    http = httpx.Client(
        transport=fake,
        base_url="https://api.payfunc.com",
        headers={"Authorization": f"Bearer {fake.private_key}"},
    )
    account = http.post("/account", json={"method": []}).json()
    http.post(f"/account/{account['id']}/balance", json=5)

    refused = http.patch(f"/account/{account['id']}", json={"currency": "EUR"})

    assert (
        refused.status_code,
        refused.json()["type"],
        refused.json()["content"]["property"],
    ) == (400, "invalid content", "currency")


# --- keys and me ------------------------------------------------------------------------------------


def test_an_account_key_makes_me_the_default(fake: FakePayFunc, client: payfunc.Client) -> None:
    account = client.accounts.create()
    key = client.accounts.create_key(account.id)
    fake.requests.clear()

    with fake.client(key.reveal()) as mine:
        assert ("account", account.id, account.id) == (
            mine.audience,
            mine.accounts.me().id,
            mine.balance.add(None, 5).id,
        )
    assert [r.url.path for r in fake.requests] == ["/account/me", "/account/me/balance"]


def test_the_account_key_is_a_secret(client: payfunc.Client) -> None:
    account = client.accounts.create()

    key = client.accounts.create_key(account.id)

    assert (str(key), len(key.reveal().split("."))) == ("***", 3)


def test_me_needs_an_account_key(fake: FakePayFunc) -> None:
    with fake.client() as client, pytest.raises(errors.RequestValidationError):
        client.accounts.get("me")


def test_an_opaque_key_may_still_use_me() -> None:
    """A key nordfin cannot read (not a JWT) has no known audience: ``me`` is sent as asked."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(404, json={"status": 404, "type": "not found"})

    with mocked(handler, key="opaque") as client, pytest.raises(payfunc.errors.NotFound):
        client.accounts.get("me")
    assert seen == ["/account/me"]


# --- errors -----------------------------------------------------------------------------------------


def test_payfunc_errors_are_both_vendor_type_and_status_family() -> None:
    body = {
        "status": 400,
        "type": "invalid content",
        "content": {"type": "model.Order.Creatable", "description": "A valid order to be created."},
    }

    with mocked(answer(400, body)) as client, pytest.raises(payfunc.errors.InvalidContent) as caught:
        client.orders.create(items=10, currency="SEK", payment={"type": "card"})

    error = caught.value
    assert isinstance(error, errors.BadRequest)
    assert ("invalid content", body["content"], "A valid order to be created.") == (
        error.error_type,
        error.content,
        error.vendor.message,
    )


def test_an_unknown_error_type_is_a_payfunc_error() -> None:
    with (
        mocked(answer(418, {"status": 418, "type": "teapot"})) as client,
        pytest.raises(payfunc.errors.PayFuncError) as caught,
    ):
        client.accounts.list()

    assert (caught.value.error_type, caught.value.content) == ("teapot", None)


def test_a_non_payfunc_error_body_still_raises_the_status_family() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    with mocked(handler) as client, pytest.raises(errors.ServerError) as caught:
        client.accounts.list()

    assert caught.value.vendor.code is None


def test_public_key_cannot_list_accounts(fake: FakePayFunc) -> None:
    with fake.client(fake.public_key) as client, pytest.raises(payfunc.errors.Forbidden) as caught:
        client.accounts.list()

    assert (caught.value.status, caught.value.error_type) == (403, "forbidden")


# --- secrets ----------------------------------------------------------------------------------------


def test_keys_and_card_tokens_never_reach_logs_or_repr(
    fake: FakePayFunc, caplog: pytest.LogCaptureFixture
) -> None:
    token = "cardtoken.payload.signature"
    with caplog.at_level(logging.DEBUG), fake.client() as client:
        account = client.accounts.create()
        client.accounts.add_method(account.id, card=token)
        key = client.accounts.create_key(account.id)
        text = caplog.text + repr(client) + repr(key) + str(key)

    assert [secret for secret in (fake.private_key, token, key.reveal()) if secret in text] == []


def test_an_error_does_not_repeat_the_key(fake: FakePayFunc) -> None:
    with (
        payfunc.Client(api_key="not.a.key", transport=fake) as client,
        pytest.raises(payfunc.errors.Unauthorized) as caught,
    ):
        client.accounts.list()

    assert "not.a.key" not in str(caught.value) + repr(caught.value)


# --- async ------------------------------------------------------------------------------------------


def test_the_async_client_runs_the_same_calls(fake: FakePayFunc) -> None:
    async def flow() -> tuple[float, int, str]:
        async with fake.async_client(strict=True) as client:
            account = await client.accounts.create(method=[], schedule="monthly")
            await client.accounts.add_method(account.id, card="abc.def.ghi")
            account = await client.balance.add(account.id, [{"price": 10}, {"price": 5}])
            settled = await client.balance.settle(account.id)
            subscriptions = await client.subscriptions.create(
                account.id, items=1, currency="SEK", schedule="weekly"
            )
            accounts = [a async for a in client.accounts.iterate()]
            return account.total, settled.updated + len(subscriptions), accounts[0].status.value  # type: ignore[union-attr]

    assert asyncio.run(flow()) == (15.0, 2, "active")


# --- typed writes: misspelled keys and wrong types never leave the process ---------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.balance.add(ACCOUNT, {"name": "x", "prise": 1}), "items"),
        (lambda c: c.balance.add(ACCOUNT, [{"name": "x", "price": 1}, {"nmae": "y"}]), "items"),
        (lambda c: c.subscriptions.update(ACCOUNT, "abcd", itmes=[{"name": "x"}]), "itmes"),
        (lambda c: c.subscriptions.update(ACCOUNT, "abcd"), "changes"),
        (lambda c: c.subscriptions.create(ACCOUNT, items=1, schedule="monthly"), "currency"),
        (lambda c: c.subscriptions.replace(ACCOUNT, "abcd", items=1, currency="SEK"), "schedule"),
        (
            lambda c: c.subscriptions.replace(
                ACCOUNT, "abcd", items=1, currency="SEK", schedule="weekly", end=1
            ),
            "end",
        ),
        (
            lambda c: c.subscriptions.create(ACCOUNT, items=1, currency="SEK", schedule="monthly", strat=1),
            "strat",
        ),
        (
            lambda c: c.orders.create(
                items=1, currency="SEK", payment={"type": "account", "acount": ACCOUNT}
            ),
            "payment",
        ),
        (lambda c: c.orders.create(items=1, currency="SEK", payment={"type": "card"}, numbr="1"), "numbr"),
        (
            lambda c: c.accounts.create(customer={"type": "person", "identity_number": "198112289874"}),
            "customer",
        ),
        (lambda c: c.accounts.create(limit={"hrad": 1}), "limit"),
        (lambda c: c.accounts.create(method=None), "method"),
        (lambda c: c.orders.update(None), "batch"),
        (lambda c: c.orders.update([{"id": ACCOUNT, "events": []}]), "batch"),
        (
            lambda c: c.subscriptions.create(
                ACCOUNT, items=1, currency="SEK", schedule="monthly", start="2026-01-01"
            ),
            "start",
        ),
    ],
)
def test_misspelled_keys_and_wrong_types_are_refused_by_name(
    fake: FakePayFunc, client: payfunc.Client, call: Any, field: str
) -> None:
    """A typo once sent an empty PATCH or an item without a price and reported success."""
    fake.requests.clear()

    with pytest.raises(errors.RequestValidationError) as caught:
        call(client)

    assert (field, []) == (caught.value.field, fake.requests)


def test_a_subscription_update_sends_only_the_fields_given(fake: FakePayFunc, client: payfunc.Client) -> None:
    account = client.accounts.create()
    created = client.subscriptions.create(account.id, items=100, currency="SEK", schedule="monthly")
    fake.requests.clear()

    client.subscriptions.update(account.id, created[0].id, number="S-1")  # type: ignore[arg-type]

    assert sent_bodies(fake, "PATCH") == [{"number": "S-1"}]
