"""The models of the PayEx Ledger Customer API, as generated from specs/payex/openapi.yaml."""

from typing import TYPE_CHECKING

from nordfin_generated.payex.models import (
    Address,
    AddressInput,
    Consent,
    Customer,
    CustomerCreate,
    CustomerPatch,
    CustomerReference,
    DisbursementOrder,
    DisbursementOrderCreate,
    DisbursementOrderList,
    DistributionType,
    EdiAddressInfo,
    InternationalAccount,
    LegalEntity,
    LegalStatus,
    NationalIdentifier,
    Navigation,
    NorwegianBankAccount,
    Operation,
    OperationMethod,
    PreferredLanguageCode,
    Surplus,
    SurplusList,
    SurplusStatus,
    SwedishBankAccount,
    SwedishSus,
)
from nordfin_generated.payex.types import UNSET, Unset

__all__ = [
    "UNSET",
    "Address",
    "AddressInput",
    "Consent",
    "Customer",
    "CustomerCreate",
    "CustomerPatch",
    "CustomerReference",
    "DisbursementOrder",
    "DisbursementOrderCreate",
    "DisbursementOrderList",
    "DistributionType",
    "EdiAddressInfo",
    "ExpandedCustomer",
    "InternationalAccount",
    "LegalEntity",
    "LegalStatus",
    "NationalIdentifier",
    "Navigation",
    "NorwegianBankAccount",
    "Operation",
    "OperationMethod",
    "PreferredLanguageCode",
    "Surplus",
    "SurplusList",
    "SurplusStatus",
    "SwedishBankAccount",
    "SwedishSus",
    "Unset",
]


class ExpandedCustomer(Customer):
    """A ``Customer`` as ``customers.get(customer_no, expand=True)`` answers it.

    Both addresses are ``Address`` objects, never links, and typed so:
    ``client.customers.get("9999", expand=True).legal_address.city`` type-checks.
    The client checks this of every expanded answer before returning it.
    """

    __slots__ = ()
    if TYPE_CHECKING:
        legal_address: Address
        billing_address: Address | None
