"""A fake of the PayEx Ledger Customer API (one ledger) that behaves as the vendor documents.

Use it through a client, as any httpx transport, or on loopback::

    fake = FakePayex()
    fake.register_person("19811218-9876", "SE", name="Britt-Marie Axelstopp", address={...})
    with fake.client() as client:                 # a nordfin.payex.Client on this fake
        client.customers.generate_consumer(NationalIdentifier(reg_no="19811218-9876", country_code="SE"))
    fake.seed_surplus("9999", "123", 10.0)        # surpluses only arise from payments: seed them

What it does as documented: problems in PascalCase as ``application/problem+json`` with the
documented types and statuses (``validation`` 400 with ``Problems``, ``forbidden`` 403,
``customer-not-found``, ``legal-address-does-not-exists``, ``billing-address-does-not-exists``,
``not-found`` 404); PATCH sets what it names and deletes what it sends as null; ``operations``
change with state (``add-billing-address`` only while there is no billing address,
``add-disbursement-orders`` only on an open surplus without an active order); ``$expand``.

What the vendor does not document, and what this fake chooses (see the spec's ``x-nordfin-inferred``):
- 401 ``unauthorized`` for a wrong token, and for a ledger number other than the token's;
- writes answer 204 (PATCH, PUT, DELETE, population register) or 201 (POSTs) without a body;
- a create without ``customerNo`` gets the next free 7-digit number (as a ledger that lets PayEx
  generate customer numbers); a taken number, a second billing address or a second disbursement
  order is a 400 ``validation`` problem naming the field;
- answers of create, find and generate write the customer number with a leading space, as the
  vendor's examples do (``" 9999"``); ``quirks=False`` turns that off;
- surpluses are listed ``page_size`` at a time with ``skip`` and ``navigation.next``; adding a
  disbursement order makes its surplus ``pending-disbursement``;
- ``population_register_access`` and ``disbursement_agreed`` (both on) stand for the agreements
  PayEx requires; off, those operations answer 403 ``forbidden``.
"""

from __future__ import annotations

import copy
import hmac
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import attrs
import httpx

from nordfin import payex
from nordfin._core.spec import Operation
from nordfin.testing._fake import Call, FakeApi, FakeError, no_async_sleep, no_sleep, operation

__all__ = ["FakePayex"]

PREFIX = "ledger/customer/v1/problems/"
_TITLES = {
    "validation": "A validation error occurred",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "not-found": "Specified resource not found",
    "customer-not-found": "Specified customer number does not exist",
    "legal-address-does-not-exists": "Legal address does not exist for the specified customer",
    "billing-address-does-not-exists": "Billing address does not exist for the specified customer",
    "method-not-allowed": "Method not allowed",
}
_STATUS_CODES = {
    400: "validation",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
}
_POPULATION = "update-legal-address-from-population-register"


@attrs.define
class _Customer:
    fields: dict[str, Any]
    legal: dict[str, Any]
    billing: dict[str, Any] | None = None
    surpluses: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    orders: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)


class FakePayex(FakeApi):
    """The PayEx Ledger Customer API of ledger ``ledger_number`` in memory.

    Every request must carry ``Authorization: Bearer <token>`` and address this ledger. Mutual TLS
    is a property of the connection, which a transport cannot see: it is not checked.
    """

    slug: ClassVar[str] = "payex"

    def __init__(
        self,
        *,
        ledger_number: str = "XXX",
        token: str = "demo-token",
        page_size: int = 10,
        quirks: bool = True,
        population_register_access: bool = True,
        disbursement_agreed: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger_number = ledger_number
        self.token = token
        self.page_size = page_size
        self.quirks = quirks
        self.population_register_access = population_register_access
        self.disbursement_agreed = disbursement_agreed
        self._customers: dict[str, _Customer] = {}
        self._register: dict[tuple[str, str], dict[str, Any]] = {}
        self._instances = 0
        super().__init__(clock=clock)

    # --- for tests ------------------------------------------------------------------------------

    def seed_surplus(
        self,
        customer_no: str,
        surplus_id: str,
        balance: float,
        *,
        currency: str = "SEK",
        date: str = "2024-01-01T00:00:00",
        status: str = "open",
        invoice: str | None = None,
        account: str | None = None,
    ) -> None:
        """Give an existing customer a surplus (they arise from overpayments, not from this API)."""
        with self._lock:
            customer = self._customers[customer_no]
            surplus = {"surplusId": surplus_id, "balance": balance, "currency": currency, "date": date}
            surplus |= {"status": status, "invoice": invoice, "account": account}
            customer.surpluses[surplus_id.lower()] = {k: v for k, v in surplus.items() if v is not None}

    def register_person(
        self, reg_no: str, country_code: str, *, name: str, address: Mapping[str, Any]
    ) -> None:
        """Put a person in the population register that generate and update-from-register read."""
        with self._lock:
            self._register[(country_code, reg_no)] = {"name": name, "address": dict(address)}

    @property
    def customers(self) -> Mapping[str, dict[str, Any]]:
        """A snapshot of the stored customers: customer number -> JSON as ``get`` would answer it."""
        with self._lock:
            return MappingProxyType({no: self._customer_json(no, set()) for no in self._customers})

    def disbursement_orders(self, customer_no: str, surplus_id: str) -> list[dict[str, Any]]:
        """A copy of the disbursement orders added to a surplus."""
        with self._lock:
            return copy.deepcopy(self._customers[customer_no].orders.get(surplus_id.lower(), []))

    def credentials_help(self) -> dict[str, str]:
        """The token this fake accepts (bearer); mutual TLS is not checked."""
        return {"bearer": self.token}

    def client(self, **kwargs: Any) -> payex.Client:
        """A ``nordfin.payex.Client`` wired to this fake with its ledger and token; retries instant."""
        kwargs.setdefault("sleep", no_sleep)
        return payex.Client(ledger_number=self.ledger_number, token=self.token, transport=self, **kwargs)

    def async_client(self, **kwargs: Any) -> payex.AsyncClient:
        """A ``nordfin.payex.AsyncClient`` wired to this fake."""
        kwargs.setdefault("sleep", no_async_sleep)
        return payex.AsyncClient(ledger_number=self.ledger_number, token=self.token, transport=self, **kwargs)

    # --- hooks ----------------------------------------------------------------------------------

    def base_path(self) -> str:
        """This ledger's route: ``/ledger/customer/v1/<ledger number>``."""
        return f"/ledger/customer/v1/{self.ledger_number}"

    def reset_state(self) -> None:
        """Forget every customer and the population register."""
        self._customers = {}
        self._register = {}
        self._instances = 0

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        """401 unless the bearer token is this ledger's."""
        kind, _, sent = request.headers.get("authorization", "").partition(" ")
        if kind.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), self.token.encode()):
            return None
        return self.fail(401, "unauthorized", "Token invalid")

    def not_found(self, request: httpx.Request) -> FakeError:
        """Another ledger's route is refused as PayEx does: its number does not match the token."""
        if request.url.path.startswith("/ledger/customer/v1/"):
            return self.fail(401, "unauthorized", "CompanyNumber does not match token")
        return self.fail(404, "not-found", f"no resource at {request.url.path}")

    def invalid_request(self, operation: Operation, field: str, rule: str) -> FakeError:
        """400 ``validation`` with ``Problems`` naming the parameter."""
        name = field.partition(".")[2] or field
        return self._invalid(name, rule)

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> dict[str, Any]:
        """A problem as PayEx documents it: PascalCase members, ``Problems`` for validation."""
        kind = code or _STATUS_CODES.get(status, "error")
        self._instances += 1
        body: dict[str, Any] = {
            "Type": PREFIX + kind,
            "Title": _TITLES.get(kind, message),
            "Status": status,
            "Instance": f"00000000-0000-4000-8000-{self._instances:012d}",
            "Detail": message,
        }
        if data:
            body["Problems"] = data
        return body

    # --- customers ------------------------------------------------------------------------------

    @operation("create_customer")
    def _create_customer(self, call: Call) -> tuple[int, Any]:
        data = dict(call.data)
        number = data.pop("customerNo", None) or self._next_number()
        if number in self._customers:
            raise self._invalid("customerNo", "A customer with this customerNo already exists")
        legal, billing = data.pop("legalAddress"), data.pop("billingAddress", None)
        self._customers[number] = _Customer({"customerNo": number, **data}, legal, billing)
        return 201, self._reference(number)

    @operation("get_customer")
    def _get_customer(self, call: Call) -> tuple[int, Any]:
        number = self._customer(call).fields["customerNo"]
        expand = set(str(call.query.get("$expand") or "").split(",")) - {""}
        return 200, self._customer_json(number, expand)

    @operation("update_customer")
    def _update_customer(self, call: Call) -> tuple[int, Any]:
        fields = self._customer(call).fields
        for name, value in call.data.items():
            if value is None:
                fields.pop(name, None)  # null deletes the property
            else:
                fields[name] = value
        return 204, None

    @operation("find_customer")
    def _find_customer(self, call: Call) -> tuple[int, Any]:
        wanted = call.data["nationalIdentifier"]
        for number, customer in self._customers.items():
            if customer.fields.get("nationalIdentifier") == wanted:
                return 200, self._reference(number)
        raise self.fail(404, "customer-not-found", "No customer has this national identifier")

    @operation("generate_consumer_customer_by_reg_no")
    def _generate_customer(self, call: Call) -> tuple[int, Any]:
        self._require(
            self.population_register_access, "The population register is not agreed for this ledger"
        )
        data = dict(call.data)
        person = self._person(data["nationalIdentifier"])
        number = data.pop("customerNo", None) or self._next_number()
        if number in self._customers:
            raise self._invalid("customerNo", "A customer with this customerNo already exists")
        fields = {"customerNo": number, "legalEntity": "consumer", "name": person["name"], **data}
        self._customers[number] = _Customer(fields, dict(person["address"]))
        return 201, self._reference(number)

    # --- addresses ------------------------------------------------------------------------------

    @operation("get_legal_address")
    def _get_legal(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        return 200, self._legal_json(customer)

    @operation("replace_legal_address")
    def _replace_legal(self, call: Call) -> tuple[int, Any]:
        self._customer(call).legal = dict(call.data)
        return 204, None

    @operation("update_legal_address_from_population_register")
    def _legal_from_register(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        self._require(
            self.population_register_access, "The population register is not agreed for this ledger"
        )
        customer.legal = dict(self._person(customer.fields.get("nationalIdentifier"))["address"])
        return 204, None

    @operation("get_billing_address")
    def _get_billing(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        return 200, self._billing_json(customer, self._billing(customer))

    @operation("add_billing_address")
    def _add_billing(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        if customer.billing is not None:
            raise self._invalid("billingAddress", "The customer has a billing address; replace it with PUT")
        customer.billing = dict(call.data)
        return 201, None

    @operation("replace_billing_address")
    def _replace_billing(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        self._billing(customer)
        customer.billing = dict(call.data)
        return 204, None

    @operation("delete_billing_address")
    def _delete_billing(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        self._billing(customer)
        customer.billing = None
        return 204, None

    # --- surpluses ------------------------------------------------------------------------------

    @operation("list_surpluses")
    def _list_surpluses(self, call: Call) -> tuple[int, Any]:
        customer = self._customer(call)
        number = customer.fields["customerNo"]
        skip = call.query.get("skip") or 0
        surpluses = list(customer.surpluses.values())
        page = surpluses[skip : skip + self.page_size]
        items = [self._surplus_json(number, customer, surplus) for surplus in page]
        return 200, {"items": items, "navigation": self._navigation(number, skip, len(surpluses))}

    @operation("get_surplus")
    def _get_surplus(self, call: Call) -> tuple[int, Any]:
        customer, surplus = self._surplus(call)
        return 200, self._surplus_json(customer.fields["customerNo"], customer, surplus)

    @operation("list_active_disbursement_orders")
    def _list_orders(self, call: Call) -> tuple[int, Any]:
        customer, surplus = self._surplus(call)
        key = surplus["surplusId"].lower()
        link = self._surplus_link(customer.fields["customerNo"], surplus) + "/active-disbursement-orders"
        items = [{**order, "operations": []} for order in customer.orders.get(key, [])]
        return 200, {"items": items, "navigation": {"@id": link}}

    @operation("add_disbursement_order")
    def _add_order(self, call: Call) -> tuple[int, Any]:
        customer, surplus = self._surplus(call)
        self._require(self.disbursement_agreed, "Disbursement orders are not agreed for this ledger")
        if not self._can_disburse(customer, surplus):
            raise self._invalid(
                "surplusId", "The surplus is not open or already has an active disbursement order"
            )
        customer.orders.setdefault(surplus["surplusId"].lower(), []).append(copy.deepcopy(call.data))
        surplus["status"] = "pending-disbursement"
        return 201, None

    # --- state and answers ----------------------------------------------------------------------

    def _customer(self, call: Call) -> _Customer:
        customer = self._customers.get(call.path_params["customerNo"])
        if customer is None:
            raise self.fail(404, "customer-not-found", "Specified customer number does not exist")
        return customer

    def _billing(self, customer: _Customer) -> dict[str, Any]:
        if customer.billing is None:
            raise self.fail(404, "billing-address-does-not-exists", "The customer has no billing address")
        return customer.billing

    def _surplus(self, call: Call) -> tuple[_Customer, dict[str, Any]]:
        customer = self._customer(call)
        surplus = customer.surpluses.get(call.path_params["surplusId"].lower())
        if surplus is None:
            raise self.fail(404, "not-found", "The surplus was not found")
        return customer, surplus

    def _person(self, identifier: Any) -> dict[str, Any]:
        ident = identifier if isinstance(identifier, dict) else {}
        person = self._register.get((str(ident.get("countryCode")), str(ident.get("regNo"))))
        if person is None:
            raise self.fail(404, "not-found", "The person was not found in the population register")
        return person

    def _require(self, agreed: bool, message: str) -> None:
        if not agreed:
            raise self.fail(403, "forbidden", message)

    def _invalid(self, field: str, message: str) -> FakeError:
        detail = (
            "A validation error occurred. Please fix the problems mentioned in the 'problems' property below."
        )
        return self.fail(400, "validation", detail, field=field, data={field: [message]})

    def _next_number(self) -> str:
        number = 1000001
        while str(number) in self._customers:
            number += 1
        return str(number)

    def _link(self, number: str, tail: str = "") -> str:
        return f"{self.base_path()}/customers/{number}{tail}"

    def _reference(self, number: str) -> dict[str, Any]:
        return {"@id": self._link(number), "customerNo": f" {number}" if self.quirks else number}

    def _customer_json(self, number: str, expand: set[str]) -> dict[str, Any]:
        customer = self._customers[number]
        body = {"@id": self._link(number), **copy.deepcopy(customer.fields)}
        legal = (
            self._legal_json(customer) if "legaladdress" in expand else self._link(number, "/legal-address")
        )
        body["legalAddress"] = legal
        if customer.billing is not None:
            billing_link = self._link(number, "/billing-address")
            expanded = "billingaddress" in expand
            body["billingAddress"] = (
                self._billing_json(customer, customer.billing) if expanded else billing_link
            )
        body["surpluses"] = self._link(number, "/surpluses")
        # add-billing-address is offered only while the customer has no billing address.
        adding = _op("add-billing-address", self._link(number, "/billing-address"), "POST")
        body["operations"] = [] if customer.billing is not None else [adding]
        return body

    def _legal_json(self, customer: _Customer) -> dict[str, Any]:
        href = self._link(customer.fields["customerNo"], "/legal-address")
        operations = [_op("update", href, "PUT")]
        if self.population_register_access:
            operations.append(_op(_POPULATION, f"{href}/{_POPULATION}", "POST"))
        return {**copy.deepcopy(customer.legal), "operations": operations}

    def _billing_json(self, customer: _Customer, billing: dict[str, Any]) -> dict[str, Any]:
        href = self._link(customer.fields["customerNo"], "/billing-address")
        return {
            **copy.deepcopy(billing),
            "operations": [_op("update", href, "PUT"), _op("delete", href, "DELETE")],
        }

    def _surplus_link(self, number: str, surplus: dict[str, Any]) -> str:
        return self._link(number, f"/surpluses/{surplus['surplusId']}")

    def _can_disburse(self, customer: _Customer, surplus: dict[str, Any]) -> bool:
        active = customer.orders.get(surplus["surplusId"].lower())
        return surplus["status"] == "open" and not active

    def _surplus_json(self, number: str, customer: _Customer, surplus: dict[str, Any]) -> dict[str, Any]:
        link = self._surplus_link(number, surplus)
        operations = []
        if self.disbursement_agreed and self._can_disburse(customer, surplus):
            operations.append(_op("add-disbursement-orders", f"{link}/active-disbursement-orders", "POST"))
        return {**surplus, "operations": operations, "@id": link}

    def _navigation(self, number: str, skip: int, total: int) -> dict[str, Any]:
        link = self._link(number, "/surpluses")
        navigation = {"@id": link, "first": f"{link}?skip=0"}
        if skip > 0:
            navigation["previous"] = f"{link}?skip={max(0, skip - self.page_size)}"
        if skip + self.page_size < total:
            navigation["next"] = f"{link}?skip={skip + self.page_size}"
        return navigation


def _op(rel: str, href: str, method: str) -> dict[str, str]:
    return {"rel": rel, "href": href, "method": method}
