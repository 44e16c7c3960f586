"""nordfin.testing.payfunc.FakePayFunc: PayFunc's accounts as documented, and the flow of "Done means"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from nordfin import payfunc
from nordfin._core.spec import SpecIndex
from nordfin.testing import fake_for
from nordfin.testing.payfunc import FakePayFunc, next_due

BASE = "https://api.payfunc.com"
INDEX = SpecIndex.for_slug("payfunc")


class Clock:
    """A clock the test moves by hand, in whole days."""

    def __init__(self, day: dt.date) -> None:
        self.now = dt.datetime.combine(day, dt.time(12), dt.UTC).timestamp()

    def __call__(self) -> float:
        return self.now

    def move_to(self, day: dt.date) -> None:
        self.now = dt.datetime.combine(day, dt.time(12), dt.UTC).timestamp()

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta).total_seconds()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.date(2026, 1, 15))


@pytest.fixture
def fake(clock: Clock) -> FakePayFunc:
    return FakePayFunc(clock=clock)


def http(fake: FakePayFunc, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key or fake.private_key}"}
    return httpx.Client(transport=fake, base_url=BASE, headers=headers)


def assert_documented(operation_id: str, response: httpx.Response) -> None:
    operation = INDEX.operation(operation_id)
    body: Any = response.json() if response.content else None
    problems = INDEX.validate_response(
        operation,
        status=response.status_code,
        content_type=response.headers.get("content-type"),
        body=body,
        headers=response.headers,
    )
    assert problems == []


# --- the flow of "Done means" ---------------------------------------------------------------------


def test_account_flow_from_creation_to_a_quarterly_subscription(fake: FakePayFunc, clock: Clock) -> None:
    """Create → add a method → bill in all three shapes → settle → a quarterly subscription whose
    ``due`` moves on with the fake's clock and bills an order each quarter."""
    with fake.client(strict=True) as client:
        account = client.accounts.create(customer={"type": "person", "name": "Max Exampleperson"})
        assert (account.status, account.currency, account.total) == (
            payfunc.models.AccountStatus.CREATED,
            "SEK",
            0,
        )

        account = client.accounts.add_method(account.id, card="abc.def.ghi")
        assert account.status == payfunc.models.AccountStatus.ACTIVE

        client.balance.add(account.id, 100)
        client.balance.add(account.id, {"name": "Fee", "price": 20, "vat": 5})
        account = client.balance.add(
            account.id, [{"name": "Coffee", "price": 30, "quantity": 2}, {"name": "Bun", "price": 15}]
        )
        assert (account.total, len(account.balance)) == (200.0, 4)

        assert client.balance.settle(account.id).updated == 1
        account = client.accounts.get(account.id)
        assert (account.total, account.balance, account.status.value) == (0, [], "active")  # type: ignore[union-attr]

        quarterly = {"frequency": "quarterly", "offset": [2, -1]}  # the last day of each quarter
        (subscription,) = client.subscriptions.create(
            account.id, items={"name": "Quarterly fee", "price": 300}, currency="SEK", schedule=quarterly
        )
        assert (subscription.start, subscription.due) == (dt.date(2026, 1, 15), dt.date(2026, 3, 31))

        clock.move_to(dt.date(2026, 4, 1))
        (subscription,) = client.accounts.get(account.id).subscription  # type: ignore[misc]
        assert subscription.due == dt.date(2026, 6, 30)

        clock.move_to(dt.date(2026, 10, 1))
        account = client.accounts.get(account.id)
        assert (account.subscription[0].due, account.due) == (dt.date(2026, 12, 31), dt.date(2026, 12, 31))  # type: ignore[index]
    orders = [fake.order(order_id) for order_id in _orders_of(fake, account.id)]
    assert [(o["payment"]["amount"], o["status"][0], o.get("subscription")) for o in orders] == [
        (200.0, "charged", None),
        (300.0, "charged", subscription.id),
        (300.0, "charged", subscription.id),
        (300.0, "charged", subscription.id),
    ]


def _orders_of(fake: FakePayFunc, account_id: str) -> list[str]:
    return list(fake._accounts[account_id].orders)


# --- status -----------------------------------------------------------------------------------------


def test_settling_without_a_method_leaves_the_account_pending_until_one_is_added(fake: FakePayFunc) -> None:
    with fake.client() as client:
        account = client.accounts.create()
        client.balance.add(account.id, 50)
        client.balance.settle(account.id)
        pending = client.accounts.get(account.id).status
        active = client.accounts.add_method(account.id, card="abc.def.ghi").status

    assert (pending.value, active.value) == ("pending", "active")  # type: ignore[union-attr]


def test_settle_all_settles_every_account_with_a_balance(fake: FakePayFunc) -> None:
    with fake.client() as client:
        first, second, _ = (client.accounts.create() for _ in range(3))
        client.balance.add(first.id, 1)
        client.balance.add(second.id, 2)

        assert (client.balance.settle_all().updated, client.balance.settle_all().updated) == (2, 0)


def test_an_account_key_cannot_settle_all(fake: FakePayFunc) -> None:
    with fake.client() as client:
        key = client.accounts.create_key(client.accounts.create().id).reveal()
    with http(fake, key) as raw:
        refused = raw.delete("/account/all/balance")

    assert (refused.status_code, refused.json()["type"]) == (403, "forbidden")


# --- keys -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status", "kind"),
    [("", 401, "unauthorized"), ("a.b.c", 401, "unauthorized"), ("public", 403, "forbidden")],
)
def test_keys_are_checked(fake: FakePayFunc, key: str, status: int, kind: str) -> None:
    with http(fake, fake.public_key if key == "public" else key or "x") as raw:
        if not key:
            raw.headers.pop("Authorization")
        response = raw.get("/account")

    assert (response.status_code, response.json()["type"]) == (status, kind)
    assert_documented("list_accounts", response)


def test_a_public_key_may_create_an_account_and_add_a_method(fake: FakePayFunc) -> None:
    with fake.client(fake.public_key) as client:
        account = client.accounts.create()
        assert client.accounts.add_method(account.id, card="abc.def.ghi").status.value == "active"  # type: ignore[union-attr]


def test_an_account_key_reaches_only_its_own_account(fake: FakePayFunc) -> None:
    with fake.client() as client:
        mine, other = client.accounts.create(), client.accounts.create()
        key = client.accounts.create_key(mine.id).reveal()
    with fake.client(key) as client, pytest.raises(payfunc.errors.Forbidden):
        client.accounts.get(other.id)


def test_account_keys_expire_after_three_days(fake: FakePayFunc, clock: Clock) -> None:
    with fake.client() as client:
        key = client.accounts.create_key(client.accounts.create().id).reveal()
    clock.advance(days=3, seconds=1)

    with fake.client(key) as client, pytest.raises(payfunc.errors.Unauthorized):
        client.accounts.me()


# --- links ------------------------------------------------------------------------------------------


def test_a_login_link_gives_an_account_key_once(fake: FakePayFunc) -> None:
    with fake.client(strict=True) as client:
        account = client.accounts.create()
        link = client.accounts.create_link(account.id, contact="m.exampleperson@example.net")
        assert link is not None
        assert isinstance(link.id, str)
        key = fake.open_link(link.id)
        with fake.client(key) as mine:
            assert mine.accounts.me().id == account.id
            assert mine.accounts.create_link() is None  # an account key gets an empty answer
    with pytest.raises(ValueError, match="used"):
        fake.open_link(link.id)


def test_links_expire_and_leave_the_account(fake: FakePayFunc, clock: Clock) -> None:
    with fake.client() as client:
        account = client.accounts.create()
        link = client.accounts.create_link(account.id)
        assert len(client.accounts.get(account.id).link) == 1  # type: ignore[arg-type]
        clock.advance(days=3, seconds=1)
        assert client.accounts.get(account.id).link == []
    with pytest.raises(ValueError, match="expired"):
        fake.open_link(link.id)  # type: ignore[union-attr]


# --- subscriptions ----------------------------------------------------------------------------------


def test_subscriptions_are_replaced_updated_and_ended(fake: FakePayFunc) -> None:
    with fake.client(strict=True) as client:
        account = client.accounts.create()
        (created,) = client.subscriptions.create(account.id, items=10, currency="SEK", schedule="monthly")
        (replaced,) = client.subscriptions.replace(
            account.id, created.id, items=20, currency="SEK", schedule={"frequency": "weekly", "offset": 4}
        )
        (updated,) = client.subscriptions.update(account.id, created.id, end=dt.date(2026, 1, 20))
        (ended,) = client.subscriptions.delete(account.id, created.id)

    assert (created.due, replaced.id, replaced.due, replaced.items) == (
        dt.date(2026, 2, 1),
        created.id,
        dt.date(2026, 1, 16),
        20,
    )
    assert (updated.end, ended.end, ended.due) == (
        dt.date(2026, 1, 20),
        dt.date(2026, 1, 15),
        None,
    )


def test_no_due_past_the_end(fake: FakePayFunc) -> None:
    with fake.client() as client:
        account = client.accounts.create()
        (subscription,) = client.subscriptions.create(
            account.id, items=10, currency="SEK", schedule="yearly", end=dt.date(2026, 12, 31)
        )

    assert subscription.due is None


@pytest.mark.parametrize(
    ("schedule", "after", "inclusive", "due"),
    [
        ("daily", dt.date(2026, 1, 15), True, dt.date(2026, 1, 15)),
        ("daily", dt.date(2026, 1, 15), False, dt.date(2026, 1, 16)),
        ({"frequency": "weekly", "offset": 0}, dt.date(2026, 1, 15), True, dt.date(2026, 1, 19)),
        ({"frequency": "monthly", "offset": -1}, dt.date(2026, 2, 3), True, dt.date(2026, 2, 28)),
        ({"frequency": "monthly", "offset": 30}, dt.date(2026, 4, 1), True, dt.date(2026, 4, 30)),
        ("quarterly", dt.date(2026, 1, 1), True, dt.date(2026, 1, 1)),
        ("quarterly", dt.date(2026, 1, 1), False, dt.date(2026, 4, 1)),
        ({"frequency": "quarterly", "offset": 1}, dt.date(2026, 11, 20), True, dt.date(2027, 2, 1)),
        ({"frequency": "yearly", "offset": [5, 14]}, dt.date(2026, 6, 16), True, dt.date(2027, 6, 15)),
    ],
)
def test_due_dates_follow_the_schedule(schedule: Any, after: dt.date, inclusive: bool, due: dt.date) -> None:
    assert next_due(schedule, after, inclusive=inclusive) == due


# --- orders -----------------------------------------------------------------------------------------


def test_order_events_and_batches(fake: FakePayFunc) -> None:
    with fake.client(strict=True) as client:
        account = client.accounts.create()
        order = client.orders.create(
            items=[{"price": 10}, {"price": 5}],
            currency="SEK",
            payment={"type": "account", "account": account.id},
        )
        charged = client.orders.event(order.id, "charge")
        (refunded,) = client.orders.update([{"id": order.id, "event": [{"type": "refund"}]}])

    assert [s.value for s in charged.status] == ["charged", "charged"]  # type: ignore[union-attr]
    assert [e.type_.value for e in refunded.event] == ["charge", "refund"]  # type: ignore[union-attr]


def test_an_order_with_charge_balance_bills_the_account(fake: FakePayFunc) -> None:
    with fake.client() as client:
        account = client.accounts.create()
        client.orders.create(
            items=42, currency="SEK", payment={"type": "account", "account": account.id, "charge": "balance"}
        )

        assert client.accounts.get(account.id).total == 42


def test_unknown_ids_are_not_found(fake: FakePayFunc) -> None:
    with http(fake) as raw:
        answers = [
            ("get_account", raw.get("/account/abcdefghijklmnop")),
            ("create_order_event", raw.post("/order/abcdefghijklmnop/event", json={"type": "cancel"})),
            ("get_account", raw.get("/account/me")),
        ]

    assert [(r.status_code, r.json()["type"]) for _, r in answers] == [(404, "not found")] * 3
    for operation_id, response in answers:
        assert_documented(operation_id, response)


def test_a_body_breaking_the_spec_is_flawed_content(fake: FakePayFunc) -> None:
    with http(fake) as raw:
        response = raw.post("/account", json={"method": [], "currency": "sek"})
        malformed = raw.post("/account", content=b"{", headers={"content-type": "application/json"})

    assert (response.status_code, response.json()["type"], response.json()["content"]["property"]) == (
        400,
        "flawed content",
        "currency",
    )
    assert (malformed.status_code, malformed.json()["type"]) == (400, "malformed content")


def test_the_credit_limit_is_enforced(fake: FakePayFunc) -> None:
    with fake.client() as client:
        account = client.accounts.create(limit=100)
        client.balance.add(account.id, 60)
        with pytest.raises(payfunc.errors.InvalidContent):
            client.balance.add(account.id, 50)


def test_the_fake_is_registered_and_served(fake: FakePayFunc) -> None:
    assert isinstance(fake_for("payfunc"), FakePayFunc)
    with fake.serve() as base_url, payfunc.Client(api_key=fake.private_key, base_url=base_url) as client:
        assert client.accounts.create().status.value == "created"  # type: ignore[union-attr]
