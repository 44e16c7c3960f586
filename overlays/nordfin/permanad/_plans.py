"""Each Permånad call described once, and the constructor both clients share (see ``_async.py``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Unpack

from nordfin._core import aio
from nordfin._core.auth import BearerAuth
from nordfin._core.base import ClientSetup, Quota, resolve_base_url
from nordfin._core.checked import Checked
from nordfin._core.hosts import same_host
from nordfin._core.polling import (
    Cancel,
    IntervalGate,
    PollPolicy,
    WaitTimeout,
    poll_async,
    poll_many,
    polling_gate,
)
from nordfin._core.redact import get_logger
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Call, Session
from nordfin._core.settings import Settings, options
from nordfin._core.validate import check_header_value, check_path_id, check_type
from nordfin.errors import RequestValidationError
from nordfin.permanad._checks import MARKETS, check_cents, check_market, check_order
from nordfin.permanad.errors import PermanadError, parse_error
from nordfin_generated.permanad import models
from nordfin_generated.permanad.api.orders import create_order, get_order, list_orders, update_order
from nordfin_generated.permanad.api.partner import calculate_monthly_amount, get_partner_information

__all__ = [
    "CLIENT_DOC",
    "ENVIRONMENTS",
    "FINAL_STATUSES",
    "POLL_POLICY",
    "PROFILE",
    "QUOTA",
    "Calls",
    "Markets",
    "PermanadSetup",
    "Polling",
    "is_final",
    "next_page",
]


# environment name -> URL: the spec's servers (correct them there first), written here so that
# importing the client reads no spec; tests/perf/test_imports.py checks that the two agree.
ENVIRONMENTS = {
    "production": "https://partner-api.permanad.se/v1",
    "sandbox": "https://partner-api.sandbox.permanad.se/v1",
}
# "100 requests per 5 minutes per IP": one limiter for every client, market and host of the process.
QUOTA = Quota(limit=100, period=300.0)
_LIMITER_KEY = "permanad"
# "Limit polling to once every 1 minutes per order"; on failure "wait 1 minute, then 2 minutes, etc."
POLL_POLICY = PollPolicy(interval=60.0, backoff=60.0, max_backoff=1920.0)
#: Statuses after which an order does not change without the partner acting.
FINAL_STATUSES = frozenset(
    {
        models.OrderStatus.READY_TO_SHIP,
        models.OrderStatus.ACTIVE,
        models.OrderStatus.DECLINED,
        models.OrderStatus.CANCELLED,
    }
)

PROFILE = ApiProfile(
    slug="permanad",
    error_parser=parse_error,
    error_base=PermanadError,
)


_KNOWN_STATUSES = frozenset(models.OrderStatus)
_unknown_seen: set[str] = set()
_log = get_logger("nordfin.permanad")


def is_final(order: models.Order) -> bool:
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


class Calls:
    """Each call described once, for the sync and the async client alike."""

    @staticmethod
    def calculate(price: int) -> Call[list[models.MonthlyAmount]]:
        body = models.CalculateRequest(price=check_cents("price", price))
        return Call(
            calculate_monthly_amount,
            models.CalculateResponse,
            {"body": body},
            then=lambda r: r.data.monthly_amounts,
        )

    @staticmethod
    def information() -> Call[models.PartnerInformationResponseData]:
        return Call(get_partner_information, models.PartnerInformationResponse, then=lambda r: r.data)

    @staticmethod
    def create(market: str, order: models.CreateOrderRequest, production: bool) -> Call[models.Order]:
        body = check_order(market, order, production=production)
        return Call(create_order, models.OrderResponse, {"body": body}, then=lambda r: r.data)

    @staticmethod
    def list(page: int, limit: int) -> Call[models.OrderListResponseData]:
        check_type("page", page, int)
        check_type("limit", limit, int)
        return Call(
            list_orders, models.OrderListResponse, {"page": page, "limit": limit}, then=lambda r: r.data
        )

    @staticmethod
    def get(public_id: str) -> Call[models.Order]:
        check_path_id("public_id", public_id)
        return Call(get_order, models.OrderResponse, {"public_id": public_id}, then=lambda r: r.data)

    @staticmethod
    def update(public_id: str, internal_order_id: str) -> Call[models.Order]:
        check_path_id("public_id", public_id)
        body = models.UpdateOrderRequest(internal_order_id=internal_order_id)
        return Call(
            update_order, models.OrderResponse, {"public_id": public_id, "body": body}, then=lambda r: r.data
        )


def next_page(data: models.OrderListResponseData, page: int) -> int | None:
    return page + 1 if data.orders and page < data.pagination.total_pages else None


class Markets:
    """The sessions of one client, one per market key, the market a call without one uses, and
    how the client polls (``poll_policy``, ``clock``, ``sleep``)."""

    def __init__(
        self,
        sessions: Mapping[str, Any],
        default: str | None,
        production: bool,
        polling: tuple[PollPolicy, Callable[[], float], Any] = (POLL_POLICY, time.monotonic, None),
        gate: IntervalGate | None = None,
    ) -> None:
        self.sessions = dict(sessions)
        self.gate = gate
        self.default = default
        self.production = production
        self.policy, self.clock, self.sleep = polling

    def choose(self, market: str | None) -> str:
        if market is None:
            if self.default is None:
                raise RequestValidationError("market", "give market= (the client holds several keys)")
            return self.default
        chosen = check_market(market)
        if chosen not in self.sessions:
            raise RequestValidationError("market", f"this client has no API key for {chosen}")
        return chosen


class Polling(Checked):
    """What both ``orders`` resources need for waiting: policy, gate, clock and sleep."""

    def __init__(self, markets: Markets) -> None:
        self._markets = markets
        self._policy = markets.policy
        self._clock = markets.clock
        self._sleep = markets.sleep
        # Per client (per fleet with a shared rate limit): an order is polled at most once a minute.
        self._gate = markets.gate or IntervalGate(markets.policy.interval)

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

    def _wait_all(
        self, market: str, ids: Sequence[str], timeout: float | None, cancel: Cancel | None
    ) -> dict[str, models.Order]:
        """Every order on its own once-a-minute schedule, one after another within the shared limit."""
        session: Session = self._markets.sessions[market]
        try:
            return poll_many(
                ids,
                lambda public_id: session.run(Calls.get(public_id)),
                is_final,
                policy=self._policy_for(timeout),
                gate=_KeyedGate(self._gate, market),
                clock=self._clock,
                sleep=self._sleep or time.sleep,
                cancel=cancel,
            )
        except WaitTimeout as error:
            raise _explained(error) from None

    async def _wait_all_async(
        self,
        market: str,
        ids: Sequence[str],
        timeout: float | None,  # noqa: ASYNC109  # on the client's clock, which may be a fake
        cancel: Cancel | None,
    ) -> dict[str, models.Order]:
        """``_wait_all`` for the ``AsyncClient``: the orders are awaited concurrently."""
        session: AsyncSession = self._markets.sessions[market]
        sleep: Callable[[float], Awaitable[None]] = self._sleep or aio.sleep

        def wait(public_id: str) -> Awaitable[models.Order]:
            return poll_async(
                (market, public_id),
                lambda: session.run(Calls.get(public_id)),
                is_final,
                policy=self._policy_for(timeout),
                gate=self._gate,
                clock=self._clock,
                sleep=sleep,
                cancel=cancel,
            )

        import asyncio  # only async clients load it (import nordfin.permanad stays light)

        try:
            return dict(zip(ids, await asyncio.gather(*map(wait, ids)), strict=True))
        except WaitTimeout as error:
            raise _explained(error) from None


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


CLIENT_DOC = """{kind} for the Permånad (LeaseCloud) Partner API.

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


class PermanadSetup(ClientSetup):
    """The constructor both Permånad clients share; see ``Client``."""

    def __init__(
        self,
        *,
        api_keys: Mapping[str, str],
        market: str | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        poll_policy: PollPolicy = POLL_POLICY,
        clock: Callable[[], float] = time.monotonic,
        **settings: Unpack[Settings],
    ) -> None:
        auths, default = _keys(api_keys, market)
        url = resolve_base_url(ENVIRONMENTS, environment, base_url)
        # A slot of the 5-minute window may be up to 300 s away: wait for it rather than fail.
        chosen = options(
            settings,
            base_url=url,
            quota=QUOTA,
            limiter_key=_LIMITER_KEY,
            retry=RetryPolicy(max_wait=QUOTA.period),
        )
        sessions = {m: self._connect(PROFILE, auth, chosen) for m, auth in auths.items()}
        self._all_sessions = list(sessions.values())
        self.markets = tuple(sessions)
        polling = (poll_policy, clock, settings.get("sleep"))
        gate = polling_gate(poll_policy.interval, chosen.limiter, _LIMITER_KEY)
        # Hosts compared normalised (case, port, trailing dot, IDNA): no statusTrigger in production.
        production = same_host(url, ENVIRONMENTS["production"])
        self._attach(Markets(sessions, default, production, polling, gate))
