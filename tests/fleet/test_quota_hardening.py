"""Quotas held against hostile answers and busy test suites (issue 13, "Settings and quotas")."""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from nordfin import errors, goto, permanad
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.retry import RetryPolicy, credential_scope
from nordfin.testing.goto import FakeGoto
from nordfin.testing.permanad import FakeClock, FakePermanad

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "permanad"))
from _orders import order


def goto_answering(status: int, headers: dict[str, str], calls: list[float] | None = None) -> goto.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, headers=headers, json={"errorCode": 900429, "errorMessage": "slow down"}
        )

    return goto.Client(
        store="s",
        api_key="k",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy.none(),
        sleep=lambda s: None,
    )


def test_a_503_with_retry_after_carries_it_on_the_error() -> None:
    with goto_answering(503, {"Retry-After": "3600"}) as client, pytest.raises(errors.ServerError) as raised:
        client.payment_terms.list()
    assert raised.value.retry_after == 3600.0


def test_an_error_without_retry_after_has_none() -> None:
    with goto_answering(500, {}) as client, pytest.raises(errors.ServerError) as raised:
        client.payment_terms.list()
    assert raised.value.retry_after is None


def test_a_400_digit_retry_after_raises_rate_limited_and_pauses_only_max_wait() -> None:
    with (
        goto_answering(429, {"Retry-After": "9" * 400}) as client,
        pytest.raises(errors.RateLimited) as raised,
    ):
        client.payment_terms.list()
    assert raised.value.retry_after == 86_400.0  # finite: a caller may sleep on it
    limiter = RateLimiter.shared("goto:capi.lagerkoll.com", 200, 60.0)
    slept: list[float] = []
    same_key = httpx.Request("GET", "https://capi.lagerkoll.com/v1", headers={"store": "s", "api_key": "k"})
    limiter.acquire(scope=credential_scope(same_key), sleep=slept.append)
    (wait,) = slept
    assert 0 < wait <= RetryPolicy().max_wait  # the key resumes within a minute


def test_a_pause_of_one_quota_key_does_not_stop_another() -> None:
    clock = FakeClock()
    first = RateLimiter(10, 1.0, clock=clock)
    other = RateLimiter(10, 1.0, clock=clock)
    first.pause(30.0)
    assert (first.reserve(), other.reserve()) == (30.0, 0.0)


@pytest.mark.parametrize("test_number", range(3))
def test_readme_pattern_fake_never_waits_for_earlier_tests(test_number: int) -> None:
    # Three "tests" of 90 calls each: 270 > 200 a minute, so one process-wide limiter would wait.
    RateLimiter.shared("goto:capi.lagerkoll.com", 200, 60.0)  # as left by earlier tests of the suite
    slept: list[float] = []
    for _ in range(3):
        fake = FakeGoto()
        with goto.Client(
            store=fake.store, api_key=fake.api_key, transport=fake, sleep=slept.append
        ) as client:
            for _ in range(90):
                client.payment_terms.list()
    assert slept == []


def test_fake_client_helper_never_waits_for_other_fakes() -> None:
    # 450 calls in all: one process-wide limiter would refuse (RateLimited) after 400 in a minute.
    for _ in range(3):
        fake = FakeGoto()
        with fake.client() as client:
            for _ in range(150):
                client.payment_terms.list()
        assert len(fake.requests) == 150


def test_a_fakes_clients_share_one_limiter_as_production_clients_do() -> None:
    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    clients = [fake.client(("SE",), sleep=clock.sleep) for _ in range(4)]
    for client in clients:
        for _ in range(30):  # 120 requests: over the 100 per 5 minutes of one IP
            client.partner.information()
    for client in clients:
        client.close()
    assert fake.too_many == 0  # the 101st waited on the fake's clock instead of drawing a 429
    assert clock() >= 300.0


def test_a_users_own_limiter_is_kept_with_a_fake() -> None:
    fake = FakeGoto()
    mine = RateLimiter(1000, 1.0)
    with goto.Client(store=fake.store, api_key=fake.api_key, transport=fake, rate_limit=mine) as client:
        assert client._session.http._transport._limiter is mine  # type: ignore[attr-defined]


def failing_gets(
    fake: FakePermanad, clock: FakeClock, failures: int, gets: list[float]
) -> httpx.MockTransport:
    """The first ``failures`` GETs answer 500 (their times noted in ``gets``); the rest reach the fake."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            gets.append(clock())
            if len(gets) <= failures:
                return httpx.Response(500, json={"error": {"code": "InternalServerError", "message": "down"}})
        return fake.handle_request(request)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_500_while_polling_waits_the_vendors_minute_not_half_a_second(kind: str) -> None:
    import asyncio

    clock = FakeClock()
    fake = FakePermanad(clock=clock, decision_delay=600.0)
    gets: list[float] = []
    flaky = failing_gets(fake, clock, 2, gets)
    settings = {"api_keys": {"SE": fake.api_keys["SE"]}, "environment": "sandbox", "transport": flaky}
    if kind == "sync":
        with permanad.Client(**settings, clock=clock, sleep=clock.sleep) as client:  # default RetryPolicy
            created = client.orders.create(order())
            client.orders.wait_for_decision(created.public_id)
    else:

        async def main() -> None:
            async with permanad.AsyncClient(**settings, clock=clock, sleep=clock.asleep) as client:
                created = await client.orders.create(order())
                await client.orders.wait_for_decision(created.public_id)

        asyncio.run(clock.run(main()))
    gaps = [b - a for a, b in pairwise(gets)]
    assert min(gaps) >= 60.0  # never two GETs of the order within the vendor's minute
    assert gaps[:2] == [60.0, 120.0]


# --- a 429 pauses the credentials that drew it, never others ---------------------------------------


class KeyedGoto:
    """A Goto host answering 429 with ``Retry-After`` to the first request of ``throttled`` keys,
    an empty list of terms to anything else; it notes which key sent each request."""

    def __init__(self, retry_after: str, throttled: set[str]) -> None:
        self.retry_after, self.throttled = retry_after, set(throttled)
        self.keys: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["api_key"]
        self.keys.append(key)
        if key in self.throttled:
            self.throttled.discard(key)
            body = {"errorCode": 900429, "errorMessage": "Too many requests"}
            return httpx.Response(429, headers={"Retry-After": self.retry_after}, json=body)
        return httpx.Response(200, json={"paymentTerms": [], "since": 0})


def keyed_clients(
    host: KeyedGoto, rate_limit: bool | str, slept: list[float], *keys: str, asynchronous: bool = False
) -> list[Any]:
    """Goto clients of one host (so one quota, one window), each with its key and no retries; their
    sleeps are only noted (a pause shows as the wait it imposes)."""
    kind = goto.AsyncClient if asynchronous else goto.Client
    transport = httpx.MockTransport(host)
    settings: dict[str, Any] = {"transport": transport, "retry": RetryPolicy.none(), "rate_limit": rate_limit}
    if asynchronous:

        async def note(seconds: float) -> None:
            slept.append(seconds)

        settings["sleep"] = note
    else:
        settings["sleep"] = slept.append
    return [kind(store="s", api_key=key, **settings) for key in keys]


@pytest.fixture(params=["local", "redis"])
def rate_limit(request: pytest.FixtureRequest) -> bool | str:
    """The process's own Goto limiter, or the same quota shared through a real Redis."""
    return True if request.param == "local" else str(request.getfixturevalue("redis_url"))


def test_a_429_to_one_key_pauses_that_key_only(rate_limit: bool | str) -> None:
    host = KeyedGoto("30", {"key-A"})
    slept: list[float] = []
    a, b, a_again = keyed_clients(host, rate_limit, slept, "key-A", "key-B", "key-A")
    with pytest.raises(errors.RateLimited):
        a.payment_terms.list()
    b.payment_terms.list()
    assert slept == []  # B sent at once, on the same host and quota
    a_again.payment_terms.list()  # another client with A's key: held back as A is
    (wait,) = slept
    assert 25.0 < wait <= 30.0
    assert host.keys == ["key-A", "key-B", "key-A"]
    for client in (a, b, a_again):
        client.close()


def test_a_429_pause_of_a_key_never_exceeds_max_wait(rate_limit: bool | str) -> None:
    host = KeyedGoto("9" * 400, {"key-A"})
    slept: list[float] = []
    a, b = keyed_clients(host, rate_limit, slept, "key-A", "key-B")
    with pytest.raises(errors.RateLimited):
        a.payment_terms.list()
    b.payment_terms.list()
    a.payment_terms.list()
    (wait,) = slept
    assert 50.0 < wait <= RetryPolicy().max_wait  # a minute at most, never a day or forever
    for client in (a, b):
        client.close()


def test_a_429_to_one_key_pauses_that_key_only_async(rate_limit: bool | str) -> None:
    import asyncio

    host = KeyedGoto("30", {"key-A"})
    slept: list[float] = []

    async def main() -> None:
        a, b, a_again = keyed_clients(host, rate_limit, slept, "key-A", "key-B", "key-A", asynchronous=True)
        with pytest.raises(errors.RateLimited):
            await a.payment_terms.list()
        await b.payment_terms.list()
        assert slept == []
        await a_again.payment_terms.list()
        for client in (a, b, a_again):
            await client.aclose()

    asyncio.run(main())
    (wait,) = slept
    assert 25.0 < wait <= 30.0


def test_permanad_a_429_to_one_markets_key_leaves_the_other_market_sending(rate_limit: bool | str) -> None:
    # One quota per IP (one window for every market), but the pause belongs to the key that drew it.
    fake = FakePermanad()
    throttled = {fake.api_keys["SE"]}

    def answer(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        if token in throttled:
            throttled.discard(token)
            body = {"error": {"code": "TooManyRequests", "message": "slow down"}}
            return httpx.Response(429, headers={"Retry-After": "30"}, json=body)
        return fake.handle_request(request)

    slept: list[float] = []
    keys = {market: fake.api_keys[market] for market in ("SE", "DK")}
    with permanad.Client(
        api_keys=keys,
        environment="sandbox",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy.none(),
        rate_limit=rate_limit,
        sleep=slept.append,
    ) as client:
        with pytest.raises(errors.RateLimited):
            client.partner.information(market="SE")
        client.partner.information(market="DK")
        assert slept == []  # DK's key sent at once, through the same per-IP window
        client.partner.information(market="SE")
    (wait,) = slept
    assert 25.0 < wait <= 30.0
