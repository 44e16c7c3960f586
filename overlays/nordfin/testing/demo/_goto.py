"""``demo_goto()``: the Goto client against its fake, end to end."""

from __future__ import annotations

import asyncio

from nordfin import goto
from nordfin.testing.demo._story import say, show_error
from nordfin.testing.goto import FakeGoto


def demo_goto() -> None:
    """Goto payment terms: create, read, incremental sync, update, delete, errors, rate limit."""
    print("goto: Goto / Lagerkoll payment terms (fake)")
    fake = FakeGoto()
    with goto.Client(store=fake.store, api_key=fake.api_key, transport=fake, sleep=lambda s: None) as client:
        terms = client.payment_terms
        say("create NET/30", terms.create(code="NET/30", description="30 days net"))
        say("create 10D", terms.create(code="10D", description="10 days").code)
        sync = terms.sync()
        say("sync.pull() (first: everything)", [t.code for t in sync.pull()])
        say("get NET/30 (the id holds a slash)", terms.get("NET/30").description)
        say("update 10D", terms.update("10D", description="10 days, 2% discount").description)
        say(f"sync.pull() (since={sync.since})", [t.code for t in sync.pull()])
        terms.delete("10D")
        say("delete 10D; list", [t.code for t in terms.list().payment_terms])
        show_error("get an unknown id", lambda: terms.get("nope"))
        show_error("a hostile id '../admin'", lambda: terms.get("../admin"))
        show_error("an oversized description", lambda: terms.create(code="X", description="x" * 1001))
    say("requests the fake received", len(fake.requests))
    asyncio.run(demo_goto_async(fake))


async def demo_goto_async(fake: FakeGoto) -> None:
    async with goto.AsyncClient(store=fake.store, api_key=fake.api_key, transport=fake) as client:
        codes = await asyncio.gather(*(client.payment_terms.get("NET/30") for _ in range(3)))
        say("async: three gets at once", [term.code for term in codes])
