"""``nordfin.aptic.Client`` and ``AsyncClient``: one tenant's Aptic API Gateway, Customers module.

Every sub-resource of a customer is reached from the customer, in one shape:
``client.customers.addresses(guid).create(...)``, ``client.customers.extra_fields(guid).list()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, Literal, TypeVar

import httpx

from nordfin._core import odata
from nordfin._core.auth import OAuth2ClientCredentials, WithHeaders
from nordfin._core.base import AsyncClientBase, ClientBase, ClientSetup, Options, resolve_base_url
from nordfin._core.pagination import AsyncPager, Pager
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Session
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert
from nordfin._core.validate import check_header_value, check_path_id, check_str
from nordfin.aptic import _plans as plans
from nordfin.aptic._plans import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Kind, ListArgs, Page
from nordfin.aptic.errors import ApticProblem, parse_error
from nordfin.errors import RequestValidationError
from nordfin_generated.aptic import Client as GeneratedClient
from nordfin_generated.aptic.models import (
    AccruedInterest,
    CreditInsurance,
    CreditInsuranceCreate,
    CreditInsuranceList,
    CreditInsuranceUpdate,
    Customer,
    CustomerAddress,
    CustomerAddressInput,
    CustomerAddressList,
    CustomerCreate,
    CustomerList,
    CustomerListItem,
    CustomerParameter,
    CustomerParameterList,
    CustomerUpdate,
    DirectDebitMandate,
    DirectDebitMandateInput,
    DirectDebitMandateList,
    ExtraField,
    ExtraFieldList,
    ExtraFieldValue,
    LedgerSummary,
    ServiceResult,
    UserQuestion,
    UserQuestionList,
    UserQuestionResponse,
)

__all__ = ["TOKEN_PATH", "AsyncClient", "Client", "gateway_url"]

#: The token endpoint, below the tenant's gateway URL (research: two integrations call it).
TOKEN_PATH = "/login/oauth/access_token"
#: The API key header when none is given: a placeholder, since Aptic publishes no name.
DEFAULT_API_KEY_HEADER = "X-API-Key"

PROFILE = ApiProfile(
    slug="aptic",
    generated_client=GeneratedClient(base_url="", raise_on_unexpected_status=True),
    error_parser=parse_error,
    error_base=ApticProblem,
)

S = TypeVar("S", Session, AsyncSession)
P = TypeVar("P", bound=Page[Any])
I = TypeVar("I")  # noqa: E741
C = TypeVar("C")
U = TypeVar("U")
FilterArg = odata.Filter | str | None
InterestPage = list[AccruedInterest]  # a module-level name: ``list`` is a method in the classes


def gateway_url(host: str, instance: str) -> str:
    """A tenant's gateway URL from its host and instance: ``https://<host>/<instance>/APIGW``."""
    check_path_id("host", host)
    check_path_id("instance", instance)
    if not host.isascii() or any(c in host for c in "@:?#% "):
        raise RequestValidationError(
            "host", "must be a plain host name such as c005013.test.hosting.aptic.cloud"
        )
    return f"https://{host}/{instance}/APIGW"


# --- a customer's sub-resources -------------------------------------------------------------------


class _Bound(Generic[S, P, I]):
    """A customer's sub-resources of one kind, bound to the customer (checked once, here)."""

    def __init__(self, session: S, kind: Kind[P, I], customer_guid: Any) -> None:
        self._session: S = session
        self._kind = kind
        self.customer_guid = plans.customer(customer_guid)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._kind.label}, customer_guid={self.customer_guid!r})"


class Items(_Bound[Session, P, I]):
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

    def get(self, key: Any) -> I:
        """The item with this key (its GUID, or its name for parameters and extra fields)."""
        return self._session.run(plans.get_plan(self._kind, self.customer_guid, key))


class EditableItems(Items[P, I], Generic[P, I, C, U]):
    """Sub-resources that can also be created, updated and deleted."""

    def create(self, item: C) -> I:
        """Add ``item``; returns it as Aptic stored it (with its GUID)."""
        return self._session.run(plans.create_plan(self._kind, self.customer_guid, item))

    def update(self, key: Any, changes: U) -> None:
        """Change the item: members set in ``changes`` are sent, ``None`` clears, UNSET keeps."""
        self._session.run(plans.update_plan(self._kind, self.customer_guid, key, changes))

    def delete(self, key: Any) -> None:
        """Delete the item."""
        self._session.run(plans.delete_plan(self._kind, self.customer_guid, key))


class Mandates(Items[DirectDebitMandateList, DirectDebitMandate]):
    """``client.customers.direct_debit_mandates(guid)``: list, read, register (no update or delete)."""

    def create(self, mandate: DirectDebitMandateInput) -> DirectDebitMandate:
        """Register a mandate: a known type and a non-empty receiving account are checked first."""
        return self._session.run(plans.create_plan(self._kind, self.customer_guid, mandate))


class Questions(Items[UserQuestionList, UserQuestion]):
    """``client.customers.user_questions(guid)``: list, read and answer questions."""

    def respond(self, action_guid: Any, response: UserQuestionResponse) -> None:
        """Answer (or postpone, with ``postpone_to``) the question."""
        self._session.run(plans.respond_plan(self._kind, self.customer_guid, action_guid, response))


class AsyncItems(_Bound[AsyncSession, P, I]):
    """:class:`Items` of the ``AsyncClient``: the same calls, awaited."""

    async def list(
        self,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        skip: int = 0,
        top: int = DEFAULT_PAGE_SIZE,
    ) -> P:
        """One page: ``top`` items (at most 100) from offset ``skip`` matching ``filter``."""
        args = ListArgs.of(filter, orderby, skip, top)
        return await self._session.run(plans.list_plan(self._kind, self.customer_guid, args))

    def iterate(
        self, *, filter: FilterArg = None, orderby: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncPager[P, ListArgs, I]:
        """Every matching item, lazily, ``page_size`` per request, until the answer's ``total``."""
        first = ListArgs.of(filter, orderby, 0, page_size)
        fetch = lambda args: self._session.run(plans.list_plan(self._kind, self.customer_guid, args))  # noqa: E731
        return AsyncPager(fetch, first=first, items=lambda page: page.value, next_cursor=plans.following_page)

    async def get(self, key: Any) -> I:
        """The item with this key (its GUID, or its name for parameters and extra fields)."""
        return await self._session.run(plans.get_plan(self._kind, self.customer_guid, key))


class AsyncEditableItems(AsyncItems[P, I], Generic[P, I, C, U]):
    """:class:`EditableItems` of the ``AsyncClient``."""

    async def create(self, item: C) -> I:
        """Add ``item``; returns it as Aptic stored it (with its GUID)."""
        return await self._session.run(plans.create_plan(self._kind, self.customer_guid, item))

    async def update(self, key: Any, changes: U) -> None:
        """Change the item: members set in ``changes`` are sent, ``None`` clears, UNSET keeps."""
        await self._session.run(plans.update_plan(self._kind, self.customer_guid, key, changes))

    async def delete(self, key: Any) -> None:
        """Delete the item."""
        await self._session.run(plans.delete_plan(self._kind, self.customer_guid, key))


class AsyncMandates(AsyncItems[DirectDebitMandateList, DirectDebitMandate]):
    """:class:`Mandates` of the ``AsyncClient``."""

    async def create(self, mandate: DirectDebitMandateInput) -> DirectDebitMandate:
        """Register a mandate: a known type and a non-empty receiving account are checked first."""
        return await self._session.run(plans.create_plan(self._kind, self.customer_guid, mandate))


class AsyncQuestions(AsyncItems[UserQuestionList, UserQuestion]):
    """:class:`Questions` of the ``AsyncClient``."""

    async def respond(self, action_guid: Any, response: UserQuestionResponse) -> None:
        """Answer (or postpone, with ``postpone_to``) the question."""
        await self._session.run(plans.respond_plan(self._kind, self.customer_guid, action_guid, response))


Parameters = EditableItems[
    CustomerParameterList, CustomerParameter, Sequence[CustomerParameter], Sequence[CustomerParameter]
]
Addresses = EditableItems[CustomerAddressList, CustomerAddress, CustomerAddressInput, CustomerAddressInput]
ExtraFields = EditableItems[ExtraFieldList, ExtraField, ExtraField, ExtraFieldValue]
CreditInsurances = EditableItems[
    CreditInsuranceList, CreditInsurance, CreditInsuranceCreate, CreditInsuranceUpdate
]
AsyncParameters = AsyncEditableItems[
    CustomerParameterList, CustomerParameter, Sequence[CustomerParameter], Sequence[CustomerParameter]
]
AsyncAddresses = AsyncEditableItems[
    CustomerAddressList, CustomerAddress, CustomerAddressInput, CustomerAddressInput
]
AsyncExtraFields = AsyncEditableItems[ExtraFieldList, ExtraField, ExtraField, ExtraFieldValue]
AsyncCreditInsurances = AsyncEditableItems[
    CreditInsuranceList, CreditInsurance, CreditInsuranceCreate, CreditInsuranceUpdate
]


# --- customers and services -----------------------------------------------------------------------


class Customers:
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
    ) -> CustomerList:
        """One page of customers matching ``filter`` (an ``aptic.Field`` expression or raw text)."""
        return self._session.run(plans.customers_plan(ListArgs.of(filter, orderby, skip, top)))

    def iterate(
        self, *, filter: FilterArg = None, orderby: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Pager[CustomerList, ListArgs, CustomerListItem]:
        """Every matching customer, lazily, ``page_size`` per request, until the answer's ``total``."""
        fetch = lambda args: self._session.run(plans.customers_plan(args))  # noqa: E731
        first = ListArgs.of(filter, orderby, 0, page_size)
        return Pager(fetch, first=first, items=lambda page: page.value, next_cursor=plans.following_page)

    def get(self, customer_guid: Any) -> Customer:
        """The customer with its addresses and links."""
        return self._session.run(plans.customer_plan(customer_guid))

    def create(self, customer: CustomerCreate) -> Customer:
        """Create a customer. A create is never sent twice: only a request that never reached
        the server is retried. Give ``customer_guid`` to choose the GUID yourself."""
        return self._session.run(plans.create_customer_plan(customer))

    def update(self, customer_guid: Any, changes: CustomerUpdate) -> None:
        """Change the members set in ``changes`` (``None`` clears one; UNSET ones are not sent)."""
        self._session.run(plans.update_customer_plan(customer_guid, changes))

    def delete(self, customer_guid: Any) -> None:
        """Delete the customer."""
        self._session.run(plans.delete_customer_plan(customer_guid))

    def ledger_summary(self, customer_guid: Any) -> LedgerSummary:
        """The customer's balances and related purchases, invoices, accounts and guarantees."""
        return self._session.run(plans.ledger_summary_plan(customer_guid))

    def accrued_interest(
        self,
        customer_guid: Any,
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
        customer_guid: Any,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Pager[InterestPage, ListArgs, AccruedInterest]:
        """All of it, lazily; without a ``total`` the walk ends at the first page that is not full."""
        guid = plans.customer(customer_guid)
        fetch = lambda args: self._session.run(plans.accrued_interest_plan(guid, args))  # noqa: E731
        first = ListArgs.of(filter, orderby, 0, page_size)
        return Pager(fetch, first=first, items=lambda page: page, next_cursor=plans.following_list)

    def invoke_service(
        self,
        customer_guid: Any,
        service_definition: str,
        body: Any = None,
        *,
        asynchronous: bool | None = None,
    ) -> ServiceResult:
        """Run the custom action ``service_definition`` for the customer with ``body`` (any JSON).

        A custom action may change data, so it is retried only when it never reached the server.
        """
        return self._session.run(plans.service_plan(customer_guid, service_definition, body, asynchronous))

    def parameters(self, customer_guid: Any) -> Parameters:
        """The customer's parameters, by name."""
        return EditableItems(self._session, plans.PARAMETERS, customer_guid)

    def addresses(self, customer_guid: Any) -> Addresses:
        """The customer's addresses, by GUID."""
        return EditableItems(self._session, plans.ADDRESSES, customer_guid)

    def extra_fields(self, customer_guid: Any) -> ExtraFields:
        """The customer's extra fields, by name; ``update`` replaces the values."""
        return EditableItems(self._session, plans.EXTRA_FIELDS, customer_guid)

    def direct_debit_mandates(self, customer_guid: Any) -> Mandates:
        """The customer's direct debit mandates, by GUID."""
        return Mandates(self._session, plans.DIRECT_DEBIT_MANDATES, customer_guid)

    def credit_insurances(self, customer_guid: Any) -> CreditInsurances:
        """The customer's credit insurances, by GUID."""
        return EditableItems(self._session, plans.CREDIT_INSURANCES, customer_guid)

    def user_questions(self, customer_guid: Any) -> Questions:
        """Questions for the customer's user, by GUID, and the answers to them."""
        return Questions(self._session, plans.USER_QUESTIONS, customer_guid)


class AsyncCustomers:
    """``client.customers`` of the ``AsyncClient``: the same calls, awaited."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(
        self,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        skip: int = 0,
        top: int = DEFAULT_PAGE_SIZE,
    ) -> CustomerList:
        """One page of customers matching ``filter`` (an ``aptic.Field`` expression or raw text)."""
        return await self._session.run(plans.customers_plan(ListArgs.of(filter, orderby, skip, top)))

    def iterate(
        self, *, filter: FilterArg = None, orderby: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncPager[CustomerList, ListArgs, CustomerListItem]:
        """Every matching customer, lazily, ``page_size`` per request, until the answer's ``total``."""
        fetch = lambda args: self._session.run(plans.customers_plan(args))  # noqa: E731
        first = ListArgs.of(filter, orderby, 0, page_size)
        return AsyncPager(fetch, first=first, items=lambda page: page.value, next_cursor=plans.following_page)

    async def get(self, customer_guid: Any) -> Customer:
        """The customer with its addresses and links."""
        return await self._session.run(plans.customer_plan(customer_guid))

    async def create(self, customer: CustomerCreate) -> Customer:
        """Create a customer (never sent twice; see ``Client.customers.create``)."""
        return await self._session.run(plans.create_customer_plan(customer))

    async def update(self, customer_guid: Any, changes: CustomerUpdate) -> None:
        """Change the members set in ``changes`` (``None`` clears one; UNSET ones are not sent)."""
        await self._session.run(plans.update_customer_plan(customer_guid, changes))

    async def delete(self, customer_guid: Any) -> None:
        """Delete the customer."""
        await self._session.run(plans.delete_customer_plan(customer_guid))

    async def ledger_summary(self, customer_guid: Any) -> LedgerSummary:
        """The customer's balances and related purchases, invoices, accounts and guarantees."""
        return await self._session.run(plans.ledger_summary_plan(customer_guid))

    async def accrued_interest(
        self,
        customer_guid: Any,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        skip: int = 0,
        top: int = DEFAULT_PAGE_SIZE,
    ) -> InterestPage:
        """One page of the accrued interest of the customer's loans (Aptic answers a bare list)."""
        args = ListArgs.of(filter, orderby, skip, top)
        return await self._session.run(plans.accrued_interest_plan(customer_guid, args))

    def iterate_accrued_interest(
        self,
        customer_guid: Any,
        *,
        filter: FilterArg = None,
        orderby: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncPager[InterestPage, ListArgs, AccruedInterest]:
        """All of it, lazily; without a ``total`` the walk ends at the first page that is not full."""
        guid = plans.customer(customer_guid)
        fetch = lambda args: self._session.run(plans.accrued_interest_plan(guid, args))  # noqa: E731
        first = ListArgs.of(filter, orderby, 0, page_size)
        return AsyncPager(fetch, first=first, items=lambda page: page, next_cursor=plans.following_list)

    async def invoke_service(
        self,
        customer_guid: Any,
        service_definition: str,
        body: Any = None,
        *,
        asynchronous: bool | None = None,
    ) -> ServiceResult:
        """Run the custom action ``service_definition`` for the customer with ``body`` (any JSON)."""
        plan = plans.service_plan(customer_guid, service_definition, body, asynchronous)
        return await self._session.run(plan)

    def parameters(self, customer_guid: Any) -> AsyncParameters:
        """The customer's parameters, by name."""
        return AsyncEditableItems(self._session, plans.PARAMETERS, customer_guid)

    def addresses(self, customer_guid: Any) -> AsyncAddresses:
        """The customer's addresses, by GUID."""
        return AsyncEditableItems(self._session, plans.ADDRESSES, customer_guid)

    def extra_fields(self, customer_guid: Any) -> AsyncExtraFields:
        """The customer's extra fields, by name; ``update`` replaces the values."""
        return AsyncEditableItems(self._session, plans.EXTRA_FIELDS, customer_guid)

    def direct_debit_mandates(self, customer_guid: Any) -> AsyncMandates:
        """The customer's direct debit mandates, by GUID."""
        return AsyncMandates(self._session, plans.DIRECT_DEBIT_MANDATES, customer_guid)

    def credit_insurances(self, customer_guid: Any) -> AsyncCreditInsurances:
        """The customer's credit insurances, by GUID."""
        return AsyncEditableItems(self._session, plans.CREDIT_INSURANCES, customer_guid)

    def user_questions(self, customer_guid: Any) -> AsyncQuestions:
        """Questions for the customer's user, by GUID, and the answers to them."""
        return AsyncQuestions(self._session, plans.USER_QUESTIONS, customer_guid)


class Services:
    """``client.services``: custom actions not tied to one customer, and the ping."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def invoke(
        self, service_definition: str, body: Any = None, *, asynchronous: bool | None = None
    ) -> ServiceResult:
        """Run the custom action ``service_definition`` with ``body`` (any JSON)."""
        return self._session.run(plans.service_plan(None, service_definition, body, asynchronous))

    def ping(self) -> None:
        """Check that the service is up; raises if it is not."""
        self._session.run(plans.ping_plan())


class AsyncServices:
    """``client.services`` of the ``AsyncClient``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def invoke(
        self, service_definition: str, body: Any = None, *, asynchronous: bool | None = None
    ) -> ServiceResult:
        """Run the custom action ``service_definition`` with ``body`` (any JSON)."""
        return await self._session.run(plans.service_plan(None, service_definition, body, asynchronous))

    async def ping(self) -> None:
        """Check that the service is up; raises if it is not."""
        await self._session.run(plans.ping_plan())


# --- the clients ----------------------------------------------------------------------------------


def credentials(
    base_url: str,
    client_id: str,
    client_secret: str | Secret,
    *,
    api_key: str | Secret | None,
    api_key_header: str,
    token_auth: Literal["basic", "post"],
    scope: str | None,
    clock: Callable[[], float],
) -> httpx.Auth:
    """OAuth2 client credentials at ``<base_url>/login/oauth/access_token``, plus the API key if any."""
    if not check_str("client_id", client_id).strip():
        raise RequestValidationError("client_id", "must not be empty")
    secret = Secret.of(client_secret)
    if not check_str("client_secret", secret.reveal()).strip():
        raise RequestValidationError("client_secret", "must not be empty")
    if token_auth not in ("basic", "post"):
        raise RequestValidationError("token_auth", "must be 'basic' (HTTP Basic) or 'post' (form body)")
    oauth = OAuth2ClientCredentials(
        base_url + TOKEN_PATH, client_id, secret, scope=scope, clock=clock, auth_style=token_auth
    )
    if api_key is None:
        return oauth
    key = Secret.of(api_key)
    check_header_value("api_key", key.reveal())
    return WithHeaders(oauth, {check_header_value("api_key_header", api_key_header): key})


_CLIENT_DOC = """{kind} for one tenant's Aptic API Gateway (Customers v1.0).

    ``base_url`` is the tenant's gateway, e.g. ``https://c005013.test.hosting.aptic.cloud/C005013-15530-T01/APIGW``
    (``gateway_url(host, instance)`` builds it); Aptic has no global host. Authenticate with the
    OAuth2 ``client_id`` and ``client_secret``: the token is fetched on first use from
    ``<base_url>/login/oauth/access_token``, cached, renewed before it expires (one renewal at a
    time across threads and tasks), and renewed once more if the API answers 401. Settings:

    - ``token_auth``: ``"basic"`` sends the client credentials in HTTP Basic (default), ``"post"``
      in the form body;
    - ``api_key``: if your tenant also requires an API key, it is sent in ``api_key_header`` on every
      call; Aptic does not publish that header's name, so ask Aptic and set it (default ``X-API-Key``);
    - ``scope``: an OAuth2 scope, if your tenant wants one (none is documented);
    - ``timeout``: seconds or an ``httpx.Timeout`` (default 10 s connect, 30 s otherwise);
    - ``retry``: a ``RetryPolicy``; reads, updates and deletes are retried on 408/429/5xx and network
      errors, a create or custom action only when it never reached the server;
    - ``rate_limit``: Aptic documents no quota; give a ``RateLimiter`` to keep under your tenant's;
    - ``strict``: validate every answer against the spec and raise ``ResponseValidationError``;
    - ``transport``: an httpx transport, e.g. ``nordfin.testing.aptic.FakeAptic()`` in tests;
    - ``cert``: a client certificate (``ClientCert``), if your network needs one;
    - ``sleep`` / ``clock``: how to wait between retries and what time it is (tests pass their own).
    """


class _ApticClient(ClientSetup):
    """The constructor both Aptic clients share; see ``Client``."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str | Secret,
        token_auth: Literal["basic", "post"] = "basic",
        api_key: str | Secret | None = None,
        api_key_header: str = DEFAULT_API_KEY_HEADER,
        scope: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimiter | None = None,
        strict: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        cert: ClientCert | None = None,
        sleep: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        url = resolve_base_url({}, None, base_url)
        auth = credentials(
            url,
            client_id,
            client_secret,
            api_key=api_key,
            api_key_header=api_key_header,
            token_auth=token_auth,
            scope=scope,
            clock=clock,
        )
        settings = Options(
            base_url=url,
            timeout=timeout,
            retry=RetryPolicy() if retry is None else retry,
            limiter=rate_limit,
            transport=transport,
            cert=cert,
            strict=strict,
            sleep=sleep,
        )
        self._open(self._connect(PROFILE, auth, settings))

    def _open(self, session: Any) -> None:
        raise NotImplementedError  # each client attaches its resources


class Client(ClientBase, _ApticClient):
    __doc__ = _CLIENT_DOC.format(kind="Synchronous client")
    customers: Customers
    services: Services

    def _open(self, session: Session) -> None:
        self.customers = Customers(session)
        self.services = Services(session)

    def ping(self) -> None:
        """Check that the service is up (``client.services.ping()``)."""
        self.services.ping()


class AsyncClient(AsyncClientBase, _ApticClient):
    __doc__ = _CLIENT_DOC.format(kind="Asynchronous client")
    customers: AsyncCustomers
    services: AsyncServices

    def _open(self, session: AsyncSession) -> None:
        self.customers = AsyncCustomers(session)
        self.services = AsyncServices(session)

    async def ping(self) -> None:
        """Check that the service is up (``client.services.ping()``)."""
        await self.services.ping()
