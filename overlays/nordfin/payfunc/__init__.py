"""The PayFunc Account API: accounts, their balance, payment methods, login links, subscriptions.

>>> from nordfin import payfunc
>>> client = payfunc.Client(api_key="...")                       # doctest: +SKIP
>>> account = client.accounts.create(currency="SEK")             # doctest: +SKIP
>>> client.balance.add(account.id, [{"name": "Coffee", "price": 30}])  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from nordfin._core.lazy import lazy_exports
from nordfin._core.provenance import spec_provenance
from nordfin.payfunc import errors, models
from nordfin.payfunc._checks import (
    CustomerDict,
    ItemDict,
    ItemsInput,
    LimitDict,
    OrderEventsDict,
    PaymentDict,
    ScheduleDict,
    ScheduleInput,
    card_method,
)
from nordfin.payfunc._plans import ENVIRONMENTS, SubscriptionDict
from nordfin.payfunc._sync import Client

if TYPE_CHECKING:
    from nordfin.payfunc._async import AsyncClient
    from nordfin.payfunc.models import Account, AccountLink, Item, Order, Subscription

SPEC = spec_provenance("payfunc")  # the spec this module was generated from
SPEC_VERSION = SPEC.version  # its info.version
SPEC_SHA256 = SPEC.sha256  # the sha256 of the spec file

__all__ = [
    "ENVIRONMENTS",
    "SPEC",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "Account",
    "AccountLink",
    "AsyncClient",
    "Client",
    "CustomerDict",
    "Item",
    "ItemDict",
    "ItemsInput",
    "LimitDict",
    "Order",
    "OrderEventsDict",
    "PaymentDict",
    "ScheduleDict",
    "ScheduleInput",
    "Subscription",
    "SubscriptionDict",
    "card_method",
    "errors",
    "models",
]

if not TYPE_CHECKING:  # the models and the async client are imported on first use
    __getattr__, __dir__ = lazy_exports(
        __name__, __all__, "nordfin.payfunc.models", {"AsyncClient": "nordfin.payfunc._async"}
    )
