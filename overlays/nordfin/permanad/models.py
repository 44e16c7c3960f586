"""The models of the Permånad Partner API, as generated from specs/permanad/openapi.yaml."""

from typing import TYPE_CHECKING

from nordfin._core.lazy import lazy_exports
from nordfin_generated.unset import UNSET, Unset

if TYPE_CHECKING:
    from nordfin_generated.permanad.models import (
        CalculateRequest,
        Contract,
        CreateOrderRequest,
        ErrorResponse,
        InvoiceInterval,
        MonthlyAmount,
        Order,
        OrderItem,
        OrderListResponseData,
        OrderStatus,
        Pagination,
        Partner,
        PartnerInformationResponseData,
        PartnerTariff,
        StatusChange,
        StatusTrigger,
        UpdateOrderRequest,
    )

__all__ = [
    "UNSET",
    "CalculateRequest",
    "Contract",
    "CreateOrderRequest",
    "ErrorResponse",
    "InvoiceInterval",
    "MonthlyAmount",
    "Order",
    "OrderItem",
    "OrderListResponseData",
    "OrderStatus",
    "Pagination",
    "Partner",
    "PartnerInformationResponseData",
    "PartnerTariff",
    "StatusChange",
    "StatusTrigger",
    "Unset",
    "UpdateOrderRequest",
]

if not TYPE_CHECKING:  # each model is imported on first use
    __getattr__, __dir__ = lazy_exports(__name__, __all__, "nordfin_generated.permanad.models")
