"""A fake of the Permånad (LeaseCloud) Partner API that behaves as the vendor documents.

Use it through a client, as any httpx transport, or on loopback::

    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    with fake.client(clock=clock) as client:          # a nordfin.permanad.Client with every market
        order = client.orders.create(order_request, market="SE")
        client.orders.wait_for_decision(order.public_id, market="SE")   # no real waiting

What the vendor does not document, and what this fake chooses (see the spec's ``x-nordfin-inferred``):

- one API key per market (``api_keys``); an order belongs to the market whose key created it and
  is invisible to the other keys (404); any other token is a 401;
- lifecycle: a new order is ``pending``; ``decision_delay`` seconds later on the fake's clock it
  becomes the status its ``statusTrigger`` names, else ``declined`` when its ``nin`` is in
  ``declined_nins``, else ``readyToShip``. ``set_status`` moves an order by hand (e.g. to
  ``active``, which starts the contract: months to expiry then count down on the clock);
- pagination: ``page`` from 1 (default 1), ``limit`` 1..100 (default 50), oldest order first,
  ``pagination.totalPages`` = ceil(total / limit);
- calculation: ``monthlyAmount`` = ceil(price * tariff / 100) for each of ``tariffs``;
- errors ``{"error": {"code", "message", "fields"}}`` (the legacy LeaseCloud format); the fake
  checks only what the spec says (identity-number checksums are the client's job);
- 100 requests per 300 s of ``clock`` ("per IP": per fake), the 101st gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import attrs
import httpx

from nordfin import permanad
from nordfin._core.spec import Operation
from nordfin.testing._fake import Call, FakeApi, FakeError, no_async_sleep, no_sleep, operation
from nordfin_generated.pydantic_models.permanad import (
    CalculateRequest,
    CreateOrderRequest,
    UpdateOrderRequest,
)

__all__ = ["DEMO_KEYS", "DEMO_TARIFFS", "FakeClock", "FakePermanad"]

T = TypeVar("T")

#: The key the fake accepts for each market, unless told otherwise.
DEMO_KEYS: Mapping[str, str] = MappingProxyType(
    {m: f"demo-key-{m.lower()}" for m in ("SE", "DK", "NO", "FI")}
)
#: months -> monthly tariff in percent of the price.
DEMO_TARIFFS: Mapping[int, float] = MappingProxyType({12: 9.1, 24: 4.8, 36: 3.4})
_TRIGGERED = {
    "READY_TO_SHIP": "readyToShip",
    "ACTIVE": "active",
    "CANCELLED": "cancelled",
    "DECLINED": "declined",
}
_MONTH = 30 * 86400.0


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.define
class _Order:
    public_id: str
    market: str
    data: dict[str, Any]
    nin: str
    trigger: str | None
    created: float
    status: str = "pending"
    history: list[tuple[str, float]] = attrs.field(factory=list)
    started: float | None = None
    updated: float = 0.0

    def move(self, status: str, at: float) -> None:
        self.status, self.updated = status, at
        self.history.append((status, at))
        if status == "active" and self.started is None:
            self.started = at


class FakePermanad(FakeApi):
    """The Permånad Partner API in memory: keys per market, lifecycle, pagination and rate limit.

    ``api_keys`` maps a market to the bearer token the fake accepts for it (``DEMO_KEYS``).
    ``clock`` (seconds) drives the lifecycle and the rate limit; tests pass a :class:`FakeClock`.
    """

    slug: ClassVar[str] = "permanad"

    def __init__(
        self,
        *,
        api_keys: Mapping[str, str] = DEMO_KEYS,
        tariffs: Mapping[int, float] = DEMO_TARIFFS,
        decision_delay: float = 120.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_keys = dict(api_keys)
        self.tariffs = dict(tariffs)
        self.decision_delay = decision_delay
        self.declined_nins: set[str] = set()
        self.refused: list[httpx.Request] = []
        self._orders: dict[str, _Order] = {}
        self._ids = itertools.count(1)
        super().__init__(clock=clock)

    # --- for tests ------------------------------------------------------------------------------

    def set_status(self, public_id: str, status: str) -> None:
        """Move an order to ``status`` now (e.g. ``"active"`` once the customer signed)."""
        permanad.OrderStatus(status)  # ValueError for a status the spec does not know
        with self._lock:
            self._orders[public_id].move(status, self.clock())

    def status_of(self, public_id: str) -> str:
        """The order's status as the fake's clock has it now."""
        with self._lock:
            return self._advance(self._orders[public_id]).status

    @property
    def too_many(self) -> int:
        """How many requests were answered 429."""
        return len(self.refused)

    def credentials_help(self) -> dict[str, str]:
        """The bearer token the fake accepts for the Swedish market."""
        return {"bearerAuth": self.api_keys["SE"]}

    def client(self, markets: tuple[str, ...] | None = None, **kwargs: Any) -> permanad.Client:
        """A ``nordfin.permanad.Client`` on this fake with the keys of ``markets`` (default all).

        The fake's one rate limiter on its clock unless ``rate_limit=`` is given; instant sleep
        unless ``sleep=`` is given (pass a ``FakeClock``'s ``sleep`` to move its time instead).
        """
        kwargs.setdefault("sleep", no_sleep)
        return permanad.Client(transport=self, **self._client_settings(markets, kwargs))

    def async_client(self, markets: tuple[str, ...] | None = None, **kwargs: Any) -> permanad.AsyncClient:
        """``client()`` for the ``nordfin.permanad.AsyncClient``."""
        kwargs.setdefault("sleep", no_async_sleep)
        return permanad.AsyncClient(transport=self, **self._client_settings(markets, kwargs))

    def _client_settings(self, markets: tuple[str, ...] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        keys = {m: self.api_keys[m] for m in (markets or tuple(self.api_keys))}
        kwargs.setdefault("clock", self.clock)
        kwargs.setdefault("base_url", permanad.ENVIRONMENTS["sandbox"])
        return {"api_keys": keys, **kwargs}

    # --- hooks ----------------------------------------------------------------------------------

    def reset_state(self) -> None:
        """Forget every order."""
        self._orders = {}
        self._ids = itertools.count(1)
        self.refused = []

    def authenticate(self, operation: Operation, request: httpx.Request) -> FakeError | None:
        """401 unless the bearer token is one market's key."""
        if self._market(request) is not None:
            return None
        return self.fail(401, "Unauthorized", "a valid API key is required as bearer token")

    def too_many_requests(self, retry_after: int) -> FakeError:
        """429 with ``Retry-After``; remembered in ``refused`` for tests."""
        error = super().too_many_requests(retry_after)
        self.refused.append(self.requests[-1])
        return error

    def error_body(
        self, status: int, code: Any, message: str, field: str | None = None, data: Any = None
    ) -> dict[str, Any]:
        """The legacy LeaseCloud error body: ``{"error": {"code", "message", "fields"}}``."""
        code = code or {400: "BadRequest", 404: "NotFound", 405: "BadRequest", 429: "TooManyRequests"}.get(
            status, "InternalServerError"
        )
        error: dict[str, Any] = {"code": code, "message": message}
        if field is not None:
            error["fields"] = [{"field": field, "message": message, "code": "Invalid"}]
        return {"error": error}

    # --- operations -----------------------------------------------------------------------------

    @operation("calculate_monthly_amount")
    def _calculate(self, call: Call) -> tuple[int, Any]:
        price = call.body_as(CalculateRequest).price
        amounts = [{"months": m, "monthlyAmount": self._monthly(price, m)} for m in sorted(self.tariffs)]
        return 200, {"data": {"monthlyAmounts": amounts}}

    @operation("get_partner_information")
    def _information(self, call: Call) -> tuple[int, Any]:
        market = self._market(call.request) or "SE"
        partner = {
            "id": 1,
            "orgNumber": "556036-0793",
            "name": f"Demo Partner {market}",
            "website": "https://partner.example",
            "country": market,
            "email": "partner@example.com",
            "termsOfPayment": "30 days",
            "createdAt": _iso(0),
            "updatedAt": _iso(0),
        }
        tariffs = [{"tariff": t, "months": m} for m, t in sorted(self.tariffs.items())]
        return 200, {"data": {"partner": partner, "tariffs": tariffs}}

    @operation("create_order")
    def _create(self, call: Call) -> tuple[int, Any]:
        body = call.body_as(CreateOrderRequest)
        now = self.clock()
        public_id = f"ord-{next(self._ids):06d}"
        trigger = body.status_trigger.value if body.status_trigger is not None else None
        order = _Order(public_id, self._market(call.request) or "SE", call.data, body.nin, trigger, now)
        order.move("pending", now)
        self._orders[public_id] = order
        return 201, {"data": self._render_order(order)}

    @operation("list_orders")
    def _list(self, call: Call) -> tuple[int, Any]:
        page, limit = call.query["page"], call.query["limit"]
        mine = [o for o in self._orders.values() if o.market == self._market(call.request)]
        chosen = mine[(page - 1) * limit : page * limit]
        pagination = {
            "page": page,
            "limit": limit,
            "total": len(mine),
            "totalPages": math.ceil(len(mine) / limit),
        }
        return 200, {"data": {"orders": [self._render_order(o) for o in chosen], "pagination": pagination}}

    @operation("get_order")
    def _get(self, call: Call) -> tuple[int, Any]:
        return 200, {"data": self._render_order(self._find(call))}

    @operation("update_order")
    def _update(self, call: Call) -> tuple[int, Any]:
        order = self._find(call)
        order.data["internalOrderId"] = call.body_as(UpdateOrderRequest).internal_order_id
        order.updated = self.clock()
        return 200, {"data": self._render_order(order)}

    # --- state ----------------------------------------------------------------------------------

    def _market(self, request: httpx.Request) -> str | None:
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        if kind.lower() != "bearer":
            return None
        return next((m for m, key in self.api_keys.items() if key == token.strip()), None)

    def _find(self, call: Call) -> _Order:
        order = self._orders.get(call.path_params["publicId"])
        if order is None or order.market != self._market(call.request):
            raise self.fail(404, "NotFound", "no order with this publicId", field="publicId")
        return order

    def _advance(self, order: _Order) -> _Order:
        """Apply the decision once its time has come on the fake's clock."""
        decided_at = order.created + self.decision_delay
        if order.status == "pending" and self.clock() >= decided_at:
            order.move(self._decision(order), decided_at)
        return order

    def _decision(self, order: _Order) -> str:
        if order.trigger is not None:
            return _TRIGGERED[order.trigger]
        return "declined" if order.nin in self.declined_nins else "readyToShip"

    def _monthly(self, total: int, months: int) -> int:
        tariff = self.tariffs.get(months)
        return math.ceil(total * tariff / 100) if tariff is not None else math.ceil(total / months)

    def _render_order(self, order: _Order) -> dict[str, Any]:
        self._advance(order)
        data = order.data
        months = int(data["months"])
        items = data.get("items", [])
        total = sum(item["totalAmount"] for item in items) + int(data.get("shippingAmount", 0))
        return {
            "publicId": order.public_id,
            "partnerId": data.get("partnerId"),
            "internalOrderId": data.get("internalOrderId"),
            "status": order.status,
            "statuses": [{"status": s, "setAt": _iso(at)} for s, at in order.history],
            "company": data["company"],
            "orgNumber": data["orgNumber"],
            "months": months,
            "totalAmount": total,
            "contract": self._contract(order, months, total),
            "items": items,
            "createdAt": _iso(order.created),
            "updatedAt": _iso(max(order.updated, order.created)),
        }

    def _contract(self, order: _Order, months: int, total: int) -> dict[str, Any] | None:
        if order.status in ("pending", "declined"):
            return None
        contract: dict[str, Any] = {
            "contractLength": months,
            "monthlyAmount": self._monthly(total, months),
            "invoiceInterval": order.data.get("invoiceInterval", "MONTHLY"),
            "startDate": None,
            "endDate": None,
            "monthsToExpiry": None,
        }
        if order.started is not None:
            start = dt.datetime.fromtimestamp(order.started, dt.UTC).date()
            elapsed = int((self.clock() - order.started) // _MONTH)
            contract["startDate"] = start.isoformat()
            contract["endDate"] = (start + dt.timedelta(days=30 * min(months, 10**5))).isoformat()
            contract["monthsToExpiry"] = max(0, months - elapsed)
        return contract


class FakeClock:
    """Virtual time for tests: ``clock()`` reads it, ``sleep`` / ``asleep`` move it; no real waiting.

    Synchronous code: ``sleep(s)`` simply adds ``s``. Concurrent asyncio code: run the main
    coroutine with ``await clock.run(main())``; every ``asleep`` then waits until the clock
    reaches its wake-up time, and the clock jumps to the earliest wake-up only when every task
    is asleep, so concurrent tasks see time pass exactly as they would for real.
    """

    #: Loop turns that let every runnable task reach its next sleep before time moves on.
    IDLE_TURNS = 20

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass (single-threaded code)."""
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        """Wait ``seconds`` of virtual time (inside :meth:`run`)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, main: Awaitable[T]) -> T:
        """Run ``main`` to its end, moving time whenever every task sleeps."""
        task = asyncio.ensure_future(main)
        while not task.done():
            for _ in range(self.IDLE_TURNS):
                await asyncio.sleep(0)
            if task.done() or not self._sleepers:
                continue
            at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            if not future.done():
                future.set_result(None)
        return task.result()
