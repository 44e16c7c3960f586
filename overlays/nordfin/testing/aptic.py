"""A fake of the Aptic API Gateway – Customers (one tenant) that behaves as the vendor documents.

Use it through a client, as any httpx transport, or on loopback::

    fake = FakeAptic()                      # client "demo-client", secret "demo-secret"
    with fake.client() as client:           # a nordfin.aptic.Client on this fake
        guid = client.customers.create(aptic.CustomerCreate(full_name="Anna")).customer_guid
    fake.add_user_question(guid, message="Confirm the new address?")   # no operation creates one
    fake.seed_accrued_interest(guid, [{"loanNumber": "L-1", "interest": 12.5}])
    fake.seed_ledger_summary(guid, {"totalBalance": 1200.0})

What it does as documented (by the vendor or by public code that calls real gateways):
- OAuth 2.0 client credentials at ``POST {base}/login/oauth/access_token``: the client id and
  secret in HTTP Basic (each form-urlencoded, RFC 6749 2.3.1) or in the form body, or both;
  ``grant_type`` may be left out (one integration sends an empty body with Basic); the answer is
  JSON with ``access_token``; API calls send ``Authorization: Bearer <access_token>``;
- create is ``PUT`` on the collection and answers the created item (the customer with its GUID);
  update is ``PATCH``: members sent are set, members sent as null are cleared, others are kept;
- lists take ``$filter`` (OData, e.g. ``fullName eq 'O''Brien'``), ``$orderby``, ``$skip``
  (default 0) and ``$top`` (default 25) and answer ``{count, skip, total, value}``; loan accrued
  interest takes the same parameters but answers a bare array;
- errors are RFC 7807 problem details (``type, title, status, detail, instance`` and ASP.NET's
  ``traceId``; a refused request also ``errors``, mapping the field to its messages);
- a customer gets a GUID unless it brings its own ``customerGuid``; ping answers ``{}``.

What the vendor does not document, and what this fake chooses (see the spec's ``x-nordfin-inferred``):
- the token answer also carries ``token_type: Bearer`` and ``expires_in`` (``token_lifetime``);
  tokens expire on the fake's clock; :meth:`FakeAptic.expire_tokens` revokes them all (to test a
  client's refresh on 401); errors of the token endpoint are RFC 6749 5.2 ``{"error": ...}``:
  ``invalid_client`` (401, ``WWW-Authenticate: Basic``), ``unsupported_grant_type`` and
  ``invalid_request`` (400: a body that is not a form, a repeated parameter, or Basic and form
  naming different clients); empty form values count as absent (RFC 6749 3.1); other methods 405;
- a wrong, expired or missing bearer token is a 401 problem with ``WWW-Authenticate: Bearer``;
  with ``api_key`` set, the ``api_key_header`` header must carry it too (else 401);
- writes answer 200 with the item (creates) or 204 without a body (updates, deletes, responding
  to a question); an unknown customer or sub-resource is a 404 problem, a taken ``customerGuid``,
  parameter name or extra field name a 409 problem; GUIDs match ignoring case and are answered in
  lower case; names match exactly; items without a name are kept but cannot be addressed;
- a customer's ``fullName`` is the one given, else first, middle and last name joined (and is
  joined again when an update changes a name); the main address members of a create become one
  address of type ``LEGAL`` (the default address); ``regDate`` is the time of creation;
- addresses get a ``fullAddress`` ("street houseNo, zipCode city") and ``lastUpdatedAt``; a new or
  changed default address makes the others not default;
- creating parameters (an array) answers the first one created, ``{}`` for none; updating one
  (also an array) applies ``type`` and ``value`` of the item of that name, else of the first;
- a mandate's ``bankAccountNo`` is the request's ``sendingBankAccountNo``; an insurance gets
  ``insuranceDate`` (now) and ``insuranceCompanyName`` after its reference code (ATRADIUS,
  EULERHERMES; else the code itself);
- answers keep to the members the spec's answer schemas list; customers, mandates, insurances
  and questions carry a ``self`` link ``{type, name, href, resource, guid}``; parameters an ``href``;
- an empty ``$filter`` or ``$orderby`` is ignored; a malformed one is a 400 problem naming it;
  customers are filtered and sorted on all their members (e.g. ``regDate``), not only on the
  members of a list item;
- responding records a :class:`QuestionResponse`; postponing (``POSTPONE`` or a ``postponeTo``)
  moves ``processAt`` and is refused (400, naming ``response``) where ``allowPostpone`` is false;
  the question stays listed;
- custom actions are recorded as :class:`ServiceCall` and answer ``service_results[name]``
  (default ``{}``); their input is any JSON but null, as the spec says;
- the ledger summary is zeros and empty lists in the customer's currency unless seeded.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import secrets
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import httpx

from nordfin._core.spec import Operation
from nordfin.testing import _odata
from nordfin.testing._fake import (
    Call,
    FakeApi,
    FakeError,
    _http_credential,
    json_answer,
    no_async_sleep,
    no_sleep,
    operation,
)

if TYPE_CHECKING:
    from nordfin import aptic

__all__ = ["FakeAptic", "QuestionResponse", "ServiceCall"]

TOKEN_PATH = "/login/oauth/access_token"
_RFC7231 = "https://tools.ietf.org/html/rfc7231#section-"
_PROBLEMS: dict[int, tuple[str, str]] = {
    400: (_RFC7231 + "6.5.1", "Bad Request"),
    401: ("https://tools.ietf.org/html/rfc7235#section-3.1", "Unauthorized"),
    403: (_RFC7231 + "6.5.3", "Forbidden"),
    404: (_RFC7231 + "6.5.4", "Not Found"),
    405: (_RFC7231 + "6.5.5", "Method Not Allowed"),
    406: (_RFC7231 + "6.5.6", "Not Acceptable"),
    409: (_RFC7231 + "6.5.8", "Conflict"),
    415: (_RFC7231 + "6.5.13", "Unsupported Media Type"),
    422: ("https://tools.ietf.org/html/rfc4918#section-11.2", "Unprocessable Entity"),
    429: ("https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"),
    500: (_RFC7231 + "6.6.1", "An error occurred while processing your request."),
}
_VALIDATION_TITLE = "One or more validation errors occurred."
_MAIN_ADDRESS = ("street", "houseNo", "houseNoExtension", "city", "zipCode", "stateCode", "countryCode")
_NAMES = ("firstname", "middlename", "lastname")
_INSURERS = {"ATRADIUS": "Atradius", "EULERHERMES": "Euler Hermes"}
_LEDGER_LISTS = (
    "purchases",
    "invoices",
    "accounts",
    "guarantees",
    "collaterals",
    "myGuarantors",
    "guaranteeFor",
    "allRelatedCustomers",
)


@attrs.frozen
class ServiceCall:
    """One custom action invoked: its service definition, the customer (None: not tied to one),
    the ``async`` query parameter (None: not sent) and the JSON body."""

    service_definition: str
    customer_guid: str | None
    asynchronous: bool | None
    body: Any


@attrs.frozen
class QuestionResponse:
    """One response to a user question, as sent (None: the member was not sent or was null)."""

    customer_guid: str
    action_guid: str
    response: str | None
    note: str | None
    postpone_to: str | None


@attrs.define
class _Customer:
    fields: dict[str, Any]
    addresses: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    parameters: list[dict[str, Any]] = attrs.field(factory=list)
    extra_fields: list[dict[str, Any]] = attrs.field(factory=list)
    mandates: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    insurances: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    questions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    accrued_interest: list[dict[str, Any]] = attrs.field(factory=list)
    ledger_summary: dict[str, Any] = attrs.field(factory=dict)


class FakeAptic(FakeApi):
    """One tenant's Aptic API Gateway (Customers) in memory, with its OAuth 2.0 token endpoint.

    ``base_url`` is the spec's server URL with its defaults; the token endpoint is
    ``base_url + "/login/oauth/access_token"``. ``token_requests`` lists every request to it.
    """

    slug: ClassVar[str] = "aptic"
    default_media_type: ClassVar[str] = "application/problem+json"

    def __init__(
        self,
        *,
        client_id: str = "demo-client",
        client_secret: str = "demo-secret",
        token_lifetime: float = 3600.0,
        api_key: str | None = None,
        api_key_header: str = "X-API-Key",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.api_key = api_key
        self.api_key_header = api_key_header
        #: service definition -> the object its custom action answers (default ``{}``).
        self.service_results: dict[str, dict[str, Any]] = {}
        self.token_requests: list[httpx.Request] = []
        self.service_calls: list[ServiceCall] = []
        self.question_responses: list[QuestionResponse] = []
        self._tokens: dict[str, float] = {}
        self._customers: dict[str, _Customer] = {}
        super().__init__(clock=clock)
        self.base_url = self.index.server_url
        schemas = self.index.spec.get("components", {}).get("schemas", {})
        self._members = {name: frozenset(schema.get("properties", {})) for name, schema in schemas.items()}

    # --- for tests ------------------------------------------------------------------------------

    @property
    def customers(self) -> Mapping[str, dict[str, Any]]:
        """A snapshot of the stored customers: GUID -> JSON as ``get_customer`` would answer it."""
        with self._lock:
            return MappingProxyType({guid: self._customer_json(guid) for guid in self._customers})

    def issue_token(self) -> str:
        """A new valid access token, as the token endpoint would issue it (not counted as a request)."""
        with self._lock:
            return self._new_token()

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid (the next API call with one gets 401)."""
        with self._lock:
            self._tokens.clear()

    def add_user_question(
        self,
        customer_guid: str,
        *,
        message: str,
        action_item_code: str = "QUESTION",
        allow_postpone: bool = True,
        action_category_code: str | None = None,
        action_category_description: str | None = None,
        process_at: str | None = None,
        responses: Iterable[Mapping[str, Any]] = (),
    ) -> str:
        """Put a question for the customer's user (no operation creates one); return its GUID.

        ``responses`` are the question's ``responses`` items (undocumented objects, kept as given).
        """
        with self._lock:
            customer = self._customers[customer_guid.lower()]
            guid = str(uuid.uuid4())
            question: dict[str, Any] = {
                "actionGuid": guid,
                "loggedAt": self._now(),
                "processAt": process_at,
                "actionItemCode": action_item_code,
                "message": message,
                "allowPostpone": allow_postpone,
                "actionCategoryCode": action_category_code,
                "actionCategoryDescription": action_category_description,
                "responses": [dict(r) for r in responses],
            }
            question = {k: v for k, v in question.items() if v is not None}
            question["links"] = [
                _link("userQuestion", self._href(customer_guid, "UserQuestions", guid), "UserQuestions", guid)
            ]
            customer.questions[guid] = question
            return guid

    def seed_accrued_interest(self, customer_guid: str, items: Iterable[Mapping[str, Any]]) -> None:
        """Set the customer's loan accrued interest items (undocumented objects, kept as given)."""
        with self._lock:
            self._customers[customer_guid.lower()].accrued_interest = [copy.deepcopy(dict(i)) for i in items]

    def seed_ledger_summary(self, customer_guid: str, summary: Mapping[str, Any]) -> None:
        """Set members of the customer's ledger summary (the others stay zeros and empty lists)."""
        with self._lock:
            self._customers[customer_guid.lower()].ledger_summary = copy.deepcopy(dict(summary))

    def credentials_help(self) -> dict[str, str]:
        """A freshly issued access token (``oauth2``), the client credentials and the API key if set."""
        found = {
            "oauth2": self.issue_token(),
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        if self.api_key is not None:
            found["apikey"] = self.api_key
        return found

    def client(self, **kwargs: Any) -> aptic.Client:
        """A ``nordfin.aptic.Client`` wired to this fake with its client credentials; retries instant."""
        from nordfin import aptic

        kwargs.setdefault("sleep", no_sleep)
        self._key_settings(kwargs)
        return aptic.Client(
            base_url=self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            transport=self,
            **kwargs,
        )

    def async_client(self, **kwargs: Any) -> aptic.AsyncClient:
        """A ``nordfin.aptic.AsyncClient`` wired to this fake."""
        from nordfin import aptic

        kwargs.setdefault("sleep", no_async_sleep)
        self._key_settings(kwargs)
        return aptic.AsyncClient(
            base_url=self.base_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            transport=self,
            **kwargs,
        )

    def _key_settings(self, kwargs: dict[str, Any]) -> None:
        if self.api_key is not None:
            kwargs.setdefault("api_key", self.api_key)
            kwargs.setdefault("api_key_header", self.api_key_header)

    # --- hooks ----------------------------------------------------------------------------------

    def reset_state(self) -> None:
        """Forget every customer, token, token request, service call and question response."""
        self._customers = {}
        self._tokens = {}
        self.token_requests = []
        self.service_calls = []
        self.question_responses = []

    def outside_spec(self, request: httpx.Request) -> httpx.Response | None:
        """The OAuth 2.0 token endpoint; every other path is the spec's."""
        base = self.base_path()
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        if path != base + TOKEN_PATH:
            return None
        self.token_requests.append(request)
        if request.method != "POST":
            error = self.fail(405, None, f"{request.method} is not allowed here", headers={"Allow": "POST"})
            return self._render(request, None, error.status, error.payload, error.headers)
        return self._token_answer(request)

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        """401 unless the bearer token is one this fake issued and has not expired, and (with
        ``api_key`` set) the ``api_key_header`` header carries the API key."""
        kind, _, sent = request.headers.get("authorization", "").partition(" ")
        expiry = self._tokens.get(sent.strip()) if kind.lower() == "bearer" else None
        if expiry is None or self.clock() >= expiry:
            challenge = 'Bearer error="invalid_token"' if kind.lower() == "bearer" else "Bearer"
            message = "The access token is missing, expired or revoked."
            return self.fail(401, None, message, headers={"WWW-Authenticate": challenge})
        if self.api_key is not None:
            key = request.headers.get(self.api_key_header)
            if key is None or not hmac.compare_digest(key.encode(), self.api_key.encode()):
                return self.fail(401, None, f"The API key ({self.api_key_header}) is missing or wrong.")
        return None

    def invalid_request(self, operation: Operation, field: str, rule: str) -> FakeError:
        """400 problem naming the field (without ``query.``/``body.``), with ASP.NET's ``errors``."""
        name = field.partition(".")[2] or field
        return self._invalid(name, rule)

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> dict[str, Any]:
        """RFC 7807 problem details as ASP.NET writes them; ``instance`` is the path of the request
        being answered (the latest received), ``data`` becomes the ``errors`` extension."""
        kind, title = _PROBLEMS.get(status, ("about:blank", "Error"))
        if data:
            title = _VALIDATION_TITLE
        body: dict[str, Any] = {
            "type": code or kind,
            "title": title,
            "status": status,
            "detail": message,
            "instance": self._instance(),
            "traceId": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01",
        }
        if data:
            body["errors"] = data
        return body

    def _instance(self) -> str | None:
        """The path of the request being answered (the latest received), below the gateway."""
        return self.requests[-1].url.path.removeprefix(self.base_path()) or "/" if self.requests else None

    # --- the token endpoint ---------------------------------------------------------------------

    def _token_answer(self, request: httpx.Request) -> httpx.Response:
        try:
            form = _token_form(request)
            basic = _basic_credentials(request.headers.get("authorization", ""))
        except ValueError:
            return self._oauth_error(400, "invalid_request")
        posted = (form.get("client_id"), form.get("client_secret"))
        if basic is not None:
            if any(sent is not None and sent != known for sent, known in zip(posted, basic, strict=True)):
                return self._oauth_error(400, "invalid_request")
            posted = basic
        client_id, client_secret = posted
        if not (_same(client_id, self.client_id) and _same(client_secret, self.client_secret)):
            return self._oauth_error(401, "invalid_client")
        if form.get("grant_type", "client_credentials") != "client_credentials":
            return self._oauth_error(400, "unsupported_grant_type")
        token = self._new_token()
        body = {"access_token": token, "token_type": "Bearer", "expires_in": int(self.token_lifetime)}
        return json_answer(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _new_token(self) -> str:
        now = self.clock()
        self._tokens = {token: expiry for token, expiry in self._tokens.items() if expiry > now}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = now + self.token_lifetime
        return token

    def _oauth_error(self, status: int, error: str) -> httpx.Response:
        """An RFC 6749 5.2 error answer; 401 challenges for HTTP Basic."""
        headers = {"WWW-Authenticate": 'Basic realm="APIGW"'} if status == 401 else {}
        return json_answer(status, {"error": error}, headers)

    # --- customers ------------------------------------------------------------------------------

    @operation("list_customers")
    def _list_customers(self, call: Call) -> tuple[int, Any]:
        # Filtered and sorted on every member of the customer, as a server queries its entities;
        # answered with the list item's members only.
        listed = self._members["CustomerListItem"]
        records = [self._customer_json(guid) for guid in self._customers]
        return 200, self._page(call, records, lambda record: _only(record, listed))

    @operation("create_customer")
    def _create_customer(self, call: Call) -> tuple[int, Any]:
        data = _present(_only(call.data, self._members["CustomerCreate"]))
        guid = str(data.pop("customerGuid", None) or uuid.uuid4()).lower()
        if guid in self._customers:
            raise self.fail(409, None, "A customer with this GUID exists.", data={"customerGuid": ["taken"]})
        main = {name: data.pop(name) for name in (*_MAIN_ADDRESS, "fullAddress") if name in data}
        now = self._now()
        customer = _Customer({**data, "customerGuid": guid, "regDate": now})
        if not customer.fields.get("fullName"):
            _join_names(customer.fields)
        if main:
            address_guid = str(uuid.uuid4())
            address = {"addressGuid": address_guid, "addressType": "LEGAL", **main, "defaultAddress": True}
            address["fullAddress"] = main.get("fullAddress") or _full_address(address)
            address["lastUpdatedAt"] = now
            customer.addresses[address_guid] = address
        self._customers[guid] = customer
        return 200, self._customer_json(guid)

    @operation("get_customer")
    def _get_customer(self, call: Call) -> tuple[int, Any]:
        return 200, self._customer_json(self._guid_of(call))

    @operation("update_customer")
    def _update_customer(self, call: Call) -> tuple[int, Any]:
        changes = _only(call.data, self._members["CustomerUpdate"])
        fields = self._customer(call).fields
        _patch(fields, changes)
        if any(name in changes for name in _NAMES):
            _join_names(fields)
        return 204, None

    @operation("delete_customer")
    def _delete_customer(self, call: Call) -> tuple[int, Any]:
        del self._customers[self._guid_of(call)]
        return 204, None

    @operation("get_customer_ledger_summary")
    def _ledger_summary(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        summary: dict[str, Any] = {
            "totalBalance": 0,
            "accountBalance": 0,
            "currencyCode": customer.fields.get("currencyCode"),
            "unsettledPaymentBalance": 0,
            **{name: [] for name in _LEDGER_LISTS},
        }
        return 200, {**summary, **copy.deepcopy(customer.ledger_summary)}

    @operation("get_loan_accrued_interest")
    def _accrued_interest(self, call: Call) -> tuple[int, Any]:
        matching = self._matching(call, copy.deepcopy(self._customer(call).accrued_interest))
        skip, top = _skip_top(call)
        return 200, matching[skip : skip + top]

    # --- parameters -----------------------------------------------------------------------------

    @operation("list_customer_parameters")
    def _list_parameters(self, call: Call) -> tuple[int, Any]:
        guid = self._guid_of(call)
        items = [self._parameter_json(guid, p) for p in self._customers[guid].parameters]
        return 200, self._page(call, items)

    @operation("create_customer_parameters")
    def _create_parameters(self, call: Call) -> tuple[int, Any]:
        guid = self._guid_of(call)
        customer = self._customers[guid]
        members = self._members["CustomerParameterInput"] - {"href"}
        new = [_present(_only(item, members)) for item in call.data]
        self._refuse_taken_names(customer.parameters, new, "A parameter with this name exists.")
        customer.parameters.extend(new)
        return 200, self._parameter_json(guid, new[0]) if new else {}

    @operation("get_customer_parameter")
    def _get_parameter(self, call: Call) -> tuple[int, Any]:
        guid = self._guid_of(call)
        return 200, self._parameter_json(guid, self._named(self._customers[guid].parameters, call))

    @operation("update_customer_parameter")
    def _update_parameter(self, call: Call) -> tuple[int, Any]:
        parameter = self._named(self._customer(call).parameters, call)
        name = call.path_params["name"]
        sent = next((item for item in call.data if item.get("name") == name), None)
        if sent is None and call.data:
            sent = call.data[0]
        _patch(parameter, _only(sent or {}, {"type", "value"}))
        return 204, None

    @operation("delete_customer_parameter")
    def _delete_parameter(self, call: Call) -> tuple[int, Any]:
        parameters = self._customer(call).parameters
        parameters.remove(self._named(parameters, call))
        return 204, None

    # --- addresses ------------------------------------------------------------------------------

    @operation("list_customer_addresses")
    def _list_addresses(self, call: Call) -> tuple[int, Any]:
        addresses = self._customer(call).addresses.values()
        return 200, self._page(call, [copy.deepcopy(a) for a in addresses])

    @operation("create_customer_address")
    def _create_address(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        guid = str(uuid.uuid4())
        address = {"addressGuid": guid, **_present(_only(call.data, self._members["CustomerAddressInput"]))}
        customer.addresses[guid] = address
        self._touch_address(customer, address)
        return 200, copy.deepcopy(address)

    @operation("get_customer_address")
    def _get_address(self, call: Call) -> tuple[int, Any]:
        return 200, copy.deepcopy(self._address(call)[1])

    @operation("update_customer_address")
    def _update_address(self, call: Call) -> tuple[int, Any]:
        customer, address = self._address(call)
        _patch(address, _only(call.data, self._members["CustomerAddressInput"]))
        self._touch_address(customer, address)
        return 204, None

    @operation("delete_customer_address")
    def _delete_address(self, call: Call) -> tuple[int, Any]:
        customer, address = self._address(call)
        del customer.addresses[address["addressGuid"]]
        return 204, None

    # --- extra fields ---------------------------------------------------------------------------

    @operation("list_customer_extra_fields")
    def _list_extra_fields(self, call: Call) -> tuple[int, Any]:
        return 200, self._page(call, copy.deepcopy(self._customer(call).extra_fields))

    @operation("create_customer_extra_field")
    def _create_extra_field(self, call: Call) -> tuple[int, Any]:
        fields = self._customer(call).extra_fields
        new = _present(_only(call.data, self._members["ExtraFieldInput"]))
        self._refuse_taken_names(fields, [new], "An extra field with this name exists.")
        fields.append(new)
        return 200, copy.deepcopy(new)

    @operation("get_customer_extra_field")
    def _get_extra_field(self, call: Call) -> tuple[int, Any]:
        return 200, copy.deepcopy(self._named(self._customer(call).extra_fields, call))

    @operation("update_customer_extra_field")
    def _update_extra_field(self, call: Call) -> tuple[int, Any]:
        field = self._named(self._customer(call).extra_fields, call)
        _patch(field, _only(call.data, self._members["ExtraFieldValue"]))
        return 204, None

    @operation("delete_customer_extra_field")
    def _delete_extra_field(self, call: Call) -> tuple[int, Any]:
        fields = self._customer(call).extra_fields
        fields.remove(self._named(fields, call))
        return 204, None

    # --- direct debit mandates ------------------------------------------------------------------

    @operation("list_customer_direct_debit_mandates")
    def _list_mandates(self, call: Call) -> tuple[int, Any]:
        mandates = self._customer(call).mandates.values()
        return 200, self._page(call, [copy.deepcopy(m) for m in mandates])

    @operation("create_customer_direct_debit_mandate")
    def _create_mandate(self, call: Call) -> tuple[int, Any]:
        customer_guid = self._guid_of(call)
        sent = _present(_only(call.data, self._members["DirectDebitMandateInput"]))
        guid = str(uuid.uuid4())
        mandate = {"mandateGuid": guid, **_only(sent, self._members["DirectDebitMandate"])}
        if sent.get("sendingBankAccountNo") is not None:
            mandate["bankAccountNo"] = sent["sendingBankAccountNo"]
        href = self._href(customer_guid, "DirectDebitMandates", guid)
        mandate["links"] = [_link("directDebitMandate", href, "DirectDebitMandates", guid)]
        self._customers[customer_guid].mandates[guid] = mandate
        return 200, copy.deepcopy(mandate)

    @operation("get_customer_direct_debit_mandate")
    def _get_mandate(self, call: Call) -> tuple[int, Any]:
        mandates = self._customer(call).mandates
        return 200, copy.deepcopy(self._item(mandates, call, "directDebitGuid", "direct debit mandate"))

    # --- credit insurances ----------------------------------------------------------------------

    @operation("list_customer_credit_insurances")
    def _list_insurances(self, call: Call) -> tuple[int, Any]:
        insurances = self._customer(call).insurances.values()
        return 200, self._page(call, [copy.deepcopy(i) for i in insurances])

    @operation("create_customer_credit_insurance")
    def _create_insurance(self, call: Call) -> tuple[int, Any]:
        customer_guid = self._guid_of(call)
        sent = _present(_only(call.data, self._members["CreditInsuranceCreate"]))
        guid = str(uuid.uuid4())
        insurance: dict[str, Any] = {"insuranceGuid": guid, "insuranceDate": self._now()}
        code = sent.get("insuranceCompanyReferenceCode")
        if code:
            insurance["insuranceCompanyName"] = _INSURERS.get(str(code).upper(), code)
        insurance |= _only(sent, self._members["CreditInsurance"] - set(insurance))
        href = self._href(customer_guid, "CreditInsurances", guid)
        insurance["links"] = [_link("creditInsurance", href, "CreditInsurances", guid)]
        self._customers[customer_guid].insurances[guid] = insurance
        return 200, copy.deepcopy(insurance)

    @operation("get_customer_credit_insurance")
    def _get_insurance(self, call: Call) -> tuple[int, Any]:
        insurances = self._customer(call).insurances
        return 200, copy.deepcopy(self._item(insurances, call, "insuranceGuid", "credit insurance"))

    @operation("update_customer_credit_insurance")
    def _update_insurance(self, call: Call) -> tuple[int, Any]:
        insurance = self._item(self._customer(call).insurances, call, "insuranceGuid", "credit insurance")
        _patch(insurance, _only(call.data, self._members["CreditInsuranceUpdate"]))
        return 204, None

    @operation("delete_customer_credit_insurance")
    def _delete_insurance(self, call: Call) -> tuple[int, Any]:
        insurances = self._customer(call).insurances
        del insurances[self._item(insurances, call, "insuranceGuid", "credit insurance")["insuranceGuid"]]
        return 204, None

    # --- user questions -------------------------------------------------------------------------

    @operation("list_customer_user_questions")
    def _list_questions(self, call: Call) -> tuple[int, Any]:
        questions = self._customer(call).questions.values()
        return 200, self._page(call, [copy.deepcopy(q) for q in questions])

    @operation("get_customer_user_question")
    def _get_question(self, call: Call) -> tuple[int, Any]:
        questions = self._customer(call).questions
        return 200, copy.deepcopy(self._item(questions, call, "actionGuid", "user question"))

    @operation("respond_to_customer_user_question")
    def _respond(self, call: Call) -> tuple[int, Any]:
        customer_guid = self._guid_of(call)
        question = self._item(self._customers[customer_guid].questions, call, "actionGuid", "user question")
        sent = _only(call.data, self._members["UserQuestionResponse"])
        response, postpone_to = sent.get("response"), sent.get("postponeTo")
        postpone = str(response).upper() == "POSTPONE" or postpone_to is not None
        if postpone and question.get("allowPostpone") is False:
            raise self._invalid("response", "This question cannot be postponed.")
        if postpone and postpone_to is not None:
            question["processAt"] = postpone_to
        self.question_responses.append(
            QuestionResponse(customer_guid, question["actionGuid"], response, sent.get("note"), postpone_to)
        )
        return 204, None

    # --- services -------------------------------------------------------------------------------

    @operation("invoke_service")
    def _invoke_service(self, call: Call) -> tuple[int, Any]:
        return 200, self._service(call, None)

    @operation("invoke_customer_service")
    def _invoke_customer_service(self, call: Call) -> tuple[int, Any]:
        return 200, self._service(call, self._guid_of(call))

    @operation("ping")
    def _ping(self, call: Call) -> tuple[int, Any]:
        return 200, {}

    # --- state and answers ----------------------------------------------------------------------

    def _now(self) -> str:
        moment = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

    def _invalid(self, field: str, rule: str) -> FakeError:
        return self.fail(400, None, f"{field}: {rule}", field=field, data={field: [rule]})

    def _not_found(self, what: str) -> FakeError:
        return self.fail(404, None, f"No {what} with this identifier.")

    def _guid_of(self, call: Call) -> str:
        guid = call.path_params["customerGuid"].lower()
        if guid not in self._customers:
            raise self._not_found("customer")
        return guid

    def _customer(self, call: Call) -> _Customer:
        return self._customers[self._guid_of(call)]

    def _item(self, items: dict[str, dict[str, Any]], call: Call, param: str, what: str) -> dict[str, Any]:
        found = items.get(call.path_params[param].lower())
        if found is None:
            raise self._not_found(what)
        return found

    def _address(self, call: Call) -> tuple[_Customer, dict[str, Any]]:
        customer = self._customer(call)
        return customer, self._item(customer.addresses, call, "addressGuid", "address")

    def _named(self, items: list[dict[str, Any]], call: Call) -> dict[str, Any]:
        name = call.path_params["name"]
        found = next((item for item in items if item.get("name") == name), None)
        if found is None:
            raise self._not_found("item of this name")
        return found

    def _refuse_taken_names(
        self, existing: list[dict[str, Any]], new: list[dict[str, Any]], message: str
    ) -> None:
        seen = {item["name"] for item in existing if item.get("name") is not None}
        for item in new:
            name = item.get("name")
            if name is None:
                continue
            if name in seen:
                raise self.fail(409, None, message, data={"name": ["taken"]})
            seen.add(name)

    def _touch_address(self, customer: _Customer, address: dict[str, Any]) -> None:
        address["fullAddress"] = _full_address(address)
        address["lastUpdatedAt"] = self._now()
        if address.get("defaultAddress"):
            for other in customer.addresses.values():
                if other is not address and other.get("defaultAddress"):
                    other["defaultAddress"] = False

    def _service(self, call: Call, customer_guid: str | None) -> dict[str, Any]:
        name = call.path_params["serviceDefinition"]
        asynchronous = call.query.get("async")
        self.service_calls.append(
            ServiceCall(
                name,
                customer_guid,
                asynchronous if isinstance(asynchronous, bool) else None,
                copy.deepcopy(call.data),
            )
        )
        return copy.deepcopy(self.service_results.get(name, {}))

    def _href(self, customer_guid: str, *tail: str) -> str:
        return "/".join(("/v1/Customers", customer_guid, *(urllib.parse.quote(t, safe="") for t in tail)))

    def _customer_json(self, guid: str) -> dict[str, Any]:
        customer = self._customers[guid]
        body = _only(copy.deepcopy(customer.fields), self._members["Customer"])
        body["addresses"] = [copy.deepcopy(a) for a in customer.addresses.values()]
        body["links"] = [_link("customer", self._href(guid), "Customers", guid)]
        return body

    def _parameter_json(self, customer_guid: str, parameter: Mapping[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(dict(parameter))
        if parameter.get("name") is not None:
            body["href"] = self._href(customer_guid, "Parameters", str(parameter["name"]))
        return body

    def _matching(self, call: Call, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``records`` that match ``$filter``, sorted by ``$orderby``."""
        text = call.query.get("$filter")
        if isinstance(text, str) and text.strip():
            try:
                node = _odata.parse(text)
            except _odata.FilterSyntaxError as error:
                raise self._invalid("$filter", str(error)) from None
            records = [record for record in records if _odata.evaluate(node, record)]
        order = call.query.get("$orderby")
        if isinstance(order, str) and order.strip():
            try:
                records = _odata.order_by(records, order)
            except _odata.FilterSyntaxError as error:
                raise self._invalid("$orderby", str(error)) from None
        return records

    def _page(
        self,
        call: Call,
        records: list[dict[str, Any]],
        view: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The envelope of the matching ``records``, sorted and paged, each seen through ``view``."""
        matching = self._matching(call, records)
        skip, top = _skip_top(call)
        page = [view(r) if view else r for r in matching[skip : skip + top]]
        return {"count": len(page), "skip": skip, "total": len(matching), "value": page}


def _skip_top(call: Call) -> tuple[int, int]:
    return call.query["$skip"], call.query["$top"]  # the spec's defaults (0, 25) are filled in


def _only(data: Any, members: Iterable[str]) -> dict[str, Any]:
    """The members of the JSON object ``data`` that ``members`` names (nothing when not an object)."""
    if not isinstance(data, Mapping):
        return {}
    wanted = set(members)
    return {k: v for k, v in data.items() if k in wanted}


def _present(data: Any) -> dict[str, Any]:
    """The members of a JSON object that are not null (a create sets only what it is given)."""
    return {k: v for k, v in data.items() if v is not None} if isinstance(data, Mapping) else {}


def _patch(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """PATCH: a member with a value sets it, a member sent as null clears it."""
    for name, value in changes.items():
        if value is None:
            target.pop(name, None)
        else:
            target[name] = copy.deepcopy(value)


def _join_names(fields: dict[str, Any]) -> None:
    joined = " ".join(str(fields[n]) for n in _NAMES if fields.get(n))
    if joined:
        fields["fullName"] = joined


def _full_address(address: Mapping[str, Any]) -> str | None:
    """``street houseNo[ext], zipCode city`` of what is present; None when nothing is."""
    number = f"{address.get('houseNo') or ''}{address.get('houseNoExtension') or ''}"
    first = " ".join(p for p in (address.get("street"), number) if p)
    second = " ".join(p for p in (address.get("zipCode"), address.get("city")) if p)
    return ", ".join(p for p in (first, second) if p) or None


def _link(name: str, href: str, resource: str, guid: str) -> dict[str, str]:
    return {"type": "self", "name": name, "href": href, "resource": resource, "guid": guid}


def _same(sent: str | None, expected: str) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def _token_form(request: httpx.Request) -> dict[str, str]:
    """The token request's form parameters (empty values dropped, RFC 6749 3.1); ValueError when
    the body is not a form or repeats a parameter."""
    if not request.content:
        return {}
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise ValueError("the body must be application/x-www-form-urlencoded")
    try:
        pairs = urllib.parse.parse_qsl(request.content.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise ValueError(f"{name} is repeated")
        if value:
            form[name] = value
    return form


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from HTTP Basic, each form-urlencoded (RFC 6749 2.3.1); None
    without Basic; ``("", "")`` for Basic that cannot be read (then the client is unknown)."""
    if authorization.partition(" ")[0].lower() != "basic":
        return None
    client_id, colon, client_secret = (_http_credential("basic", authorization) or "").partition(":")
    if not colon:
        return ("", "")
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(client_secret)
