"""Checks PayEx's spec cannot express, made before anything is sent.

The spec already holds every length, pattern and enum (``Session`` validates each request against
it). Here: checksums of identity, organisation, VAT and account numbers (python-stdnum), the
documented formats of national identity numbers, the customer-number rules of a ledger's country,
and the exactly-one-of rule of a disbursement order. No error repeats the value.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from nordfin._core.lazy import stdnum
from nordfin._core.validate import is_se_organisation_number
from nordfin.errors import RequestValidationError, ResponseValidationError

__all__ = [
    "check_customer_no",
    "check_exactly_one",
    "check_national_identifier",
    "check_vat_no",
    "next_offset",
]

# The documented formats: Sweden YYYYMMDD-NNNC, Norway DDMMYYNNNNN; organisation numbers as written
# in each country (SE NNNNNN-NNNN, NO 9 digits). Other countries: the checksum alone.
_PERSON_FORMAT = {"SE": re.compile(r"^\d{8}-\d{4}$"), "NO": re.compile(r"^\d{11}$")}
_ORG_FORMAT = {"SE": re.compile(r"^\d{6}-\d{4}$"), "NO": re.compile(r"^\d{9}$")}
# python-stdnum's modules, imported at the first check (nordfin._core.lazy.stdnum)
_PERSON = {"SE": "se.personnummer", "NO": "no.fodselsnummer", "DK": "dk.cpr", "FI": "fi.hetu"}
_ORGANISATION = {"SE": "se.orgnr", "NO": "no.orgnr", "DK": "dk.cvr", "FI": "fi.ytunnus"}
_SEVEN_DIGITS = re.compile(r"^\d{7}$")


def check_national_identifier(field: str, reg_no: Any, country_code: Any) -> None:
    """A national identity or organisation number valid for its country (checksum and format)."""
    if not isinstance(reg_no, str) or not isinstance(country_code, str):
        return  # the spec check names the wrong type
    person, organisation = _PERSON.get(country_code), _ORGANISATION.get(country_code)
    if person is None or organisation is None:
        return
    if _valid(stdnum(person), reg_no, _PERSON_FORMAT.get(country_code)):
        return
    if _valid(stdnum(organisation), reg_no, _ORG_FORMAT.get(country_code)) and (
        country_code != "SE" or is_se_organisation_number(reg_no)
    ):
        return
    written = {"SE": " written YYYYMMDD-NNNC", "NO": " written DDMMYYNNNNN"}.get(country_code, "")
    rule = f"must be a valid {country_code} identity number{written} or organisation number"
    raise RequestValidationError(f"{field}.regNo", rule)


def _valid(module: Any, value: str, form: re.Pattern[str] | None) -> bool:
    return bool(module.is_valid(value)) and (form is None or form.match(value) is not None)


def check_vat_no(field: str, value: Any) -> None:
    """A VAT number whose country algorithm holds (``SE556677889901``, ``NO974760673MVA``)."""
    if isinstance(value, str) and not stdnum("vatin").is_valid(value):
        raise RequestValidationError(field, "must be a valid VAT number for its country prefix")


def check_customer_no(field: str, value: Any, ledger_country: str | None) -> None:
    """The country rules of customer numbers: 7 digits in Norway and Denmark, no leading zero in Sweden."""
    if not isinstance(value, str):
        return
    if ledger_country in ("NO", "DK") and not _SEVEN_DIGITS.match(value):
        raise RequestValidationError(field, f"must be 7 digits in a {ledger_country} ledger")
    if ledger_country == "SE" and value.startswith("0"):
        raise RequestValidationError(field, "must not start with 0 in a SE ledger (AutoGiro needs it)")


def check_exactly_one(fields: dict[str, Any]) -> str:
    """The one field that is set (not None); PayEx allows one and only one per disbursement order."""
    given = [name for name, value in fields.items() if value is not None]
    if len(given) != 1:
        raise RequestValidationError("disbursement", f"give exactly one of {', '.join(fields)}")
    return given[0]


def check_norwegian_account(field: str, value: Any) -> None:
    """A Norwegian bank account number (11 digits, mod 11)."""
    if isinstance(value, str) and not stdnum("no.kontonr").is_valid(value):
        raise RequestValidationError(field, "must be a valid Norwegian account number")


def check_iban_bic(field: str, iban_value: Any, bic_value: Any) -> None:
    """An IBAN and a BIC (SWIFT code), checksum and format."""
    if isinstance(iban_value, str) and not stdnum("iban").is_valid(iban_value):
        raise RequestValidationError(f"{field}.iban", "must be a valid IBAN")
    if isinstance(bic_value, str) and not stdnum("bic").is_valid(bic_value):
        raise RequestValidationError(f"{field}.bic", "must be a valid BIC")


_OFFSET_NAMES = ("skip", "$skip", "offset")


def next_offset(next_link: str, list_link: str) -> int:
    """The offset a ``navigation.next`` link asks for, read safely.

    Only the offset is taken: the next page is asked of the client's own host through the
    documented operation, never of the link's host. The link must lead to the list it came from
    (its path resolved against ``navigation.@id``); the offset is read from ``skip`` in any case
    (``Skip``, ``$skip``) or ``offset``, other parameters (a page size) are PayEx's to apply.
    """
    base = httpx.URL("https://payex.invalid").join(list_link)
    if base.join(next_link).path != base.path:
        raise ResponseValidationError("list_surpluses", 200, ["navigation.next leads away from this list"])
    target = base.join(next_link)
    found = {name.lower(): value for name, value in target.params.multi_items()}
    offset = next((found[name] for name in _OFFSET_NAMES if name in found), None)
    if offset is None or not offset.isdigit():
        raise ResponseValidationError("list_surpluses", 200, ["navigation.next carries no skip offset"])
    return int(offset)
