# Derived from _async.py by scripts/unasync.py (nox -s generate): edit _async.py, never this file.
"""Goto's client and its resources, written once (each call is described in ``_plans.py``)."""

from __future__ import annotations

from nordfin._core.base import ClientBase
from nordfin._core.checked import Checked
from nordfin._core.pagination import Pager
from nordfin._core.session import Session
from nordfin.goto import models
from nordfin.goto._plans import CLIENT_DOC, Cursor, GotoSetup, PaymentTermsCalls

__all__ = ["Client", "PaymentTerms", "PaymentTermsSync"]


class PaymentTermsSync(Cursor, Checked):
    """Incremental sync: each ``pull()`` returns the terms changed since the previous one.

    Keep ``since`` (for example in your database) and pass it back next time to resume. The
    cursor only moves after a successful answer, so a failed pull can simply be repeated.
    Goto does not document whether deletions are reported; nordfin's fake does not report them.
    """

    def __init__(self, session: Session, since: int = 0) -> None:
        self._session = session
        self.since = since

    def pull(self) -> list[models.PaymentTerm]:
        """Fetch the terms changed since ``since`` and move the cursor."""
        return self._advance(self._session.run(PaymentTermsCalls.list(self.since)))


class PaymentTerms(Checked):
    """``client.payment_terms``: the store's payment terms."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def list(self, *, since: int = 0) -> models.PaymentTermsResponse:
        """All terms changed after ``since`` (0: every term) and the new cursor in ``.since``."""
        return self._session.run(PaymentTermsCalls.list(since))

    def iterate(self, *, since: int = 0) -> Pager[models.PaymentTermsResponse, int, models.PaymentTerm]:
        """The terms one by one, lazily (Goto answers the whole list in one page)."""
        return Pager(
            lambda cursor: self.list(since=cursor),
            first=since,
            items=lambda page: page.payment_terms,
            next_cursor=lambda page, cursor: None,
        )

    def sync(self, *, since: int = 0) -> PaymentTermsSync:
        """An incremental-sync helper that keeps the ``since`` cursor between pulls."""
        return PaymentTermsSync(self._session, since)

    def get(self, term_id: str) -> models.PaymentTerm:
        """The term with this id (its code; may contain ``/``)."""
        return self._session.run(PaymentTermsCalls.get(term_id))

    def create(self, *, code: str, description: str) -> models.PaymentTerm:
        """Add a term. The code cannot be changed afterwards ("write only with POST")."""
        return self._session.run(PaymentTermsCalls.create(code, description))

    def update(self, term_id: str, *, description: str) -> models.PaymentTerm:
        """Change a term's description (the only field an update can change)."""
        return self._session.run(PaymentTermsCalls.update(term_id, description))

    def delete(self, term_id: str) -> None:
        """Delete a term."""
        self._session.run(PaymentTermsCalls.delete(term_id))


class Client(ClientBase, GotoSetup):
    __doc__ = CLIENT_DOC.format(kind="Synchronous client")

    def _attach(self, session: Session) -> None:
        self.payment_terms = PaymentTerms(session)
