"""Each PayFunc call described once as a ``Call``, and the constructor both clients share."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, Required, TypedDict, Union, Unpack

from nordfin._core.auth import BearerAuth
from nordfin._core.base import ClientSetup, resolve_base_url
from nordfin._core.checked import Checked
from nordfin._core.redact import Secret
from nordfin._core.session import ApiProfile, Call
from nordfin._core.settings import Settings, options
from nordfin._core.validate import check_header_value, check_str
from nordfin.errors import RequestValidationError
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
from nordfin.payfunc.errors import TYPES, PayFuncError, parse_error
from nordfin_generated.payfunc.api.accounts import (
    add_account_method,
    create_account,
    create_account_key,
    create_account_link,
    get_account,
    list_accounts,
    replace_account_customer,
    update_account,
)
from nordfin_generated.payfunc.api.balance import add_to_account_balance, settle_account_balance
from nordfin_generated.payfunc.api.orders import create_order, create_order_event, update_orders
from nordfin_generated.payfunc.api.subscriptions import (
    create_subscription,
    delete_subscription,
    replace_subscription,
    update_subscription,
)
from nordfin_generated.unset import UNSET, Unset

__all__ = [
    "CLIENT_DOC",
    "ENVIRONMENTS",
    "PROFILE",
    "AccountCalls",
    "AccountScoped",
    "BalanceCalls",
    "Method",
    "OrderCalls",
    "PayFuncSetup",
    "SubscriptionCalls",
    "SubscriptionDict",
    "key_claims",
]

# "The same URL is used both for testing and for production. It is the API key that determines
# if you are using the system for testing or production."
ENVIRONMENTS = {"production": "https://api.payfunc.com"}

PROFILE = ApiProfile(
    slug="payfunc",
    error_parser=parse_error,
    error_classes=TYPES,
    error_base=PayFuncError,
)

# A forward reference (typing's ``Union``: strings cannot be joined with ``|``), read by the first
# call that checks it: importing the client loads no model.
Method = Union["models.TokenMethodCreatable", "models.CardMethodCreatable"]


def key_claims(key: str) -> dict[str, Any]:
    """The (unverified) claims of a PayFunc key, which is a JWT: ``aud``, ``account``…; {} if unreadable.

    Only used to know the key's audience (an account key makes ``me`` the default account);
    PayFunc checks the signature, nordfin does not need to.
    """
    parts = key.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _opt(value: Any, convert: Any) -> Any:
    return UNSET if value is None or isinstance(value, Unset) else convert(value)


def _date(value: Any, field: str) -> Any:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise RequestValidationError(field, "must be a datetime.date")
    return value


class AccountCalls:
    """Accounts, their customer, methods, links and keys."""

    @staticmethod
    def create(
        *,
        method: Sequence[models.TokenMethodCreatable | models.CardMethodCreatable],
        id: str | None,
        number: str | None,
        customer: models.Customer | CustomerDict | None,
        currency: str,
        schedule: ScheduleInput | None,
        limit: float | LimitDict | None,
    ) -> Call[models.Account]:
        body = models.AccountCreatable(
            method=list(method),
            id=_opt(id, lambda v: inputs.identifier("id", v, 16)),
            number=_opt(number, lambda v: check_str("number", v)),
            customer=_opt(customer, inputs.customer),
            currency=inputs.currency(currency),
            schedule=_opt(schedule, inputs.schedule),
            limit=_opt(limit, inputs.limit),
        )
        return Call(create_account, models.Account, {"body": body})

    @staticmethod
    def list() -> Call[list[models.Account]]:
        return Call(list_accounts, list, {})

    @staticmethod
    def get(ref: str) -> Call[models.Account]:
        return Call(get_account, models.Account, {"account_id": ref})

    @staticmethod
    def update(ref: str, *, limit: Any, currency: Any, schedule: Any) -> Call[models.Account]:
        body = models.AccountUpdate(
            limit=_opt(limit, inputs.limit),
            currency=_opt(currency, inputs.currency),
            schedule=_opt(schedule, inputs.schedule),
        )
        return Call(update_account, models.Account, {"account_id": ref, "body": body})

    @staticmethod
    def replace_customer(ref: str, customer: models.Customer | CustomerDict) -> Call[models.Customer]:
        return Call(
            replace_account_customer, models.Customer, {"account_id": ref, "body": inputs.customer(customer)}
        )

    @staticmethod
    def add_method(
        ref: str, method: models.TokenMethodCreatable | models.CardMethodCreatable
    ) -> Call[models.Account]:
        return Call(add_account_method, models.Account, {"account_id": ref, "body": method})

    @staticmethod
    def create_link(ref: str, contact: str | None) -> Call[models.AccountLink | None]:
        body = models.AccountLinkCreatable(contact=_opt(contact, lambda v: check_str("contact", v)))
        return Call(
            create_account_link,
            object,
            {"account_id": ref, "body": body},
            then=_link_with_secret_key,
        )

    @staticmethod
    def create_key(ref: str) -> Call[Secret]:
        return Call(create_account_key, str, {"account_id": ref}, then=Secret)


def refuse_currency_change(account: models.Account, currency: str) -> None:
    """PayFunc refuses a currency change while the account's total is not 0: say so before sending."""
    if currency != account.currency and account.total != 0:
        raise RequestValidationError(
            "currency",
            f"cannot change while the account's total is not 0 (it is {account.total:g} "
            f"{account.currency}); settle the balance first",
        )


class BalanceCalls:
    """The account's balance: add to it, settle it."""

    @staticmethod
    def add(ref: str, items: ItemsInput) -> Call[models.Account]:
        return Call(add_to_account_balance, models.Account, {"account_id": ref, "body": inputs.items(items)})

    @staticmethod
    def settle(ref: str) -> Call[models.SettleResult]:
        return Call(settle_account_balance, models.SettleResult, {"account_id": ref})


class SubscriptionDict(TypedDict, total=False):
    """A whole subscription, as ``subscriptions.create`` and ``replace`` take it, by keyword."""

    items: Required[ItemsInput]
    currency: Required[str]
    schedule: Required[ScheduleInput]
    start: dt.date | None
    end: dt.date | None
    number: str | None
    callback: str | None


def _subscription(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The members of a subscription's body, built once for a create, a replace and an update:
    each given field checked and converted, the others UNSET (not sent). ``Checked`` has already
    made sure that a create or a replace has its required keys."""
    return {
        "items": _opt(fields.get("items"), inputs.items),
        "currency": _opt(fields.get("currency"), inputs.currency),
        "schedule": _opt(fields.get("schedule"), inputs.schedule),
        "start": _opt(fields.get("start"), lambda v: _date(v, "start")),
        "end": _opt(fields.get("end"), lambda v: _date(v, "end")),
        "number": _opt(fields.get("number"), lambda v: check_str("number", v)),
        "callback": _opt(fields.get("callback"), lambda v: check_str("callback", v)),
    }


def subscription_id(value: Any) -> str:
    return inputs.identifier("subscription_id", value, 4)


class SubscriptionCalls:
    """The account's subscriptions; every call answers all of them."""

    @staticmethod
    def create(ref: str, subscription: SubscriptionDict) -> Call[list[Any]]:
        body = models.SubscriptionCreatable(**_subscription(subscription))
        return Call(create_subscription, list, {"account_id": ref, "body": body})

    @staticmethod
    def replace(ref: str, sub_id: str, subscription: SubscriptionDict) -> Call[list[Any]]:
        arguments = {
            "account_id": ref,
            "subscription_id": subscription_id(sub_id),
            "body": models.SubscriptionCreatable(**_subscription(subscription)),
        }
        return Call(replace_subscription, list, arguments)

    @staticmethod
    def update(ref: str, sub_id: str, changes: Mapping[str, Any]) -> Call[list[Any]]:
        """Only the fields given are sent; a change of nothing is refused (PayFunc would answer 200)."""
        given = {name: value for name, value in changes.items() if value is not None}
        if not given:
            raise RequestValidationError("changes", "give at least one field to change")
        body = models.SubscriptionUpdate(**_subscription(given))
        arguments = {"account_id": ref, "subscription_id": subscription_id(sub_id), "body": body}
        return Call(update_subscription, list, arguments)

    @staticmethod
    def delete(ref: str, sub_id: str) -> Call[list[Any]]:
        arguments = {"account_id": ref, "subscription_id": subscription_id(sub_id)}
        return Call(delete_subscription, list, arguments)


class OrderCalls:
    """Orders, as far as the account flows need them."""

    @staticmethod
    def create(
        *,
        items: ItemsInput,
        currency: str,
        payment: models.PaymentCreatable | PaymentDict,
        number: str | None = None,
        account: str | None = None,
    ) -> Call[models.Order]:
        if isinstance(payment, Mapping):
            payment = inputs.from_dict(models.PaymentCreatable, payment, "payment")
        body = models.OrderCreatable(
            items=inputs.items(items),
            currency=inputs.currency(currency),
            payment=payment,
            number=_opt(number, lambda v: check_str("number", v)),
            account=_opt(account, lambda v: inputs.identifier("account", v, 16)),
        )
        return Call(create_order, models.Order, {"body": body})

    @staticmethod
    def event(order_id: str, kind: str, amount: float | None) -> Call[models.Order]:
        if kind not in {t.value for t in models.EventCreatableType}:
            raise RequestValidationError("type", "must be cancel, charge or refund")
        body = models.EventCreatable(
            type_=models.EventCreatableType(kind), amount=_opt(amount, lambda v: inputs.amount(v, "amount"))
        )
        return Call(
            create_order_event,
            models.Order,
            {"order_id": inputs.identifier("order_id", order_id, 16), "body": body},
        )

    @staticmethod
    def update(batch: Sequence[models.OrderEvents | OrderEventsDict]) -> Call[list[Any]]:
        body = [
            one
            if isinstance(one, models.OrderEvents)
            else inputs.from_dict(models.OrderEvents, one, f"batch[{index}]")
            for index, one in enumerate(batch)
        ]
        return Call(update_orders, list, {"body": body})


class AccountScoped(Checked):
    """A resource whose calls name an account; with an account key the id may be left out (``me``)."""

    def __init__(self, session: Any, audience: str | None) -> None:
        self._session = session
        self._audience = audience

    def _ref(self, account_id: str | None) -> str:
        return inputs.account_ref(account_id, self._audience)


CLIENT_DOC = """{kind} for the PayFunc Account API.

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


class PayFuncSetup(ClientSetup):
    """The constructor both PayFunc clients share; see ``Client``."""

    def __init__(
        self,
        *,
        api_key: str | Secret,
        audience: str | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        **settings: Unpack[Settings],
    ) -> None:
        key = (
            Secret.of(api_key)
            if isinstance(api_key, Secret)
            else Secret(check_header_value("api_key", api_key))
        )
        self.audience = audience or _audience(key)
        url = resolve_base_url(ENVIRONMENTS, environment, base_url)
        self._attach(self._connect(PROFILE, BearerAuth(key), options(settings, base_url=url)))


def _audience(key: Secret) -> str | None:
    audience = key_claims(key.reveal()).get("aud")
    return audience if isinstance(audience, str) else None


def _link_with_secret_key(parsed: object) -> models.AccountLink | None:
    """The link, its account key held as a ``Secret`` (like ``create_key``'s), so no repr shows it."""
    if not isinstance(parsed, models.AccountLink):
        return None
    if isinstance(parsed.key, str):
        parsed.key = Secret(parsed.key)  # type: ignore[assignment]  # the generated model says str
    return parsed
