"""Aptic API Gateway, Customers v1.0: customers and their sub-resources at one tenant's gateway.

>>> from nordfin import aptic
>>> client = aptic.Client(base_url=aptic.gateway_url("c005013.test.hosting.aptic.cloud", "C005013-15530-T01"),
...                       client_id="...", client_secret="...")                    # doctest: +SKIP
>>> name = aptic.Field("fullName")
>>> str(name.eq("O'Brien") & aptic.Field("juridicalType").eq(0))
"(fullName eq 'O''Brien') and (juridicalType eq 0)"
>>> for customer in client.customers.iterate(filter=name.eq("O'Brien")):           # doctest: +SKIP
...     client.customers.addresses(customer.customer_guid).list()
"""

from typing import TYPE_CHECKING

from nordfin._core.lazy import api_exports
from nordfin._core.odata import Filter, and_, literal, not_, or_, raw
from nordfin.aptic import errors, models
from nordfin.aptic._checks import Field
from nordfin.aptic._plans import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TOKEN_PATH, ListArgs, gateway_url
from nordfin.aptic._sync import Client, Customers, EditableItems, Items, Mandates, Questions, Services
from nordfin.aptic.errors import ApticProblem

if TYPE_CHECKING:
    from nordfin._core.provenance import SpecProvenance
    from nordfin.aptic._async import (
        AsyncClient,
        AsyncCustomers,
        AsyncEditableItems,
        AsyncItems,
        AsyncMandates,
        AsyncQuestions,
        AsyncServices,
    )
    from nordfin.aptic.models import (
        UNSET,
        BankAccountClass,
        CreditInsuranceCreate,
        CreditInsuranceUpdate,
        Customer,
        CustomerAddressInput,
        CustomerCreate,
        CustomerParameter,
        CustomerParameterInput,
        CustomerUpdate,
        DirectDebitMandateInput,
        DirectDebitMandateType,
        ExtraField,
        ExtraFieldInput,
        ExtraFieldValue,
        GenderType,
        JuridicalType,
        UserQuestionResponse,
    )

    # read on first use, like the models
    SPEC: SpecProvenance  # the spec this module was generated from
    SPEC_VERSION: str  # its info.version
    SPEC_SHA256: str  # the sha256 of the spec file

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "SPEC",
    "SPEC_SHA256",
    "SPEC_VERSION",
    "TOKEN_PATH",
    "UNSET",
    "ApticProblem",
    "AsyncClient",
    "AsyncCustomers",
    "AsyncEditableItems",
    "AsyncItems",
    "AsyncMandates",
    "AsyncQuestions",
    "AsyncServices",
    "BankAccountClass",
    "Client",
    "CreditInsuranceCreate",
    "CreditInsuranceUpdate",
    "Customer",
    "CustomerAddressInput",
    "CustomerCreate",
    "CustomerParameter",
    "CustomerParameterInput",
    "CustomerUpdate",
    "Customers",
    "DirectDebitMandateInput",
    "DirectDebitMandateType",
    "EditableItems",
    "ExtraField",
    "ExtraFieldInput",
    "ExtraFieldValue",
    "Field",
    "Filter",
    "GenderType",
    "Items",
    "JuridicalType",
    "ListArgs",
    "Mandates",
    "Questions",
    "Services",
    "UserQuestionResponse",
    "and_",
    "errors",
    "gateway_url",
    "literal",
    "models",
    "not_",
    "or_",
    "raw",
]

if not TYPE_CHECKING:  # the models, the async client and the spec's provenance: on first use
    __getattr__, __dir__ = api_exports(__name__, __all__)
