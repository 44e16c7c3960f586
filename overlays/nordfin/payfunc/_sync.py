# Derived from _async.py by scripts/unasync.py (nox -s generate): edit _async.py, never this file.
"""PayFunc's client and its resources, written once (each call is described in ``_plans.py``)."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Unpack

from nordfin._core.base import ClientBase
from nordfin._core.pagination import Pager
from nordfin._core.redact import Secret
from nordfin._core.session import Session
from nordfin.payfunc import _checks as inputs
from nordfin.payfunc import models
from nordfin.payfunc._checks import (
    CustomerDict,
    ItemsInput,
    LimitDict,
    OrderEventsDict,
    PaymentDict,
    ScheduleInput,
)
from nordfin.payfunc._plans import (
    CLIENT_DOC,
    AccountCalls,
    AccountScoped,
    BalanceCalls,
    Method,
    OrderCalls,
    PayFuncSetup,
    SubscriptionCalls,
    SubscriptionDict,
    refuse_currency_change,
)

__all__ = ["Accounts", "Balance", "Client", "Orders", "Subscriptions"]


class Accounts(AccountScoped):
    """``client.accounts``: accounts, their customer, payment methods, login links and keys.

    ``account_id`` may be left out with an account key: it is then ``me``, the key's account.
    """

    _session: Session

    def create(
        self,
        *,
        method: Sequence[Method] = (),
        id: str | None = None,
        number: str | None = None,
        customer: models.Customer | CustomerDict | None = None,
        currency: str = "SEK",
        schedule: ScheduleInput | None = None,
        limit: float | LimitDict | None = None,
    ) -> models.Account:
        """Create an account (status "created", empty balance; SEK unless ``currency`` says otherwise)."""
        call = AccountCalls.create(
            method=method,
            id=id,
            number=number,
            customer=customer,
            currency=currency,
            schedule=schedule,
            limit=limit,
        )
        return self._session.run(call)

    def list(self) -> list[models.Account]:
        """Every account (needs a private key; PayFunc answers one plain list)."""
        return self._session.run(AccountCalls.list())

    def iterate(self) -> Pager[builtins.list[models.Account], None, models.Account]:
        """The accounts one by one, lazily (PayFunc answers them in one page)."""
        return Pager(
            lambda _: self.list(), first=None, items=lambda page: page, next_cursor=lambda p, c: None
        )

    def get(self, account_id: str | None = None) -> models.Account:
        """One account; without ``account_id`` (account key) the key's own account."""
        return self._session.run(AccountCalls.get(self._ref(account_id)))

    def me(self) -> models.Account:
        """The account of the client's account key (``GET /account/me``)."""
        return self._session.run(AccountCalls.get(inputs.account_ref("me", self._audience)))

    def update(
        self,
        account_id: str | None = None,
        *,
        limit: float | LimitDict | None = None,
        currency: str | None = None,
        schedule: ScheduleInput | None = None,
    ) -> models.Account:
        """Change the limit, currency or schedule (nothing given: PayFunc repairs a deprecated account).

        PayFunc refuses a currency change while the account's total is not 0. To say so before
        sending, a ``currency`` makes this method **read the account first** (one extra GET) and
        raise ``RequestValidationError("currency", ...)`` without sending the update.
        """
        ref = self._ref(account_id)
        call = AccountCalls.update(ref, limit=limit, currency=currency, schedule=schedule)
        if currency is not None:
            refuse_currency_change(self.get(ref), currency)
        return self._session.run(call)

    def replace_customer(
        self, account_id: str | None, customer: models.Customer | CustomerDict
    ) -> models.Customer:
        """Replace the account's customer; PayFunc echoes it."""
        return self._session.run(AccountCalls.replace_customer(self._ref(account_id), customer))

    def add_method(self, account_id: str | None = None, *, card: str) -> models.Account:
        """Add a tokenized card (``card`` is the token, never logged); the account becomes active."""
        method = inputs.token_method(card)
        return self._session.run(AccountCalls.add_method(self._ref(account_id), method))

    def add_card(self, account_id: str | None, card: models.CardMethodCreatable) -> models.Account:
        """Add a card in the model's card form (see ``card_method``; the expiry month is checked)."""
        return self._session.run(AccountCalls.add_method(self._ref(account_id), card))

    def create_link(
        self, account_id: str | None = None, *, contact: str | None = None
    ) -> models.AccountLink | None:
        """A single-use login link, e-mailed to the customer; ``None`` when an account key asked."""
        return self._session.run(AccountCalls.create_link(self._ref(account_id), contact))

    def create_key(self, account_id: str) -> Secret:
        """A new account key (valid three days), as a ``Secret``: ``.reveal()`` it to use it."""
        return self._session.run(AccountCalls.create_key(self._ref(account_id)))


class Balance(AccountScoped):
    """``client.balance``: items billed to an account but not yet put into an order."""

    _session: Session

    def add(self, account_id: str | None, items: ItemsInput) -> models.Account:
        """Bill the account: a positive amount, one ``Item`` (or ``ItemDict``) or a list of them.

        Sent exactly in the shape given: a number as a JSON number, one item as an object, a list
        as an array, each item with the fields given. ``vat`` is only allowed together with ``price``.
        """
        return self._session.run(BalanceCalls.add(self._ref(account_id), items))

    def settle(self, account_id: str | None = None) -> models.SettleResult:
        """Put the balance into an order charged to the account, and empty it."""
        return self._session.run(BalanceCalls.settle(self._ref(account_id)))

    def settle_all(self) -> models.SettleResult:
        """Settle every account's balance (private key)."""
        return self._session.run(BalanceCalls.settle("all"))


class Subscriptions(AccountScoped):
    """``client.subscriptions``: each call answers all of the account's subscriptions."""

    _session: Session

    def create(
        self, account_id: str | None, **subscription: Unpack[SubscriptionDict]
    ) -> list[models.Subscription]:
        """Add a subscription: ``items``, ``currency`` and ``schedule`` (``start``/``end`` dates,
        ``number``, ``callback`` optional)."""
        return self._session.run(SubscriptionCalls.create(self._ref(account_id), subscription))

    def replace(
        self, account_id: str | None, subscription_id: str, **subscription: Unpack[SubscriptionDict]
    ) -> list[models.Subscription]:
        """Replace a subscription with a full one (the keywords of ``create``); it keeps its id."""
        call = SubscriptionCalls.replace(self._ref(account_id), subscription_id, subscription)
        return self._session.run(call)

    def update(
        self,
        account_id: str | None,
        subscription_id: str,
        *,
        items: ItemsInput | None = None,
        currency: str | None = None,
        schedule: ScheduleInput | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        number: str | None = None,
        callback: str | None = None,
    ) -> list[models.Subscription]:
        """Change the fields given (at least one); the others stay as they are."""
        changes = {
            "items": items,
            "currency": currency,
            "schedule": schedule,
            "start": start,
            "end": end,
            "number": number,
            "callback": callback,
        }
        call = SubscriptionCalls.update(self._ref(account_id), subscription_id, changes)
        return self._session.run(call)

    def delete(self, account_id: str | None, subscription_id: str) -> list[models.Subscription]:
        """End a subscription today (its future ``due`` is removed)."""
        return self._session.run(SubscriptionCalls.delete(self._ref(account_id), subscription_id))


class Orders(AccountScoped):
    """``client.orders``: the order calls the account flows use."""

    _session: Session

    def create(
        self,
        *,
        items: ItemsInput,
        currency: str,
        payment: models.PaymentCreatable | PaymentDict,
        number: str | None = None,
        account: str | None = None,
    ) -> models.Order:
        """Create an order; for an account charge ``payment={"type": "account", "account": id}``."""
        call = OrderCalls.create(
            items=items, currency=currency, payment=payment, number=number, account=account
        )
        return self._session.run(call)

    def event(self, order_id: str, type: str, *, amount: float | None = None) -> models.Order:
        """Cancel, charge or refund one order."""
        return self._session.run(OrderCalls.event(order_id, type, amount))

    def update(self, batch: Sequence[models.OrderEvents | OrderEventsDict]) -> list[models.Order]:
        """Add events to several orders at once: ``[{"id": ..., "event": [{"type": "charge"}]}]``."""
        return self._session.run(OrderCalls.update(batch))


class Client(ClientBase, PayFuncSetup):
    __doc__ = CLIENT_DOC.format(kind="Synchronous client")

    def _attach(self, session: Session) -> None:
        self.accounts = Accounts(session, self.audience)
        self.balance = Balance(session, self.audience)
        self.subscriptions = Subscriptions(session, self.audience)
        self.orders = Orders(session, self.audience)
