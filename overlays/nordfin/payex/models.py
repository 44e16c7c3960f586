"""The models of the PayEx Ledger Customer API, as generated from specs/payex/openapi.yaml."""

from typing import TYPE_CHECKING, Any

from nordfin._core.lazy import lazy_exports
from nordfin_generated.unset import UNSET, Unset

if TYPE_CHECKING:
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

# ExpandedCustomer extends Customer, which loads with the five models it names: it is made on first
# use like the models (``__getattr__``); mypy and the docs read the class below.
_EXPANDED_DOC = """A ``Customer`` as ``customers.get(customer_no, expand=True)`` answers it.

Both addresses are ``Address`` objects, never links, and typed so:
``client.customers.get("9999", expand=True).legal_address.city`` type-checks.
The client checks this of every expanded answer before returning it.
"""

if TYPE_CHECKING:

    class ExpandedCustomer(Customer):
        __doc__ = _EXPANDED_DOC
        __slots__ = ()
        legal_address: Address
        billing_address: Address | None

else:  # each model is imported on first use
    _generated, __dir__ = lazy_exports(__name__, __all__, "nordfin_generated.payex.models")

    def __getattr__(name: str) -> Any:
        if name != "ExpandedCustomer":
            return _generated(name)
        from nordfin_generated.payex.models import Customer

        namespace = {"__doc__": _EXPANDED_DOC, "__slots__": (), "__module__": __name__}
        globals()[name] = expanded = type(name, (Customer,), namespace)
        return expanded
