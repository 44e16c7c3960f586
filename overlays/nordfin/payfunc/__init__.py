"""The PayFunc Account API: accounts, their balance, payment methods, login links, subscriptions.

>>> from nordfin import payfunc
>>> client = payfunc.Client(api_key="...")                       # doctest: +SKIP
>>> account = client.accounts.create(currency="SEK")             # doctest: +SKIP
>>> client.balance.add(account.id, [{"name": "Coffee", "price": 30}])  # doctest: +SKIP
"""

from nordfin._core.provenance import spec_provenance
from nordfin.payfunc import errors, models
from nordfin.payfunc._client import ENVIRONMENTS, AsyncClient, Client
from nordfin.payfunc._inputs import card_method
from nordfin.payfunc.models import Account, AccountLink, Item, Order, Subscription

SPEC = spec_provenance("payfunc")  # the spec this module was generated from
SPEC_VERSION, SPEC_SHA256 = SPEC.version, SPEC.sha256

__all__ = [
    "ENVIRONMENTS",
    "SPEC",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "Account",
    "AccountLink",
    "AsyncClient",
    "Client",
    "Item",
    "Order",
    "Subscription",
    "card_method",
    "errors",
    "models",
]
