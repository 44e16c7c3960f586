"""Each PayEx call described once, and the constructor both clients share (see ``_async.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, Unpack, cast
from urllib.parse import urlsplit

from nordfin._core.auth import BearerAuth
from nordfin._core.base import ClientSetup, resolve_base_url
from nordfin._core.checked import Checked, checked
from nordfin._core.lazy import forward_union
from nordfin._core.redact import Secret
from nordfin._core.session import ApiProfile, Call
from nordfin._core.settings import Settings, options
from nordfin._core.validate import check_country, check_header_value, check_path_id, check_type
from nordfin.errors import RequestValidationError, ResponseValidationError
from nordfin.payex import _checks
from nordfin.payex.errors import CODES, PayexProblem, parse_error
from nordfin_generated.payex import models
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
from nordfin_generated.unset import UNSET, Unset

if TYPE_CHECKING:
    from nordfin.payex.models import ExpandedCustomer

__all__ = [
    "BILLING",
    "CLIENT_DOC",
    "ENVIRONMENTS",
    "LEGAL",
    "PROFILE",
    "Calls",
    "FollowAnswer",
    "FollowBody",
    "Linked",
    "PayexSetup",
    "Resource",
    "allowed",
    "find_operation",
    "next_skip",
]

ENVIRONMENTS = {"production": "https://lf-api.payex.com", "sandbox": "https://api.sandbox.payex.com"}
#: The API's route under a host: `/ledger/{Subdomain}/v1/{LedgerNumber}`, Subdomain `customer`.
ROUTE = "/ledger/customer/v1/{ledger}"
EXPANDABLE = ("legaladdress", "billingaddress")
_LEDGER = re.compile(r"^[A-Za-z0-9]{1,20}$")

PROFILE = ApiProfile(
    slug="payex",
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

E = TypeVar("E", bound=Enum)
if TYPE_CHECKING:
    #: What offers hypermedia ``operations`` (``allowed``, ``follow``).
    Linked = models.Customer | models.Address | models.Surplus | models.DisbursementOrder
    #: What a followed operation may take as its body.
    FollowBody = (
        models.AddressInput
        | models.Empty
        | models.CustomerCreate
        | models.CustomerPatch
        | models.FindCustomer
        | models.GenerateConsumerCustomer
        | models.DisbursementOrderCreate
        | None
    )
    #: What a followed operation may answer.
    FollowAnswer = (
        models.Customer
        | models.CustomerReference
        | models.Address
        | models.SurplusList
        | models.Surplus
        | models.DisbursementOrderList
        | None
    )
else:  # forward references, read by the first call that checks them: importing loads no model
    _models = models  # their name for the models: one no module annotating with them binds
    Linked = forward_union(
        __name__, "_models.Customer", "_models.Address", "_models.Surplus", "_models.DisbursementOrder"
    )
    FollowBody = forward_union(
        __name__,
        "_models.AddressInput",
        "_models.Empty",
        "_models.CustomerCreate",
        "_models.CustomerPatch",
        "_models.FindCustomer",
        "_models.GenerateConsumerCustomer",
        "_models.DisbursementOrderCreate",
        None,
    )
    FollowAnswer = forward_union(
        __name__,
        "_models.Customer",
        "_models.CustomerReference",
        "_models.Address",
        "_models.SurplusList",
        "_models.Surplus",
        "_models.DisbursementOrderList",
        None,
    )


@checked
def allowed(resource: Linked, rel: str) -> bool:
    """Whether ``resource`` (a customer, address or surplus as answered) currently offers ``rel``."""
    return _find(resource, rel) is not None


@checked
def find_operation(resource: Linked, rel: str) -> models.Operation:
    """The operation ``rel`` that ``resource`` currently offers; RequestValidationError if none."""
    found = _find(resource, rel)
    if found is None:
        raise RequestValidationError("rel", f"{rel!r} is not currently allowed on this resource")
    return found


def _find(resource: Any, rel: str) -> models.Operation | None:
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


def _check_identifier(field: str, value: models.NationalIdentifier | None) -> None:
    _check_model(field, value, models.NationalIdentifier)
    if value is not None:
        _checks.check_national_identifier(field, value.reg_no, value.country_code)


def expanded(customer: models.Customer) -> ExpandedCustomer:
    """The customer as ``get(expand=True)`` promises it: addresses as objects, never as links."""
    legal, billing = customer.legal_address, customer.billing_address
    if not isinstance(legal, models.Address) or isinstance(billing, str):
        problem = "an expanded customer's addresses must be objects, not links"
        raise ResponseValidationError("get_customer", 200, [problem])
    return cast("ExpandedCustomer", customer)


def _stripped(reference: models.CustomerReference) -> models.CustomerReference:
    """PayEx's answers write the customer number with a leading space (" 9999"); callers get "9999"."""
    import attrs  # loaded with the generated models, which are attrs classes

    return attrs.evolve(reference, customer_no=reference.customer_no.strip())


def next_skip(page: models.SurplusList, cursor: int | None) -> int | None:
    """The ``skip`` of ``navigation.next``; None on the last page (no ``next``)."""
    navigation = page.navigation
    if navigation is None or navigation.next_ is None:
        return None
    return _checks.next_offset(navigation.next_, navigation.id)


class AddressKind(NamedTuple):
    """The operations of one of a customer's two addresses."""

    get: ModuleType
    replace: ModuleType


LEGAL = AddressKind(get_legal_address, replace_legal_address)
BILLING = AddressKind(get_billing_address, replace_billing_address)


class Calls:
    """Each call described once, for the sync and the async client alike."""

    def __init__(self, ledger_country: str | None, base_path: str) -> None:
        self.ledger_country = ledger_country
        self.base_path = base_path

    def _customer_no(self, value: Any, field: str = "customer_no") -> str:
        """A customer number for a path: PayEx's answers write it with a leading space (" 9999")."""
        return check_path_id(field, value.strip() if isinstance(value, str) else value)

    # --- customers ----------------------------------------------------------------------------

    def get_customer(self, customer_no: str, expand: Iterable[str] | bool) -> Call[models.Customer]:
        arguments: dict[str, Any] = {"customer_no": self._customer_no(customer_no)}
        names = list(EXPANDABLE) if expand is True else [] if expand is False else list(expand)
        if any(name not in EXPANDABLE for name in names):
            raise RequestValidationError("expand", f"may name only {', '.join(EXPANDABLE)}")
        if names:
            arguments["expand"] = ",".join(dict.fromkeys(names))
        return Call(get_customer, models.Customer, arguments)

    def get_expanded_customer(self, customer_no: str) -> Call[ExpandedCustomer]:
        """``get(expand=True)``: both addresses must come back as objects, typed so."""
        call = self.get_customer(customer_no, True)
        return Call(call.module, call.expect, call.arguments, then=expanded)

    def create_customer(self, fields: dict[str, Any]) -> Call[models.CustomerReference]:
        _check_identifier("national_identifier", fields["national_identifier"])
        _checks.check_customer_no("customer_no", fields["customer_no"], self.ledger_country)
        if fields["vat_no"] is not None:
            _checks.check_vat_no("vat_no", fields["vat_no"])
        for name, kind in (("legal_address", models.AddressInput), ("billing_address", models.AddressInput)):
            _check_model(name, fields[name], kind, optional=name != "legal_address")
        _check_model("edi_address_info", fields["edi_address_info"], models.EdiAddressInfo)
        body = models.CustomerCreate(
            name=fields["name"],
            legal_address=fields["legal_address"],
            customer_no=_maybe(fields["customer_no"]),
            national_identifier=_maybe(fields["national_identifier"]),
            vat_no=_maybe(fields["vat_no"]),
            legal_entity=_optional_enum(models.LegalEntity, fields["legal_entity"], "legal_entity"),
            preferred_language_code=_optional_enum(
                models.PreferredLanguageCode, fields["preferred_language_code"], "preferred_language_code"
            ),
            email_address=_maybe(fields["email_address"]),
            msisdn=_maybe(fields["msisdn"]),
            protected_identity=_maybe(fields["protected_identity"]),
            distribution_type=_optional_enum(
                models.DistributionType, fields["distribution_type"], "distribution_type"
            ),
            e_di_address_info=_maybe(fields["edi_address_info"]),
            billing_address=_maybe(fields["billing_address"]),
        )
        return Call(create_customer, models.CustomerReference, {"body": body}, then=_stripped)

    def update_customer(self, customer_no: str, changes: dict[str, Any]) -> Call[None]:
        """PATCH: UNSET leaves a property alone, None deletes it, a value sets it."""
        given = {name: value for name, value in changes.items() if not isinstance(value, Unset)}
        if not given:
            raise RequestValidationError("changes", "give at least one property to change or delete")
        enums = {
            "legal_status": models.LegalStatus,
            "preferred_language_code": models.PreferredLanguageCode,
            "distribution_type": models.DistributionType,
        }
        for name, kind in enums.items():
            if given.get(name) is not None:
                given[name] = _enum(kind, given[name], name)
        _check_model("edi_address_info", given.get("edi_address_info"), models.EdiAddressInfo)
        body = models.CustomerPatch(
            **{("e_di_address_info" if k == "edi_address_info" else k): v for k, v in given.items()}
        )
        return Call(update_customer, None, {"customer_no": self._customer_no(customer_no), "body": body})

    def find_customer(self, national_identifier: models.NationalIdentifier) -> Call[models.CustomerReference]:
        _check_model("national_identifier", national_identifier, models.NationalIdentifier, optional=False)
        _check_identifier("national_identifier", national_identifier)
        body = models.FindCustomer(national_identifier=national_identifier)
        return Call(find_customer, models.CustomerReference, {"body": body}, then=_stripped)

    def generate_customer(
        self,
        national_identifier: models.NationalIdentifier,
        customer_no: str | None,
        email_address: str | None,
        msisdn: str | None,
    ) -> Call[models.CustomerReference]:
        _check_model("national_identifier", national_identifier, models.NationalIdentifier, optional=False)
        _check_identifier("national_identifier", national_identifier)
        _checks.check_customer_no("customer_no", customer_no, self.ledger_country)
        body = models.GenerateConsumerCustomer(
            national_identifier=national_identifier,
            customer_no=_maybe(customer_no),
            email_address=_maybe(email_address),
            msisdn=_maybe(msisdn),
        )
        return Call(
            generate_consumer_customer_by_reg_no, models.CustomerReference, {"body": body}, then=_stripped
        )

    # --- addresses ----------------------------------------------------------------------------

    def get_address(self, which: AddressKind, customer_no: str) -> Call[models.Address]:
        return Call(which.get, models.Address, {"customer_no": self._customer_no(customer_no)})

    def write_address(self, which: AddressKind, customer_no: str, address: models.AddressInput) -> Call[None]:
        return self._write_address(which.replace, customer_no, address)

    def add_billing_address(self, customer_no: str, address: models.AddressInput) -> Call[None]:
        return self._write_address(add_billing_address, customer_no, address)

    def _write_address(
        self, module: ModuleType, customer_no: str, address: models.AddressInput
    ) -> Call[None]:
        _check_model("address", address, models.AddressInput, optional=False)
        return Call(module, None, {"customer_no": self._customer_no(customer_no), "body": address})

    def delete_billing_address(self, customer_no: str) -> Call[None]:
        return self.no_body(delete_billing_address, customer_no)

    def update_legal_address_from_register(self, customer_no: str) -> Call[None]:
        return self.no_body(update_legal_address_from_population_register, customer_no, models.Empty())

    def no_body(self, module: ModuleType, customer_no: str, body: Any = UNSET) -> Call[None]:
        arguments: dict[str, Any] = {"customer_no": self._customer_no(customer_no)}
        if not isinstance(body, Unset):
            arguments["body"] = body
        return Call(module, None, arguments)

    # --- surpluses ----------------------------------------------------------------------------

    def list_surpluses(self, customer_no: str, skip: int | None) -> Call[models.SurplusList]:
        arguments: dict[str, Any] = {"customer_no": self._customer_no(customer_no)}
        if skip is not None:
            check_type("skip", skip, int)
            arguments["skip"] = skip
        return Call(list_surpluses, models.SurplusList, arguments)

    def _surplus(self, customer_no: str, surplus_id: str) -> dict[str, Any]:
        return {
            "customer_no": self._customer_no(customer_no),
            "surplus_id": check_path_id("surplus_id", surplus_id),
        }

    def get_surplus(self, customer_no: str, surplus_id: str) -> Call[models.Surplus]:
        return Call(get_surplus, models.Surplus, self._surplus(customer_no, surplus_id))

    def disbursement_orders(self, customer_no: str, surplus_id: str) -> Call[models.DisbursementOrderList]:
        arguments = self._surplus(customer_no, surplus_id)
        return Call(list_active_disbursement_orders, models.DisbursementOrderList, arguments)

    def add_disbursement(self, customer_no: str, surplus_id: str, ways: dict[str, Any]) -> Call[None]:
        chosen = _checks.check_exactly_one(ways)
        value = ways[chosen]
        kinds = {
            "norwegian_bank_account": models.NorwegianBankAccount,
            "swedish_bank_account": models.SwedishBankAccount,
            "international": models.InternationalAccount,
            "swedish_sus": models.SwedishSus,
        }
        check_type(chosen, value, kinds[chosen])
        if isinstance(value, models.NorwegianBankAccount):
            _checks.check_norwegian_account(f"{chosen}.account_no", value.account_no)
        if isinstance(value, models.InternationalAccount):
            _checks.check_iban_bic(chosen, value.iban, value.bic)
        if isinstance(value, models.SwedishSus):
            _check_identifier(f"{chosen}.national_identifier", value.national_identifier)
        body = models.DisbursementOrderCreate(**{chosen: value})
        arguments = {**self._surplus(customer_no, surplus_id), "body": body}
        return Call(add_disbursement_order, None, arguments)

    # --- hypermedia ---------------------------------------------------------------------------

    def follow(self, resource: Linked, rel: str, body: FollowBody) -> Call[FollowAnswer]:
        """The call behind the operation ``rel`` that ``resource`` offers now."""
        link = find_operation(resource, rel)
        path = urlsplit(link.href).path
        if not path.startswith(self.base_path + "/"):
            raise RequestValidationError("href", "does not lead into this client's ledger")
        relative, method = path[len(self.base_path) :], str(link.method)  # an open enum: str() either way
        spec = PROFILE.spec
        # An operation resource is POSTed to .../<rel> (PayEx REST guideline); some links give the parent.
        found = spec.match(method, relative) or spec.match(method, f"{relative.rstrip('/')}/{rel}")
        if found is None:
            raise RequestValidationError("rel", f"{rel!r} leads to no documented operation")
        operation, params = found
        arguments: dict[str, Any] = {_camel_to_snake(name): value for name, value in params.items()}
        if body is not None:
            arguments["body"] = body
        module = MODULES[operation.operation_id]
        return Call(module, module.SUCCESS_MODEL, arguments)  # the model loads with the call


CLIENT_DOC = """{kind} for the PayEx Ledger Customer API of one ledger.

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


def ledger_url(ledger_number: str, environment: str | None, base_url: str | None) -> str:
    """The API's root for one ledger: the host root and ``/ledger/customer/v1/<ledger_number>``."""
    check_header_value("ledger_number", ledger_number)
    if not _LEDGER.match(ledger_number):
        raise RequestValidationError("ledger_number", "must be 1-20 letters or digits")
    root = resolve_base_url(ENVIRONMENTS, environment, base_url)
    route = ROUTE.format(ledger=ledger_number)
    return root if root.endswith(route) else root + route


class Resource(Checked):
    """A resource of one ledger: its session and the ledger's call descriptions."""

    def __init__(self, session: Any, calls: Calls) -> None:
        self._session = session
        self._calls = calls


class PayexSetup(ClientSetup):
    """The constructor both PayEx clients share; see ``Client``."""

    def __init__(
        self,
        *,
        ledger_number: str,
        token: str | Secret,
        environment: str | None = None,
        base_url: str | None = None,
        ledger_country: Literal["SE", "NO", "DK", "FI"] | None = None,
        **settings: Unpack[Settings],
    ) -> None:
        if settings.get("cert") is None and settings.get("transport") is None and base_url is None:
            raise RequestValidationError("cert", "PayEx requires a client certificate (mutual TLS)")
        if not isinstance(token, Secret):
            check_header_value("token", token)
        url = ledger_url(ledger_number, environment, base_url)
        self.ledger_number = ledger_number
        self._calls = Calls(ledger_country, urlsplit(url).path.rstrip("/"))
        self._attach(self._connect(PROFILE, BearerAuth(token), options(settings, base_url=url)))
