"""What the client checks before sending that the spec cannot say: per-market identity and
organisation numbers (python-stdnum), whole cents, item sums, ISO country codes, IP addresses.

Every check raises ``RequestValidationError(field, rule)`` without repeating the value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from nordfin._core.lazy import stdnum
from nordfin._core.validate import check_country, check_type, is_se_organisation_number
from nordfin.errors import RequestValidationError
from nordfin.permanad import models
from nordfin_generated.unset import Unset

__all__ = ["MARKETS", "check_cents", "check_market", "check_order", "normalise_nin", "normalise_org_number"]

#: The markets Permånad serves, each with its own API key.
MARKETS = ("SE", "DK", "NO", "FI")

# python-stdnum's modules by name, imported at the first check (nordfin._core.lazy.stdnum)
_NIN: Mapping[str, tuple[str, str]] = {
    "SE": ("se.personnummer", "a Swedish personnummer (YYYYMMDD-XXXX)"),
    "DK": ("dk.cpr", "a Danish CPR number (DDMMYY-XXXX)"),
    "NO": ("no.fodselsnummer", "a Norwegian fodselsnummer (11 digits)"),
    "FI": ("fi.hetu", "a Finnish henkilotunnus (DDMMYYCZZZQ)"),
}
_ORG: Mapping[str, tuple[str, str]] = {
    "SE": ("se.orgnr", "a Swedish organisationsnummer"),
    "DK": ("dk.cvr", "a Danish CVR number"),
    "NO": ("no.orgnr", "a Norwegian organisasjonsnummer"),
    "FI": ("fi.ytunnus", "a Finnish Y-tunnus"),
}


def check_market(market: Any) -> str:
    """One of ``MARKETS`` (case-insensitive), returned upper-case."""
    if not isinstance(market, str) or market.upper() not in MARKETS:
        raise RequestValidationError("market", f"must be one of {', '.join(MARKETS)}")
    return market.upper()


def check_cents(field: str, value: Any, *, minimum: int = 0) -> int:
    """A whole number of cents (an ``int``, never a float or bool) of at least ``minimum``."""
    check_type(field, value, int)
    if value < minimum:
        raise RequestValidationError(field, f"must be at least {minimum}")
    return int(value)


def _stdnum(field: str, value: Any, module: ModuleType, what: str) -> str:
    if not isinstance(value, str):
        raise RequestValidationError(field, f"must be str, not {type(value).__name__}")
    try:
        return str(module.validate(value))
    except stdnum("exceptions").ValidationError:
        raise RequestValidationError(field, f"must be {what} with a valid checksum") from None


def normalise_nin(market: str, nin: Any) -> str:
    """The orderer's national identity number for ``market``, checked, in its documented format.

    Sweden: the vendor's YYYYMMDD-XXXX (a 10-digit personnummer gets its century); the other
    markets: their national form (DK DDMMYY-XXXX, NO 11 digits, FI DDMMYYCZZZQ).
    """
    name, what = _NIN[market]
    compact = _stdnum("nin", nin, stdnum(name), what)
    if market == "SE":
        born = stdnum("se.personnummer").get_birth_date(compact)
        return f"{born:%Y%m%d}-{compact[-4:]}"
    # CPR as DDMMYY-XXXX; stdnum prints fodselsnummer with a space, so Norway stays compact.
    return str(stdnum("dk.cpr").format(compact)) if market == "DK" else compact


def normalise_org_number(market: str, number: Any) -> str:
    """The company's organisation number for ``market``, checked, in the form the spec allows."""
    name, what = _ORG[market]
    module = stdnum(name)
    compact = _stdnum("org_number", number, module, what)
    if market == "SE" and not is_se_organisation_number(compact):
        raise RequestValidationError("org_number", f"must be {what}, not a personnummer (digits 3-4 >= 20)")
    # SE NNNNNN-NNNN and FI NNNNNNN-N need their dash; DK and NO are plain digits (no spaces).
    return str(module.format(compact)) if market in ("SE", "FI") else compact


def check_ip(field: str, value: Any) -> None:
    """An IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise RequestValidationError(field, "must be an IPv4 or IPv6 address") from None


def check_item(index: int, item: Any) -> None:
    """One order item: whole cents, a positive quantity, and a total that is unit x quantity."""
    where = f"items.{index}"
    check_type(where, item, models.OrderItem)
    check_cents(f"{where}.quantity", item.quantity, minimum=1)
    for name in ("unit_amount", "total_amount", "vat"):
        check_cents(f"{where}.{name}", getattr(item, name))
    if item.total_amount != item.unit_amount * item.quantity:
        raise RequestValidationError(f"{where}.total_amount", "must be unit_amount times quantity")


def _optional(body: models.CreateOrderRequest, name: str, check: Callable[[str, Any], object]) -> None:
    value = getattr(body, name)
    if not isinstance(value, Unset):
        check(name, value)


def check_order(
    market: str, body: models.CreateOrderRequest, *, production: bool
) -> models.CreateOrderRequest:
    """Check an order for ``market`` before it is sent; identity numbers are normalised in place."""
    check_type("body", body, models.CreateOrderRequest)
    check_cents("months", body.months, minimum=1)
    _optional(body, "shipping_amount", check_cents)
    _optional(body, "shipping_vat", check_cents)
    _optional(body, "customer_ip", check_ip)
    if production and not isinstance(body.status_trigger, Unset):
        raise RequestValidationError("status_trigger", "is for testing only; refused in production")
    check_type("items", body.items, list)
    if not body.items:
        raise RequestValidationError("items", "must hold at least one item")
    for index, item in enumerate(body.items):
        check_item(index, item)
    check_country("billing_country", body.billing_country)
    body.nin = normalise_nin(market, body.nin)
    body.org_number = normalise_org_number(market, body.org_number)
    return body
