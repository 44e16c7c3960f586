"""Permånad (LeaseCloud) Partner API 1.1.4: leasing orders for Nordic partners.

>>> from nordfin import permanad
>>> client = permanad.Client(api_keys={"SE": "..."}, environment="sandbox")   # doctest: +SKIP
>>> order = client.orders.create(permanad.CreateOrderRequest(...))             # doctest: +SKIP
>>> client.orders.wait_for_decision(order.public_id).status                    # doctest: +SKIP
<OrderStatus.READY_TO_SHIP: 'readyToShip'>
"""

from typing import TYPE_CHECKING

from nordfin._core.lazy import api_exports
from nordfin._core.polling import PollPolicy
from nordfin.permanad import errors, models
from nordfin.permanad._checks import MARKETS
from nordfin.permanad._plans import ENVIRONMENTS, FINAL_STATUSES, POLL_POLICY, QUOTA
from nordfin.permanad._sync import Client
from nordfin.permanad.errors import WaitCancelled, WaitTimeout

if TYPE_CHECKING:
    from nordfin._core.provenance import SpecProvenance
    from nordfin.permanad._async import AsyncClient
    from nordfin.permanad.models import CreateOrderRequest, Order, OrderItem, OrderStatus, StatusTrigger

    # read on first use, like the models
    SPEC: SpecProvenance  # the spec this module was generated from
    SPEC_VERSION: str  # its info.version
    SPEC_SHA256: str  # the sha256 of the spec file

__all__ = [
    "ENVIRONMENTS",
    "FINAL_STATUSES",
    "MARKETS",
    "POLL_POLICY",
    "QUOTA",
    "SPEC",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "AsyncClient",
    "Client",
    "CreateOrderRequest",
    "Order",
    "OrderItem",
    "OrderStatus",
    "PollPolicy",
    "StatusTrigger",
    "WaitCancelled",
    "WaitTimeout",
    "errors",
    "models",
]

if not TYPE_CHECKING:  # the models, the async client and the spec's provenance: on first use
    __getattr__, __dir__ = api_exports(__name__, __all__)
