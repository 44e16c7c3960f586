# Derived from _async.py by scripts/unasync.py (nox -s generate): edit _async.py, never this file.
"""Aptic's client and its resources, written once (each call is described in ``_plans.py``).

Every sub-resource of a customer is reached from the customer, in one shape:
``client.customers.addresses(guid).create(...)``, ``client.customers.extra_fields(guid).list()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from nordfin._core.base import ClientBase
from nordfin._core.checked import Checked
from nordfin._core.pagination import Pager
from nordfin._core.session import Session
from nordfin.aptic import _plans as plans
from nordfin.aptic import models
from nordfin.aptic._plans import (
    CLIENT_DOC,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ApticSetup,
    Bound,
    FilterArg,
    Guid,
    InterestPage,
    Json,
    Key,
    ListArgs,
    Page,
)

__all__ = [
    "Client",
    "Customers",
    "EditableItems",
    "Items",
    "Mandates",
    "Questions",
    "Services",
]

P = TypeVar("P", bound=Page[Any])
I = TypeVar("I")  # noqa: E741
C = TypeVar("C")
U = TypeVar("U")


# --- a customer's sub-resources -------------------------------------------------------------------


class Items(Bound[Session, P, I]):
    """One kind of a customer's sub-resources: list, iterate, read."""

    def list(
        self,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        skip: int = 0,
        top: int = DEFAULT_PAGE_SIZE,
    ) -> P:
        """One page: ``top`` items (at most 100) from offset ``skip`` matching ``filter``."""
        args = ListArgs.of(filter, orderby, skip, top)
        return self._session.run(plans.list_plan(self._kind, self.customer_guid, args))

    def iterate(
        self, *, filter: FilterArg = None, orderby: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Pager[P, ListArgs, I]:
        """Every matching item, lazily, ``page_size`` per request, until the answer's ``total``."""
        first = ListArgs.of(filter, orderby, 0, page_size)
        fetch = lambda args: self._session.run(plans.list_plan(self._kind, self.customer_guid, args))  # noqa: E731
        return Pager(fetch, first=first, items=lambda page: page.value, next_cursor=plans.following_page)

    def get(self, key: Key) -> I:
        """The item with this key (its GUID, or its name for parameters and extra fields)."""
        return self._session.run(plans.get_plan(self._kind, self.customer_guid, key))


class EditableItems(Items[P, I], Generic[P, I, C, U]):
    """Sub-resources that can also be created, updated and deleted."""

    def create(self, item: C) -> I:
        """Add ``item``; returns it as Aptic stored it (with its GUID)."""
        return self._session.run(plans.create_plan(self._kind, self.customer_guid, item))

    def update(self, key: Key, changes: U) -> None:
        """Change the item: members set in ``changes`` are sent, ``None`` clears, UNSET keeps."""
        self._session.run(plans.update_plan(self._kind, self.customer_guid, key, changes))

    def delete(self, key: Key) -> None:
        """Delete the item."""
        self._session.run(plans.delete_plan(self._kind, self.customer_guid, key))


class Mandates(Items["models.DirectDebitMandateList", "models.DirectDebitMandate"]):
    """``client.customers.direct_debit_mandates(guid)``: list, read, register (no update or delete)."""

    def create(self, mandate: models.DirectDebitMandateInput) -> models.DirectDebitMandate:
        """Register a mandate: a known type and a non-empty receiving account are checked first."""
        return self._session.run(plans.create_plan(self._kind, self.customer_guid, mandate))


class Questions(Items["models.UserQuestionList", "models.UserQuestion"]):
    """``client.customers.user_questions(guid)``: list, read and answer questions."""

    def respond(self, action_guid: Guid, response: models.UserQuestionResponse) -> None:
        """Answer (or postpone, with ``postpone_to``) the question."""
        self._session.run(plans.respond_plan(self._kind, self.customer_guid, action_guid, response))


Parameters = EditableItems[
    "models.CustomerParameterList",
    "models.CustomerParameter",
    Sequence["models.CustomerParameterInput"],
    Sequence["models.CustomerParameterInput"],
]
Addresses = EditableItems[
    "models.CustomerAddressList",
    "models.CustomerAddress",
    "models.CustomerAddressInput",
    "models.CustomerAddressInput",
]
ExtraFields = EditableItems[
    "models.ExtraFieldList", "models.ExtraField", "models.ExtraFieldInput", "models.ExtraFieldValue"
]
CreditInsurances = EditableItems[
    "models.CreditInsuranceList",
    "models.CreditInsurance",
    "models.CreditInsuranceCreate",
    "models.CreditInsuranceUpdate",
]


# --- customers and services -----------------------------------------------------------------------


class Customers(Checked):
    """``client.customers``: the customers, and every sub-resource of one customer."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def list(
        self,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        skip: int = 0,
        top: int = DEFAULT_PAGE_SIZE,
    ) -> models.CustomerList:
        """One page of customers matching ``filter`` (an ``aptic.Field`` expression or raw text)."""
        return self._session.run(plans.customers_plan(ListArgs.of(filter, orderby, skip, top)))

    def iterate(
        self, *, filter: FilterArg = None, orderby: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Pager[models.CustomerList, ListArgs, models.CustomerListItem]:
        """Every matching customer, lazily, ``page_size`` per request, until the answer's ``total``."""
        fetch = lambda args: self._session.run(plans.customers_plan(args))  # noqa: E731
        first = ListArgs.of(filter, orderby, 0, page_size)
        return Pager(fetch, first=first, items=lambda page: page.value, next_cursor=plans.following_page)

    def get(self, customer_guid: Guid) -> models.Customer:
        """The customer with its addresses and links."""
        return self._session.run(plans.customer_plan(customer_guid))

    def create(self, customer: models.CustomerCreate) -> models.Customer:
        """Create a customer. A create is never sent twice: only a request that never reached
        the server is retried. Give ``customer_guid`` to choose the GUID yourself."""
        return self._session.run(plans.create_customer_plan(customer))

    def update(self, customer_guid: Guid, changes: models.CustomerUpdate) -> None:
        """Change the members set in ``changes`` (``None`` clears one; UNSET ones are not sent)."""
        self._session.run(plans.update_customer_plan(customer_guid, changes))

    def delete(self, customer_guid: Guid) -> None:
        """Delete the customer."""
        self._session.run(plans.delete_customer_plan(customer_guid))

    def ledger_summary(self, customer_guid: Guid) -> models.LedgerSummary:
        """The customer's balances and related purchases, invoices, accounts and guarantees."""
        return self._session.run(plans.ledger_summary_plan(customer_guid))

    def accrued_interest(
        self,
        customer_guid: Guid,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        skip: int = 0,
        top: int = DEFAULT_PAGE_SIZE,
    ) -> InterestPage:
        """One page of the accrued interest of the customer's loans (Aptic answers a bare list)."""
        args = ListArgs.of(filter, orderby, skip, top)
        return self._session.run(plans.accrued_interest_plan(customer_guid, args))

    def iterate_accrued_interest(
        self,
        customer_guid: Guid,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Pager[InterestPage, ListArgs, models.AccruedInterest]:
        """All of it, lazily; without a ``total`` the walk ends at the first page that is not full."""
        guid = plans.customer(customer_guid)
        fetch = lambda args: self._session.run(plans.accrued_interest_plan(guid, args))  # noqa: E731
        first = ListArgs.of(filter, orderby, 0, page_size)
        return Pager(fetch, first=first, items=lambda page: page, next_cursor=plans.following_list)

    def invoke_service(
        self,
        customer_guid: Guid,
        service_definition: str,
        body: Json = None,
        *,
        asynchronous: bool | None = None,
    ) -> models.ServiceResult:
        """Run the custom action ``service_definition`` for the customer with ``body`` (any JSON).

        A custom action may change data, so it is retried only when it never reached the server.
        """
        call = plans.service_plan(customer_guid, service_definition, body, asynchronous)
        return self._session.run(call)

    def parameters(self, customer_guid: Guid) -> Parameters:
        """The customer's parameters, by name."""
        return EditableItems(self._session, plans.PARAMETERS, customer_guid)

    def addresses(self, customer_guid: Guid) -> Addresses:
        """The customer's addresses, by GUID."""
        return EditableItems(self._session, plans.ADDRESSES, customer_guid)

    def extra_fields(self, customer_guid: Guid) -> ExtraFields:
        """The customer's extra fields, by name; ``update`` replaces the values."""
        return EditableItems(self._session, plans.EXTRA_FIELDS, customer_guid)

    def direct_debit_mandates(self, customer_guid: Guid) -> Mandates:
        """The customer's direct debit mandates, by GUID."""
        return Mandates(self._session, plans.DIRECT_DEBIT_MANDATES, customer_guid)

    def credit_insurances(self, customer_guid: Guid) -> CreditInsurances:
        """The customer's credit insurances, by GUID."""
        return EditableItems(self._session, plans.CREDIT_INSURANCES, customer_guid)

    def user_questions(self, customer_guid: Guid) -> Questions:
        """Questions for the customer's user, by GUID, and the answers to them."""
        return Questions(self._session, plans.USER_QUESTIONS, customer_guid)


class Services(Checked):
    """``client.services``: custom actions not tied to one customer, and the ping."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def invoke(
        self, service_definition: str, body: Json = None, *, asynchronous: bool | None = None
    ) -> models.ServiceResult:
        """Run the custom action ``service_definition`` with ``body`` (any JSON)."""
        return self._session.run(plans.service_plan(None, service_definition, body, asynchronous))

    def ping(self) -> None:
        """Check that the service is up; raises if it is not."""
        self._session.run(plans.ping_plan())


class Client(ClientBase, ApticSetup):
    __doc__ = CLIENT_DOC.format(kind="Synchronous client")

    def _attach(self, session: Session) -> None:
        self.customers = Customers(session)
        self.services = Services(session)

    def ping(self) -> None:
        """Check that the service is up (``client.services.ping()``)."""
        self.services.ping()
