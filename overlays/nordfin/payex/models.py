"""The models of the PayEx Ledger Customer API, as generated from specs/payex/openapi.yaml."""

from typing import TYPE_CHECKING

from nordfin._core.lazy import lazy_exports

# ExpandedCustomer extends Customer: that model (and the five it names) loads with this module
from nordfin_generated.payex.models import Customer
from nordfin_generated.payex.types import UNSET, Unset

if TYPE_CHECKING:
    from nordfin_generated.payex.models import (
        Address,
        AddressInput,
        Consent,
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

if not TYPE_CHECKING:  # each model is imported on first use
    __getattr__, __dir__ = lazy_exports(__name__, __all__, "nordfin_generated.payex.models")


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
