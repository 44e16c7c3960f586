"""PayEx's client and its resources, written once (each call is described in ``_plans.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, overload

from nordfin._core.base import AsyncClientBase
from nordfin._core.pagination import AsyncPager
from nordfin._core.session import AsyncSession
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
    "AsyncBillingAddresses",
    "AsyncClient",
    "AsyncCustomers",
    "AsyncLegalAddresses",
    "AsyncSurpluses",
]


class AsyncCustomers(Resource):
    """``client.customers``: create, read, change and find customers."""

    _session: AsyncSession

    @overload
    async def get(self, customer_no: str, *, expand: Literal[True]) -> models.ExpandedCustomer: ...
    @overload
    async def get(self, customer_no: str, *, expand: Literal[False] = False) -> models.Customer: ...
    @overload
    async def get(self, customer_no: str, *, expand: Iterable[str]) -> models.Customer: ...
    async def get(self, customer_no: str, *, expand: Iterable[str] | bool = False) -> models.Customer:
        """The customer; ``expand=True`` answers both addresses as ``Address`` objects
        (an ``ExpandedCustomer``), or name some of ``"legaladdress"``, ``"billingaddress"``."""
        if expand is True:
            return await self._session.run(self._calls.get_expanded_customer(customer_no))
        return await self._session.run(self._calls.get_customer(customer_no, expand))

    async def create(
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
        return await self._session.run(self._calls.create_customer(fields))

    async def update(
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
        await self._session.run(self._calls.update_customer(customer_no, changes))

    async def find(self, national_identifier: models.NationalIdentifier) -> models.CustomerReference:
        """The customer with this national identifier (CustomerNotFound if none)."""
        return await self._session.run(self._calls.find_customer(national_identifier))

    async def generate_consumer(
        self,
        national_identifier: models.NationalIdentifier,
        *,
        customer_no: str | None = None,
        email_address: str | None = None,
        msisdn: str | None = None,
    ) -> models.CustomerReference:
        """Create a consumer customer with the legal address from the population register."""
        call = self._calls.generate_customer(national_identifier, customer_no, email_address, msisdn)
        return await self._session.run(call)


class AsyncLegalAddresses(Resource):
    """``client.legal_address``: the customer's legal address."""

    _session: AsyncSession

    async def get(self, customer_no: str) -> models.Address:
        """The legal address (LegalAddressNotFound if none)."""
        return await self._session.run(self._calls.get_address(LEGAL, customer_no))

    async def replace(self, customer_no: str, address: models.AddressInput) -> None:
        """Replace the legal address (PUT)."""
        await self._session.run(self._calls.write_address(LEGAL, customer_no, address))

    async def update_from_population_register(self, customer_no: str) -> None:
        """Replace the legal address with the population register's (only if agreed with PayEx)."""
        await self._session.run(self._calls.update_legal_address_from_register(customer_no))


class AsyncBillingAddresses(Resource):
    """``client.billing_address``: the customer's optional billing address."""

    _session: AsyncSession

    async def get(self, customer_no: str) -> models.Address:
        """The billing address (BillingAddressNotFound if none)."""
        return await self._session.run(self._calls.get_address(BILLING, customer_no))

    async def add(self, customer_no: str, address: models.AddressInput) -> None:
        """Add a billing address (allowed only while the customer has none)."""
        await self._session.run(self._calls.add_billing_address(customer_no, address))

    async def replace(self, customer_no: str, address: models.AddressInput) -> None:
        """Replace the billing address (PUT)."""
        await self._session.run(self._calls.write_address(BILLING, customer_no, address))

    async def delete(self, customer_no: str) -> None:
        """Delete the billing address."""
        await self._session.run(self._calls.delete_billing_address(customer_no))


class AsyncSurpluses(Resource):
    """``client.surpluses``: a customer's surpluses (overpayments) and their disbursement."""

    _session: AsyncSession

    async def list(self, customer_no: str, *, skip: int | None = None) -> models.SurplusList:
        """One page of surpluses (``navigation.next`` links the next page)."""
        return await self._session.run(self._calls.list_surpluses(customer_no, skip))

    def iterate(self, customer_no: str) -> AsyncPager[models.SurplusList, int | None, models.Surplus]:
        """Every surplus of the customer, lazily, following ``navigation.next`` page by page."""
        return AsyncPager(
            lambda skip: self.list(customer_no, skip=skip),
            first=None,
            items=lambda p: p.items,
            next_cursor=next_skip,
        )

    async def get(self, customer_no: str, surplus_id: str) -> models.Surplus:
        """One surplus (PayexNotFound if there is none with this id)."""
        return await self._session.run(self._calls.get_surplus(customer_no, surplus_id))

    async def disbursement_orders(self, customer_no: str, surplus_id: str) -> models.DisbursementOrderList:
        """The surplus' active disbursement orders."""
        return await self._session.run(self._calls.disbursement_orders(customer_no, surplus_id))

    async def disburse(
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
        await self._session.run(self._calls.add_disbursement(customer_no, surplus_id, ways))


class AsyncClient(AsyncClientBase, PayexSetup):
    __doc__ = CLIENT_DOC.format(kind="Asynchronous client")

    def _attach(self, session: AsyncSession) -> None:
        self.customers = AsyncCustomers(session, self._calls)
        self.legal_address = AsyncLegalAddresses(session, self._calls)
        self.billing_address = AsyncBillingAddresses(session, self._calls)
        self.surpluses = AsyncSurpluses(session, self._calls)

    async def follow(self, resource: Linked, rel: str, body: FollowBody = None) -> FollowAnswer:
        """Carry out the operation ``rel`` that ``resource`` offers (see ``allowed``), e.g.
        ``client.follow(customer, "add-billing-address", address)``; returns what it answers."""
        return await self._session.run(self._calls.follow(resource, rel, body))
