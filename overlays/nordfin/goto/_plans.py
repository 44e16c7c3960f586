"""Each Goto call described once, and the constructor both clients share (see ``_async.py``)."""

from __future__ import annotations

from typing import Any, Unpack

import httpx

from nordfin._core.base import ClientSetup, Quota, resolve_base_url
from nordfin._core.session import ApiProfile, Call
from nordfin._core.settings import Settings, options
from nordfin._core.validate import check_path_id
from nordfin.errors import NotFound, ResponseValidationError
from nordfin.goto import models
from nordfin.goto._checks import credentials
from nordfin.goto.errors import CODES, GotoError, parse_error
from nordfin_generated.goto.api.payment_terms import (
    create_payment_term,
    delete_payment_term,
    get_payment_term,
    list_payment_terms,
    update_payment_term,
)

__all__ = ["CLIENT_DOC", "ENVIRONMENTS", "PROFILE", "QUOTA", "Cursor", "GotoSetup", "PaymentTermsCalls"]

ENVIRONMENTS = {"production": "https://capi.lagerkoll.com/v1"}
# "MAX number of requests per minute is set to 200." Counted per host here (the vendor does not
# say per what), so every Goto client in the process shares one limiter.
QUOTA = Quota(limit=200, period=60.0)

PROFILE = ApiProfile(
    slug="goto",
    error_parser=parse_error,
    error_classes=CODES,
    error_base=GotoError,
)


class PaymentTermsCalls:
    """Each payment-terms call described once, for the sync and the async client alike."""

    @staticmethod
    def list(since: int) -> Call[models.PaymentTermsResponse]:
        return Call(list_payment_terms, models.PaymentTermsResponse, {"since": since})

    @staticmethod
    def get(term_id: str) -> Call[models.PaymentTerm]:
        check_path_id("term_id", term_id, allow_slash=True)
        return Call(
            get_payment_term,
            models.PaymentTermsResponse,
            {"term_id": term_id},
            slash_params=True,
            then=lambda answer: only_term(answer, term_id),
        )

    @staticmethod
    def create(code: str, description: str) -> Call[models.PaymentTerm]:
        body = models.PaymentTermCreate(code=code, description=description)
        return Call(create_payment_term, models.PaymentTerm, {"body": body})

    @staticmethod
    def update(term_id: str, description: str) -> Call[models.PaymentTerm]:
        check_path_id("term_id", term_id, allow_slash=True)
        body = models.PaymentTermUpdate(description=description)
        return Call(
            update_payment_term, models.PaymentTerm, {"term_id": term_id, "body": body}, slash_params=True
        )

    @staticmethod
    def delete(term_id: str) -> Call[None]:
        check_path_id("term_id", term_id, allow_slash=True)
        return Call(delete_payment_term, None, {"term_id": term_id}, slash_params=True)


def only_term(answer: models.PaymentTermsResponse, term_id: str) -> models.PaymentTerm:
    """Getting one term answers with the list wrapper (the spec allows any number in it); take the
    one whose code is the id asked for: none is a ``NotFound``, several are the server's fault."""
    matching = [term for term in answer.payment_terms if term.code == term_id]
    if not matching:
        got = len(answer.payment_terms)
        raise NotFound(
            f"GET payment term answered 200 without a term of that code ({got} other terms)", status=200
        )
    if len(matching) > 1:
        problem = f"the answer holds {len(matching)} payment terms of the code asked for, not one"
        raise ResponseValidationError("get_payment_term", 200, [problem])
    return matching[0]


class Cursor:
    """The ``since`` cursor of an incremental sync; it moves only after a successful answer."""

    since: int

    def _advance(self, answer: models.PaymentTermsResponse) -> list[models.PaymentTerm]:
        if answer.since is not None:  # an answer without `since` (inferred member) keeps the cursor
            self.since = answer.since
        return list(answer.payment_terms)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(since={self.since})"


CLIENT_DOC = """{kind} for Goto's Payment terms API (one store).

    Authenticate with ``store`` and ``api_key`` (machine to machine), or with ``store``,
    ``user_id`` and ``user_token`` (from Goto's login request). Settings:

    - ``environment``: ``"production"`` (the only one Goto documents), or ``base_url=`` for another host;
    - ``timeout``: seconds or an ``httpx.Timeout`` (default 10 s connect, 30 s otherwise);
    - ``retry``: a ``RetryPolicy``; reads are retried, a create is never sent twice;
    - ``rate_limit``: keep under Goto's 200 requests a minute, shared by every Goto client of the
      process (default on); ``False`` for none, or a ``RateLimiter`` of your own;
    - ``strict``: validate every answer against the spec and raise ``ResponseValidationError``;
    - ``transport``: an httpx transport, e.g. ``nordfin.testing.goto.FakeGoto()`` in tests;
    - ``cert``: a client certificate (``ClientCert``), if your network needs one;
    - ``sleep``: how to wait between retries (tests pass a function that returns at once).
    """


class GotoSetup(ClientSetup):
    """The constructor both Goto clients share; see ``Client``."""

    def __init__(
        self,
        *,
        store: str,
        api_key: str | None = None,
        user_id: str | None = None,
        user_token: str | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        **settings: Unpack[Settings],
    ) -> None:
        auth = credentials(store, api_key, user_id, user_token)
        url = resolve_base_url(ENVIRONMENTS, environment, base_url)
        chosen = options(settings, base_url=url, quota=QUOTA, limiter_key=f"goto:{httpx.URL(url).host}")
        self._attach(self._connect(PROFILE, auth, chosen))

    def _attach(self, session: Any) -> None:
        raise NotImplementedError  # each client attaches its resources
