"""Guarantee (issue 13, "Quotas"), for all five APIs: a server's ``Retry-After`` is clamped.

Whatever a 429 or 503 answer to a read carries (0 to 400 digits of seconds, negative, not a number,
an HTTP date past or far ahead), the call ends without a real sleep, every sleep is at most
``RetryPolicy.max_wait`` (plus the limiter's margin), the error is ``RateLimited``/``ServerError``
with ``retry_after`` the value read (at most a day) whenever it was readable, the limiter is paused
at most ``max_wait`` and only for the credentials that drew the 429: a client with other credentials
on the same limiter sends at once, one with the same waits. And a fake's clients never wait on the
production limiter, however many calls a test suite makes."""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin import errors, permanad
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.retry import MAX_RETRY_AFTER, RetryPolicy, credential_scope, parse_retry_after
from nordfin.testing.aptic import FakeAptic
from nordfin.testing.goto import FakeGoto
from nordfin.testing.payex import FakePayex
from nordfin.testing.payfunc import FakePayFunc
from nordfin.testing.permanad import FakeClock, FakePermanad
from tests.hardening._five import SLUGS, build
from tests.permanad._orders import order

LIMITER_MARGIN = 1.0  # RateLimiter(1000, 60.0): default_margin is 1 s
EPS = 1e-6  # the fake clock adds and subtracts floats


def http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


RETRY_AFTER = st.one_of(
    st.integers(0, 10**6).map(str),
    st.floats(0, 10**6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.integers(10**20, 10**400).map(str),
    st.just("9" * 400),
    st.integers(-(10**6), -1).map(str),
    st.text(min_size=1, max_size=20).filter(lambda t: t.isprintable() and t.isascii()),
    st.sampled_from(["soon", "1e9", "inf", "NaN", "0x10", " ", "3600s"]),
    st.integers(-(10**7), 10**7).map(http_date),
)


class Host:
    """Answers every API call with ``status`` and ``Retry-After`` (None: no header; a test may change both);
    token requests get a token derived from the client's credentials (so one secret, one token)."""

    def __init__(self, status: int, retry_after: str | None) -> None:
        self.status, self.retry_after = status, retry_after
        self.api_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.rstrip("/").lower().endswith("token"):
            who = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()[:24]
            return httpx.Response(200, json={"access_token": f"t{who}", "expires_in": 3600})
        self.api_requests.append(request)
        headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
        body = {"errorCode": 900429, "errorMessage": "busy", "error": "busy", "message": "busy"}
        return httpx.Response(self.status, headers=headers, json=body)


#: Each API's own default differs (Permånad waits up to its 5-minute window): the policy is drawn.
POLICIES = st.floats(0.5, 600.0).map(lambda wait: RetryPolicy(max_wait=wait))


class Slept:
    """A fake clock whose sleep only moves it, noting every wait; none exceeds what ``policy``
    allows (its ``max_wait`` plus the limiter's margin)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert 0 <= seconds <= self.policy.max_wait + LIMITER_MARGIN + EPS  # never a day, never forever
        self.waits.append(seconds)
        self.now += seconds


def read(
    slug: str, key: str, host: Host, clock: Slept, limiter: RateLimiter
) -> tuple[Any, Callable[[], Any]]:
    """A client of ``slug`` with credentials from ``key`` and a read of it (PayFunc: accounts.list)."""
    secrets = {"key": key, "token": "a.b.c", "client_secret": f"s-{key}", "access": "unused"}
    settings: dict[str, Any] = {
        "transport": httpx.MockTransport(host),
        "sleep": clock.sleep,
        "retry": clock.policy,
        "rate_limit": limiter,
    }
    client, call = build(slug, secrets, **settings)
    return (client, client.accounts.list) if slug == "payfunc" else (client, call)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("slug", SLUGS)
@given(value=RETRY_AFTER, policy=POLICIES)
def test_a_retry_after_is_clamped_and_carried(
    slug: str, status: int, value: str, policy: RetryPolicy
) -> None:
    clock, host = Slept(policy), Host(status, value)
    limiter = RateLimiter(1000, 60.0, clock=clock)
    client, call = read(slug, "key-A1", host, clock, limiter)
    with client, pytest.raises(errors.ApiError) as raised:
        call()
    error = raised.value
    assert isinstance(error, errors.RateLimited if status == 429 else errors.ServerError)
    # (a) it ended: each sleep was checked as it came, and there is one wait per attempt at most
    # (a retry's delay, or the limiter's pause for these credentials)
    assert len(host.api_requests) <= policy.max_attempts
    assert sum(clock.waits) <= policy.max_attempts * (policy.max_wait + LIMITER_MARGIN + EPS)
    readable = parse_retry_after(value)
    if readable is None:
        assert error.retry_after is None
    else:  # (b) carried, clamped to a day; a date is read against the wall clock: allow its drift
        assert error.retry_after is not None
        assert 0 <= error.retry_after <= MAX_RETRY_AFTER
        assert abs(error.retry_after - readable) <= 5.0
    # (c) the pause these credentials sit out: at most max_wait, and only a 429's
    scope = credential_scope(host.api_requests[-1])
    waits: list[float] = []
    limiter.acquire(scope=scope, sleep=waits.append)
    pause = sum(waits)
    assert pause <= policy.max_wait + EPS
    if status == 503 or readable is None:
        assert pause == 0
    else:  # a date is read against the wall clock again on each attempt: allow its drift
        assert pause == pytest.approx(min(readable, policy.max_wait), abs=5.0)
    assert limiter.reserve() == 0.0  # everyone else: never paused


@pytest.mark.parametrize("slug", SLUGS)
@given(
    value=st.one_of(st.integers(1, 10**6).map(str), st.integers(10**20, 10**400).map(str)), policy=POLICIES
)
def test_a_429_pauses_only_its_own_credentials(slug: str, value: str, policy: RetryPolicy) -> None:
    clock, host = Slept(policy), Host(429, value)
    limiter = RateLimiter(1000, 60.0, clock=clock)
    first, call = read(slug, "key-A1", host, clock, limiter)
    with first, pytest.raises(errors.RateLimited):
        call()
    host.status, host.retry_after = 404, None
    clock.waits.clear()
    other, call = read(slug, "key-B2", host, clock, limiter)
    with other, pytest.raises(errors.ApiError):
        call()
    assert clock.waits == []  # (d) other credentials, same limiter: sent at once
    sent = len(host.api_requests)
    same, call = read(slug, "key-A1", host, clock, limiter)
    with same, pytest.raises(errors.ApiError):
        call()
    assert len(host.api_requests) == sent + 1
    wait = sum(clock.waits)  # the same credentials sat out the pause first, and no more than max_wait
    assert 0 < wait <= policy.max_wait + EPS
    assert wait == pytest.approx(min(parse_retry_after(value) or 0, policy.max_wait), abs=1e-6)


def answered_404(call: Callable[[], Any]) -> None:
    """A read of a fresh fake with nothing to find: the fake answered, as the call counts."""
    with pytest.raises(errors.NotFound):
        call()


def fake_read(slug: str, waits: list[float]) -> tuple[Any, Callable[[], Any]]:
    """A client made by a fresh fake of ``slug``, and a read it answers."""
    if slug == "goto":
        client: Any = FakeGoto().client(sleep=waits.append)
        return client, client.payment_terms.list
    if slug == "payex":
        client = FakePayex().client(sleep=waits.append)
        return client, lambda: answered_404(lambda: client.surpluses.list("1001"))
    if slug == "payfunc":
        client = FakePayFunc().client(sleep=waits.append)
        return client, client.accounts.list
    if slug == "aptic":
        client = FakeAptic().client(sleep=waits.append)
        return client, client.customers.list
    client = FakePermanad(clock=FakeClock()).client(("SE",), sleep=waits.append)
    return client, client.partner.information


@pytest.mark.parametrize("slug", SLUGS)
def test_a_fakes_clients_never_wait_on_the_production_limiter(slug: str) -> None:
    """300 calls, in three fakes of 100 as three tests of a suite: over Goto's 200 a minute and
    Permånad's 100 per 5 minutes, so any wait on a process-wide limiter would show."""
    waits: list[float] = []
    for _ in range(3):
        client, call = fake_read(slug, waits)
        with client:
            for _ in range(100):
                call()
    assert waits == []


# --- polling: Permånad is the one API with a polling rule ("at most once a minute per order") ------

#: A failed read of the order, drawn as (status, Retry-After); status 0 is a refused connection.
FAILURE = st.one_of(
    st.just((500, None)),
    st.tuples(st.sampled_from([429, 503]), st.one_of(st.none(), RETRY_AFTER)),
    st.just((0, None)),
)


def failed(status: int, retry_after: str | None) -> httpx.Response:
    if status == 0:
        raise httpx.ConnectError("refused")
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(status, headers=headers, json={"error": {"code": "Busy", "message": "busy"}})


@given(failures=st.lists(st.one_of(st.none(), FAILURE), max_size=6), delay=st.floats(0.0, 900.0))
def test_polling_never_polls_an_order_faster_than_the_vendors_minute(
    failures: list[tuple[int, str | None] | None], delay: float
) -> None:
    """Whatever the order's reads answer (the fake's answer: None; a 500; a 429 or 503 with a drawn
    Retry-After; a refused connection), two reads of the order are a minute apart at least."""
    clock = FakeClock()
    fake = FakePermanad(clock=clock, decision_delay=delay)
    gets: list[float] = []
    answers = list(failures)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return fake.handle_request(request)
        gets.append(clock())
        failure = answers.pop(0) if answers else None
        return fake.handle_request(request) if failure is None else failed(*failure)

    settings: dict[str, Any] = {"api_keys": {"SE": fake.api_keys["SE"]}, "environment": "sandbox"}
    settings["rate_limit"] = RateLimiter(100, 300.0, clock=clock)  # the vendor's quota, on the fake clock
    client = permanad.Client(
        **settings, transport=httpx.MockTransport(answer), clock=clock, sleep=clock.sleep
    )
    with client, contextlib.suppress(errors.NordfinError):  # a failure may end the wait; it must end
        created = client.orders.create(order())
        client.orders.wait_for_decision(created.public_id, timeout=4 * 3600.0)
    assert all(later - earlier >= 60.0 for earlier, later in itertools.pairwise(gets))
