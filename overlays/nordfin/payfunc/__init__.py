"""The PayFunc Account API: accounts, their balance, payment methods, login links, subscriptions.

>>> from nordfin import payfunc
>>> client = payfunc.Client(api_key="...")                       # doctest: +SKIP
>>> account = client.accounts.create(currency="SEK")             # doctest: +SKIP
>>> client.balance.add(account.id, [{"name": "Coffee", "price": 30}])  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from nordfin._core.lazy import api_exports
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
    from nordfin._core.provenance import SpecProvenance
    from nordfin.payfunc._async import AsyncClient
    from nordfin.payfunc.models import Account, AccountLink, Item, Order, Subscription

    # read on first use, like the models
    SPEC: SpecProvenance  # the spec this module was generated from
    SPEC_VERSION: str  # its info.version
    SPEC_SHA256: str  # the sha256 of the spec file

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

if not TYPE_CHECKING:  # the models, the async client and the spec's provenance: on first use
    __getattr__, __dir__ = api_exports(__name__, __all__)
