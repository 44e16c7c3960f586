"""``nordfin.goto.Client`` and ``AsyncClient``: Goto / Lagerkoll payment terms."""

from __future__ import annotations

from typing import Any

import httpx

from nordfin._core.auth import HeaderKeysAuth
from nordfin._core.base import AsyncClientBase, ClientBase, ClientSetup, Options, Quota, resolve_base_url
from nordfin._core.pagination import AsyncPager, Pager
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.retry import RetryPolicy
from nordfin._core.session import ApiProfile, AsyncSession, Plan, Session
from nordfin._core.transport import DEFAULT_TIMEOUT, ClientCert
from nordfin._core.validate import check_header_value, check_path_id, check_type
from nordfin.errors import NotFound, RequestValidationError, ResponseValidationError
from nordfin.goto.errors import CODES, GotoError, parse_error
from nordfin_generated.goto import Client as GeneratedClient
from nordfin_generated.goto.api.payment_terms import (
    create_payment_term,
    delete_payment_term,
    get_payment_term,
    list_payment_terms,
    update_payment_term,
)
from nordfin_generated.goto.models import (
    PaymentTerm,
    PaymentTermCreate,
    PaymentTermsResponse,
    PaymentTermUpdate,
)

__all__ = ["ENVIRONMENTS", "QUOTA", "AsyncClient", "AsyncPaymentTermsSync", "Client", "PaymentTermsSync"]

ENVIRONMENTS = {"production": "https://capi.lagerkoll.com/v1"}
# "MAX number of requests per minute is set to 200." Counted per host here (the vendor does not
# say per what), so every Goto client in the process shares one limiter.
QUOTA = Quota(limit=200, period=60.0)

PROFILE = ApiProfile(
    slug="goto",
    generated_client=GeneratedClient(base_url="", raise_on_unexpected_status=True),
    error_parser=parse_error,
    error_classes=CODES,
    error_base=GotoError,
)


def credentials(store: str, api_key: str | None, user_id: str | None, user_token: str | None) -> httpx.Auth:
    """The headers of one of Goto's two ways to authenticate, checked before anything is sent."""
    check_header_value("store", store)
    if api_key is not None and (user_id is not None or user_token is not None):
        raise RequestValidationError("api_key", "give either api_key or user_id and user_token, not both")
    if api_key is not None:
        return HeaderKeysAuth({"store": store, "api_key": check_header_value("api_key", api_key)})
    if user_id is None or user_token is None:
        raise RequestValidationError("api_key", "give api_key, or user_id together with user_token")
    return HeaderKeysAuth(
        {
            "store": store,
            "user_id": check_header_value("user_id", user_id),
            "user_token": check_header_value("user_token", user_token),
        }
    )


def options(
    environment: str | None, base_url: str | None, rate_limit: bool | RateLimiter, **settings: Any
) -> Options:
    url = resolve_base_url(ENVIRONMENTS, environment, base_url)
    return Options(base_url=url, limiter=QUOTA.choose(rate_limit, f"goto:{httpx.URL(url).host}"), **settings)


class PaymentTermsPlans:
    """Each payment-terms call described once, for the sync and the async client alike."""

    @staticmethod
    def list(since: int) -> Plan[PaymentTermsResponse]:
        check_type("since", since, int)
        return Plan(list_payment_terms, PaymentTermsResponse, {"since": since})

    @staticmethod
    def get(term_id: str) -> Plan[PaymentTerm]:
        check_path_id("term_id", term_id, allow_slash=True)
        return Plan(
            get_payment_term,
            PaymentTermsResponse,
            {"term_id": term_id},
            slash_params=True,
            then=lambda answer: only_term(answer, term_id),
        )

    @staticmethod
    def create(code: str, description: str) -> Plan[PaymentTerm]:
        body = PaymentTermCreate(code=code, description=description)
        return Plan(create_payment_term, PaymentTerm, {"body": body})

    @staticmethod
    def update(term_id: str, description: str) -> Plan[PaymentTerm]:
        check_path_id("term_id", term_id, allow_slash=True)
        body = PaymentTermUpdate(description=description)
        return Plan(update_payment_term, PaymentTerm, {"term_id": term_id, "body": body}, slash_params=True)

    @staticmethod
    def delete(term_id: str) -> Plan[None]:
        check_path_id("term_id", term_id, allow_slash=True)
        return Plan(delete_payment_term, None, {"term_id": term_id}, slash_params=True)


def only_term(answer: PaymentTermsResponse, term_id: str) -> PaymentTerm:
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


class _Cursor:
    def __init__(self, since: int) -> None:
        check_type("since", since, int)
        self.since = since

    def _advance(self, answer: PaymentTermsResponse) -> list[PaymentTerm]:
        self.since = answer.since
        return list(answer.payment_terms)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(since={self.since})"


class PaymentTermsSync(_Cursor):
    """Incremental sync: each ``pull()`` returns the terms changed since the previous one.

    Keep ``since`` (for example in your database) and pass it back next time to resume. The
    cursor only moves after a successful answer, so a failed pull can simply be repeated.
    Goto does not document whether deletions are reported; nordfin's fake does not report them.
    """

    def __init__(self, session: Session, since: int = 0) -> None:
        super().__init__(since)
        self._session = session

    def pull(self) -> list[PaymentTerm]:
        """Fetch the terms changed since ``since`` and move the cursor."""
        return self._advance(self._session.run(PaymentTermsPlans.list(self.since)))


class AsyncPaymentTermsSync(_Cursor):
    """``PaymentTermsSync`` for the ``AsyncClient``: ``await sync.pull()``."""

    def __init__(self, session: AsyncSession, since: int = 0) -> None:
        super().__init__(since)
        self._session = session

    async def pull(self) -> list[PaymentTerm]:
        """Fetch the terms changed since ``since`` and move the cursor."""
        return self._advance(await self._session.run(PaymentTermsPlans.list(self.since)))


class PaymentTerms:
    """``client.payment_terms``: the store's payment terms."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def list(self, *, since: int = 0) -> PaymentTermsResponse:
        """All terms changed after ``since`` (0: every term) and the new cursor in ``.since``."""
        return self._session.run(PaymentTermsPlans.list(since))

    def iterate(self, *, since: int = 0) -> Pager[PaymentTermsResponse, int, PaymentTerm]:
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

    def get(self, term_id: str) -> PaymentTerm:
        """The term with this id (its code; may contain ``/``)."""
        return self._session.run(PaymentTermsPlans.get(term_id))

    def create(self, *, code: str, description: str) -> PaymentTerm:
        """Add a term. The code cannot be changed afterwards ("write only with POST")."""
        return self._session.run(PaymentTermsPlans.create(code, description))

    def update(self, term_id: str, *, description: str) -> PaymentTerm:
        """Change a term's description (the only field an update can change)."""
        return self._session.run(PaymentTermsPlans.update(term_id, description))

    def delete(self, term_id: str) -> None:
        """Delete a term."""
        self._session.run(PaymentTermsPlans.delete(term_id))


class AsyncPaymentTerms:
    """``client.payment_terms`` of the ``AsyncClient``: the same calls, awaited."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(self, *, since: int = 0) -> PaymentTermsResponse:
        """All terms changed after ``since`` (0: every term) and the new cursor in ``.since``."""
        return await self._session.run(PaymentTermsPlans.list(since))

    def iterate(self, *, since: int = 0) -> AsyncPager[PaymentTermsResponse, int, PaymentTerm]:
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

    async def get(self, term_id: str) -> PaymentTerm:
        """The term with this id (its code; may contain ``/``)."""
        return await self._session.run(PaymentTermsPlans.get(term_id))

    async def create(self, *, code: str, description: str) -> PaymentTerm:
        """Add a term. The code cannot be changed afterwards ("write only with POST")."""
        return await self._session.run(PaymentTermsPlans.create(code, description))

    async def update(self, term_id: str, *, description: str) -> PaymentTerm:
        """Change a term's description (the only field an update can change)."""
        return await self._session.run(PaymentTermsPlans.update(term_id, description))

    async def delete(self, term_id: str) -> None:
        """Delete a term."""
        await self._session.run(PaymentTermsPlans.delete(term_id))


_CLIENT_DOC = """{kind} for Goto's Payment terms API (one store).

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


class _GotoClient(ClientSetup):
    """The constructor both Goto clients share; see ``Client``."""

    _resources: type[PaymentTerms] | type[AsyncPaymentTerms]

    def __init__(
        self,
        *,
        store: str,
        api_key: str | None = None,
        user_id: str | None = None,
        user_token: str | None = None,
        environment: str | None = None,
        base_url: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        rate_limit: bool | RateLimiter = True,
        strict: bool = False,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        cert: ClientCert | None = None,
        sleep: Any = None,
    ) -> None:
        auth = credentials(store, api_key, user_id, user_token)
        settings = options(
            environment,
            base_url,
            rate_limit,
            timeout=timeout,
            retry=RetryPolicy() if retry is None else retry,
            strict=strict,
            transport=transport,
            cert=cert,
            sleep=sleep,
        )
        self.payment_terms = self._resources(self._connect(PROFILE, auth, settings))


class Client(ClientBase, _GotoClient):
    __doc__ = _CLIENT_DOC.format(kind="Synchronous client")
    _resources = PaymentTerms
    payment_terms: PaymentTerms


class AsyncClient(AsyncClientBase, _GotoClient):
    __doc__ = _CLIENT_DOC.format(kind="Asynchronous client")
    _resources = AsyncPaymentTerms
    payment_terms: AsyncPaymentTerms
