"""Every Aptic call described once as a ``Call``, for the sync and the async client alike.

A customer's sub-resources (parameters, addresses, extra fields, direct debit mandates, credit
insurances, user questions) share one shape: a list with ``$filter``/``$skip``/``$top``/
``$orderby``, an item addressed by a key, and some of create, update, delete. Each is described
once by a :class:`Kind`, and the same plan functions serve all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, Literal, NamedTuple, Protocol, TypeVar, Unpack

import httpx

from nordfin._core import odata
from nordfin._core.auth import OAuth2ClientCredentials, WithHeaders
from nordfin._core.base import ClientSetup, resolve_base_url
from nordfin._core.checked import Checked, check_argument, checked
from nordfin._core.lazy import LazyModule, forward_union
from nordfin._core.record import Frozen
from nordfin._core.redact import Secret
from nordfin._core.session import ApiProfile, AsyncSession, Call, Session
from nordfin._core.settings import Settings, options
from nordfin._core.tokenstore import token_store
from nordfin._core.validate import check_guid, check_header_value, check_path_id, check_str, check_type
from nordfin.aptic import _checks
from nordfin.aptic.errors import ApticProblem, parse_error
from nordfin.errors import RequestValidationError
from nordfin_generated.aptic import models
from nordfin_generated.aptic.api.addresses import (
    create_customer_address,
    delete_customer_address,
    get_customer_address,
    list_customer_addresses,
    update_customer_address,
)
from nordfin_generated.aptic.api.credit_insurances import (
    create_customer_credit_insurance,
    delete_customer_credit_insurance,
    get_customer_credit_insurance,
    list_customer_credit_insurances,
    update_customer_credit_insurance,
)
from nordfin_generated.aptic.api.customers import (
    create_customer,
    delete_customer,
    get_customer,
    get_customer_ledger_summary,
    get_loan_accrued_interest,
    list_customers,
    update_customer,
)
from nordfin_generated.aptic.api.direct_debit_mandates import (
    create_customer_direct_debit_mandate,
    get_customer_direct_debit_mandate,
    list_customer_direct_debit_mandates,
)
from nordfin_generated.aptic.api.extra_fields import (
    create_customer_extra_field,
    delete_customer_extra_field,
    get_customer_extra_field,
    list_customer_extra_fields,
    update_customer_extra_field,
)
from nordfin_generated.aptic.api.parameters import (
    create_customer_parameters,
    delete_customer_parameter,
    get_customer_parameter,
    list_customer_parameters,
    update_customer_parameter,
)
from nordfin_generated.aptic.api.services import invoke_customer_service, invoke_service, ping
from nordfin_generated.aptic.api.user_questions import (
    get_customer_user_question,
    list_customer_user_questions,
    respond_to_customer_user_question,
)

__all__ = [
    "CLIENT_DOC",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PROFILE",
    "TOKEN_PATH",
    "ApticSetup",
    "Bound",
    "FilterArg",
    "Guid",
    "InterestPage",
    "Json",
    "Key",
    "Kind",
    "ListArgs",
    "Page",
    "gateway_url",
]


# ``$top`` as the spec documents it ("default 25, max 100"), written here so that importing the client
# reads no spec; tests/perf/test_imports.py checks both against specs/aptic (correct the spec first).
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

P = TypeVar("P")
I = TypeVar("I")  # noqa: E741
I_co = TypeVar("I_co", covariant=True)
FilterArg = odata.Filter | None  # a plain string is refused: aptic.Field(...) or aptic.raw(...)


class Page(Protocol[I_co]):
    """What every Aptic list answer is: ``count`` items from offset ``skip`` of ``total`` (each None
    when the vendor leaves it out: that they are always there is a guess of the spec)."""

    @property
    def count(self) -> int | None: ...
    @property
    def skip(self) -> int | None: ...
    @property
    def total(self) -> int | None: ...
    @property
    def value(self) -> Sequence[I_co]: ...


class ListArgs(NamedTuple):
    """The OData arguments of one list call, checked once."""

    filter: str | None = None
    orderby: str | None = None
    skip: int = 0
    top: int = DEFAULT_PAGE_SIZE

    @classmethod
    def of(cls, filter: FilterArg, orderby: str | None, skip: int, top: int) -> ListArgs:
        check_type("skip", skip, int)
        check_type("top", top, int)
        if skip < 0:
            raise RequestValidationError("skip", "must be 0 or more")
        if not 1 <= top <= MAX_PAGE_SIZE:
            raise RequestValidationError("top", f"must be from 1 to {MAX_PAGE_SIZE} (Aptic's maximum)")
        if orderby is not None:
            check_type("orderby", orderby, str)
        return cls(odata.render(filter), orderby, skip, top)

    def at(self, skip: int) -> ListArgs:
        return self._replace(skip=skip)

    def kwargs(self) -> dict[str, Any]:
        return {"filter_": self.filter, "orderby": self.orderby, "skip": self.skip, "top": self.top}


def following_page(page: Page[Any], args: ListArgs) -> ListArgs | None:
    """The arguments of the page after ``page``; None at ``total`` or after an empty page. An answer
    without ``total`` pages on while pages come back full, as a bare array does."""
    if page.total is None:
        return following_list(page.value, args)
    following = (args.skip if page.skip is None else page.skip) + len(page.value)
    return args.at(following) if page.value and following < page.total else None


def following_list(items: Sequence[Any], args: ListArgs) -> ListArgs | None:
    """For a bare array (no ``total``): go on while pages come back full."""
    return args.at(args.skip + len(items)) if len(items) == args.top else None


class Kind(Frozen, Generic[P, I]):
    """One kind of customer sub-resource: its generated operations and key.

    ``key`` is the ``build_request`` argument of the item's key, ``guid_key`` whether it is a GUID
    (else a name in the path). The page and item models (``P``, ``I``) are what the spec says the
    list and get operations answer (their ``SUCCESS_MODEL``, loaded at the first call).
    """

    __slots__ = (
        "check_create",
        "create",
        "delete",
        "get",
        "guid_key",
        "inputs",
        "key",
        "label",
        "list",
        "respond",
        "update",
    )
    label: str
    key: str
    guid_key: bool
    list: ModuleType
    get: ModuleType
    create: ModuleType | None
    update: ModuleType | None
    delete: ModuleType | None
    respond: ModuleType | None
    check_create: Callable[[Any], Any]
    #: The types ``create`` and ``update`` take (the generic resource cannot say them at run time).
    inputs: Callable[[], tuple[Any, Any]]

    # Frozen, not a NamedTuple: the check of an argument annotated Kind[P, I] stays an isinstance
    # (typeguard would check each field of a tuple).
    def __init__(
        self,
        label: str,
        *,
        key: str,
        guid_key: bool,
        list: ModuleType,
        get: ModuleType,
        create: ModuleType | None = None,
        update: ModuleType | None = None,
        delete: ModuleType | None = None,
        respond: ModuleType | None = None,
        check_create: Callable[[Any], Any] = _checks.unchanged,
        inputs: Callable[[], tuple[Any, Any]] = lambda: (object, object),
    ) -> None:
        self._init(
            label=label,
            key=key,
            guid_key=guid_key,
            list=list,
            get=get,
            create=create,
            update=update,
            delete=delete,
            respond=respond,
            check_create=check_create,
            inputs=inputs,
        )

    def key_of(self, value: Any) -> str:
        if self.guid_key:
            return check_guid(self.key, value)
        return check_path_id(self.key, value)


def list_plan(kind: Kind[P, I], customer_guid: Any, args: ListArgs) -> Call[P]:
    arguments = {"customer_guid": customer(customer_guid), **args.kwargs()}
    return Call(kind.list, kind.list.SUCCESS_MODEL, arguments)


def get_plan(kind: Kind[P, I], customer_guid: Any, key: Any) -> Call[I]:
    arguments = {"customer_guid": customer(customer_guid), kind.key: kind.key_of(key)}
    return Call(kind.get, kind.get.SUCCESS_MODEL, arguments)


def create_plan(kind: Kind[P, I], customer_guid: Any, body: Any) -> Call[I]:
    module = _supported(kind, kind.create, "create")
    check_argument("item", body, kind.inputs()[0])
    body = kind.check_create(body)
    return Call(module, module.SUCCESS_MODEL, {"customer_guid": customer(customer_guid), "body": body})


def update_plan(kind: Kind[P, I], customer_guid: Any, key: Any, body: Any) -> Call[None]:
    module = _supported(kind, kind.update, "update")
    check_argument("changes", body, kind.inputs()[1])
    arguments = {"customer_guid": customer(customer_guid), kind.key: kind.key_of(key), "body": body}
    return Call(module, None, arguments)


def delete_plan(kind: Kind[P, I], customer_guid: Any, key: Any) -> Call[None]:
    module = _supported(kind, kind.delete, "delete")
    arguments = {"customer_guid": customer(customer_guid), kind.key: kind.key_of(key)}
    return Call(module, None, arguments)


def respond_plan(kind: Kind[P, I], customer_guid: Any, key: Any, body: Any) -> Call[None]:
    module = _supported(kind, kind.respond, "respond")
    arguments = {"customer_guid": customer(customer_guid), kind.key: kind.key_of(key), "body": body}
    return Call(module, None, arguments)


def customer(value: Any) -> str:
    return check_guid("customer_guid", value)


def _supported(kind: Kind[Any, Any], module: ModuleType | None, what: str) -> ModuleType:
    if module is None:  # the typed resources never offer it; reached only through Any
        raise RequestValidationError(kind.label, f"Aptic documents no {what} operation here")
    return module


PARAMETERS: Kind[models.CustomerParameterList, models.CustomerParameter] = Kind(
    "parameters",
    key="name",
    guid_key=False,
    list=list_customer_parameters,
    get=get_customer_parameter,
    create=create_customer_parameters,
    update=update_customer_parameter,
    delete=delete_customer_parameter,
    check_create=_checks.parameters,
    inputs=lambda: (Sequence[models.CustomerParameterInput], Sequence[models.CustomerParameterInput]),
)
ADDRESSES: Kind[models.CustomerAddressList, models.CustomerAddress] = Kind(
    "addresses",
    key="address_guid",
    guid_key=True,
    list=list_customer_addresses,
    get=get_customer_address,
    create=create_customer_address,
    update=update_customer_address,
    delete=delete_customer_address,
    inputs=lambda: (models.CustomerAddressInput, models.CustomerAddressInput),
)
EXTRA_FIELDS: Kind[models.ExtraFieldList, models.ExtraField] = Kind(
    "extra_fields",
    key="name",
    guid_key=False,
    list=list_customer_extra_fields,
    get=get_customer_extra_field,
    create=create_customer_extra_field,
    update=update_customer_extra_field,
    delete=delete_customer_extra_field,
    check_create=_checks.extra_field,
    inputs=lambda: (models.ExtraFieldInput, models.ExtraFieldValue),
)
DIRECT_DEBIT_MANDATES: Kind[models.DirectDebitMandateList, models.DirectDebitMandate] = Kind(
    "direct_debit_mandates",
    key="direct_debit_guid",
    guid_key=True,
    list=list_customer_direct_debit_mandates,
    get=get_customer_direct_debit_mandate,
    create=create_customer_direct_debit_mandate,
    check_create=_checks.mandate,
    inputs=lambda: (models.DirectDebitMandateInput, object),
)
CREDIT_INSURANCES: Kind[models.CreditInsuranceList, models.CreditInsurance] = Kind(
    "credit_insurances",
    key="insurance_guid",
    guid_key=True,
    list=list_customer_credit_insurances,
    get=get_customer_credit_insurance,
    create=create_customer_credit_insurance,
    update=update_customer_credit_insurance,
    delete=delete_customer_credit_insurance,
    inputs=lambda: (models.CreditInsuranceCreate, models.CreditInsuranceUpdate),
)
USER_QUESTIONS: Kind[models.UserQuestionList, models.UserQuestion] = Kind(
    "user_questions",
    key="action_guid",
    guid_key=True,
    list=list_customer_user_questions,
    get=get_customer_user_question,
    respond=respond_to_customer_user_question,
)


# --- the customer collection and actions that are not sub-resources ------------------------------


def customers_plan(args: ListArgs) -> Call[models.CustomerList]:
    return Call(list_customers, models.CustomerList, args.kwargs())


def customer_plan(customer_guid: Any) -> Call[models.Customer]:
    return Call(get_customer, models.Customer, {"customer_guid": customer(customer_guid)})


def create_customer_plan(body: Any) -> Call[models.Customer]:
    return Call(create_customer, models.Customer, {"body": _checks.customer_create(body)})


def update_customer_plan(customer_guid: Any, changes: Any) -> Call[None]:
    arguments = {"customer_guid": customer(customer_guid), "body": _checks.customer_update(changes)}
    return Call(update_customer, None, arguments)


def delete_customer_plan(customer_guid: Any) -> Call[None]:
    return Call(delete_customer, None, {"customer_guid": customer(customer_guid)})


def ledger_summary_plan(customer_guid: Any) -> Call[models.LedgerSummary]:
    return Call(get_customer_ledger_summary, models.LedgerSummary, {"customer_guid": customer(customer_guid)})


def accrued_interest_plan(customer_guid: Any, args: ListArgs) -> Call[list[models.AccruedInterest]]:
    arguments = {"customer_guid": customer(customer_guid), **args.kwargs()}
    return Call(get_loan_accrued_interest, list, arguments)


def service_plan(
    customer_guid: Any | None, definition: Any, body: Any, asynchronous: bool | None
) -> Call[models.ServiceResult]:
    """A custom action, for one customer or none; ``asynchronous`` is the ``async`` query flag.

    ``body`` None sends an empty object.
    """
    arguments: dict[str, Any] = {
        "service_definition": check_path_id("service_definition", definition),
        "body": {} if body is None else body,  # no body would be refused: null means "nothing"
        "async_": _flag("asynchronous", asynchronous),
    }
    if customer_guid is None:
        return Call(invoke_service, models.ServiceResult, arguments)
    return Call(
        invoke_customer_service, models.ServiceResult, {"customer_guid": customer(customer_guid), **arguments}
    )


def ping_plan() -> Call[None]:
    return Call(ping, models.Empty, then=lambda answer: None)


def _flag(field: str, value: bool | None) -> bool | None:
    if value is not None:
        check_type(field, value, bool)
    return value


# --- what the clients share ------------------------------------------------------------------------

S = TypeVar("S", Session, AsyncSession)
if TYPE_CHECKING:
    import uuid

    #: A GUID as text (``3f2504e0-4f89-11d3-9a0c-0305e82c3301``) or a ``uuid.UUID``.
    Guid = str | uuid.UUID
    #: A sub-resource's key: its GUID, or its name for parameters and extra fields.
    Key = str | uuid.UUID
else:  # read by the first call that checks them: uuid is not imported with the client
    _uuid = LazyModule("uuid")
    Guid = Key = forward_union(__name__, "str", "_uuid.UUID")
#: A custom action's body: any JSON value.
Json = Mapping[str, object] | Sequence[object] | str | int | float | bool | None
InterestPage = list["models.AccruedInterest"]  # a module-level name: ``list`` is a method in the classes

#: The token endpoint, below the tenant's gateway URL (research: two integrations call it).
TOKEN_PATH = "/login/oauth/access_token"
#: The API key header when none is given: a placeholder, since Aptic publishes no name.
DEFAULT_API_KEY_HEADER = "X-API-Key"

PROFILE = ApiProfile(
    slug="aptic",
    error_parser=parse_error,
    error_base=ApticProblem,
)


@checked
def gateway_url(host: str, instance: str) -> str:
    """A tenant's gateway URL from its host and instance: ``https://<host>/<instance>/APIGW``."""
    check_path_id("host", host)
    check_path_id("instance", instance)
    if not host.isascii() or any(c in host for c in "@:?#% "):
        raise RequestValidationError(
            "host", "must be a plain host name such as c005013.test.hosting.aptic.cloud"
        )
    return f"https://{host}/{instance}/APIGW"


class Bound(Checked, Generic[S, P, I]):
    """A customer's sub-resources of one kind, bound to the customer (checked once, here)."""

    def __init__(self, session: S, kind: Kind[P, I], customer_guid: Guid) -> None:
        self._session: S = session
        self._kind = kind
        self.customer_guid = customer(customer_guid)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._kind.label}, customer_guid={self.customer_guid!r})"


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
    token_cache: str | None = None,
) -> httpx.Auth:
    """OAuth2 client credentials at ``<base_url>/login/oauth/access_token``, plus the API key if any."""
    if not check_str("client_id", client_id).strip():
        raise RequestValidationError("client_id", "must not be empty")
    secret = Secret.of(client_secret)
    if not check_str("client_secret", secret.reveal()).strip():
        raise RequestValidationError("client_secret", "must not be empty")
    if token_auth not in ("basic", "post"):
        raise RequestValidationError("token_auth", "must be 'basic' (HTTP Basic) or 'post' (form body)")
    try:
        store = token_store(token_cache)
    except ValueError as error:
        raise RequestValidationError("token_cache", str(error)) from None
    oauth = OAuth2ClientCredentials(
        base_url + TOKEN_PATH,
        client_id,
        secret,
        scope=scope,
        clock=clock,
        auth_style=token_auth,
        token_store=store,
    )
    if api_key is None:
        return oauth
    key = Secret.of(api_key)
    check_header_value("api_key", key.reveal())
    return WithHeaders(oauth, {check_header_value("api_key_header", api_key_header): key})


CLIENT_DOC = """{kind} for one tenant's Aptic API Gateway (Customers v1.0).

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
    - ``token_cache``: a ``redis://`` URL to share one token among all processes of a fleet (one
      fetch at a time across them; only the token is stored, never the secret; needs ``nordfin[redis]``);
    - ``timeout``: seconds or an ``httpx.Timeout`` (default 10 s connect, 30 s otherwise);
    - ``retry``: a ``RetryPolicy``; reads, updates and deletes are retried on 408/429/5xx and network
      errors, a create or custom action only when it never reached the server;
    - ``rate_limit``: Aptic documents no quota; give a ``RateLimiter`` to keep under your tenant's;
    - ``strict``: validate every answer against the spec and raise ``ResponseValidationError``;
    - ``transport``: an httpx transport, e.g. ``nordfin.testing.aptic.FakeAptic()`` in tests;
    - ``cert``: a client certificate (``ClientCert``), if your network needs one;
    - ``sleep`` / ``clock``: how to wait between retries and what time it is (tests pass their own).
    """


class ApticSetup(ClientSetup):
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
        clock: Callable[[], float] = time.time,
        token_cache: str | None = None,
        **settings: Unpack[Settings],
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
            token_cache=token_cache,
        )
        self._attach(self._connect(PROFILE, auth, options(settings, base_url=url)))
