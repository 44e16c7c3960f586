"""The models of the Permånad Partner API, as generated from specs/permanad/openapi.yaml."""

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
from nordfin_generated.permanad.types import UNSET, Unset

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
