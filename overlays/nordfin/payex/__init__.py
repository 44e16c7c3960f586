"""PayEx Ledger Customer API: customers, addresses and surpluses of one ledger.

>>> from nordfin import ClientCert, payex
>>> client = payex.Client(ledger_number="591", token="...", cert=ClientCert("me.pem"))  # doctest: +SKIP
>>> customer = client.customers.get("9999", expand=True)                               # doctest: +SKIP
>>> if payex.allowed(customer, "add-billing-address"):                                 # doctest: +SKIP
...     client.billing_address.add("9999", payex.AddressInput(...))
"""

from typing import TYPE_CHECKING

from nordfin._core.lazy import api_exports
from nordfin.payex import errors, models
from nordfin.payex._plans import ENVIRONMENTS, allowed, find_operation
from nordfin.payex._sync import Client

if TYPE_CHECKING:
    from nordfin._core.provenance import SpecProvenance
    from nordfin.payex._async import AsyncClient
    from nordfin.payex.models import (
        UNSET,
        Address,
        AddressInput,
        Customer,
        CustomerReference,
        EdiAddressInfo,
        ExpandedCustomer,
        InternationalAccount,
        NationalIdentifier,
        NorwegianBankAccount,
        Surplus,
        SwedishBankAccount,
        SwedishSus,
    )

    # read on first use, like the models
    SPEC: SpecProvenance  # the spec this module was generated from
    SPEC_VERSION: str  # its info.version
    SPEC_SHA256: str  # the sha256 of the spec file

__all__ = [
    "ENVIRONMENTS",
    "SPEC",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "UNSET",
    "Address",
    "AddressInput",
    "AsyncClient",
    "Client",
    "Customer",
    "CustomerReference",
    "EdiAddressInfo",
    "ExpandedCustomer",
    "InternationalAccount",
    "NationalIdentifier",
    "NorwegianBankAccount",
    "Surplus",
    "SwedishBankAccount",
    "SwedishSus",
    "allowed",
    "errors",
    "find_operation",
    "models",
]

if not TYPE_CHECKING:  # the models, the async client and the spec's provenance: on first use
    __getattr__, __dir__ = api_exports(__name__, __all__)
