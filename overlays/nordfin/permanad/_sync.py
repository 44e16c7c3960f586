# Derived from _async.py by scripts/unasync.py (nox -s generate): edit _async.py, never this file.
"""Permånad's client and its resources, written once (each call is described in ``_plans.py``)."""

from __future__ import annotations

from collections.abc import Iterable

from nordfin._core.base import ClientBase
from nordfin._core.checked import Checked
from nordfin._core.pagination import Pager
from nordfin._core.polling import Cancel
from nordfin._core.session import Session
from nordfin._core.validate import check_path_id
from nordfin.permanad import models
from nordfin.permanad._plans import CLIENT_DOC, Calls, Markets, PermanadSetup, Polling, next_page

__all__ = ["Client", "Orders", "Partner"]


class Partner(Checked):
    """``client.partner``: the partner's information, tariffs and price calculation."""

    def __init__(self, markets: Markets) -> None:
        self._markets = markets

    def _session(self, market: str | None) -> Session:
        session: Session = self._markets.sessions[self._markets.choose(market)]
        return session

    def information(self, *, market: str | None = None) -> models.PartnerInformationResponseData:
        """The partner (the key's owner) and its tariffs."""
        return self._session(market).run(Calls.information())

    def calculate(self, price: int, *, market: str | None = None) -> list[models.MonthlyAmount]:
        """The monthly amount of ``price`` (whole cents) for each leasing duration."""
        return self._session(market).run(Calls.calculate(price))


class Orders(Polling):
    """``client.orders``: create, list, read, update and wait for orders."""

    def _session(self, market: str | None) -> Session:
        session: Session = self._markets.sessions[self._markets.choose(market)]
        return session

    def create(self, order: models.CreateOrderRequest, *, market: str | None = None) -> models.Order:
        """Submit ``order`` for ``market``; checked first (identity numbers, cents, items...)."""
        chosen = self._markets.choose(market)
        return self._session(chosen).run(Calls.create(chosen, order, self._markets.production))

    def list(
        self, *, page: int = 1, limit: int = 50, market: str | None = None
    ) -> models.OrderListResponseData:
        """One page of orders (``page`` >= 1, ``limit`` 1..100) with its pagination metadata."""
        return self._session(market).run(Calls.list(page, limit))

    def iterate(
        self, *, limit: int = 100, market: str | None = None
    ) -> Pager[models.OrderListResponseData, int, models.Order]:
        """Every order, lazily, page by page (``limit`` orders per request)."""
        session = self._session(market)
        return Pager(
            lambda page: session.run(Calls.list(page, limit)),
            first=1,
            items=lambda data: data.orders,
            next_cursor=next_page,
        )

    def get(self, public_id: str, *, market: str | None = None) -> models.Order:
        """The order's details (poll with ``wait_for_decision``, not in a loop of your own)."""
        return self._session(market).run(Calls.get(public_id))

    def update(
        self, public_id: str, *, internal_order_id: str, market: str | None = None
    ) -> models.Order:
        """Set your own internal order id on the order."""
        return self._session(market).run(Calls.update(public_id, internal_order_id))

    def wait_for_decision(
        self,
        public_id: str,
        *,
        market: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  # on the client's clock, which may be a fake
        cancel: Cancel | None = None,
    ) -> models.Order:
        """Poll the order (at most once a minute, backing off 1, 2, 4... minutes after failures)
        until its status is final (``FINAL_STATUSES``); return it. ``timeout`` seconds, then
        ``WaitTimeout``; set ``cancel`` (a ``threading.Event`` or ``asyncio.Event``), or cancel
        the task, to stop with ``WaitCancelled``.
        """
        found = self.wait_for_decisions([public_id], market=market, timeout=timeout, cancel=cancel)
        return found[public_id]

    def wait_for_decisions(
        self,
        public_ids: Iterable[str],
        *,
        market: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  # on the client's clock, which may be a fake
        cancel: Cancel | None = None,
    ) -> dict[str, models.Order]:
        """``wait_for_decision`` for several orders of one market at once: each order on its own
        once-a-minute schedule, all requests within the shared rate limit. Returns id -> order.
        """
        chosen = self._markets.choose(market)
        ids = list(dict.fromkeys(check_path_id("public_ids", public_id) for public_id in public_ids))
        return self._wait_all(chosen, ids, timeout, cancel)


class Client(ClientBase, PermanadSetup):
    __doc__ = CLIENT_DOC.format(kind="Synchronous client")

    def _attach(self, markets: Markets) -> None:
        self.partner = Partner(markets)
        self.orders = Orders(markets)

    def close(self) -> None:
        """Close the connections of every market; the client cannot be used afterwards."""
        for session in self._all_sessions:
            session.close()
