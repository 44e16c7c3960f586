"""A fake of the PayFunc Account API that behaves as PayFunc documents.

Use it through a client, as any httpx transport, or on loopback::

    fake = FakePayFunc(clock=my_clock)
    with fake.client() as client:                 # a nordfin.payfunc.Client with the private key
        account = client.accounts.create()
    with fake.serve() as base_url:                # http://127.0.0.1:<port>
        ...

Keys are JWT-shaped (``aud`` private, public or account) and checked per operation: an unknown
or expired key is a 401, a key of the wrong audience a 403 (a public key cannot list accounts),
an account key for another account a 403; ``me`` names the account of an account key.

What PayFunc does not document, and what this fake chooses (see the spec's ``x-nordfin-inferred``):

- an account without a schedule gets ``"monthly"``; a plain amount added to the balance is stored
  as the item ``{"price": amount}``; an item's amount is ``(price - rebate + vat) * quantity``;
- settling creates an order (``payment.charge`` "balance") and empties the balance; the order is
  charged at once when the account has a method, otherwise it is pending (and the account with
  it) until a method is added, which charges it;
- a subscription's ``due`` is the first day on or after its start that its schedule names
  (weekly offset 0 = Monday; a day of month counted from 0, negative from the end; the divisor
  is not applied); when the fake's clock reaches ``due`` an order for its items is created and
  ``due`` moves to the next such day, never past ``end``;
- login links and account keys expire three days after creation on the fake's clock; expired
  links disappear from the account;
- adding to the balance beyond a numeric (or ``hard``) limit is refused as "invalid content".
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import hmac
import json
import random
import string
import time
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
import httpx

from nordfin import payfunc
from nordfin._core.spec import Operation
from nordfin.testing._fake import Call, FakeApi, FakeError, no_async_sleep, no_sleep, operation

__all__ = ["FakePayFunc", "next_due"]

SERVER = "https://api.payfunc.com"
KEY_LIFETIME = dt.timedelta(days=3)
_TYPES = {400: "invalid content", 401: "unauthorized", 403: "forbidden", 404: "not found", 409: "conflict"}
_ALPHABET = string.ascii_letters


@attrs.define
class _Subscription:
    id: str
    data: dict[str, Any]
    due: dt.date | None = None

    def as_json(self) -> dict[str, Any]:
        due = {"due": self.due.isoformat()} if self.due is not None else {}
        return {"id": self.id, **self.data, **due}


@attrs.define
class _Account:
    id: str
    currency: str
    schedule: Any
    fields: dict[str, Any] = attrs.field(factory=dict)
    methods: list[dict[str, Any]] = attrs.field(factory=list)
    links: list[dict[str, Any]] = attrs.field(factory=list)
    balance: list[dict[str, Any]] = attrs.field(factory=list)
    subscriptions: list[_Subscription] = attrs.field(factory=list)
    orders: list[str] = attrs.field(factory=list)


@attrs.define
class _Key:
    audience: str
    account: str | None = None
    expires: float | None = None


class FakePayFunc(FakeApi):
    """The PayFunc Account API in memory: keys, accounts, balance, subscriptions, orders, errors.

    ``private_key`` and ``public_key`` are the keys it accepts; account keys come from
    ``create_account_key``, a login link, or :meth:`account_key`. ``clock`` (seconds since the
    epoch) drives key and link expiry and the subscriptions' ``due`` dates.
    """

    slug: ClassVar[str] = "payfunc"

    def __init__(self, *, clock: Callable[[], float] = time.time, seed: int = 0) -> None:
        self._secret = hashlib.sha256(f"nordfin-fake-payfunc-{seed}".encode()).digest()
        self._random = random.Random(seed)
        self.private_key = self._sign({"aud": "private", "sub": "demo-merchant"})
        self.public_key = self._sign({"aud": "public", "sub": "demo-merchant"})
        super().__init__(clock=clock)

    # --- for tests ------------------------------------------------------------------------------

    def account_key(self, account_id: str) -> str:
        """Issue an account key for ``account_id`` (valid three days on the fake's clock)."""
        with self._lock:
            return self._issue_key(self._accounts[account_id].id)

    def open_link(self, link_id: str) -> str:
        """Follow a login link as the customer would: its account key; ValueError if used or expired."""
        with self._lock:
            for account in self._accounts.values():
                for link in account.links:
                    if link["id"] == link_id:
                        return self._use(link)
            raise ValueError("no such link")

    def order(self, order_id: str) -> dict[str, Any]:
        """A stored order, as the API would answer it."""
        with self._lock:
            return json.loads(json.dumps(self._orders[order_id]))  # type: ignore[no-any-return]

    @property
    def today(self) -> dt.date:
        """The fake's date (UTC) from its clock."""
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).date()

    def credentials_help(self) -> dict[str, str]:
        """The keys this fake accepts, by security scheme (account keys are issued per account)."""
        return {"private": self.private_key, "public": self.public_key}

    def client(self, key: str | None = None, **kwargs: Any) -> payfunc.Client:
        """A ``nordfin.payfunc.Client`` on this fake (the private key unless ``key``); instant retries."""
        kwargs.setdefault("sleep", no_sleep)
        return payfunc.Client(api_key=key or self.private_key, transport=self, **kwargs)

    def async_client(self, key: str | None = None, **kwargs: Any) -> payfunc.AsyncClient:
        """A ``nordfin.payfunc.AsyncClient`` on this fake."""
        kwargs.setdefault("sleep", no_async_sleep)
        return payfunc.AsyncClient(api_key=key or self.private_key, transport=self, **kwargs)

    # --- hooks ----------------------------------------------------------------------------------

    def reset_state(self) -> None:
        """Forget every account, order and issued account key."""
        self._accounts: dict[str, _Account] = {}
        self._orders: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, _Key] = {}
        self._caller = _Key("private")

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        """401 for a missing, unknown or expired key; 403 for a key of the wrong audience."""
        self._catch_up()
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        key = self._key(token.strip()) if kind.lower() == "bearer" else None
        if key is None:
            return self.fail(401, "unauthorized", "a valid key is required")
        allowed = {name for requirement in operation.security for name in requirement}
        if key.audience not in allowed:
            return self.fail(403, "forbidden", f"a {key.audience} key may not do this")
        self._caller = key
        return None

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> dict[str, Any]:
        """PayFunc's error body: ``{status, type, content: {property?, type?, description}}``."""
        content: dict[str, Any] = {"description": message}
        if field:
            content["property"] = field
        if data:
            content["type"] = data
        return {"status": status, "type": code or _TYPES.get(status, "server error"), "content": content}

    def invalid_request(self, operation: Operation, field: str, rule: str) -> FakeError:
        """400: "malformed content" for a body that is not JSON, else "flawed content"."""
        location, _, name = field.partition(".")
        kind = "malformed content" if rule == "is not valid JSON" else "flawed content"
        return self.fail(400, kind, f"{name or location} {rule}", field=name or location)

    # --- accounts -------------------------------------------------------------------------------

    @operation("create_account")
    def _create_account(self, call: Call) -> tuple[int, Any]:
        data = dict(call.data)
        account_id = data.pop("id", None) or self._new_id()
        if account_id in self._accounts:
            raise self.fail(409, "conflict", "an account with this id exists", field="id")
        account = _Account(account_id, data.pop("currency", "SEK"), data.pop("schedule", "monthly"))
        account.methods = [self._method(m) for m in data.pop("method", [])]
        account.fields = {k: data[k] for k in ("number", "customer", "limit") if k in data}
        self._accounts[account_id] = account
        return 201, self._account_json(account)

    @operation("list_accounts")
    def _list_accounts(self, call: Call) -> tuple[int, Any]:
        return 200, [self._account_json(a) for a in self._accounts.values()]

    @operation("get_account")
    def _get_account(self, call: Call) -> tuple[int, Any]:
        return 200, self._account_json(self._find(call))

    @operation("update_account")
    def _update_account(self, call: Call) -> tuple[int, Any]:
        account = self._find(call)
        changes = call.data
        if "currency" in changes and changes["currency"] != account.currency and self._total(account):
            message = "the currency can only change while the account's total is 0"
            raise self.fail(400, "invalid content", message, field="currency")
        account.currency = changes.get("currency", account.currency)
        account.schedule = changes.get("schedule", account.schedule)
        if "limit" in changes:
            account.fields["limit"] = changes["limit"]
        return 200, self._account_json(account)

    @operation("replace_account_customer")
    def _replace_customer(self, call: Call) -> tuple[int, Any]:
        self._find(call).fields["customer"] = call.data
        return 200, call.data

    @operation("add_account_method")
    def _add_method(self, call: Call) -> tuple[int, Any]:
        account = self._find(call)
        account.methods.append(self._method(call.data))
        for order_id in account.orders:  # a pending order is charged once there is a card
            self._set_status(self._orders[order_id], "charged", only="pending")
        return 200, self._account_json(account)

    @operation("create_account_link")
    def _create_link(self, call: Call) -> tuple[int, Any]:
        account = self._find(call)
        now = self.clock()
        link_id = self._new_id()
        link = {
            "url": f"{SERVER}/account/{account.id}/link/{link_id}",
            "id": link_id,
            "created": _iso(now),
            "expires": _iso(now + KEY_LIFETIME.total_seconds()),
            "key": self._issue_key(account.id),
            "used": False,
            **({"contact": call.data["contact"]} if "contact" in call.data else {}),
        }
        account.links.append(link)
        return (204, None) if self._caller.audience == "account" else (200, link)

    @operation("create_account_key")
    def _create_key(self, call: Call) -> tuple[int, Any]:
        return 200, self._issue_key(self._find(call).id)

    # --- balance --------------------------------------------------------------------------------

    @operation("add_to_account_balance")
    def _add_to_balance(self, call: Call) -> tuple[int, Any]:
        account = self._find(call)
        added = _as_items(call.data)
        ceiling = _ceiling(account.fields.get("limit"))
        if ceiling is not None and self._total(account) + sum(map(_amount, added)) > ceiling:
            raise self.fail(400, "invalid content", "the account's credit limit would be exceeded")
        account.balance.extend(added)
        return 200, self._account_json(account)

    @operation("settle_account_balance")
    def _settle(self, call: Call) -> tuple[int, Any]:
        if call.path_params["accountId"] == "all":
            if self._caller.audience != "private":
                raise self.fail(403, "forbidden", "only a private key may settle all accounts")
            accounts = list(self._accounts.values())
        else:
            accounts = [self._find(call)]
        settled = [account for account in accounts if account.balance]
        for account in settled:
            self._bill(account, account.balance, charge="balance")
            account.balance = []
        return 200, {"updated": len(settled), "errors": 0}

    # --- subscriptions --------------------------------------------------------------------------

    @operation("create_subscription")
    def _create_subscription(self, call: Call) -> tuple[int, Any]:
        account = self._find(call)
        taken = {s.id for s in account.subscriptions}
        new_id = next(i for i in iter(lambda: self._new_id(4), None) if i not in taken)
        account.subscriptions.append(self._scheduled(_Subscription(new_id, self._with_start(call.data))))
        return 200, [s.as_json() for s in account.subscriptions]

    @operation("replace_subscription")
    def _replace_subscription(self, call: Call) -> tuple[int, Any]:
        account, subscription = self._find_subscription(call)
        subscription.data = self._with_start(call.data)
        self._scheduled(subscription)
        return 200, [s.as_json() for s in account.subscriptions]

    @operation("update_subscription")
    def _update_subscription(self, call: Call) -> tuple[int, Any]:
        account, subscription = self._find_subscription(call)
        subscription.data.update(_known(call.data))
        self._scheduled(subscription)
        return 200, [s.as_json() for s in account.subscriptions]

    @operation("delete_subscription")
    def _delete_subscription(self, call: Call) -> tuple[int, Any]:
        account, subscription = self._find_subscription(call)
        subscription.data["end"] = self.today.isoformat()
        subscription.due = None
        return 200, [s.as_json() for s in account.subscriptions]

    # --- orders ---------------------------------------------------------------------------------

    @operation("create_order")
    def _create_order(self, call: Call) -> tuple[int, Any]:
        data = call.data
        payment = data["payment"]
        account = self._accounts.get(payment.get("account") or data.get("account") or "")
        if (payment.get("account") or data.get("account")) and account is None:
            raise self.fail(404, "not found", "no such account", field="payment.account")
        if account is not None and payment.get("charge") == "balance":
            account.balance.extend(_as_items(data["items"]))
        order = self._new_order(data["items"], data["currency"], payment, account)
        for key in ("number", "customer", "callback", "meta"):
            if key in data:
                order[key] = data[key]
        return 201, order

    @operation("create_order_event")
    def _create_order_event(self, call: Call) -> tuple[int, Any]:
        order = self._find_order(call.path_params["orderId"])
        return 200, self._apply(order, call.data)

    @operation("update_orders")
    def _update_orders(self, call: Call) -> tuple[int, Any]:
        orders = [self._find_order(entry["id"]) for entry in call.data]
        for order, entry in zip(orders, call.data, strict=True):
            for event in entry["event"]:
                self._apply(order, event)
        return 200, orders

    # --- state ----------------------------------------------------------------------------------

    def _find(self, call: Call) -> _Account:
        wanted = call.path_params["accountId"]
        caller = self._caller
        if wanted == "me":
            wanted = caller.account or ""
        elif caller.audience == "account" and wanted != caller.account:
            raise self.fail(403, "forbidden", "an account key reaches only its own account")
        account = self._accounts.get(wanted)
        if account is None:
            raise self.fail(404, "not found", "no such account", field="accountId")
        return account

    def _find_subscription(self, call: Call) -> tuple[_Account, _Subscription]:
        account = self._find(call)
        for subscription in account.subscriptions:
            if subscription.id == call.path_params["subscriptionId"]:
                return account, subscription
        raise self.fail(404, "not found", "no such subscription", field="subscriptionId")

    def _find_order(self, order_id: str) -> dict[str, Any]:
        order = self._orders.get(order_id)
        if order is None:
            raise self.fail(404, "not found", "no such order", field="orderId")
        return order

    def _account_json(self, account: _Account) -> dict[str, Any]:
        now = self.clock()
        links = [link for link in account.links if _epoch(link["expires"]) > now]
        dues = [s.due for s in account.subscriptions if s.due is not None]
        body = {
            "id": account.id,
            **account.fields,
            "method": account.methods,
            "link": links,
            "status": self._status(account),
            "subscription": [s.as_json() for s in account.subscriptions],
            "currency": account.currency,
            "schedule": account.schedule,
            "total": self._total(account),
            "balance": account.balance,
        }
        return {**body, "due": min(dues).isoformat()} if dues else body

    def _status(self, account: _Account) -> str:
        if not account.methods and not account.orders:
            return "created"
        latest = self._orders[account.orders[-1]] if account.orders else None
        return "pending" if latest is not None and "pending" in latest["status"] else "active"

    def _total(self, account: _Account) -> float:
        return round(sum(_amount(item) for item in account.balance), 2)

    def _method(self, creatable: dict[str, Any]) -> dict[str, Any]:
        """The stored card for a method to add (a token is read as a demo Visa card)."""
        card = {"scheme": "visa", "iin": "411111", "last4": "1111", "expires": [12, 30]}
        if creatable["type"] == "card":
            card = {k: creatable[k] for k in ("scheme", "iin", "last4", "expires")}
        token = creatable.get("card") or self._sign({"aud": "card", "iin": card["iin"]})
        return {"type": "card", "created": _iso(self.clock()), "token": token, **card}

    def _bill(self, account: _Account, items: Any, *, charge: str, subscription: str | None = None) -> None:
        payment = {"type": "account", "account": account.id, "charge": charge}
        order = self._new_order(items, account.currency, payment, account)
        if subscription is not None:
            order["subscription"] = subscription
        self._set_status(order, "charged" if account.methods else "pending")

    def _new_order(
        self, items: Any, currency: str, payment: dict[str, Any], account: _Account | None
    ) -> dict[str, Any]:
        order_id = self._new_id()
        count = len(_as_items(items))
        amount = round(sum(map(_amount, _as_items(items))), 2)
        order: dict[str, Any] = {
            "id": order_id,
            "created": _iso(self.clock()),
            "items": items,
            "currency": currency,
            "payment": {
                "type": payment["type"],
                "created": _iso(self.clock()),
                "amount": amount,
                "currency": currency,
                "status": "created",
                **{k: payment[k] for k in ("account", "charge") if k in payment},
            },
            "event": [],
            "status": ["ordered"] * count,
        }
        if account is not None:
            order["account"] = account.id
            account.orders.append(order_id)
        self._orders[order_id] = order
        return order

    def _apply(self, order: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        status = {"cancel": "cancelled", "charge": "charged", "refund": "refunded"}[event["type"]]
        order["event"].append({"type": event["type"], "date": _iso(self.clock())})
        self._set_status(order, status)
        return order

    def _set_status(self, order: dict[str, Any], status: str, only: str | None = None) -> None:
        order["status"] = [status if only is None or s == only else s for s in order["status"]]

    # --- subscriptions over time ----------------------------------------------------------------

    def _with_start(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"start": self.today.isoformat(), **_known(data)}

    def _scheduled(self, subscription: _Subscription) -> _Subscription:
        data = subscription.data
        start = max(dt.date.fromisoformat(data["start"]), self.today)
        subscription.due = _following(data, start, inclusive=True)
        return subscription

    def _catch_up(self) -> None:
        """Every subscription whose ``due`` has come bills its account and moves to the next date."""
        today = self.today
        for account in self._accounts.values():
            for subscription in account.subscriptions:
                for _ in range(1000):  # a clock moved years ahead bills at most 1000 periods
                    due = subscription.due
                    if due is None or due > today:
                        break
                    self._bill(
                        account, subscription.data["items"], charge="auto", subscription=subscription.id
                    )
                    subscription.due = _following(subscription.data, due, inclusive=False)

    # --- keys -----------------------------------------------------------------------------------

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64({"alg": "HS256", "typ": "JWT"})
        payload = _b64({"iss": "payfunc-fake", **claims})
        signature = hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    def _issue_key(self, account_id: str) -> str:
        now = self.clock()
        key = self._sign({"aud": "account", "account": account_id, "iat": int(now), "jti": self._new_id()})
        self._keys[key] = _Key("account", account_id, now + KEY_LIFETIME.total_seconds())
        return key

    def _key(self, token: str) -> _Key | None:
        if hmac.compare_digest(token.encode(), self.private_key.encode()):
            return _Key("private")
        if hmac.compare_digest(token.encode(), self.public_key.encode()):
            return _Key("public")
        key = self._keys.get(token)
        if key is None or (key.expires is not None and key.expires <= self.clock()):
            return None
        return key

    def _use(self, link: dict[str, Any]) -> str:
        if link["used"] or _epoch(link["expires"]) <= self.clock():
            raise ValueError("the link was used or has expired")
        link["used"] = True
        return str(link["key"])

    def _new_id(self, length: int = 16) -> str:
        return "".join(self._random.choice(_ALPHABET) for _ in range(length))


def next_due(schedule: Any, after: dt.date, *, inclusive: bool) -> dt.date:
    """The first day on (``inclusive``) or after ``after`` that ``schedule`` names."""
    rule: dict[str, Any] = {"frequency": schedule} if isinstance(schedule, str) else schedule
    frequency: str = rule["frequency"]
    offset: Any = rule.get("offset", 0)
    if frequency == "daily":
        return after if inclusive else after + dt.timedelta(days=1)
    if frequency == "weekly":
        ahead = (offset - after.weekday()) % 7
        return after + dt.timedelta(days=ahead if ahead or inclusive else 7)
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]
    pair = offset if isinstance(offset, list) else [offset, 0]
    month_offset, day = (int(pair[0]), int(pair[1])) if months > 1 else (0, int(offset))
    first = (after.year * 12 + after.month - 1) // months * months
    for period in range(first, first + 3 * months, months):
        year, month = divmod(period + month_offset, 12)
        candidate = _day_of_month(year, month + 1, day)
        if candidate > after or (inclusive and candidate == after):
            return candidate
    raise AssertionError("unreachable: a later period always has a later date")


def _day_of_month(year: int, month: int, offset: int) -> dt.date:
    last = calendar.monthrange(year, month)[1]
    day = min(offset + 1, last) if offset >= 0 else max(1, last + 1 + offset)
    return dt.date(year, month, day)


def _following(data: dict[str, Any], after: dt.date, *, inclusive: bool) -> dt.date | None:
    """The subscription's next due date, never past its end; None past the calendar's end (year 9999)."""
    try:
        due = next_due(data["schedule"], after, inclusive=inclusive)
    except (OverflowError, ValueError):
        return None
    return _within(due, data.get("end"))


def _known(data: dict[str, Any]) -> dict[str, Any]:
    """The documented fields of a subscription (undocumented extras are not kept)."""
    names = ("number", "items", "currency", "schedule", "start", "end", "callback")
    return {k: data[k] for k in names if k in data}


def _within(due: dt.date, end: str | None) -> dt.date | None:
    return None if end is not None and due > dt.date.fromisoformat(end) else due


def _as_items(items: Any) -> list[dict[str, Any]]:
    if isinstance(items, list):
        return [dict(item) for item in items]
    if isinstance(items, dict):
        return [dict(items)]
    return [{"price": items}]


def _amount(item: dict[str, Any]) -> float:
    unit = item.get("price", 0) - item.get("rebate", 0) + item.get("vat", 0)
    return float(unit * item.get("quantity", 1))


def _ceiling(limit: Any) -> float | None:
    if isinstance(limit, dict):
        return limit.get("hard")
    return float(limit) if isinstance(limit, (int, float)) else None


def _iso(seconds: float) -> str:
    return (
        dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _epoch(value: str) -> float:
    return dt.datetime.fromisoformat(value).timestamp()


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
