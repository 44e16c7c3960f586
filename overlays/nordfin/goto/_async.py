"""Goto's client and its resources, written once (each call is described in ``_plans.py``)."""

from __future__ import annotations

from nordfin._core.base import AsyncClientBase
from nordfin._core.checked import Checked
from nordfin._core.pagination import AsyncPager
from nordfin._core.session import AsyncSession
from nordfin.goto import models
from nordfin.goto._plans import CLIENT_DOC, Cursor, GotoSetup, PaymentTermsCalls

__all__ = ["AsyncClient", "AsyncPaymentTerms", "AsyncPaymentTermsSync"]


class AsyncPaymentTermsSync(Cursor, Checked):
    """Incremental sync: each ``pull()`` returns the terms changed since the previous one.

    Keep ``since`` (for example in your database) and pass it back next time to resume. The
    cursor only moves after a successful answer, so a failed pull can simply be repeated.
    Goto does not document whether deletions are reported; nordfin's fake does not report them.
    """

    def __init__(self, session: AsyncSession, since: int = 0) -> None:
        self._session = session
        self.since = since

    async def pull(self) -> list[models.PaymentTerm]:
        """Fetch the terms changed since ``since`` and move the cursor."""
        return self._advance(await self._session.run(PaymentTermsCalls.list(self.since)))


class AsyncPaymentTerms(Checked):
    """``client.payment_terms``: the store's payment terms."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(self, *, since: int = 0) -> models.PaymentTermsResponse:
        """All terms changed after ``since`` (0: every term) and the new cursor in ``.since``."""
        return await self._session.run(PaymentTermsCalls.list(since))

    def iterate(self, *, since: int = 0) -> AsyncPager[models.PaymentTermsResponse, int, models.PaymentTerm]:
        """The terms one by one, lazily (Goto answers the whole list in one page)."""
        return AsyncPager(
            lambda cursor: self.list(since=cursor),
            first=since,
            items=lambda page: page.payment_terms,
            next_cursor=lambda page, cursor: None,
        )

    def sync(self, *, since: int = 0) -> AsyncPaymentTermsSync:
        """An incremental-sync helper that keeps the ``since`` cursor between pulls."""
        return AsyncPaymentTermsSync(self._session, since)

    async def get(self, term_id: str) -> models.PaymentTerm:
        """The term with this id (its code; may contain ``/``)."""
        return await self._session.run(PaymentTermsCalls.get(term_id))

    async def create(self, *, code: str, description: str) -> models.PaymentTerm:
        """Add a term. The code cannot be changed afterwards ("write only with POST")."""
        return await self._session.run(PaymentTermsCalls.create(code, description))

    async def update(self, term_id: str, *, description: str) -> models.PaymentTerm:
        """Change a term's description (the only field an update can change)."""
        return await self._session.run(PaymentTermsCalls.update(term_id, description))

    async def delete(self, term_id: str) -> None:
        """Delete a term."""
        await self._session.run(PaymentTermsCalls.delete(term_id))


class AsyncClient(AsyncClientBase, GotoSetup):
    __doc__ = CLIENT_DOC.format(kind="Asynchronous client")

    def _attach(self, session: AsyncSession) -> None:
        self.payment_terms = AsyncPaymentTerms(session)
