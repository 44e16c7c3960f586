"""``nordfin.payex.Client`` and ``AsyncClient``: the PayEx Ledger Customer API of one ledger."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs
import httpx

from nordfin._core.auth import BearerAuth
from nordfin._core.base import AsyncClientBase, ClientBase, ClientSetup, Options, resolve_base_url
from nordfin._core.pagination import AsyncPager, Pager
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Plan, Session
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert
from nordfin._core.validate import check_country, check_header_value, check_path_id, check_type
from nordfin.errors import RequestValidationError
from nordfin.payex import _checks
from nordfin.payex.errors import CODES, PayexProblem, parse_error
from nordfin_generated.payex import Client as GeneratedClient
from nordfin_generated.payex.api.billing_address import (
    add_billing_address,
    delete_billing_address,
    get_billing_address,
    replace_billing_address,
)
from nordfin_generated.payex.api.customers import (
    create_customer,
    find_customer,
    generate_consumer_customer_by_reg_no,
    get_customer,
    update_customer,
)
from nordfin_generated.payex.api.legal_address import (
    get_legal_address,
    replace_legal_address,
    update_legal_address_from_population_register,
)
from nordfin_generated.payex.api.surpluses import (
    add_disbursement_order,
    get_surplus,
    list_active_disbursement_orders,
    list_surpluses,
)
from nordfin_generated.payex.models import (
    Address,
    AddressInput,
    Customer,
    CustomerCreate,
    CustomerPatch,
    CustomerReference,
    DisbursementOrderCreate,
    DisbursementOrderList,
    DistributionType,
    EdiAddressInfo,
    Empty,
    FindCustomer,
    GenerateConsumerCustomer,
    InternationalAccount,
    LegalEntity,
    LegalStatus,
    NationalIdentifier,
    NorwegianBankAccount,
    Operation,
    PreferredLanguageCode,
    Surplus,
    SurplusList,
    SwedishBankAccount,
    SwedishSus,
)
from nordfin_generated.payex.types import UNSET, Unset

__all__ = ["ENVIRONMENTS", "AsyncClient", "Client", "allowed", "find_operation"]

ENVIRONMENTS = {"production": "https://lf-api.payex.com", "sandbox": "https://api.sandbox.payex.com"}
#: The API's route under a host: `/ledger/{Subdomain}/v1/{LedgerNumber}`, Subdomain `customer`.
ROUTE = "/ledger/customer/v1/{ledger}"
EXPANDABLE = ("legaladdress", "billingaddress")
_LEDGER = re.compile(r"^[A-Za-z0-9]{1,20}$")

PROFILE = ApiProfile(
    slug="payex",
    generated_client=GeneratedClient(base_url="", raise_on_unexpected_status=True),
    error_parser=parse_error,
    error_classes=CODES,
    error_base=PayexProblem,
)

#: Every generated operation by operationId, to follow a hypermedia link to the right one.
MODULES: dict[str, ModuleType] = {
    module.__name__.rsplit(".", 1)[-1]: module
    for module in (
        add_billing_address,
        delete_billing_address,
        get_billing_address,
        replace_billing_address,
        create_customer,
        find_customer,
        generate_consumer_customer_by_reg_no,
        get_customer,
        update_customer,
        get_legal_address,
        replace_legal_address,
        update_legal_address_from_population_register,
        add_disbursement_order,
        get_surplus,
        list_active_disbursement_orders,
        list_surpluses,
    )
}
EXPECT: dict[str, type[Any]] = {
    "get_customer": Customer,
    "create_customer": CustomerReference,
    "find_customer": CustomerReference,
    "generate_consumer_customer_by_reg_no": CustomerReference,
    "get_legal_address": Address,
    "get_billing_address": Address,
    "list_surpluses": SurplusList,
    "get_surplus": Surplus,
    "list_active_disbursement_orders": DisbursementOrderList,
}

E = TypeVar("E", bound=Enum)


def allowed(resource: Any, rel: str) -> bool:
    """Whether ``resource`` (a customer, address or surplus as answered) currently offers ``rel``."""
    return _find(resource, rel) is not None


def find_operation(resource: Any, rel: str) -> Operation:
    """The operation ``rel`` that ``resource`` currently offers; RequestValidationError if none."""
    found = _find(resource, rel)
    if found is None:
        raise RequestValidationError("rel", f"{rel!r} is not currently allowed on this resource")
    return found


def _find(resource: Any, rel: str) -> Operation | None:
    operations = getattr(resource, "operations", UNSET)
    if isinstance(operations, Unset) or operations is None:
        return None
    return next((op for op in operations if op.rel == rel), None)


def _enum(kind: type[E], value: Any, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in kind)
        raise RequestValidationError(field, f"must be one of {choices}") from None


def _optional_enum(kind: type[E], value: Any, field: str) -> E | Unset:
    return UNSET if value is None else _enum(kind, value, field)


def _maybe(value: Any) -> Any:
    return UNSET if value is None else value


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _snake_to_camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda match: match.group(1).upper(), name)


def _check_model(field: str, value: Any, kind: type, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    check_type(field, value, kind)
    country = getattr(value, "country_code", None)
    if isinstance(country, str):  # addresses and national identifiers: an assigned ISO 3166-1 code
        check_country(f"{_snake_to_camel(field)}.countryCode", country)  # named as the spec's errors are


def _check_identifier(field: str, value: NationalIdentifier | None) -> None:
    _check_model(field, value, NationalIdentifier)
    if value is not None:
        _checks.check_national_identifier(field, value.reg_no, value.country_code)


def _stripped(reference: CustomerReference) -> CustomerReference:
    """PayEx's answers write the customer number with a leading space (" 9999"); callers get "9999"."""
    return attrs.evolve(reference, customer_no=reference.customer_no.strip())


def _next_skip(page: SurplusList, cursor: int | None) -> int | None:
    """The ``skip`` of ``navigation.next``; None on the last page (no ``next``)."""
    navigation = page.navigation
    if isinstance(navigation, Unset) or isinstance(navigation.next_, Unset):
        return None
    return _checks.next_offset(navigation.next_, navigation.id)


class Plans:
    """Each call described once, for the sync and the async client alike."""

    def __init__(self, ledger_country: str | None, base_path: str) -> None:
        self.ledger_country = ledger_country
        self.base_path = base_path

    def _customer_no(self, value: Any, field: str = "customer_no") -> str:
        """A customer number for a path: PayEx's answers write it with a leading space (" 9999")."""
        return check_path_id(field, value.strip() if isinstance(value, str) else value)

    # --- customers ----------------------------------------------------------------------------

    def get_customer(self, customer_no: str, expand: Iterable[str] | bool) -> Plan[Customer]:
        arguments: dict[str, Any] = {"customer_no": self._customer_no(customer_no)}
        names = list(EXPANDABLE) if expand is True else [] if expand is False else list(expand)
        if any(name not in EXPANDABLE for name in names):
            raise RequestValidationError("expand", f"may name only {', '.join(EXPANDABLE)}")
        if names:
            arguments["expand"] = ",".join(dict.fromkeys(names))
        return Plan(get_customer, Customer, arguments)

    def create_customer(self, fields: dict[str, Any]) -> Plan[CustomerReference]:
        _check_identifier("national_identifier", fields["national_identifier"])
        _checks.check_customer_no("customer_no", fields["customer_no"], self.ledger_country)
        if fields["vat_no"] is not None:
            _checks.check_vat_no("vat_no", fields["vat_no"])
        for name, kind in (("legal_address", AddressInput), ("billing_address", AddressInput)):
            _check_model(name, fields[name], kind, optional=name != "legal_address")
        _check_model("edi_address_info", fields["edi_address_info"], EdiAddressInfo)
        body = CustomerCreate(
            name=fields["name"],
            legal_address=fields["legal_address"],
            customer_no=_maybe(fields["customer_no"]),
            national_identifier=_maybe(fields["national_identifier"]),
            vat_no=_maybe(fields["vat_no"]),
            legal_entity=_optional_enum(LegalEntity, fields["legal_entity"], "legal_entity"),
            preferred_language_code=_optional_enum(
                PreferredLanguageCode, fields["preferred_language_code"], "preferred_language_code"
            ),
            email_address=_maybe(fields["email_address"]),
            msisdn=_maybe(fields["msisdn"]),
            protected_identity=_maybe(fields["protected_identity"]),
            distribution_type=_optional_enum(
                DistributionType, fields["distribution_type"], "distribution_type"
            ),
            e_di_address_info=_maybe(fields["edi_address_info"]),
            billing_address=_maybe(fields["billing_address"]),
        )
        return Plan(create_customer, CustomerReference, {"body": body}, then=_stripped)

    def update_customer(self, customer_no: str, changes: dict[str, Any]) -> Plan[None]:
        """PATCH: UNSET leaves a property alone, None deletes it, a value sets it."""
        given = {name: value for name, value in changes.items() if not isinstance(value, Unset)}
        if not given:
            raise RequestValidationError("changes", "give at least one property to change or delete")
        enums = {
            "legal_status": LegalStatus,
            "preferred_language_code": PreferredLanguageCode,
            "distribution_type": DistributionType,
        }
        for name, kind in enums.items():
            if given.get(name) is not None:
                given[name] = _enum(kind, given[name], name)
        _check_model("edi_address_info", given.get("edi_address_info"), EdiAddressInfo)
        body = CustomerPatch(
            **{("e_di_address_info" if k == "edi_address_info" else k): v for k, v in given.items()}
        )
        return Plan(update_customer, None, {"customer_no": self._customer_no(customer_no), "body": body})

    def find_customer(self, national_identifier: NationalIdentifier) -> Plan[CustomerReference]:
        _check_model("national_identifier", national_identifier, NationalIdentifier, optional=False)
        _check_identifier("national_identifier", national_identifier)
        body = FindCustomer(national_identifier=national_identifier)
        return Plan(find_customer, CustomerReference, {"body": body}, then=_stripped)

    def generate_customer(
        self,
        national_identifier: NationalIdentifier,
        customer_no: str | None,
        email_address: str | None,
        msisdn: str | None,
    ) -> Plan[CustomerReference]:
        _check_model("national_identifier", national_identifier, NationalIdentifier, optional=False)
        _check_identifier("national_identifier", national_identifier)
        _checks.check_customer_no("customer_no", customer_no, self.ledger_country)
        body = GenerateConsumerCustomer(
            national_identifier=national_identifier,
            customer_no=_maybe(customer_no),
            email_address=_maybe(email_address),
            msisdn=_maybe(msisdn),
        )
        return Plan(generate_consumer_customer_by_reg_no, CustomerReference, {"body": body}, then=_stripped)

    # --- addresses ----------------------------------------------------------------------------

    def get_address(self, module: ModuleType, customer_no: str) -> Plan[Address]:
        return Plan(module, Address, {"customer_no": self._customer_no(customer_no)})

    def write_address(self, module: ModuleType, customer_no: str, address: AddressInput) -> Plan[None]:
        _check_model("address", address, AddressInput, optional=False)
        return Plan(module, None, {"customer_no": self._customer_no(customer_no), "body": address})

    def no_body(self, module: ModuleType, customer_no: str, body: Any = UNSET) -> Plan[None]:
        arguments: dict[str, Any] = {"customer_no": self._customer_no(customer_no)}
        if not isinstance(body, Unset):
            arguments["body"] = body
        return Plan(module, None, arguments)

    # --- surpluses ----------------------------------------------------------------------------

    def list_surpluses(self, customer_no: str, skip: int | None) -> Plan[SurplusList]:
        arguments: dict[str, Any] = {"customer_no": self._customer_no(customer_no)}
        if skip is not None:
            check_type("skip", skip, int)
            arguments["skip"] = skip
        return Plan(list_surpluses, SurplusList, arguments)

    def _surplus(self, customer_no: str, surplus_id: str) -> dict[str, Any]:
        return {
            "customer_no": self._customer_no(customer_no),
            "surplus_id": check_path_id("surplus_id", surplus_id),
        }

    def get_surplus(self, customer_no: str, surplus_id: str) -> Plan[Surplus]:
        return Plan(get_surplus, Surplus, self._surplus(customer_no, surplus_id))

    def disbursement_orders(self, customer_no: str, surplus_id: str) -> Plan[DisbursementOrderList]:
        arguments = self._surplus(customer_no, surplus_id)
        return Plan(list_active_disbursement_orders, DisbursementOrderList, arguments)

    def add_disbursement(self, customer_no: str, surplus_id: str, ways: dict[str, Any]) -> Plan[None]:
        chosen = _checks.check_exactly_one(ways)
        value = ways[chosen]
        kinds = {
            "norwegian_bank_account": NorwegianBankAccount,
            "swedish_bank_account": SwedishBankAccount,
            "international": InternationalAccount,
            "swedish_sus": SwedishSus,
        }
        check_type(chosen, value, kinds[chosen])
        if isinstance(value, NorwegianBankAccount):
            _checks.check_norwegian_account(f"{chosen}.account_no", value.account_no)
        if isinstance(value, InternationalAccount):
            _checks.check_iban_bic(chosen, value.iban, value.bic)
        if isinstance(value, SwedishSus):
            _check_identifier(f"{chosen}.national_identifier", value.national_identifier)
        body = DisbursementOrderCreate(**{chosen: value})
        arguments = {**self._surplus(customer_no, surplus_id), "body": body}
        return Plan(add_disbursement_order, None, arguments)

    # --- hypermedia ---------------------------------------------------------------------------

    def follow(self, resource: Any, rel: str, body: Any) -> Plan[Any]:
        """The call behind the operation ``rel`` that ``resource`` offers now."""
        link = find_operation(resource, rel)
        path = urlsplit(link.href).path
        if not path.startswith(self.base_path + "/"):
            raise RequestValidationError("href", "does not lead into this client's ledger")
        relative, method = path[len(self.base_path) :], str(link.method.value)
        spec = PROFILE.spec
        # An operation resource is POSTed to .../<rel> (PayEx REST guideline); some links give the parent.
        found = spec.match(method, relative) or spec.match(method, f"{relative.rstrip('/')}/{rel}")
        if found is None:
            raise RequestValidationError("rel", f"{rel!r} leads to no documented operation")
        operation, params = found
        arguments: dict[str, Any] = {_camel_to_snake(name): value for name, value in params.items()}
        if body is not None:
            arguments["body"] = body
        return Plan(MODULES[operation.operation_id], EXPECT.get(operation.operation_id), arguments)


_PATCH_DOC = """Change some properties of a customer (PATCH).

        Each property has three states: leave it out (not changed), give a value (set), or give
        ``None`` (deleted). Only what you name is sent, so nothing is wiped by accident.
        """


class Customers:
    """``client.customers``: create, read, change and find customers."""

    def __init__(self, session: Session, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    def get(self, customer_no: str, *, expand: Iterable[str] | bool = False) -> Customer:
        """The customer; ``expand=True`` (or names from ``EXPANDABLE``) answers addresses as objects."""
        return self._session.run(self._plans.get_customer(customer_no, expand))

    def create(
        self,
        *,
        name: str,
        legal_address: AddressInput,
        customer_no: str | None = None,
        national_identifier: NationalIdentifier | None = None,
        vat_no: str | None = None,
        legal_entity: LegalEntity | str | None = None,
        preferred_language_code: PreferredLanguageCode | str | None = None,
        email_address: str | None = None,
        msisdn: str | None = None,
        protected_identity: bool | None = None,
        distribution_type: DistributionType | str | None = None,
        edi_address_info: EdiAddressInfo | None = None,
        billing_address: AddressInput | None = None,
    ) -> CustomerReference:
        """Create a customer; the answer holds its ``@id`` and ``customer_no``."""
        fields = dict(locals())
        del fields["self"]
        return self._session.run(self._plans.create_customer(fields))

    def update(
        self,
        customer_no: str,
        *,
        email_address: str | Unset | None = UNSET,
        msisdn: str | Unset | None = UNSET,
        legal_status: LegalStatus | str | Unset | None = UNSET,
        preferred_language_code: PreferredLanguageCode | str | Unset | None = UNSET,
        protected_identity: bool | Unset | None = UNSET,
        distribution_type: DistributionType | str | Unset | None = UNSET,
        edi_address_info: EdiAddressInfo | Unset | None = UNSET,
    ) -> None:
        changes = dict(locals())
        del changes["self"], changes["customer_no"]
        self._session.run(self._plans.update_customer(customer_no, changes))

    update.__doc__ = _PATCH_DOC

    def find(self, national_identifier: NationalIdentifier) -> CustomerReference:
        """The customer with this national identifier (CustomerNotFound if none)."""
        return self._session.run(self._plans.find_customer(national_identifier))

    def generate_consumer(
        self,
        national_identifier: NationalIdentifier,
        *,
        customer_no: str | None = None,
        email_address: str | None = None,
        msisdn: str | None = None,
    ) -> CustomerReference:
        """Create a consumer customer with the legal address from the population register."""
        plan = self._plans.generate_customer(national_identifier, customer_no, email_address, msisdn)
        return self._session.run(plan)


class LegalAddresses:
    """``client.legal_address``: the customer's legal address."""

    def __init__(self, session: Session, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    def get(self, customer_no: str) -> Address:
        """The legal address (LegalAddressNotFound if none)."""
        return self._session.run(self._plans.get_address(get_legal_address, customer_no))

    def replace(self, customer_no: str, address: AddressInput) -> None:
        """Replace the legal address (PUT)."""
        self._session.run(self._plans.write_address(replace_legal_address, customer_no, address))

    def update_from_population_register(self, customer_no: str) -> None:
        """Replace the legal address with the population register's (only if agreed with PayEx)."""
        module = update_legal_address_from_population_register
        self._session.run(self._plans.no_body(module, customer_no, Empty()))


class BillingAddresses:
    """``client.billing_address``: the customer's optional billing address."""

    def __init__(self, session: Session, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    def get(self, customer_no: str) -> Address:
        """The billing address (BillingAddressNotFound if none)."""
        return self._session.run(self._plans.get_address(get_billing_address, customer_no))

    def add(self, customer_no: str, address: AddressInput) -> None:
        """Add a billing address (allowed only while the customer has none)."""
        self._session.run(self._plans.write_address(add_billing_address, customer_no, address))

    def replace(self, customer_no: str, address: AddressInput) -> None:
        """Replace the billing address (PUT)."""
        self._session.run(self._plans.write_address(replace_billing_address, customer_no, address))

    def delete(self, customer_no: str) -> None:
        """Delete the billing address."""
        self._session.run(self._plans.no_body(delete_billing_address, customer_no))


class Surpluses:
    """``client.surpluses``: a customer's surpluses (overpayments) and their disbursement."""

    def __init__(self, session: Session, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    def list(self, customer_no: str, *, skip: int | None = None) -> SurplusList:
        """One page of surpluses (``navigation.next`` links the next page)."""
        return self._session.run(self._plans.list_surpluses(customer_no, skip))

    def iterate(self, customer_no: str) -> Pager[SurplusList, int | None, Surplus]:
        """Every surplus of the customer, lazily, following ``navigation.next`` page by page."""
        return Pager(
            lambda skip: self.list(customer_no, skip=skip),
            first=None,
            items=lambda p: p.items,
            next_cursor=_next_skip,
        )

    def get(self, customer_no: str, surplus_id: str) -> Surplus:
        """One surplus (PayexNotFound if there is none with this id)."""
        return self._session.run(self._plans.get_surplus(customer_no, surplus_id))

    def disbursement_orders(self, customer_no: str, surplus_id: str) -> DisbursementOrderList:
        """The surplus' active disbursement orders."""
        plan = self._plans.disbursement_orders(customer_no, surplus_id)
        return self._session.run(plan)

    def disburse(
        self,
        customer_no: str,
        surplus_id: str,
        *,
        norwegian_bank_account: NorwegianBankAccount | None = None,
        swedish_bank_account: SwedishBankAccount | None = None,
        international: InternationalAccount | None = None,
        swedish_sus: SwedishSus | None = None,
    ) -> None:
        """Order the surplus disbursed, to exactly one of the four kinds of destination."""
        ways = dict(locals())
        del ways["self"], ways["customer_no"], ways["surplus_id"]
        self._session.run(self._plans.add_disbursement(customer_no, surplus_id, ways))


class AsyncCustomers:
    """``client.customers`` of the ``AsyncClient``: the same calls, awaited."""

    def __init__(self, session: AsyncSession, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    async def get(self, customer_no: str, *, expand: Iterable[str] | bool = False) -> Customer:
        """The customer; ``expand=True`` (or names from ``EXPANDABLE``) answers addresses as objects."""
        return await self._session.run(self._plans.get_customer(customer_no, expand))

    async def create(self, *, name: str, legal_address: AddressInput, **optional: Any) -> CustomerReference:
        """Create a customer; the same keyword arguments as ``Client.customers.create``."""
        fields = dict.fromkeys(_CREATE_OPTIONAL)
        unknown = set(optional) - set(_CREATE_OPTIONAL)
        if unknown:
            raise RequestValidationError(sorted(unknown)[0], "is not a property of a new customer")
        fields.update(optional, name=name, legal_address=legal_address)
        return await self._session.run(self._plans.create_customer(fields))

    async def update(self, customer_no: str, **changes: Any) -> None:
        unknown = set(changes) - set(_PATCHABLE)
        if unknown:
            raise RequestValidationError(sorted(unknown)[0], "cannot be changed by an update")
        await self._session.run(self._plans.update_customer(customer_no, changes))

    update.__doc__ = _PATCH_DOC

    async def find(self, national_identifier: NationalIdentifier) -> CustomerReference:
        """The customer with this national identifier (CustomerNotFound if none)."""
        return await self._session.run(self._plans.find_customer(national_identifier))

    async def generate_consumer(
        self,
        national_identifier: NationalIdentifier,
        *,
        customer_no: str | None = None,
        email_address: str | None = None,
        msisdn: str | None = None,
    ) -> CustomerReference:
        """Create a consumer customer with the legal address from the population register."""
        plan = self._plans.generate_customer(national_identifier, customer_no, email_address, msisdn)
        return await self._session.run(plan)


_CREATE_OPTIONAL = (
    "customer_no",
    "national_identifier",
    "vat_no",
    "legal_entity",
    "preferred_language_code",
    "email_address",
    "msisdn",
    "protected_identity",
    "distribution_type",
    "edi_address_info",
    "billing_address",
)
_PATCHABLE = (
    "email_address",
    "msisdn",
    "legal_status",
    "preferred_language_code",
    "protected_identity",
    "distribution_type",
    "edi_address_info",
)


class AsyncLegalAddresses:
    """``client.legal_address`` of the ``AsyncClient``."""

    def __init__(self, session: AsyncSession, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    async def get(self, customer_no: str) -> Address:
        """The legal address (LegalAddressNotFound if none)."""
        return await self._session.run(self._plans.get_address(get_legal_address, customer_no))

    async def replace(self, customer_no: str, address: AddressInput) -> None:
        """Replace the legal address (PUT)."""
        await self._session.run(self._plans.write_address(replace_legal_address, customer_no, address))

    async def update_from_population_register(self, customer_no: str) -> None:
        """Replace the legal address with the population register's (only if agreed with PayEx)."""
        module = update_legal_address_from_population_register
        await self._session.run(self._plans.no_body(module, customer_no, Empty()))


class AsyncBillingAddresses:
    """``client.billing_address`` of the ``AsyncClient``."""

    def __init__(self, session: AsyncSession, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    async def get(self, customer_no: str) -> Address:
        """The billing address (BillingAddressNotFound if none)."""
        return await self._session.run(self._plans.get_address(get_billing_address, customer_no))

    async def add(self, customer_no: str, address: AddressInput) -> None:
        """Add a billing address (allowed only while the customer has none)."""
        await self._session.run(self._plans.write_address(add_billing_address, customer_no, address))

    async def replace(self, customer_no: str, address: AddressInput) -> None:
        """Replace the billing address (PUT)."""
        await self._session.run(self._plans.write_address(replace_billing_address, customer_no, address))

    async def delete(self, customer_no: str) -> None:
        """Delete the billing address."""
        await self._session.run(self._plans.no_body(delete_billing_address, customer_no))


class AsyncSurpluses:
    """``client.surpluses`` of the ``AsyncClient``."""

    def __init__(self, session: AsyncSession, plans: Plans) -> None:
        self._session = session
        self._plans = plans

    async def list(self, customer_no: str, *, skip: int | None = None) -> SurplusList:
        """One page of surpluses (``navigation.next`` links the next page)."""
        return await self._session.run(self._plans.list_surpluses(customer_no, skip))

    def iterate(self, customer_no: str) -> AsyncPager[SurplusList, int | None, Surplus]:
        """Every surplus of the customer, lazily (``async for``), following ``navigation.next``."""
        return AsyncPager(
            lambda skip: self.list(customer_no, skip=skip),
            first=None,
            items=lambda p: p.items,
            next_cursor=_next_skip,
        )

    async def get(self, customer_no: str, surplus_id: str) -> Surplus:
        """One surplus (PayexNotFound if there is none with this id)."""
        return await self._session.run(self._plans.get_surplus(customer_no, surplus_id))

    async def disbursement_orders(self, customer_no: str, surplus_id: str) -> DisbursementOrderList:
        """The surplus' active disbursement orders."""
        plan = self._plans.disbursement_orders(customer_no, surplus_id)
        return await self._session.run(plan)

    async def disburse(self, customer_no: str, surplus_id: str, **ways: Any) -> None:
        """Order the surplus disbursed, to exactly one of the four kinds of destination."""
        chosen = {name: ways.pop(name, None) for name in _DISBURSE_WAYS}
        if ways:
            raise RequestValidationError(sorted(ways)[0], "is no kind of disbursement destination")
        await self._session.run(self._plans.add_disbursement(customer_no, surplus_id, chosen))


_DISBURSE_WAYS = ("norwegian_bank_account", "swedish_bank_account", "international", "swedish_sus")


_CLIENT_DOC = """{kind} for the PayEx Ledger Customer API of one ledger.

    Credentials, as PayEx issues them: ``ledger_number`` (the ledger the token was issued for),
    ``token`` (the opaque reference token, sent as ``Authorization: Bearer``) and ``cert`` (the
    client certificate for mutual TLS, a ``nordfin.ClientCert``; required unless ``transport=`` or
    ``base_url=`` is given). Settings:

    - ``environment``: ``"production"`` (default) or ``"sandbox"``; or ``base_url=`` for another host
      (the host root; the client adds ``/ledger/customer/v1/<ledger_number>``);
    - ``ledger_country``: ``"NO"``/``"DK"`` (customer numbers must be 7 digits) or ``"SE"`` (no leading
      zero), checked before sending; ``None`` checks only what the spec says;
    - ``timeout``, ``retry`` (reads are retried, a create is never sent twice), ``rate_limit`` (PayEx
      documents no quota: none by default, or a ``RateLimiter`` of your own), ``strict``,
      ``transport`` (e.g. ``nordfin.testing.payex.FakePayex()``), ``sleep``.
    """


def _options(ledger_number: str, environment: str | None, base_url: str | None, **settings: Any) -> Options:
    check_header_value("ledger_number", ledger_number)
    if not _LEDGER.match(ledger_number):
        raise RequestValidationError("ledger_number", "must be 1-20 letters or digits")
    root = resolve_base_url(ENVIRONMENTS, environment, base_url)
    route = ROUTE.format(ledger=ledger_number)
    url = root if root.endswith(route) else root + route
    return Options(base_url=url, **settings)


class _PayexClient(ClientSetup):
    """The constructor both PayEx clients share; see ``Client``."""

    _resources: tuple[type[Any], type[Any], type[Any], type[Any]]

    def __init__(
        self,
        *,
        ledger_number: str,
        token: str | Secret,
        cert: ClientCert | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        ledger_country: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimiter | None = None,
        strict: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        sleep: Any = None,
    ) -> None:
        if cert is None and transport is None and base_url is None:
            raise RequestValidationError("cert", "PayEx requires a client certificate (mutual TLS)")
        if ledger_country not in (None, "SE", "NO", "DK", "FI"):
            raise RequestValidationError("ledger_country", "must be SE, NO, DK, FI or None")
        if not isinstance(token, Secret):
            check_header_value("token", token)
        settings = _options(
            ledger_number,
            environment,
            base_url,
            timeout=timeout,
            retry=RetryPolicy() if retry is None else retry,
            limiter=rate_limit,
            strict=strict,
            transport=transport,
            cert=cert,
            sleep=sleep,
        )
        self.ledger_number = ledger_number
        self._plans = Plans(ledger_country, urlsplit(settings.base_url).path.rstrip("/"))
        session = self._connect(PROFILE, BearerAuth(token), settings)
        customers, legal, billing, surpluses = self._resources
        self.customers = customers(session, self._plans)
        self.legal_address = legal(session, self._plans)
        self.billing_address = billing(session, self._plans)
        self.surpluses = surpluses(session, self._plans)


class Client(ClientBase, _PayexClient):
    __doc__ = _CLIENT_DOC.format(kind="Synchronous client")
    _resources = (Customers, LegalAddresses, BillingAddresses, Surpluses)
    customers: Customers
    legal_address: LegalAddresses
    billing_address: BillingAddresses
    surpluses: Surpluses

    def follow(self, resource: Any, rel: str, body: Any = None) -> Any:
        """Carry out the operation ``rel`` that ``resource`` offers (see ``allowed``), e.g.
        ``client.follow(customer, "add-billing-address", address)``; returns what it answers."""
        return self._session.run(self._plans.follow(resource, rel, body))


class AsyncClient(AsyncClientBase, _PayexClient):
    __doc__ = _CLIENT_DOC.format(kind="Asynchronous client")
    _resources = (AsyncCustomers, AsyncLegalAddresses, AsyncBillingAddresses, AsyncSurpluses)
    customers: AsyncCustomers
    legal_address: AsyncLegalAddresses
    billing_address: AsyncBillingAddresses
    surpluses: AsyncSurpluses

    async def follow(self, resource: Any, rel: str, body: Any = None) -> Any:
        """Carry out the operation ``rel`` that ``resource`` offers (see ``allowed``)."""
        return await self._session.run(self._plans.follow(resource, rel, body))
