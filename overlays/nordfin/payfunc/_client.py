"""``nordfin.payfunc.Client`` and ``AsyncClient``: PayFunc accounts, balance, subscriptions, orders."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from nordfin._core.auth import BearerAuth
from nordfin._core.base import AsyncClientBase, ClientBase, ClientSetup, Options, resolve_base_url
from nordfin._core.pagination import AsyncPager, Pager
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Session
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert
from nordfin._core.validate import check_header_value
from nordfin.payfunc import _inputs as inputs
from nordfin.payfunc._inputs import ItemsInput, ScheduleInput
from nordfin.payfunc._plans import (
    AccountPlans,
    BalancePlans,
    OrderPlans,
    SubscriptionPlans,
    key_claims,
    refuse_currency_change,
)
from nordfin.payfunc.errors import TYPES, PayFuncError, parse_error
from nordfin_generated.payfunc import Client as GeneratedClient
from nordfin_generated.payfunc.models import (
    Account,
    AccountLink,
    CardMethodCreatable,
    Customer,
    Order,
    OrderEvents,
    PaymentCreatable,
    SettleResult,
    Subscription,
    TokenMethodCreatable,
)

__all__ = ["ENVIRONMENTS", "AsyncClient", "Client"]

# "The same URL is used both for testing and for production. It is the API key that determines
# if you are using the system for testing or production."
ENVIRONMENTS = {"production": "https://api.payfunc.com"}

PROFILE = ApiProfile(
    slug="payfunc",
    generated_client=GeneratedClient(base_url="", raise_on_unexpected_status=True),
    error_parser=parse_error,
    error_classes=TYPES,
    error_base=PayFuncError,
)

Method = TokenMethodCreatable | CardMethodCreatable
_NOT_GIVEN: Any = object()


class _Resource:
    def __init__(self, session: Any, audience: str | None) -> None:
        self._session = session
        self._audience = audience

    def _ref(self, account_id: str | None) -> str:
        return inputs.account_ref(account_id, self._audience)


class Accounts(_Resource):
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
        customer: Customer | Mapping[str, Any] | None = None,
        currency: str = "SEK",
        schedule: ScheduleInput | None = None,
        limit: float | Mapping[str, Any] | None = None,
    ) -> Account:
        """Create an account (status "created", empty balance; SEK unless ``currency`` says otherwise)."""
        plan = AccountPlans.create(
            method=method,
            id=id,
            number=number,
            customer=customer,
            currency=currency,
            schedule=schedule,
            limit=limit,
        )
        return self._session.run(plan)

    def list(self) -> list[Account]:
        """Every account (needs a private key; PayFunc answers one plain list)."""
        return self._session.run(AccountPlans.list())

    def iterate(self) -> Pager[builtins.list[Account], None, Account]:
        """The accounts one by one, lazily (PayFunc answers them in one page)."""
        return Pager(
            lambda _: self.list(), first=None, items=lambda page: page, next_cursor=lambda p, c: None
        )

    def get(self, account_id: str | None = None) -> Account:
        """One account; without ``account_id`` (account key) the key's own account."""
        return self._session.run(AccountPlans.get(self._ref(account_id)))

    def me(self) -> Account:
        """The account of the client's account key (``GET /account/me``)."""
        return self._session.run(AccountPlans.get(inputs.account_ref("me", self._audience)))

    def update(
        self,
        account_id: str | None = None,
        *,
        limit: float | Mapping[str, Any] | None = None,
        currency: str | None = None,
        schedule: ScheduleInput | None = None,
    ) -> Account:
        """Change the limit, currency or schedule (nothing given: PayFunc repairs a deprecated account).

        PayFunc refuses a currency change while the account's total is not 0. To say so before
        sending, a ``currency`` makes this method **read the account first** (one extra GET) and
        raise ``RequestValidationError("currency", ...)`` without sending the update.
        """
        ref = self._ref(account_id)
        plan = AccountPlans.update(ref, limit=limit, currency=currency, schedule=schedule)
        if currency is not None:
            refuse_currency_change(self.get(ref), currency)
        return self._session.run(plan)

    def replace_customer(self, account_id: str | None, customer: Customer | Mapping[str, Any]) -> Customer:
        """Replace the account's customer; PayFunc echoes it."""
        return self._session.run(AccountPlans.replace_customer(self._ref(account_id), customer))

    def add_method(self, account_id: str | None = None, *, card: str) -> Account:
        """Add a tokenized card (``card`` is the token, never logged); the account becomes active."""
        return self._session.run(AccountPlans.add_method(self._ref(account_id), inputs.token_method(card)))

    def add_card(self, account_id: str | None, card: CardMethodCreatable) -> Account:
        """Add a card in the model's card form (see ``card_method``; the expiry month is checked)."""
        return self._session.run(AccountPlans.add_method(self._ref(account_id), card))

    def create_link(self, account_id: str | None = None, *, contact: str | None = None) -> AccountLink | None:
        """A single-use login link, e-mailed to the customer; ``None`` when an account key asked."""
        return self._session.run(AccountPlans.create_link(self._ref(account_id), contact))

    def create_key(self, account_id: str) -> Secret:
        """A new account key (valid three days), as a ``Secret``: ``.reveal()`` it to use it."""
        return self._session.run(AccountPlans.create_key(self._ref(account_id)))


class Balance(_Resource):
    """``client.balance``: items billed to an account but not yet put into an order."""

    _session: Session

    def add(self, account_id: str | None, items: ItemsInput) -> Account:
        """Bill the account: a positive amount, one ``Item`` (or mapping) or a list of them.

        Sent exactly in the shape given: a number as a JSON number, one item as an object, a list
        as an array. ``vat`` is only allowed together with ``price``.
        """
        return self._session.run(BalancePlans.add(self._ref(account_id), items))

    def settle(self, account_id: str | None = None) -> SettleResult:
        """Put the balance into an order charged to the account, and empty it."""
        return self._session.run(BalancePlans.settle(self._ref(account_id)))

    def settle_all(self) -> SettleResult:
        """Settle every account's balance (private key)."""
        return self._session.run(BalancePlans.settle("all"))


class Subscriptions(_Resource):
    """``client.subscriptions``: each call answers all of the account's subscriptions."""

    _session: Session

    def create(
        self,
        account_id: str | None,
        *,
        items: ItemsInput,
        currency: str,
        schedule: ScheduleInput,
        **optional: Any,
    ) -> list[Subscription]:
        """Add a subscription (``start``/``end`` dates, ``number``, ``callback`` optional)."""
        body = SubscriptionPlans.body(items=items, currency=currency, schedule=schedule, **optional)
        return self._session.run(SubscriptionPlans.create(self._ref(account_id), body))

    def replace(
        self,
        account_id: str | None,
        subscription_id: str,
        *,
        items: ItemsInput,
        currency: str,
        schedule: ScheduleInput,
        **optional: Any,
    ) -> list[Subscription]:
        """Replace a subscription with a full one; it keeps its id."""
        body = SubscriptionPlans.body(items=items, currency=currency, schedule=schedule, **optional)
        return self._session.run(SubscriptionPlans.replace(self._ref(account_id), subscription_id, body))

    def update(self, account_id: str | None, subscription_id: str, **changes: Any) -> list[Subscription]:
        """Change some fields (``items``, ``currency``, ``schedule``, ``start``, ``end``…)."""
        return self._session.run(SubscriptionPlans.update(self._ref(account_id), subscription_id, changes))

    def delete(self, account_id: str | None, subscription_id: str) -> list[Subscription]:
        """End a subscription today (its future ``due`` is removed)."""
        return self._session.run(SubscriptionPlans.delete(self._ref(account_id), subscription_id))


class Orders(_Resource):
    """``client.orders``: the order calls the account flows use."""

    _session: Session

    def create(
        self,
        *,
        items: ItemsInput,
        currency: str,
        payment: PaymentCreatable | Mapping[str, Any],
        **optional: Any,
    ) -> Order:
        """Create an order; for an account charge ``payment={"type": "account", "account": id}``."""
        plan = OrderPlans.create(items=items, currency=currency, payment=payment, **optional)
        return self._session.run(plan)

    def event(self, order_id: str, type: str, *, amount: float | None = None) -> Order:
        """Cancel, charge or refund one order."""
        return self._session.run(OrderPlans.event(order_id, type, amount))

    def update(self, batch: Sequence[OrderEvents | Mapping[str, Any]]) -> list[Order]:
        """Add events to several orders at once: ``[{"id": ..., "event": [{"type": "charge"}]}]``."""
        return self._session.run(OrderPlans.update(batch))


class AsyncAccounts(_Resource):
    """``client.accounts`` of the ``AsyncClient``: the same calls, awaited."""

    _session: AsyncSession

    async def create(
        self,
        *,
        method: Sequence[Method] = (),
        id: str | None = None,
        number: str | None = None,
        customer: Customer | Mapping[str, Any] | None = None,
        currency: str = "SEK",
        schedule: ScheduleInput | None = None,
        limit: float | Mapping[str, Any] | None = None,
    ) -> Account:
        """Create an account (status "created", empty balance; SEK unless ``currency`` says otherwise)."""
        plan = AccountPlans.create(
            method=method,
            id=id,
            number=number,
            customer=customer,
            currency=currency,
            schedule=schedule,
            limit=limit,
        )
        return await self._session.run(plan)

    async def list(self) -> list[Account]:
        """Every account (needs a private key)."""
        return await self._session.run(AccountPlans.list())

    def iterate(self) -> AsyncPager[builtins.list[Account], None, Account]:
        """The accounts one by one, lazily."""
        return AsyncPager(
            lambda _: self.list(), first=None, items=lambda page: page, next_cursor=lambda p, c: None
        )

    async def get(self, account_id: str | None = None) -> Account:
        """One account; without ``account_id`` (account key) the key's own account."""
        return await self._session.run(AccountPlans.get(self._ref(account_id)))

    async def me(self) -> Account:
        """The account of the client's account key."""
        return await self._session.run(AccountPlans.get(inputs.account_ref("me", self._audience)))

    async def update(
        self,
        account_id: str | None = None,
        *,
        limit: float | Mapping[str, Any] | None = None,
        currency: str | None = None,
        schedule: ScheduleInput | None = None,
    ) -> Account:
        """As ``Accounts.update``: a ``currency`` reads the account first and refuses a change
        while its total is not 0, before sending."""
        ref = self._ref(account_id)
        plan = AccountPlans.update(ref, limit=limit, currency=currency, schedule=schedule)
        if currency is not None:
            refuse_currency_change(await self.get(ref), currency)
        return await self._session.run(plan)

    async def replace_customer(
        self, account_id: str | None, customer: Customer | Mapping[str, Any]
    ) -> Customer:
        """Replace the account's customer."""
        return await self._session.run(AccountPlans.replace_customer(self._ref(account_id), customer))

    async def add_method(self, account_id: str | None = None, *, card: str) -> Account:
        """Add a tokenized card (never logged)."""
        return await self._session.run(
            AccountPlans.add_method(self._ref(account_id), inputs.token_method(card))
        )

    async def add_card(self, account_id: str | None, card: CardMethodCreatable) -> Account:
        """Add a card in the model's card form."""
        return await self._session.run(AccountPlans.add_method(self._ref(account_id), card))

    async def create_link(
        self, account_id: str | None = None, *, contact: str | None = None
    ) -> AccountLink | None:
        """A single-use login link; ``None`` when an account key asked."""
        return await self._session.run(AccountPlans.create_link(self._ref(account_id), contact))

    async def create_key(self, account_id: str) -> Secret:
        """A new account key, as a ``Secret``."""
        return await self._session.run(AccountPlans.create_key(self._ref(account_id)))


class AsyncBalance(_Resource):
    """``client.balance`` of the ``AsyncClient``."""

    _session: AsyncSession

    async def add(self, account_id: str | None, items: ItemsInput) -> Account:
        """Bill the account: a positive amount, one ``Item`` or a list of them, sent as given."""
        return await self._session.run(BalancePlans.add(self._ref(account_id), items))

    async def settle(self, account_id: str | None = None) -> SettleResult:
        """Put the balance into an order and empty it."""
        return await self._session.run(BalancePlans.settle(self._ref(account_id)))

    async def settle_all(self) -> SettleResult:
        """Settle every account's balance (private key)."""
        return await self._session.run(BalancePlans.settle("all"))


class AsyncSubscriptions(_Resource):
    """``client.subscriptions`` of the ``AsyncClient``."""

    _session: AsyncSession

    async def create(
        self,
        account_id: str | None,
        *,
        items: ItemsInput,
        currency: str,
        schedule: ScheduleInput,
        **optional: Any,
    ) -> list[Subscription]:
        """Add a subscription."""
        body = SubscriptionPlans.body(items=items, currency=currency, schedule=schedule, **optional)
        return await self._session.run(SubscriptionPlans.create(self._ref(account_id), body))

    async def replace(
        self,
        account_id: str | None,
        subscription_id: str,
        *,
        items: ItemsInput,
        currency: str,
        schedule: ScheduleInput,
        **optional: Any,
    ) -> list[Subscription]:
        """Replace a subscription with a full one."""
        body = SubscriptionPlans.body(items=items, currency=currency, schedule=schedule, **optional)
        return await self._session.run(
            SubscriptionPlans.replace(self._ref(account_id), subscription_id, body)
        )

    async def update(
        self, account_id: str | None, subscription_id: str, **changes: Any
    ) -> list[Subscription]:
        """Change some fields of a subscription."""
        return await self._session.run(
            SubscriptionPlans.update(self._ref(account_id), subscription_id, changes)
        )

    async def delete(self, account_id: str | None, subscription_id: str) -> list[Subscription]:
        """End a subscription today."""
        return await self._session.run(SubscriptionPlans.delete(self._ref(account_id), subscription_id))


class AsyncOrders(_Resource):
    """``client.orders`` of the ``AsyncClient``."""

    _session: AsyncSession

    async def create(
        self,
        *,
        items: ItemsInput,
        currency: str,
        payment: PaymentCreatable | Mapping[str, Any],
        **optional: Any,
    ) -> Order:
        """Create an order."""
        return await self._session.run(
            OrderPlans.create(items=items, currency=currency, payment=payment, **optional)
        )

    async def event(self, order_id: str, type: str, *, amount: float | None = None) -> Order:
        """Cancel, charge or refund one order."""
        return await self._session.run(OrderPlans.event(order_id, type, amount))

    async def update(self, batch: Sequence[OrderEvents | Mapping[str, Any]]) -> list[Order]:
        """Add events to several orders at once."""
        return await self._session.run(OrderPlans.update(batch))


_CLIENT_DOC = """{kind} for the PayFunc Account API.

    Authenticate with ``api_key``: a private, public or account key (PayFunc's keys are JWTs; the
    key decides test or production). Its audience is read from the key (or give ``audience=``);
    with an account key the account id may be left out everywhere (it is ``me``).
    Settings:

    - ``environment``: ``"production"`` (PayFunc's one host), or ``base_url=`` for another host;
    - ``timeout``: seconds or an ``httpx.Timeout``;
    - ``retry``: a ``RetryPolicy``; reads are retried, a create is never sent twice;
    - ``rate_limit``: PayFunc documents no quota: none by default, or a ``RateLimiter`` of your own;
    - ``strict``: validate every answer against the spec and raise ``ResponseValidationError``;
    - ``transport``: an httpx transport, e.g. ``nordfin.testing.payfunc.FakePayFunc()`` in tests;
    - ``cert``: a client certificate (``ClientCert``), if your network needs one;
    - ``sleep``: how to wait between retries (tests pass a function that returns at once).

    The key, card tokens and account keys never appear in ``repr``, logs or errors.
    """


class _PayFuncClient(ClientSetup):
    """The constructor both PayFunc clients share; see ``Client``."""

    _resources: tuple[type[Any], type[Any], type[Any], type[Any]]

    def __init__(
        self,
        *,
        api_key: str | Secret,
        audience: str | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimiter | None = None,
        strict: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        cert: ClientCert | None = None,
        sleep: Any = None,
    ) -> None:
        key = (
            Secret.of(api_key)
            if isinstance(api_key, Secret)
            else Secret(check_header_value("api_key", api_key))
        )
        self.audience = audience or _audience(key)
        url = resolve_base_url(ENVIRONMENTS, environment, base_url)
        settings = Options(
            base_url=url,
            timeout=timeout,
            retry=RetryPolicy() if retry is None else retry,
            limiter=rate_limit,
            strict=strict,
            transport=transport,
            cert=cert,
            sleep=sleep,
        )
        session = self._connect(PROFILE, BearerAuth(key), settings)
        accounts, balance, subscriptions, orders = self._resources
        self.accounts = accounts(session, self.audience)
        self.balance = balance(session, self.audience)
        self.subscriptions = subscriptions(session, self.audience)
        self.orders = orders(session, self.audience)


def _audience(key: Secret) -> str | None:
    audience = key_claims(key.reveal()).get("aud")
    return audience if isinstance(audience, str) else None


class Client(ClientBase, _PayFuncClient):
    __doc__ = _CLIENT_DOC.format(kind="Synchronous client")
    _resources = (Accounts, Balance, Subscriptions, Orders)
    accounts: Accounts
    balance: Balance
    subscriptions: Subscriptions
    orders: Orders


class AsyncClient(AsyncClientBase, _PayFuncClient):
    __doc__ = _CLIENT_DOC.format(kind="Asynchronous client")
    _resources = (AsyncAccounts, AsyncBalance, AsyncSubscriptions, AsyncOrders)
    accounts: AsyncAccounts
    balance: AsyncBalance
    subscriptions: AsyncSubscriptions
    orders: AsyncOrders
