"""``nordfin.permanad.Client`` and ``AsyncClient``: the Permånad (LeaseCloud) Partner API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import httpx

from nordfin._core.auth import BearerAuth
from nordfin._core.base import AsyncClientBase, ClientBase, ClientSetup, Options, Quota, resolve_base_url
from nordfin._core.pagination import AsyncPager, Pager
from nordfin._core.polling import Cancel, IntervalGate, PollPolicy, WaitTimeout, poll_async, poll_many
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import get_logger
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Plan, Session
from nordfin._core.spec import SpecIndex
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert
from nordfin._core.validate import check_header_value, check_path_id, check_type
from nordfin.errors import RequestValidationError
from nordfin.permanad._checks import MARKETS, check_cents, check_market, check_order
from nordfin.permanad.errors import PermanadError, parse_error
from nordfin_generated.permanad import Client as GeneratedClient
from nordfin_generated.permanad.api.orders import create_order, get_order, list_orders, update_order
from nordfin_generated.permanad.api.partner import calculate_monthly_amount, get_partner_information
from nordfin_generated.permanad.models import (
    CalculateRequest,
    CalculateResponse,
    CreateOrderRequest,
    MonthlyAmount,
    Order,
    OrderListResponse,
    OrderListResponseData,
    OrderResponse,
    OrderStatus,
    PartnerInformationResponse,
    PartnerInformationResponseData,
    UpdateOrderRequest,
)

__all__ = ["ENVIRONMENTS", "FINAL_STATUSES", "POLL_POLICY", "QUOTA", "AsyncClient", "Client"]


def _environments() -> dict[str, str]:
    """environment name -> URL, from the spec's servers (the one place to correct them)."""
    servers = SpecIndex.for_slug("permanad").spec["servers"]
    return {server["x-nordfin-environment"]: server["url"] for server in servers}


ENVIRONMENTS = _environments()
# "100 requests per 5 minutes per IP": one limiter for every client, market and host of the process.
QUOTA = Quota(limit=100, period=300.0)
_LIMITER_KEY = "permanad"
# "Limit polling to once every 1 minutes per order"; on failure "wait 1 minute, then 2 minutes, etc."
POLL_POLICY = PollPolicy(interval=60.0, backoff=60.0, max_backoff=1920.0)
#: Statuses after which an order does not change without the partner acting.
FINAL_STATUSES = frozenset(
    {OrderStatus.READY_TO_SHIP, OrderStatus.ACTIVE, OrderStatus.DECLINED, OrderStatus.CANCELLED}
)

PROFILE = ApiProfile(
    slug="permanad",
    generated_client=GeneratedClient(base_url="", raise_on_unexpected_status=True),
    error_parser=parse_error,
    error_base=PermanadError,
)


_KNOWN_STATUSES = frozenset(OrderStatus)
_unknown_seen: set[str] = set()
_log = get_logger("nordfin.permanad")


def is_final(order: Order) -> bool:
    """Whether ``order`` has reached a final status (see ``FINAL_STATUSES``). A status the spec
    does not list (the list is a guess) is taken as not decided yet, and logged once."""
    if order.status not in _KNOWN_STATUSES and str(order.status) not in _unknown_seen:
        _unknown_seen.add(str(order.status))
        _log.warning(
            "permanad order status %r is not in the spec: taken as not decided yet", str(order.status)
        )
    return order.status in FINAL_STATUSES


def _explained(error: WaitTimeout) -> WaitTimeout:
    """``error``, saying so when the order's last status was one the spec does not list."""
    status = getattr(error.last, "status", None)
    if status is None or status in _KNOWN_STATUSES:
        return error
    return WaitTimeout(
        f"{error}: its last status {str(status)!r} is not in the spec, so it was taken as not decided yet",
        error.last,
    )


class Plans:
    """Each call described once, for the sync and the async client alike."""

    @staticmethod
    def calculate(price: int) -> Plan[list[MonthlyAmount]]:
        body = CalculateRequest(price=check_cents("price", price))
        return Plan(
            calculate_monthly_amount, CalculateResponse, {"body": body}, then=lambda r: r.data.monthly_amounts
        )

    @staticmethod
    def information() -> Plan[PartnerInformationResponseData]:
        return Plan(get_partner_information, PartnerInformationResponse, then=lambda r: r.data)

    @staticmethod
    def create(market: str, order: CreateOrderRequest, production: bool) -> Plan[Order]:
        body = check_order(market, order, production=production)
        return Plan(create_order, OrderResponse, {"body": body}, then=lambda r: r.data)

    @staticmethod
    def list(page: int, limit: int) -> Plan[OrderListResponseData]:
        check_type("page", page, int)
        check_type("limit", limit, int)
        return Plan(list_orders, OrderListResponse, {"page": page, "limit": limit}, then=lambda r: r.data)

    @staticmethod
    def get(public_id: str) -> Plan[Order]:
        check_path_id("public_id", public_id)
        return Plan(get_order, OrderResponse, {"public_id": public_id}, then=lambda r: r.data)

    @staticmethod
    def update(public_id: str, internal_order_id: str) -> Plan[Order]:
        check_path_id("public_id", public_id)
        body = UpdateOrderRequest(internal_order_id=internal_order_id)
        return Plan(
            update_order, OrderResponse, {"public_id": public_id, "body": body}, then=lambda r: r.data
        )


def _next_page(data: OrderListResponseData, page: int) -> int | None:
    return page + 1 if data.orders and page < data.pagination.total_pages else None


class _Markets:
    """The sessions of one client, one per market key, and the market a call without one uses."""

    def __init__(self, sessions: Mapping[str, Any], default: str | None, production: bool) -> None:
        self.sessions = dict(sessions)
        self.default = default
        self.production = production

    def choose(self, market: str | None) -> str:
        if market is None:
            if self.default is None:
                raise RequestValidationError("market", "give market= (the client holds several keys)")
            return self.default
        chosen = check_market(market)
        if chosen not in self.sessions:
            raise RequestValidationError("market", f"this client has no API key for {chosen}")
        return chosen


class Partner:
    """``client.partner``: the partner's information, tariffs and price calculation."""

    def __init__(self, markets: _Markets) -> None:
        self._markets = markets

    def _session(self, market: str | None) -> Session:
        session: Session = self._markets.sessions[self._markets.choose(market)]
        return session

    def information(self, *, market: str | None = None) -> PartnerInformationResponseData:
        """The partner (the key's owner) and its tariffs."""
        return self._session(market).run(Plans.information())

    def calculate(self, price: int, *, market: str | None = None) -> list[MonthlyAmount]:
        """The monthly amount of ``price`` (whole cents) for each leasing duration."""
        return self._session(market).run(Plans.calculate(price))


class AsyncPartner:
    """``client.partner`` of the ``AsyncClient``: the same calls, awaited."""

    def __init__(self, markets: _Markets) -> None:
        self._markets = markets

    def _session(self, market: str | None) -> AsyncSession:
        session: AsyncSession = self._markets.sessions[self._markets.choose(market)]
        return session

    async def information(self, *, market: str | None = None) -> PartnerInformationResponseData:
        """The partner (the key's owner) and its tariffs."""
        return await self._session(market).run(Plans.information())

    async def calculate(self, price: int, *, market: str | None = None) -> list[MonthlyAmount]:
        """The monthly amount of ``price`` (whole cents) for each leasing duration."""
        return await self._session(market).run(Plans.calculate(price))


class _Polling:
    """What both ``orders`` resources need for waiting: policy, gate, clock and sleep."""

    def __init__(self, markets: _Markets, policy: PollPolicy, clock: Callable[[], float], sleep: Any) -> None:
        self._markets = markets
        self._policy = policy
        self._clock = clock
        self._sleep = sleep
        # Per client: one order is never polled more than once a minute, whoever waits for it.
        self._gate = IntervalGate(policy.interval)

    def _policy_for(self, timeout: float | None) -> PollPolicy:
        if timeout is None:
            return self._policy
        check_type("timeout", timeout, (int, float))
        return PollPolicy(
            interval=self._policy.interval,
            backoff=self._policy.backoff,
            max_backoff=self._policy.max_backoff,
            timeout=float(timeout),
            max_failures=self._policy.max_failures,
            retry_on=self._policy.retry_on,
        )


class Orders(_Polling):
    """``client.orders``: create, list, read, update and wait for orders."""

    def _session(self, market: str | None) -> Session:
        session: Session = self._markets.sessions[self._markets.choose(market)]
        return session

    def create(self, order: CreateOrderRequest, *, market: str | None = None) -> Order:
        """Submit ``order`` for ``market``; checked first (identity numbers, cents, items...)."""
        chosen = self._markets.choose(market)
        return self._session(chosen).run(Plans.create(chosen, order, self._markets.production))

    def list(self, *, page: int = 1, limit: int = 50, market: str | None = None) -> OrderListResponseData:
        """One page of orders (``page`` >= 1, ``limit`` 1..100) with its pagination metadata."""
        return self._session(market).run(Plans.list(page, limit))

    def iterate(
        self, *, limit: int = 100, market: str | None = None
    ) -> Pager[OrderListResponseData, int, Order]:
        """Every order, lazily, page by page (``limit`` orders per request)."""
        session = self._session(market)
        return Pager(
            lambda page: session.run(Plans.list(page, limit)),
            first=1,
            items=lambda data: data.orders,
            next_cursor=_next_page,
        )

    def get(self, public_id: str, *, market: str | None = None) -> Order:
        """The order's details (poll with ``wait_for_decision``, not in a loop of your own)."""
        return self._session(market).run(Plans.get(public_id))

    def update(self, public_id: str, *, internal_order_id: str, market: str | None = None) -> Order:
        """Set your own internal order id on the order."""
        return self._session(market).run(Plans.update(public_id, internal_order_id))

    def wait_for_decision(
        self,
        public_id: str,
        *,
        market: str | None = None,
        timeout: float | None = None,
        cancel: Cancel | None = None,
    ) -> Order:
        """Poll the order (at most once a minute, backing off 1, 2, 4... minutes after failures)
        until its status is final (``FINAL_STATUSES``); return it. ``timeout`` seconds, then
        ``WaitTimeout``; set the ``cancel`` event (``threading.Event``) to stop with ``WaitCancelled``.
        """
        return self.wait_for_decisions([public_id], market=market, timeout=timeout, cancel=cancel)[public_id]

    def wait_for_decisions(
        self,
        public_ids: Iterable[str],
        *,
        market: str | None = None,
        timeout: float | None = None,
        cancel: Cancel | None = None,
    ) -> dict[str, Order]:
        """``wait_for_decision`` for several orders of one market at once: each order on its own
        once-a-minute schedule, all requests within the shared rate limit. Returns id -> order.
        """
        chosen = self._markets.choose(market)
        ids = [check_path_id("public_id", public_id) for public_id in public_ids]
        session = self._session(chosen)
        try:
            return poll_many(
                ids,
                lambda public_id: session.run(Plans.get(public_id)),
                is_final,
                policy=self._policy_for(timeout),
                gate=_KeyedGate(self._gate, chosen),
                clock=self._clock,
                sleep=self._sleep or time.sleep,
                cancel=cancel,
            )
        except WaitTimeout as error:
            raise _explained(error) from None


class AsyncOrders(_Polling):
    """``client.orders`` of the ``AsyncClient``: the same calls, awaited."""

    def _session(self, market: str | None) -> AsyncSession:
        session: AsyncSession = self._markets.sessions[self._markets.choose(market)]
        return session

    async def create(self, order: CreateOrderRequest, *, market: str | None = None) -> Order:
        """Submit ``order`` for ``market``; checked first (identity numbers, cents, items...)."""
        chosen = self._markets.choose(market)
        return await self._session(chosen).run(Plans.create(chosen, order, self._markets.production))

    async def list(
        self, *, page: int = 1, limit: int = 50, market: str | None = None
    ) -> OrderListResponseData:
        """One page of orders (``page`` >= 1, ``limit`` 1..100) with its pagination metadata."""
        return await self._session(market).run(Plans.list(page, limit))

    def iterate(
        self, *, limit: int = 100, market: str | None = None
    ) -> AsyncPager[OrderListResponseData, int, Order]:
        """Every order, lazily, page by page (``limit`` orders per request)."""
        session = self._session(market)
        return AsyncPager(
            lambda page: session.run(Plans.list(page, limit)),
            first=1,
            items=lambda data: data.orders,
            next_cursor=_next_page,
        )

    async def get(self, public_id: str, *, market: str | None = None) -> Order:
        """The order's details (poll with ``wait_for_decision``, not in a loop of your own)."""
        return await self._session(market).run(Plans.get(public_id))

    async def update(self, public_id: str, *, internal_order_id: str, market: str | None = None) -> Order:
        """Set your own internal order id on the order."""
        return await self._session(market).run(Plans.update(public_id, internal_order_id))

    async def wait_for_decision(
        self,
        public_id: str,
        *,
        market: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  # on the client's clock, which may be a fake
        cancel: Cancel | None = None,
    ) -> Order:
        """Poll the order (at most once a minute, backing off 1, 2, 4... minutes after failures)
        until its status is final; return it. ``timeout`` seconds, then ``WaitTimeout``; cancel
        the task, or set ``cancel``, to stop.
        """
        chosen = self._markets.choose(market)
        check_path_id("public_id", public_id)
        session = self._session(chosen)
        sleep: Callable[[float], Awaitable[None]] = self._sleep or asyncio.sleep
        try:
            return await poll_async(
                (chosen, public_id),
                lambda: session.run(Plans.get(public_id)),
                is_final,
                policy=self._policy_for(timeout),
                gate=self._gate,
                clock=self._clock,
                sleep=sleep,
                cancel=cancel,
            )
        except WaitTimeout as error:
            raise _explained(error) from None

    async def wait_for_decisions(
        self,
        public_ids: Iterable[str],
        *,
        market: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  # on the client's clock, which may be a fake
        cancel: Cancel | None = None,
    ) -> dict[str, Order]:
        """``wait_for_decision`` for several orders at once (concurrently); returns id -> order."""
        ids = list(dict.fromkeys(public_ids))
        waits = [self.wait_for_decision(i, market=market, timeout=timeout, cancel=cancel) for i in ids]
        return dict(zip(ids, await asyncio.gather(*waits), strict=True))


class _KeyedGate(IntervalGate):
    """The client's gate seen by one market: keys become ``(market, public_id)``."""

    def __init__(self, inner: IntervalGate, market: str) -> None:
        super().__init__(inner.interval)
        self._inner = inner
        self._market = market

    def reserve(self, key: Any, now: float, not_before: float = float("-inf")) -> float:
        return self._inner.reserve((self._market, key), now, not_before)


def _keys(api_keys: Mapping[str, str], market: str | None) -> tuple[dict[str, BearerAuth], str | None]:
    """The bearer auth of each market's key (checked) and the market of calls without ``market=``."""
    if not isinstance(api_keys, Mapping) or not api_keys:
        raise RequestValidationError(
            "api_keys", f"give a mapping of market ({', '.join(MARKETS)}) to API key"
        )
    auths = {check_market(m): BearerAuth(check_header_value(f"api_keys.{m}", k)) for m, k in api_keys.items()}
    default = check_market(market) if market is not None else None
    if default is not None and default not in auths:
        raise RequestValidationError("market", f"this client has no API key for {default}")
    return auths, default or (next(iter(auths)) if len(auths) == 1 else None)


_CLIENT_DOC = """{kind} for the Permånad (LeaseCloud) Partner API.

    ``api_keys`` maps each market (``"SE"``, ``"DK"``, ``"NO"``, ``"FI"``) to its API key
    ("You need a separate API key for each market"); every call goes out with the key of its
    ``market=`` (optional when the client holds one key, or when ``market=`` is given here).
    A call for a market without a key is refused before anything is sent. Settings:

    - ``environment``: ``"production"`` or ``"sandbox"``, or ``base_url=`` for another host;
      ``statusTrigger`` (testing only) is refused when the client targets production;
    - ``rate_limit``: keep under "100 requests per 5 minutes per IP" with one limiter shared by
      every Permånad client and market of the process (default on); ``False``, or your own ``RateLimiter``;
    - ``poll_policy``: how ``orders.wait_for_decision`` polls (default: once a minute per order,
      backoff 1, 2, 4... minutes after failures);
    - ``timeout``, ``retry`` (reads are retried, a create never twice), ``strict``, ``cert``;
    - ``transport``: e.g. ``nordfin.testing.permanad.FakePermanad()`` in tests;
    - ``clock`` and ``sleep``: how time passes for polling and waits (tests pass a fake clock).
    """


class _PermanadClient(ClientSetup):
    """The constructor both Permånad clients share; see ``Client``."""

    _partner: type[Partner] | type[AsyncPartner]
    _orders: type[Orders] | type[AsyncOrders]

    def __init__(
        self,
        *,
        api_keys: Mapping[str, str],
        market: str | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: bool | RateLimiter = True,
        poll_policy: PollPolicy = POLL_POLICY,
        strict: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        cert: ClientCert | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Any = None,
    ) -> None:
        auths, default = _keys(api_keys, market)
        url = resolve_base_url(ENVIRONMENTS, environment, base_url)
        settings = Options(
            base_url=url,
            limiter=QUOTA.choose(rate_limit, _LIMITER_KEY),
            timeout=timeout,
            # A slot of the 5-minute window may be up to 300 s away: wait for it rather than fail.
            retry=retry or RetryPolicy(max_wait=QUOTA.period),
            strict=strict,
            transport=transport,
            cert=cert,
            sleep=sleep,
        )
        sessions = {m: self._connect(PROFILE, auth, settings) for m, auth in auths.items()}
        self._all_sessions = list(sessions.values())
        markets = _Markets(sessions, default, production=url == ENVIRONMENTS["production"])
        self.markets = tuple(sessions)
        self.partner = self._partner(markets)
        self.orders = self._orders(markets, poll_policy, clock, sleep)


class Client(ClientBase, _PermanadClient):
    __doc__ = _CLIENT_DOC.format(kind="Synchronous client")
    _partner = Partner
    _orders = Orders
    partner: Partner
    orders: Orders

    def close(self) -> None:
        """Close the connections of every market; the client cannot be used afterwards."""
        for session in self._all_sessions:
            session.close()


class AsyncClient(AsyncClientBase, _PermanadClient):
    __doc__ = _CLIENT_DOC.format(kind="Asynchronous client")
    _partner = AsyncPartner
    _orders = AsyncOrders
    partner: AsyncPartner
    orders: AsyncOrders

    async def aclose(self) -> None:
        """Close the connections of every market; the client cannot be used afterwards."""
        for session in self._all_sessions:
            await session.aclose()
