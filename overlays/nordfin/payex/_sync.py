# Derived from _async.py by scripts/unasync.py (nox -s generate): edit _async.py, never this file.
"""PayEx's client and its resources, written once (each call is described in ``_plans.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, overload

from nordfin._core.base import ClientBase
from nordfin._core.pagination import Pager
from nordfin._core.session import Session
from nordfin.payex import models
from nordfin.payex._plans import (
    BILLING,
    CLIENT_DOC,
    LEGAL,
    FollowAnswer,
    FollowBody,
    Linked,
    PayexSetup,
    Resource,
    next_skip,
)
from nordfin_generated.unset import UNSET, Unset

__all__ = [
    "BillingAddresses",
    "Client",
    "Customers",
    "LegalAddresses",
    "Surpluses",
]


class Customers(Resource):
    """``client.customers``: create, read, change and find customers."""

    _session: Session

    @overload
    def get(self, customer_no: str, *, expand: Literal[True]) -> models.ExpandedCustomer: ...
    @overload
    def get(self, customer_no: str, *, expand: Literal[False] = False) -> models.Customer: ...
    @overload
    def get(self, customer_no: str, *, expand: Iterable[str]) -> models.Customer: ...
    def get(self, customer_no: str, *, expand: Iterable[str] | bool = False) -> models.Customer:
        """The customer; ``expand=True`` answers both addresses as ``Address`` objects
        (an ``ExpandedCustomer``), or name some of ``"legaladdress"``, ``"billingaddress"``."""
        if expand is True:
            return self._session.run(self._calls.get_expanded_customer(customer_no))
        return self._session.run(self._calls.get_customer(customer_no, expand))

    def create(
        self,
        *,
        name: str,
        legal_address: models.AddressInput,
        customer_no: str | None = None,
        national_identifier: models.NationalIdentifier | None = None,
        vat_no: str | None = None,
        legal_entity: models.LegalEntity | str | None = None,
        preferred_language_code: models.PreferredLanguageCode | str | None = None,
        email_address: str | None = None,
        msisdn: str | None = None,
        protected_identity: bool | None = None,
        distribution_type: models.DistributionType | str | None = None,
        edi_address_info: models.EdiAddressInfo | None = None,
        billing_address: models.AddressInput | None = None,
    ) -> models.CustomerReference:
        """Create a customer; the answer holds its ``@id`` and ``customer_no``."""
        fields = dict(locals())
        del fields["self"]
        return self._session.run(self._calls.create_customer(fields))

    def update(
        self,
        customer_no: str,
        *,
        email_address: str | Unset | None = UNSET,
        msisdn: str | Unset | None = UNSET,
        legal_status: models.LegalStatus | str | Unset | None = UNSET,
        preferred_language_code: models.PreferredLanguageCode | str | Unset | None = UNSET,
        protected_identity: bool | Unset | None = UNSET,
        distribution_type: models.DistributionType | str | Unset | None = UNSET,
        edi_address_info: models.EdiAddressInfo | Unset | None = UNSET,
    ) -> None:
        """Change some properties of a customer (PATCH).

        Each property has three states: leave it out (not changed), give a value (set), or give
        ``None`` (deleted). Only what you name is sent, so nothing is wiped by accident.
        """
        changes = dict(locals())
        del changes["self"], changes["customer_no"]
        self._session.run(self._calls.update_customer(customer_no, changes))

    def find(self, national_identifier: models.NationalIdentifier) -> models.CustomerReference:
        """The customer with this national identifier (CustomerNotFound if none)."""
        return self._session.run(self._calls.find_customer(national_identifier))

    def generate_consumer(
        self,
        national_identifier: models.NationalIdentifier,
        *,
        customer_no: str | None = None,
        email_address: str | None = None,
        msisdn: str | None = None,
    ) -> models.CustomerReference:
        """Create a consumer customer with the legal address from the population register."""
        call = self._calls.generate_customer(national_identifier, customer_no, email_address, msisdn)
        return self._session.run(call)


class LegalAddresses(Resource):
    """``client.legal_address``: the customer's legal address."""

    _session: Session

    def get(self, customer_no: str) -> models.Address:
        """The legal address (LegalAddressNotFound if none)."""
        return self._session.run(self._calls.get_address(LEGAL, customer_no))

    def replace(self, customer_no: str, address: models.AddressInput) -> None:
        """Replace the legal address (PUT)."""
        self._session.run(self._calls.write_address(LEGAL, customer_no, address))

    def update_from_population_register(self, customer_no: str) -> None:
        """Replace the legal address with the population register's (only if agreed with PayEx)."""
        self._session.run(self._calls.update_legal_address_from_register(customer_no))


class BillingAddresses(Resource):
    """``client.billing_address``: the customer's optional billing address."""

    _session: Session

    def get(self, customer_no: str) -> models.Address:
        """The billing address (BillingAddressNotFound if none)."""
        return self._session.run(self._calls.get_address(BILLING, customer_no))

    def add(self, customer_no: str, address: models.AddressInput) -> None:
        """Add a billing address (allowed only while the customer has none)."""
        self._session.run(self._calls.add_billing_address(customer_no, address))

    def replace(self, customer_no: str, address: models.AddressInput) -> None:
        """Replace the billing address (PUT)."""
        self._session.run(self._calls.write_address(BILLING, customer_no, address))

    def delete(self, customer_no: str) -> None:
        """Delete the billing address."""
        self._session.run(self._calls.delete_billing_address(customer_no))


class Surpluses(Resource):
    """``client.surpluses``: a customer's surpluses (overpayments) and their disbursement."""

    _session: Session

    def list(self, customer_no: str, *, skip: int | None = None) -> models.SurplusList:
        """One page of surpluses (``navigation.next`` links the next page)."""
        return self._session.run(self._calls.list_surpluses(customer_no, skip))

    def iterate(self, customer_no: str) -> Pager[models.SurplusList, int | None, models.Surplus]:
        """Every surplus of the customer, lazily, following ``navigation.next`` page by page."""
        return Pager(
            lambda skip: self.list(customer_no, skip=skip),
            first=None,
            items=lambda p: p.items,
            next_cursor=next_skip,
        )

    def get(self, customer_no: str, surplus_id: str) -> models.Surplus:
        """One surplus (PayexNotFound if there is none with this id)."""
        return self._session.run(self._calls.get_surplus(customer_no, surplus_id))

    def disbursement_orders(self, customer_no: str, surplus_id: str) -> models.DisbursementOrderList:
        """The surplus' active disbursement orders."""
        return self._session.run(self._calls.disbursement_orders(customer_no, surplus_id))

    def disburse(
        self,
        customer_no: str,
        surplus_id: str,
        *,
        norwegian_bank_account: models.NorwegianBankAccount | None = None,
        swedish_bank_account: models.SwedishBankAccount | None = None,
        international: models.InternationalAccount | None = None,
        swedish_sus: models.SwedishSus | None = None,
    ) -> None:
        """Order the surplus disbursed, to exactly one of the four kinds of destination."""
        ways = dict(locals())
        del ways["self"], ways["customer_no"], ways["surplus_id"]
        self._session.run(self._calls.add_disbursement(customer_no, surplus_id, ways))


class Client(ClientBase, PayexSetup):
    __doc__ = CLIENT_DOC.format(kind="Synchronous client")

    def _attach(self, session: Session) -> None:
        self.customers = Customers(session, self._calls)
        self.legal_address = LegalAddresses(session, self._calls)
        self.billing_address = BillingAddresses(session, self._calls)
        self.surpluses = Surpluses(session, self._calls)

    def follow(self, resource: Linked, rel: str, body: FollowBody = None) -> FollowAnswer:
        """Carry out the operation ``rel`` that ``resource`` offers (see ``allowed``), e.g.
        ``client.follow(customer, "add-billing-address", address)``; returns what it answers."""
        return self._session.run(self._calls.follow(resource, rel, body))
