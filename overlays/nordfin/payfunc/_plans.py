"""Each PayFunc call described once as a ``Plan``, for the sync and the async client alike."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from nordfin._core.redact import Secret
from nordfin._core.session import Plan
from nordfin._core.validate import check_str
from nordfin.errors import RequestValidationError
from nordfin.payfunc import _inputs as inputs
from nordfin.payfunc._inputs import ItemsInput, ScheduleInput
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
from nordfin_generated.payfunc.models import (
    Account,
    AccountCreatable,
    AccountLink,
    AccountLinkCreatable,
    AccountUpdate,
    CardMethodCreatable,
    Customer,
    EventCreatable,
    EventCreatableType,
    Order,
    OrderCreatable,
    OrderEvents,
    PaymentCreatable,
    SettleResult,
    SubscriptionCreatable,
    SubscriptionUpdate,
    TokenMethodCreatable,
)
from nordfin_generated.payfunc.types import UNSET, Unset

__all__ = ["AccountPlans", "BalancePlans", "OrderPlans", "SubscriptionPlans", "key_claims"]


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
    import datetime as dt

    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise RequestValidationError(field, "must be a datetime.date")
    return value


class AccountPlans:
    """Accounts, their customer, methods, links and keys."""

    @staticmethod
    def create(
        *,
        method: Sequence[TokenMethodCreatable | CardMethodCreatable],
        id: str | None,
        number: str | None,
        customer: Customer | Mapping[str, Any] | None,
        currency: str,
        schedule: ScheduleInput | None,
        limit: float | Mapping[str, Any] | None,
    ) -> Plan[Account]:
        body = AccountCreatable(
            method=list(method),
            id=_opt(id, lambda v: inputs.identifier("id", v, 16)),
            number=_opt(number, lambda v: check_str("number", v)),
            customer=_opt(customer, inputs.customer),
            currency=inputs.currency(currency),
            schedule=_opt(schedule, inputs.schedule),
            limit=_opt(limit, inputs.limit),
        )
        return Plan(create_account, Account, {"body": body})

    @staticmethod
    def list() -> Plan[list[Account]]:
        return Plan(list_accounts, list, {})

    @staticmethod
    def get(ref: str) -> Plan[Account]:
        return Plan(get_account, Account, {"account_id": ref})

    @staticmethod
    def update(ref: str, *, limit: Any, currency: Any, schedule: Any) -> Plan[Account]:
        body = AccountUpdate(
            limit=_opt(limit, inputs.limit),
            currency=_opt(currency, inputs.currency),
            schedule=_opt(schedule, inputs.schedule),
        )
        return Plan(update_account, Account, {"account_id": ref, "body": body})

    @staticmethod
    def replace_customer(ref: str, customer: Customer | Mapping[str, Any]) -> Plan[Customer]:
        return Plan(
            replace_account_customer, Customer, {"account_id": ref, "body": inputs.customer(customer)}
        )

    @staticmethod
    def add_method(ref: str, method: TokenMethodCreatable | CardMethodCreatable) -> Plan[Account]:
        return Plan(add_account_method, Account, {"account_id": ref, "body": method})

    @staticmethod
    def create_link(ref: str, contact: str | None) -> Plan[AccountLink | None]:
        body = AccountLinkCreatable(contact=_opt(contact, lambda v: check_str("contact", v)))
        return Plan(
            create_account_link,
            object,
            {"account_id": ref, "body": body},
            then=_link_with_secret_key,
        )

    @staticmethod
    def create_key(ref: str) -> Plan[Secret]:
        return Plan(create_account_key, str, {"account_id": ref}, then=Secret)


def refuse_currency_change(account: Account, currency: str) -> None:
    """PayFunc refuses a currency change while the account's total is not 0: say so before sending."""
    if currency != account.currency and account.total != 0:
        raise RequestValidationError(
            "currency",
            f"cannot change while the account's total is not 0 (it is {account.total:g} "
            f"{account.currency}); settle the balance first",
        )


class BalancePlans:
    """The account's balance: add to it, settle it."""

    @staticmethod
    def add(ref: str, items: ItemsInput) -> Plan[Account]:
        return Plan(add_to_account_balance, Account, {"account_id": ref, "body": inputs.items(items)})

    @staticmethod
    def settle(ref: str) -> Plan[SettleResult]:
        return Plan(settle_account_balance, SettleResult, {"account_id": ref})


def subscription_id(value: Any) -> str:
    return inputs.identifier("subscription_id", value, 4)


class SubscriptionPlans:
    """The account's subscriptions; every call answers all of them."""

    @staticmethod
    def body(
        *,
        items: ItemsInput,
        currency: str,
        schedule: ScheduleInput,
        start: Any = None,
        end: Any = None,
        number: str | None = None,
        callback: str | None = None,
    ) -> SubscriptionCreatable:
        return SubscriptionCreatable(
            items=inputs.items(items),
            currency=inputs.currency(currency),
            schedule=inputs.schedule(schedule),
            start=_opt(start, lambda v: _date(v, "start")),
            end=_opt(end, lambda v: _date(v, "end")),
            number=_opt(number, lambda v: check_str("number", v)),
            callback=_opt(callback, lambda v: check_str("callback", v)),
        )

    @staticmethod
    def create(ref: str, body: SubscriptionCreatable) -> Plan[list[Any]]:
        return Plan(create_subscription, list, {"account_id": ref, "body": body})

    @staticmethod
    def replace(ref: str, sub_id: str, body: SubscriptionCreatable) -> Plan[list[Any]]:
        arguments = {"account_id": ref, "subscription_id": subscription_id(sub_id), "body": body}
        return Plan(replace_subscription, list, arguments)

    @staticmethod
    def update(ref: str, sub_id: str, changes: Mapping[str, Any]) -> Plan[list[Any]]:
        body = SubscriptionUpdate(
            items=_opt(changes.get("items"), inputs.items),
            currency=_opt(changes.get("currency"), inputs.currency),
            schedule=_opt(changes.get("schedule"), inputs.schedule),
            start=_opt(changes.get("start"), lambda v: _date(v, "start")),
            end=_opt(changes.get("end"), lambda v: _date(v, "end")),
            number=_opt(changes.get("number"), lambda v: check_str("number", v)),
            callback=_opt(changes.get("callback"), lambda v: check_str("callback", v)),
        )
        arguments = {"account_id": ref, "subscription_id": subscription_id(sub_id), "body": body}
        return Plan(update_subscription, list, arguments)

    @staticmethod
    def delete(ref: str, sub_id: str) -> Plan[list[Any]]:
        arguments = {"account_id": ref, "subscription_id": subscription_id(sub_id)}
        return Plan(delete_subscription, list, arguments)


class OrderPlans:
    """Orders, as far as the account flows need them."""

    @staticmethod
    def create(
        *,
        items: ItemsInput,
        currency: str,
        payment: PaymentCreatable | Mapping[str, Any],
        number: str | None = None,
        account: str | None = None,
    ) -> Plan[Order]:
        if isinstance(payment, Mapping):
            payment = inputs.from_dict(PaymentCreatable, payment, "payment")
        body = OrderCreatable(
            items=inputs.items(items),
            currency=inputs.currency(currency),
            payment=payment,
            number=_opt(number, lambda v: check_str("number", v)),
            account=_opt(account, lambda v: inputs.identifier("account", v, 16)),
        )
        return Plan(create_order, Order, {"body": body})

    @staticmethod
    def event(order_id: str, kind: str, amount: float | None) -> Plan[Order]:
        if kind not in {t.value for t in EventCreatableType}:
            raise RequestValidationError("type", "must be cancel, charge or refund")
        body = EventCreatable(
            type_=EventCreatableType(kind), amount=_opt(amount, lambda v: inputs.amount(v, "amount"))
        )
        return Plan(
            create_order_event, Order, {"order_id": inputs.identifier("order_id", order_id, 16), "body": body}
        )

    @staticmethod
    def update(batch: Sequence[OrderEvents | Mapping[str, Any]]) -> Plan[list[Any]]:
        body = [
            one if isinstance(one, OrderEvents) else inputs.from_dict(OrderEvents, one, f"batch[{index}]")
            for index, one in enumerate(batch)
        ]
        return Plan(update_orders, list, {"body": body})


def _link_with_secret_key(parsed: object) -> AccountLink | None:
    """The link, its account key held as a ``Secret`` (like ``create_key``'s), so no repr shows it."""
    if not isinstance(parsed, AccountLink):
        return None
    if isinstance(parsed.key, str):
        parsed.key = Secret(parsed.key)  # type: ignore[assignment]  # the generated model says str
    return parsed
