"""The Permånad part of ``python -m nordfin.testing.demo`` (the lead wires it into demo.py)."""

from __future__ import annotations

import asyncio

from nordfin import permanad
from nordfin._core.ratelimit import RateLimiter
from nordfin.permanad import CreateOrderRequest, OrderItem, StatusTrigger
from nordfin.testing.demo._story import say, show_error
from nordfin.testing.permanad import FakeClock, FakePermanad

__all__ = ["demo_permanad"]


def _order(nin: str = "19811218-9876", **changes: object) -> CreateOrderRequest:
    laptop = OrderItem(
        name="Laptop",
        product_id="LP-14",
        quantity=2,
        unit_amount=1_500_000,
        total_amount=3_000_000,
        vat=600_000,
    )
    values: dict[str, object] = {
        "months": 36,
        "own_insurance": False,
        "company": "Exempel AB",
        "org_number": "5560360793",
        "nin": nin,
        "first_name": "Anna",
        "last_name": "Svensson",
        "email": "anna@example.se",
        "phone": "+46701234567",
        "billing_address": "Storgatan 1",
        "billing_city": "Stockholm",
        "billing_postal_code": "11122",
        "billing_country": "SE",
        "items": [laptop],
    }
    return CreateOrderRequest(**{**values, **changes})  # type: ignore[arg-type]


def demo_permanad() -> None:
    """Permånad leasing: tariffs, calculation, create, wait for the decision, list, checks, markets."""
    print("permanad: Permånad (LeaseCloud) Partner API (fake, on a fake clock)")
    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    fake.declined_nins.add("19121212-1212")
    with fake.client(("SE", "DK"), sleep=clock.sleep) as client:
        info = client.partner.information(market="SE")
        say(
            "partner information (SE key)",
            f"{info.partner.name}, tariffs for {[t.months for t in info.tariffs]}",
        )
        amounts = client.partner.calculate(3_000_000, market="SE")
        say("calculate 30 000.00 SEK", {a.months: a.monthly_amount for a in amounts})
        created = client.orders.create(_order(nin="8112189876"), market="SE")
        say("create order (10-digit personnummer)", f"{created.public_id} {created.status}")
        decided = client.orders.wait_for_decision(created.public_id, market="SE")
        say(
            "wait_for_decision (polls once a minute)",
            f"{decided.status} after {len(fake.requests) - 3} polls",
        )
        declined = client.orders.create(_order(nin="19121212-1212"), market="SE")
        say(
            "another orderer -> wait_for_decision",
            client.orders.wait_for_decision(declined.public_id, market="SE").status,
        )
        updated = client.orders.update(created.public_id, internal_order_id="A-1001", market="SE")
        say("update internalOrderId", updated.internal_order_id)
        say("iterate every SE order", [o.public_id for o in client.orders.iterate(market="SE")])
        show_error("a float price", lambda: client.partner.calculate(99.5, market="SE"))  # type: ignore[arg-type]
        show_error(
            "a personnummer with a bad checksum",
            lambda: client.orders.create(_order(nin="19811218-9875"), market="SE"),
        )
        show_error("a call for Norway (no NO key)", lambda: client.partner.information(market="NO"))
    production = fake.client(("SE",), base_url=permanad.ENVIRONMENTS["production"], sleep=clock.sleep)
    with production:
        trigger = _order(status_trigger=StatusTrigger.READY_TO_SHIP)
        show_error("statusTrigger against production", lambda: production.orders.create(trigger))
    say("requests the fake received / answered 429", f"{len(fake.requests)} / {fake.too_many}")
    asyncio.run(clock.run(_demo_async(fake, clock)))


async def _demo_async(fake: FakePermanad, clock: FakeClock) -> None:
    limiter = RateLimiter(100, 300.0, clock=clock)
    async with fake.async_client(("SE",), sleep=clock.asleep, rate_limit=limiter) as client:
        ids = [(await client.orders.create(_order())).public_id for _ in range(3)]
        decided = await client.orders.wait_for_decisions(ids)
        say("async: three orders awaited together", sorted({str(o.status) for o in decided.values()}))
