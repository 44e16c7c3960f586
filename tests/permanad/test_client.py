"""nordfin.permanad's clients: markets, checks before sending, waiting for decisions, iteration."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from nordfin import errors, permanad
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.retry import RetryPolicy
from nordfin.permanad import OrderStatus, StatusTrigger
from nordfin.testing.permanad import FakeClock, FakePermanad

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _orders import PEOPLE, item, order


def setup(**fake_settings: Any) -> tuple[FakeClock, FakePermanad]:
    clock = FakeClock()
    return clock, FakePermanad(clock=clock, **fake_settings)


def sync_client(fake: FakePermanad, clock: FakeClock, markets: tuple[str, ...] = ("SE",)) -> permanad.Client:
    return fake.client(markets, sleep=clock.sleep)


def sent(fake: FakePermanad, method: str) -> list[httpx.Request]:
    return [r for r in fake.requests if r.method == method]


# --- Done means: create -> wait_for_decision, on a fake clock ------------------------------------


def test_create_then_wait_for_decision_gives_ready_to_ship() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        created = client.orders.create(order())
        started = clock()
        decided = client.orders.wait_for_decision(created.public_id)

    assert (created.status, decided.status) == (OrderStatus.PENDING, OrderStatus.READY_TO_SHIP)
    assert len(sent(fake, "GET")) == 3  # at 0, 60 and 120 s: the decision comes at 120 s
    assert clock() - started == 120.0


def test_create_then_wait_for_decision_gives_declined() -> None:
    clock, fake = setup()
    fake.declined_nins.add(PEOPLE["SE"][0])
    with sync_client(fake, clock) as client:
        created = client.orders.create(order())
        decided = client.orders.wait_for_decision(created.public_id)

    assert decided.status == OrderStatus.DECLINED
    assert decided.contract is None


def test_status_trigger_decides_the_order_in_the_sandbox() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        created = client.orders.create(order(status_trigger=StatusTrigger.CANCELLED))
        decided = client.orders.wait_for_decision(created.public_id)

    assert decided.status == OrderStatus.CANCELLED


def test_async_wait_for_decision() -> None:
    clock, fake = setup()

    async def scenario() -> OrderStatus:
        async with fake.async_client(("SE",), sleep=clock.asleep) as client:
            created = await client.orders.create(order())
            return (await client.orders.wait_for_decision(created.public_id)).status

    assert asyncio.run(clock.run(scenario())) == OrderStatus.READY_TO_SHIP


def test_thirty_orders_awaited_concurrently_by_four_markets_get_no_429() -> None:
    """4 market clients share one limiter: 30 creates and ~90 polls (> 100 per 5 min) all pass."""
    clock, fake = setup()
    limiter = RateLimiter(100, 300.0, clock=clock)
    markets = ("SE", "DK", "NO", "FI")

    async def one_market(market: str, count: int) -> list[OrderStatus]:
        async with fake.async_client((market,), sleep=clock.asleep, rate_limit=limiter) as client:
            ids = [(await client.orders.create(order(market))).public_id for _ in range(count)]
            decided = await client.orders.wait_for_decisions(ids)
            return [o.status for o in decided.values()]

    async def everything() -> list[list[OrderStatus]]:
        return await asyncio.gather(*(one_market(m, n) for m, n in zip(markets, (8, 8, 7, 7), strict=True)))

    results = asyncio.run(clock.run(everything()))

    assert [status for statuses in results for status in statuses] == [OrderStatus.READY_TO_SHIP] * 30
    assert fake.too_many == 0
    assert len(fake.requests) > 100  # the limit was really in play


def test_sync_wait_for_decisions_of_many_orders() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        ids = [client.orders.create(order()).public_id for _ in range(5)]
        decided = client.orders.wait_for_decisions(ids)

    assert dict.fromkeys(ids, OrderStatus.READY_TO_SHIP) == {i: o.status for i, o in decided.items()}
    assert len(sent(fake, "GET")) == 15


def test_wait_for_decision_times_out() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        created = client.orders.create(order())
        with pytest.raises(permanad.WaitTimeout) as caught:
            client.orders.wait_for_decision(created.public_id, timeout=90)

    assert caught.value.last.status == OrderStatus.PENDING  # type: ignore[attr-defined]


def test_wait_for_decision_can_be_cancelled() -> None:
    clock, fake = setup()
    cancel = threading.Event()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        cancel.set()

    with fake.client(("SE",), sleep=sleep) as client:
        created = client.orders.create(order())
        with pytest.raises(permanad.WaitCancelled):
            client.orders.wait_for_decision(created.public_id, cancel=cancel)

    assert len(sent(fake, "GET")) == 1


class Flaky(httpx.BaseTransport):
    """Answers the first ``failures`` GETs with 503, then passes everything to the fake."""

    def __init__(self, fake: FakePermanad, clock: FakeClock, failures: int) -> None:
        self.fake, self.clock, self.failures = fake, clock, failures
        self.gets: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            self.gets.append(self.clock())
            if len(self.gets) <= self.failures:
                body = {"error": {"code": "InternalServerError", "message": "down"}}
                return httpx.Response(503, json=body)
        return self.fake.handle_request(request)


def test_wait_for_decision_backs_off_exponentially_on_failures() -> None:
    clock, fake = setup(decision_delay=600.0)
    flaky = Flaky(fake, clock, failures=3)
    client = permanad.Client(
        api_keys={"SE": fake.api_keys["SE"]},
        environment="sandbox",
        transport=flaky,
        retry=RetryPolicy.none(),
        rate_limit=False,
        clock=clock,
        sleep=clock.sleep,
    )
    with client:
        created = client.orders.create(order())
        client.orders.wait_for_decision(created.public_id)
    gaps = [b - a for a, b in zip(flaky.gets, flaky.gets[1:], strict=False)]

    assert gaps[:5] == [60.0, 120.0, 240.0, 60.0, 60.0]


# --- markets and keys ------------------------------------------------------------------------


def test_each_call_goes_out_with_its_markets_key() -> None:
    clock, fake = setup()
    with fake.client(("SE", "DK"), sleep=clock.sleep) as client:
        client.orders.create(order("DK"), market="DK")
        client.partner.information(market="SE")

    keys = [r.headers["authorization"] for r in fake.requests]
    assert [f"Bearer {fake.api_keys['DK']}", f"Bearer {fake.api_keys['SE']}"] == keys


def test_a_market_without_a_key_is_refused_before_sending() -> None:
    clock, fake = setup()
    with fake.client(("SE", "DK"), sleep=clock.sleep) as client:
        with pytest.raises(errors.RequestValidationError) as no_key:
            client.partner.calculate(100_00, market="NO")
        with pytest.raises(errors.RequestValidationError) as no_market:
            client.partner.calculate(100_00)

    assert (no_key.value.field, no_market.value.field) == ("market", "market")
    assert fake.requests == []


def test_every_client_and_market_shares_one_process_wide_limiter() -> None:
    se = permanad.Client(api_keys={"SE": "a", "DK": "b"})
    fi = permanad.AsyncClient(api_keys={"FI": "c"}, environment="sandbox")
    limiters = {id(s.http._transport._limiter) for s in se._all_sessions + fi._all_sessions}  # type: ignore[attr-defined]

    assert {id(RateLimiter.shared("permanad", 100, 300.0))} == limiters
    se.close()


def test_keys_never_appear_in_repr() -> None:
    client = permanad.Client(api_keys={"SE": "sk-SECRET-123"})

    assert "SECRET" not in repr(client) + repr(client.__dict__)
    client.close()


# --- checks before sending -------------------------------------------------------------------

BAD_ORDERS = [
    ("months", {"months": 0}),
    ("months", {"months": 1.5}),
    ("shipping_amount", {"shipping_amount": 12.5}),
    ("shipping_amount", {"shipping_amount": -1}),
    ("nin", {"nin": "19811218-9875"}),
    ("nin", {"nin": "15108695088"}),  # a Norwegian number for a Swedish order
    ("org_number", {"org_number": "556036-0794"}),
    ("email", {"email": "anna.example.se"}),
    ("phone", {"phone": "call me"}),
    ("billing_country", {"billing_country": "XX"}),
    ("billing_country", {"billing_country": "se"}),
    ("customer_ip", {"customer_ip": "300.1.1.1"}),
    ("items", {"items": []}),
    ("items.0.total_amount", {"items": [item(total_amount=1)]}),
    ("items.0.unit_amount", {"items": [item(unit_amount=1.0, total_amount=2)]}),
    ("items.0.quantity", {"items": [item(quantity=0, total_amount=0)]}),
]


@pytest.mark.parametrize(("field", "changes"), BAD_ORDERS, ids=[f for f, _ in BAD_ORDERS])
def test_a_bad_order_is_refused_before_sending(field: str, changes: dict[str, Any]) -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client, pytest.raises(errors.RequestValidationError) as caught:
        client.orders.create(order(**changes))

    assert field == caught.value.field
    assert fake.requests == []


@pytest.mark.parametrize("market", ["DK", "NO", "FI"])
def test_each_markets_numbers_are_checked_with_their_own_rules(market: str) -> None:
    clock, fake = setup()
    with fake.client((market,), sleep=clock.sleep) as client:
        created = client.orders.create(order(market))
        with pytest.raises(errors.RequestValidationError) as caught:
            client.orders.create(order(market, nin=PEOPLE["SE"][0]))

    assert (caught.value.field, len(fake.requests)) == ("nin", 1)
    assert created.org_number == json.loads(fake.requests[0].content)["orgNumber"]


def test_a_swedish_nin_is_sent_in_the_documented_format() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        client.orders.create(order(nin="8112189876"))

    assert json.loads(fake.requests[0].content)["nin"] == "19811218-9876"


@pytest.mark.parametrize("price", [99.0, -1, True, "100"])
def test_price_must_be_whole_non_negative_cents(price: Any) -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client, pytest.raises(errors.RequestValidationError) as caught:
        client.partner.calculate(price)

    assert (caught.value.field, fake.requests) == ("price", [])


@pytest.mark.parametrize(
    "base_url",
    [
        permanad.ENVIRONMENTS["production"],
        "https://PARTNER-API.Permanad.SE/v1",
        "https://partner-api.permanad.se:443/v1",
        "https://partner-api.permanad.se./v1",
        "https://partner-api.permanad.se/v2",
    ],
)
def test_status_trigger_is_refused_in_production(base_url: str) -> None:
    """The production host however it is spelt (case, default port, trailing dot, another path)."""
    clock, fake = setup()
    client = fake.client(("SE",), base_url=base_url, sleep=clock.sleep)
    with client, pytest.raises(errors.RequestValidationError) as caught:
        client.orders.create(order(status_trigger=StatusTrigger.READY_TO_SHIP))

    assert (caught.value.field, fake.requests) == ("status_trigger", [])


def test_a_hostile_public_id_never_leaves_the_path() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client, pytest.raises(errors.RequestValidationError):
        client.orders.get("../partner")

    assert fake.requests == []


# --- the other calls --------------------------------------------------------------------------


def test_iterate_walks_all_120_orders_lazily() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        ids = [client.orders.create(order()).public_id for _ in range(120)]
        before = len(fake.requests)
        walk = iter(client.orders.iterate(limit=50))
        first = next(walk)
        after_first = len(fake.requests) - before
        seen = [first.public_id, *(o.public_id for o in walk)]

    assert (ids, 1, 3) == (seen, after_first, len(fake.requests) - before)
    assert fake.too_many == 0  # 123 requests: the limiter waited on the fake clock


def test_update_sets_the_internal_order_id() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        created = client.orders.create(order())
        updated = client.orders.update(created.public_id, internal_order_id="A-77")
        fetched = client.orders.get(created.public_id)

    assert (updated.internal_order_id, fetched.internal_order_id) == ("A-77", "A-77")


def test_partner_information_and_calculation() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client:
        info = client.partner.information()
        amounts = client.partner.calculate(1_000_000)

    assert [t.months for t in info.tariffs] == [12, 24, 36]
    assert [(a.months, a.monthly_amount) for a in amounts] == [(12, 91_000), (24, 48_000), (36, 34_000)]


def test_unknown_order_is_not_found_and_a_permanad_error() -> None:
    clock, fake = setup()
    with sync_client(fake, clock) as client, pytest.raises(errors.NotFound) as caught:
        client.orders.get("ord-404")

    assert isinstance(caught.value, permanad.errors.PermanadError)
    assert caught.value.code == "NotFound"


def test_a_wrong_key_is_unauthorized() -> None:
    clock, fake = setup()
    client = permanad.Client(
        api_keys={"SE": "wrong"}, environment="sandbox", transport=fake, sleep=clock.sleep
    )
    with client, pytest.raises(errors.Unauthorized):
        client.partner.information()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.orders.wait_for_decisions("ord-123", market="SE"), "public_ids"),
        (lambda c: c.orders.wait_for_decisions(None, market="SE"), "public_ids"),
        (lambda c: c.orders.wait_for_decision(None, market="SE"), "public_id"),
        (lambda c: c.orders.create(None, market="SE"), "order"),
        (lambda c: c.orders.list(page="2", market="SE"), "page"),
        (lambda c: c.partner.calculate(10.5, market="SE"), "price"),
        (lambda c: c.orders.get("abc", markt="SE"), "markt"),
    ],
)
def test_wrong_types_are_refused_by_name_before_anything_is_sent(call: Any, field: str) -> None:
    """A string once was polled character by character as order ids; None raised a raw TypeError."""
    clock, fake = setup()
    client = sync_client(fake, clock)

    with pytest.raises(errors.RequestValidationError) as caught:
        call(client)

    assert (field, []) == (caught.value.field, fake.requests)
