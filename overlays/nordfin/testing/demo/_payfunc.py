"""``demo_payfunc()``: the PayFunc client against its fake, end to end (the lead wires it in)."""

from __future__ import annotations

import datetime as dt

from nordfin.payfunc import ScheduleDict
from nordfin.testing.demo._story import say, show_error
from nordfin.testing.payfunc import FakePayFunc


class _Clock:
    """The fake's clock, moved by the story (no waiting)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def demo_payfunc() -> None:
    """PayFunc accounts: create, add a card, bill in three shapes, settle, a quarterly subscription."""
    print("payfunc: PayFunc Account API (fake)")
    clock = _Clock()
    fake = FakePayFunc(clock=clock)
    with fake.client() as client:
        account = client.accounts.create(customer={"type": "person", "name": "Max Exampleperson"})
        say("create an account", f"{account.id} {account.status} {account.currency}")
        say("add a tokenized card", client.accounts.add_method(account.id, card="abc.def.ghi").status)
        client.balance.add(account.id, 100)
        client.balance.add(account.id, {"name": "Fee", "price": 20, "vat": 5})
        account = client.balance.add(account.id, [{"name": "Coffee", "price": 30, "quantity": 2}])
        say("bill 100, one item, a list of items", f"total {account.total}, {len(account.balance)} items")
        say("settle the balance", client.balance.settle(account.id).updated)
        quarterly: ScheduleDict = {"frequency": "quarterly", "offset": [2, -1]}
        subscriptions = client.subscriptions.create(account.id, items=300, currency="SEK", schedule=quarterly)
        say("subscribe, last day of each quarter", f"due {subscriptions[0].due}")
        clock.now = dt.datetime(2026, 4, 2, tzinfo=dt.UTC).timestamp()
        say("two and a half months later", f"due {client.accounts.get(account.id).due}")
        key = client.accounts.create_key(account.id)
        with fake.client(key.reveal()) as mine:
            say("an account key's 'me'", f"{mine.accounts.me().id} (key shown as {key})")
        client.balance.add(account.id, 10)
        show_error(
            "change the currency with a total", lambda: client.accounts.update(account.id, currency="EUR")
        )
        show_error("vat without a price", lambda: client.balance.add(account.id, {"vat": 5}))
    with fake.client(fake.public_key) as public:
        show_error("list accounts with a public key", public.accounts.list)
    say("requests the fake received", len(fake.requests))


if __name__ == "__main__":
    demo_payfunc()
