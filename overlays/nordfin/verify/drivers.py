"""What a run asks of each API, through its public client: reads, and with writes a lifecycle.

A driver only calls the overlay's public methods: the requests go out with the client's own
validation, auth, rate limiter and retry policy (a create is never sent twice). Reads discover
ids from list answers or take them from ``--id NAME=VALUE`` (``NAME`` a path parameter of the
spec). Writes make plainly marked test data (``nordfin-verify-`` names and codes), read it back,
change it, read it again, and delete it where the API can; :meth:`Run.made` remembers what to
clean and what could not be.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["DRIVERS", "PREFIX", "Run", "Stop"]

PREFIX = "nordfin-verify-"


class Stop(Exception):
    """The run must end now (the request budget is spent)."""


@attrs.define
class Run:
    """One run's state, shared by a driver's steps."""

    client: Any
    ids: dict[str, str]
    writes: bool
    spent: Callable[[], bool]
    #: Whether the last answer the server gave was a success (the client may still have refused it).
    last_ok: Callable[[], bool] = lambda: False
    notes: list[str] = attrs.field(factory=list)
    cleanups: list[tuple[str, Callable[[], Any] | None]] = attrs.field(factory=list)
    cleaned: list[str] = attrs.field(factory=list)
    left_over: list[str] = attrs.field(factory=list)
    tag: str = attrs.field(factory=lambda: _secrets.token_hex(3))

    def step(self, label: str, call: Callable[[], Any]) -> Any:
        """Run one call; None when it failed (noted, without the error's text: it may hold data)."""
        if self.spent():
            raise Stop
        try:
            return call()
        except Stop:
            raise
        except Exception as error:  # the exchange was recorded and is checked; the run goes on
            if self.spent():
                raise Stop from None
            self.notes.append(f"step '{label}' failed: {type(error).__name__}")
            return None

    def attempt(self, label: str, call: Callable[[], Any]) -> bool:
        """:meth:`step` for a call that answers nothing: whether it succeeded."""
        failures = len(self.notes)
        self.step(label, call)
        return len(self.notes) == failures

    def name(self, what: str) -> str:
        """A test-data name: ``nordfin-verify-<what>-<run tag>``."""
        return f"{PREFIX}{what}-{self.tag}"

    def made_unread(self, what: str) -> None:
        """The server made ``what`` but the client could not read its id: it must be found by hand."""
        if self.last_ok():
            self.left_over.append(f"{what} made by this run (its answer could not be read)")

    def keep(self, what: str, made: Any, key: str, delete: Callable[[Any], Any]) -> Any:
        """After a create step: remember ``what`` (deleted by its ``key`` attribute); that key.

        None when the step failed (noted as left over if the server made it all the same).
        """
        if made is None:
            self.made_unread(f"a {what}")
            return None
        value = getattr(made, key)
        self.made(f"{what} {value}", lambda: delete(value))
        return value

    def made(self, label: str, cleanup: Callable[[], Any] | None) -> None:
        """Remember test data; ``cleanup`` None: the API cannot delete it."""
        self.cleanups.append((label, cleanup))

    def delete(self, label: str) -> None:
        """Delete the test data ``label`` now (the lifecycle's last step) with its own cleanup."""
        for index, (made, cleanup) in enumerate(self.cleanups):
            if made == label and cleanup is not None:
                if self.attempt(f"delete {label}", cleanup):
                    del self.cleanups[index]
                    self.cleaned.append(label)
                return

    def reserve(self) -> int:
        """Requests kept back from the budget for cleaning up what the run made."""
        return sum(1 for _, cleanup in self.cleanups if cleanup is not None)

    def clean(self) -> None:
        """Delete what the run made, newest first; list what could not be deleted."""
        for label, cleanup in reversed(self.cleanups):
            if cleanup is None:
                self.left_over.append(f"{label} (the API has no delete)")
            elif self._try(cleanup):
                self.cleaned.append(label)
            else:
                self.left_over.append(label)
        self.cleanups.clear()

    def _try(self, call: Callable[[], Any]) -> bool:
        try:
            call()
        except Exception:
            return False
        return True

    def id(self, name: str, found: Callable[[], Any] | None = None) -> Any:
        """The id called ``name``: from ``--id``, else from ``found()`` (None if neither has one)."""
        if name in self.ids:
            return self.ids[name]
        if found is None:
            return None
        try:
            return found()
        except (AttributeError, IndexError, StopIteration, TypeError):
            return None


def _first(items: Any, attribute: str) -> Any:
    return getattr(next(iter(items)), attribute)


# --- Goto ---------------------------------------------------------------------------------------


def goto(run: Run) -> None:
    terms = run.client.payment_terms
    listed = run.step("list payment terms", terms.list)
    term_id = run.id("term_id", lambda: _first(listed.payment_terms, "code"))
    if term_id is not None:
        run.step("get a payment term", lambda: terms.get(term_id))
    if not run.writes:
        return
    code = run.name("term")
    created = run.step(
        "create a payment term", lambda: terms.create(code=code, description=run.name("created"))
    )
    if created is None and not run.last_ok():  # made, though the client refused the answer
        return
    run.made(f"payment term {code}", lambda: terms.delete(code))
    run.step("read it back", lambda: terms.get(code))
    run.step("update it", lambda: terms.update(code, description=run.name("updated")))
    run.step("read the update", lambda: terms.get(code))
    run.delete(f"payment term {code}")


# --- PayEx --------------------------------------------------------------------------------------


def payex(run: Run) -> None:
    client = run.client
    customer_no = run.id("customerNo")
    if run.writes:
        customer_no = _payex_create(run) or customer_no
    if customer_no is None:
        run.notes.append("PayEx has no list of customers: give --id customerNo=<a test customer> to read one")
        return
    run.step("get the customer (expanded)", lambda: client.customers.get(customer_no, expand=True))
    run.step("get the legal address", lambda: client.legal_address.get(customer_no))
    run.step("get the billing address", lambda: client.billing_address.get(customer_no))
    surpluses = run.step("list surpluses", lambda: client.surpluses.list(customer_no))
    surplus_id = run.id("surplusId", lambda: _first(surpluses.items, "surplus_id"))
    if surplus_id is not None:
        run.step("get a surplus", lambda: client.surpluses.get(customer_no, surplus_id))
        run.step(
            "its disbursement orders", lambda: client.surpluses.disbursement_orders(customer_no, surplus_id)
        )


def _payex_create(run: Run) -> str | None:
    from nordfin.payex.models import AddressInput

    client = run.client
    address = AddressInput(
        addressee=run.name("addressee"), city="STOCKHOLM", zip_code="11122", country_code="SE"
    )
    number = str(9_000_000 + _secrets.randbelow(999_999))
    created = run.step(
        "create a customer",
        lambda: client.customers.create(customer_no=number, name=run.name("customer"), legal_address=address),
    )
    if created is None and not run.last_ok():
        return None
    run.made(f"customer {number}", None)
    run.step("update its language", lambda: client.customers.update(number, preferred_language_code="SV"))
    run.step("replace its legal address", lambda: client.legal_address.replace(number, address))
    if run.attempt("add a billing address", lambda: client.billing_address.add(number, address)):
        run.made(f"billing address of customer {number}", lambda: client.billing_address.delete(number))
    return number


# --- PayFunc ------------------------------------------------------------------------------------


def payfunc(run: Run) -> None:
    accounts = run.client.accounts
    listed = run.step("list accounts", accounts.list)
    account_id = run.id("accountId", lambda: listed[0].id)
    if account_id is not None:
        run.step("get an account", lambda: accounts.get(account_id))
    if not run.writes:
        return
    customer = {"type": "organization", "name": run.name("customer")}
    created = run.step("create an account", lambda: accounts.create(customer=customer))
    if created is None:
        run.made_unread("an account")
        return
    run.made(f"account {created.id}", None)
    run.step("read it back", lambda: accounts.get(created.id))
    run.step("update its limit", lambda: accounts.update(created.id, limit=100))
    run.step("read the update", lambda: accounts.get(created.id))
    _payfunc_subscription(run, created.id)


def _payfunc_subscription(run: Run, account_id: str) -> None:
    subscriptions = run.client.subscriptions
    items = [{"name": run.name("item"), "price": 1}]
    made = run.step(
        "subscribe",
        lambda: subscriptions.create(account_id, items=items, currency="SEK", schedule="monthly"),
    )
    if not made:
        run.made_unread(f"a subscription of account {account_id}")
        return
    subscription_id = made[0].id
    label = f"subscription {subscription_id} of account {account_id}"
    run.made(label, lambda: subscriptions.delete(account_id, subscription_id))
    run.step(
        "replace it",
        lambda: subscriptions.replace(
            account_id, subscription_id, items=items, currency="SEK", schedule="weekly"
        ),
    )
    run.delete(label)


# --- Aptic --------------------------------------------------------------------------------------

# Each kind of a customer's items: the accessor, the path parameter ``--id`` names, the attribute.
_APTIC_KINDS = (
    ("parameters", "name", "name"),
    ("addresses", "addressGuid", "address_guid"),
    ("extra_fields", "name", "name"),
    ("direct_debit_mandates", "directDebitGuid", "mandate_guid"),
    ("credit_insurances", "insuranceGuid", "insurance_guid"),
    ("user_questions", "actionGuid", "action_guid"),
)


def aptic(run: Run) -> None:
    from nordfin import aptic as api

    customers = run.client.customers
    run.step("ping", run.client.ping)
    listed = run.step("list customers", lambda: customers.list(top=5))
    guid = run.id("customerGuid", lambda: _first(listed.value, "customer_guid"))
    if run.writes:
        created = run.step(
            "create a customer",
            lambda: customers.create(
                api.CustomerCreate(full_name=run.name("customer"), juridical_type=api.JuridicalType.PERSON)
            ),
        )
        made = run.keep("customer", created, "customer_guid", customers.delete)
        if made is not None:
            guid = made
            run.step(
                "update it", lambda: customers.update(guid, api.CustomerUpdate(lastname=run.name("updated")))
            )
            _aptic_children(run, api, guid)
    if guid is None:
        return
    run.step("get the customer", lambda: customers.get(guid))
    run.step("its ledger summary", lambda: customers.ledger_summary(guid))
    for kind, parameter, attribute in _APTIC_KINDS:
        _aptic_items(run, getattr(customers, kind)(guid), kind, parameter, attribute)
    if run.writes:
        for label, _ in list(reversed(run.cleanups)):
            run.delete(label)


def _aptic_items(run: Run, items: Any, kind: str, parameter: str, attribute: str) -> None:
    page = run.step(f"list {kind}", items.list)
    item_key = run.id(parameter, lambda: _first(page.value, attribute))
    if item_key is not None:
        run.step(f"get one of {kind}", lambda: items.get(item_key))


def _aptic_children(run: Run, api: Any, guid: Any) -> None:
    fields = run.client.customers.extra_fields(guid)
    name = run.name("field").upper().replace("-", "_")
    if (
        run.step("add an extra field", lambda: fields.create(api.ExtraFieldInput(name=name, value=["x"])))
        is not None
    ):
        run.made(f"extra field {name}", lambda: fields.delete(name))
        run.step("read the extra field", lambda: fields.get(name))
    parameters = run.client.customers.parameters(guid)
    parameter = run.name("param").upper().replace("-", "_")
    if run.step(
        "add a parameter",
        lambda: parameters.create([api.CustomerParameterInput(name=parameter, type_="BOOL", value="false")]),
    ):
        run.made(f"parameter {parameter}", lambda: parameters.delete(parameter))
        run.step(
            "change the parameter",
            lambda: parameters.update(parameter, [api.CustomerParameterInput(value="true")]),
        )
    insurances = run.client.customers.credit_insurances(guid)
    insurance = api.CreditInsuranceCreate(
        insurance_company_reference_code="ATRADIUS", amount=1.0, note=run.name("note")
    )
    covered = run.step("add a credit insurance", lambda: insurances.create(insurance))
    key = run.keep("credit insurance", covered, "insurance_guid", insurances.delete)
    if key is not None:
        run.step(
            "change the insurance", lambda: insurances.update(key, api.CreditInsuranceUpdate(amount=2.0))
        )
    addresses = run.client.customers.addresses(guid)
    address = api.CustomerAddressInput(
        street=run.name("street"), house_no="1", zip_code="11122", city="Stockholm"
    )
    made = run.step("add an address", lambda: addresses.create(address))
    address_guid = run.keep("address", made, "address_guid", addresses.delete)
    if address_guid is not None:
        run.step("read the address", lambda: addresses.get(address_guid))


# --- Permånad -----------------------------------------------------------------------------------


def permanad(run: Run) -> None:
    client = run.client
    run.step("partner information", client.partner.information)
    listed = run.step("list orders", lambda: client.orders.list(limit=10))
    public_id = run.id("publicId", lambda: _first(listed.orders, "public_id"))
    if public_id is not None:
        run.step("get an order", lambda: client.orders.get(public_id))
    if not run.writes:
        return
    run.step("calculate a monthly amount", lambda: client.partner.calculate(1_000_000))
    order = run.step("create an order", lambda: client.orders.create(_permanad_order(run)))
    if order is None:
        run.made_unread("an order")
        return
    run.made(f"order {order.public_id}", None)
    run.step("read it back", lambda: client.orders.get(order.public_id))
    run.step(
        "set its internal order id",
        lambda: client.orders.update(order.public_id, internal_order_id=run.name("order")),
    )
    run.step("read the update", lambda: client.orders.get(order.public_id))


def _permanad_order(run: Run) -> Any:
    from nordfin.permanad import CreateOrderRequest, OrderItem

    item = OrderItem(
        name=run.name("item"),
        product_id=run.name("product"),
        quantity=1,
        unit_amount=1_000_000,
        total_amount=1_000_000,
        vat=200_000,
    )
    return CreateOrderRequest(
        months=36,
        own_insurance=False,
        company=run.name("company"),
        org_number="5560360793",  # a published test organisation number
        nin="19811218-9876",  # Skatteverket's published test personnummer
        first_name=run.name("first"),
        last_name=run.name("last"),
        email="nordfin-verify@example.com",
        phone="+46700000000",
        billing_address=run.name("street"),
        billing_city="Stockholm",
        billing_postal_code="11122",
        billing_country="SE",
        items=[item],
    )


DRIVERS: dict[str, Callable[[Run], None]] = {
    "goto": goto,
    "payex": payex,
    "payfunc": payfunc,
    "aptic": aptic,
    "permanad": permanad,
}
