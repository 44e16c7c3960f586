from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nordfin._core.retry as retry_module
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.retry import (
    IDEMPOTENT_METHODS,
    AsyncRetryTransport,
    RetryPolicy,
    RetryTransport,
    backoff_delay,
    credential_scope,
    is_idempotent,
    parse_retry_after,
)
from nordfin.errors import RateLimited

URL = "https://api.example.com/v1/customers?token=s3cr3t&pnr=19900101-1234"
NOW = 1_700_000_000.0
NO_JITTER = 0.5  # rnd() == 0.5 puts the jitter factor at exactly 1

# An outcome of one attempt: a status, a status with headers, or a transport error class.
Error = type[httpx.TransportError]
Outcome = int | tuple[int, dict[str, str]] | Error


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that remembers whether it was read and closed."""

    def __init__(self) -> None:
        self.read = self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        self.read = True
        yield b"body"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.read = True
        yield b"body"

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


class Scripted(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers each attempt with the next outcome (the last one repeats); sends the body like a
    real transport would, so a one-shot body is used up."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []
        self.bodies: list[TrackedStream] = []
        self.closed = False

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, type):
            raise outcome("simulated", request=request)
        status, headers = outcome if isinstance(outcome, tuple) else (outcome, {})
        self.bodies.append(TrackedStream())
        return httpx.Response(status, headers=headers, stream=self.bodies[-1])

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in request.stream:  # type: ignore[union-attr]
            pass
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async for _ in request.stream:  # type: ignore[union-attr]
            pass
        return self._answer(request)

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


@attrs.define
class Harness:
    """Runs one request through RetryTransport or AsyncRetryTransport, the same way for both."""

    mode: str
    sleep: Any
    async_sleep: Any
    sleeps: list[float]
    inner: Scripted = attrs.field(factory=Scripted)

    def send(
        self,
        request: httpx.Request,
        *outcomes: Outcome,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> httpx.Response:
        self.inner = Scripted(*outcomes)
        policy = policy or RetryPolicy()
        kwargs: dict[str, Any] = {"policy": policy, "limiter": limiter, "rnd": lambda: NO_JITTER}
        if self.mode == "sync":
            return RetryTransport(self.inner, sleep=self.sleep, **kwargs).handle_request(request)
        transport = AsyncRetryTransport(self.inner, sleep=self.async_sleep, **kwargs)
        return asyncio.run(transport.handle_async_request(request))

    def one_shot_request(self, method: str) -> httpx.Request:
        """A request whose body is a generator: it cannot be sent twice."""
        if self.mode == "sync":
            return httpx.Request(method, URL, content=iter([b"a", b"b"]))

        async def chunks() -> AsyncIterator[bytes]:
            yield b"a"

        return httpx.Request(method, URL, content=chunks())

    @property
    def attempts(self) -> int:
        return len(self.inner.requests)


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest, sleep: Any, async_sleep: Any, sleeps: list[float]) -> Harness:
    return Harness(request.param, sleep, async_sleep, sleeps)


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP-date Retry-After values are read against a fixed ``NOW``."""
    fixed = functools.partial(parse_retry_after, now=lambda: NOW)
    monkeypatch.setattr(retry_module, "parse_retry_after", fixed)


def get(**kwargs: Any) -> httpx.Request:
    return httpx.Request("GET", URL, **kwargs)


def post(**kwargs: Any) -> httpx.Request:
    return httpx.Request("POST", URL, json={"name": "A"}, **kwargs)


def http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


# --- responses ------------------------------------------------------------------------------


def test_get_is_retried_on_503_with_backoff(harness: Harness) -> None:
    response = harness.send(get(), 503, 503, 200)
    assert response.status_code == 200
    assert harness.attempts == 3
    assert harness.sleeps == [0.5, 1.0]


def test_get_waits_for_retry_after_seconds(harness: Harness) -> None:
    assert harness.send(get(), (503, {"Retry-After": "7"}), 200).status_code == 200
    assert harness.sleeps == [7.0]


@pytest.mark.usefixtures("fixed_now")
def test_get_waits_for_retry_after_http_date(harness: Harness) -> None:
    assert harness.send(get(), (503, {"Retry-After": http_date(NOW + 12)}), 200).status_code == 200
    assert harness.sleeps == [12.0]


@pytest.mark.usefixtures("fixed_now")
def test_retry_after_date_in_the_past_means_now(harness: Harness) -> None:
    assert harness.send(get(), (503, {"Retry-After": http_date(NOW - 99)}), 200).status_code == 200
    assert harness.sleeps == [0.0]


@pytest.mark.parametrize("status", [408, 429, 500, 502, 504])
def test_every_retry_status_is_retried_for_get(harness: Harness, status: int) -> None:
    assert harness.send(get(), status, 200).status_code == 200
    assert harness.attempts == 2


@pytest.mark.parametrize("status", [200, 201, 400, 401, 404, 409, 501])
def test_other_statuses_are_returned_at_once(harness: Harness, status: int) -> None:
    assert harness.send(get(), status, 200).status_code == status
    assert harness.attempts == 1
    assert harness.sleeps == []


@pytest.mark.usefixtures("fixed_now")
@pytest.mark.parametrize("retry_after", ["61", "3600", http_date(NOW + 61)])
def test_retry_after_above_the_ceiling_is_returned_unslept(harness: Harness, retry_after: str) -> None:
    response = harness.send(get(), (503, {"Retry-After": retry_after}), 200, policy=RetryPolicy(max_wait=60))
    assert response.status_code == 503
    assert harness.attempts == 1
    assert harness.sleeps == []


def test_the_last_response_is_returned_after_the_last_attempt(harness: Harness) -> None:
    response = harness.send(get(), 503, policy=RetryPolicy(max_attempts=4, initial_delay=1, max_delay=3))
    assert response.status_code == 503
    assert harness.attempts == 4
    assert harness.sleeps == [1.0, 2.0, 3.0]
    assert response.read() == b"body"  # the caller can still read the error body


def test_a_retried_response_is_read_and_closed(harness: Harness) -> None:
    harness.send(get(), 503, 200)
    first, last = harness.inner.bodies
    assert (first.read, first.closed) == (True, True)
    assert (last.read, last.closed) == (False, False)


def test_policy_none_never_retries(harness: Harness) -> None:
    assert harness.send(get(), 503, 200, policy=RetryPolicy.none()).status_code == 503
    assert harness.attempts == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_post_is_never_resent_after_an_error_status(harness: Harness, status: int) -> None:
    assert harness.send(post(), (status, {"Retry-After": "1"}), 200).status_code == status
    assert harness.attempts == 1
    assert harness.sleeps == []


def test_post_with_idempotency_key_is_retried(harness: Harness) -> None:
    request = post(headers={"Idempotency-Key": "8e03978e-40d5-43e8-bc93-6894a57f9324"})
    assert harness.send(request, 503, 200).status_code == 200
    assert harness.attempts == 2


@pytest.mark.parametrize(
    ("request_", "attempts"),
    [
        (httpx.Request("GET", URL, extensions={"nordfin.idempotent": False}), 1),
        (httpx.Request("POST", URL, extensions={"nordfin.idempotent": True}), 2),
    ],
)
def test_the_idempotent_extension_decides(harness: Harness, request_: httpx.Request, attempts: int) -> None:
    harness.send(request_, 503, 200)
    assert harness.attempts == attempts


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_one_shot_body_is_never_retried(harness: Harness, method: str) -> None:
    assert harness.send(harness.one_shot_request(method), 503, 200).status_code == 503
    assert harness.attempts == 1


def test_request_body_is_sent_again_in_full(harness: Harness) -> None:
    request = httpx.Request("PUT", URL, json={"name": "A"})
    harness.send(request, 503, 200)
    assert [r.content for r in harness.inner.requests] == [b'{"name":"A"}'] * 2


# --- transport errors -----------------------------------------------------------------------

SENT_OR_MAYBE_SENT = [
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.LocalProtocolError,
]
NEVER_SENT = [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout]


@pytest.mark.parametrize("error", SENT_OR_MAYBE_SENT)
def test_post_is_never_resent_when_it_may_have_arrived(harness: Harness, error: Error) -> None:
    with pytest.raises(error):
        harness.send(post(), error, 200)
    assert harness.attempts == 1


@pytest.mark.parametrize("error", NEVER_SENT)
def test_post_is_resent_when_it_never_left(harness: Harness, error: Error) -> None:
    assert harness.send(post(), error, 201).status_code == 201
    assert harness.attempts == 2
    assert harness.sleeps == [0.5]


@pytest.mark.parametrize("error", SENT_OR_MAYBE_SENT + NEVER_SENT)
def test_get_is_retried_after_any_transport_error(harness: Harness, error: Error) -> None:
    assert harness.send(get(), error, 200).status_code == 200
    assert harness.attempts == 2


def test_the_last_transport_error_is_reraised(harness: Harness) -> None:
    with pytest.raises(httpx.ReadTimeout):
        harness.send(get(), httpx.ReadTimeout)
    assert harness.attempts == 3
    assert harness.sleeps == [0.5, 1.0]


def test_non_transport_errors_are_not_retried(harness: Harness) -> None:
    with pytest.raises(httpx.DecodingError):
        harness.send(get(), httpx.DecodingError)  # type: ignore[arg-type]
    assert harness.attempts == 1


# --- rate limiter ---------------------------------------------------------------------------


def test_every_attempt_passes_the_limiter(harness: Harness, clock: Any) -> None:
    limiter = RateLimiter(1, 10, clock=clock, margin=0)
    harness.send(get(), 500, 500, 200, policy=RetryPolicy(initial_delay=1, max_delay=1), limiter=limiter)
    # The backoff sleeps move the fake clock by 1; the limiter adds what is missing to 10.
    assert harness.sleeps == [1.0, 9.0, 1.0, 9.0]
    assert harness.attempts == 3


def test_a_limiter_wait_above_max_wait_raises_and_sends_nothing(harness: Harness, clock: Any) -> None:
    limiter = RateLimiter(1, 100, clock=clock, margin=0)
    limiter.reserve()
    with pytest.raises(RateLimited) as caught:
        harness.send(get(), 200, limiter=limiter, policy=RetryPolicy(max_wait=60))
    assert caught.value.retry_after == 100.0
    assert harness.attempts == 0


def held_back(limiter: RateLimiter, request: httpx.Request) -> float:
    """The seconds the limiter holds back the next request sent with ``request``'s credentials."""
    slept: list[float] = []
    limiter.acquire(scope=credential_scope(request), sleep=slept.append)
    return sum(slept)


@pytest.mark.parametrize("request_", [get(), post()])
def test_429_retry_after_pauses_the_shared_limiter(
    harness: Harness, clock: Any, request_: httpx.Request
) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    harness.send(request_, (429, {"Retry-After": "30"}), 200, policy=RetryPolicy.none(), limiter=limiter)
    assert held_back(limiter, request_) == 30.0  # every client with these credentials now waits too


def test_429_above_the_ceiling_pauses_the_limiter_only_for_max_wait(harness: Harness, clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    response = harness.send(get(), (429, {"Retry-After": "600"}), 200, limiter=limiter)
    assert response.status_code == 429
    assert held_back(limiter, get()) == RetryPolicy().max_wait  # not 600: one answer cannot stop a process


@pytest.mark.parametrize("header", ["9" * 400, "1" + "0" * 30, "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_an_absurd_retry_after_pauses_for_max_wait_never_forever(
    harness: Harness, clock: Any, header: str
) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    policy = RetryPolicy(max_wait=5.0)
    response = harness.send(get(), (429, {"Retry-After": header}), 200, policy=policy, limiter=limiter)
    assert response.status_code == 429  # returned, so the caller raises RateLimited
    assert held_back(limiter, get()) == 5.0


def keyed(key: str, header: str = "api_key") -> httpx.Request:
    return get(headers={header: key, "store": "s"})


def test_a_429_pauses_only_the_credentials_that_drew_it(harness: Harness, clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    harness.send(keyed("key-A"), (429, {"Retry-After": "30"}), policy=RetryPolicy.none(), limiter=limiter)
    assert held_back(limiter, keyed("key-B")) == 0.0  # another key sends at once
    assert held_back(limiter, keyed("key-A")) == 30.0  # the same key, from any client, waits
    assert limiter.reserve() == 0.0  # and the window itself was not paused


def test_a_paused_credential_beyond_max_wait_raises_and_sends_nothing(harness: Harness, clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    limiter.pause(30.0, scope=credential_scope(keyed("key-A")))
    with pytest.raises(RateLimited) as caught:
        harness.send(keyed("key-A"), 200, limiter=limiter, policy=RetryPolicy(max_wait=10))
    assert caught.value.retry_after == 30.0
    assert "Retry-After" in str(caught.value)
    assert harness.attempts == 0
    assert harness.send(keyed("key-B"), 200, limiter=limiter).status_code == 200


def test_the_credential_scope_is_a_keyed_hash_of_the_credential_headers() -> None:
    scope = credential_scope(keyed("s3cr3t-key"))
    assert scope == credential_scope(get(headers={"Store": "other", "API_KEY": "s3cr3t-key"}))  # case, store
    assert scope != credential_scope(keyed("s3cr3t-key2"))
    assert credential_scope(keyed("k", "authorization")) != credential_scope(keyed("k", "x-api-key"))
    assert credential_scope(get(headers={"cookie": "a=1"})) == credential_scope(get())  # not a credential
    assert "s3cr3t" not in scope
    assert len(scope) == 32
    assert all(c in "0123456789abcdef" for c in scope)


def test_parse_retry_after_is_always_finite() -> None:
    assert parse_retry_after("9" * 400) == retry_module.MAX_RETRY_AFTER
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT") == retry_module.MAX_RETRY_AFTER


def test_no_retry_inside_single_attempt(harness: Harness) -> None:
    with retry_module.single_attempt():
        response = harness.send(get(), 500, 200)
    assert response.status_code == 500  # a poller's own backoff decides when to try again
    assert harness.send(get(), 500, 200).status_code == 200  # and outside it, retries as before


def test_503_retry_after_does_not_pause_the_limiter(harness: Harness, clock: Any) -> None:
    limiter = RateLimiter(100, 1, clock=clock)
    harness.send(get(), (503, {"Retry-After": "30"}), policy=RetryPolicy.none(), limiter=limiter)
    assert limiter.reserve() == 0.0


# --- logging and lifecycle ------------------------------------------------------------------


def test_retries_are_logged_without_secrets_or_bodies(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nordfin.retry")
    request = httpx.Request("GET", URL, headers={"Authorization": "Bearer tok-SECRET"}, content=b"SECRET")
    harness.send(request, 503, httpx.ConnectError, 200)
    first, second = (r.getMessage() for r in caplog.records if r.name == "nordfin.retry")
    assert first == (
        "retrying GET https://api.example.com/v1/customers?token=***&pnr=*********1234 after status 503 "
        "(attempt 1 of 3 failed), next in 0.50s"
    )
    assert "after ConnectError (attempt 2 of 3 failed), next in 1.00s" in second
    for leak in ("s3cr3t", "19900101-1234", "SECRET"):
        assert leak not in caplog.text


def test_close_closes_the_inner_transport() -> None:
    inner = Scripted(200)
    RetryTransport(inner).close()
    assert inner.closed
    async_inner = Scripted(200)
    asyncio.run(AsyncRetryTransport(async_inner).aclose())
    assert async_inner.closed


def test_repr_names_policy_and_limiter() -> None:
    text = repr(RetryTransport(Scripted(200), limiter=RateLimiter(2, 1)))
    assert text.startswith("RetryTransport(policy=RetryPolicy(max_attempts=3")
    assert "RateLimiter(limit=2, period=1.0, margin=0.05)" in text


def test_works_inside_an_httpx_client(sleep: Any, sleeps: list[float]) -> None:
    transport = RetryTransport(Scripted(502, 200), sleep=sleep, rnd=lambda: NO_JITTER)
    with httpx.Client(transport=transport) as client:
        assert client.get("https://api.example.com/").status_code == 200
    assert sleeps == [0.5]


# --- pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "expected"),
    [(m, True) for m in sorted(IDEMPOTENT_METHODS)] + [("POST", False), ("PATCH", False), ("get", True)],
)
def test_is_idempotent_by_method(method: str, expected: bool) -> None:
    assert is_idempotent(httpx.Request(method, URL)) is expected


def test_is_idempotent_by_key_and_extension() -> None:
    assert is_idempotent(httpx.Request("POST", URL, headers={"idempotency-key": "k"}))
    assert not is_idempotent(httpx.Request("PUT", URL, extensions={"nordfin.idempotent": False}))
    assert not is_idempotent(
        httpx.Request("POST", URL, headers={"Idempotency-Key": "k"}, extensions={"nordfin.idempotent": False})
    )
    assert is_idempotent(httpx.Request("PATCH", URL, extensions={"nordfin.idempotent": True}))
    assert not is_idempotent(httpx.Request("POST", URL, extensions={"nordfin.idempotent": "yes"}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("Tue, 14 Nov 2023 22:13:40 GMT", 20.0),  # NOW + 20
        ("Tuesday, 14-Nov-23 22:13:40 GMT", 20.0),  # obsolete RFC 850 form
        ("Tue Nov 14 22:13:40 2023", 20.0),  # asctime form
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # in the past
        (None, None),
        ("", None),
        ("-5", None),
        ("soon", None),
        ("1e3", None),
        ("inf", None),
        ("nan", None),
        ("12 Foo 2023", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=lambda: NOW) == expected


@given(st.text())
def test_parse_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value, now=lambda: NOW)
    assert result is None or result >= 0


@given(
    initial=st.floats(0, 10),
    extra=st.floats(0, 100),
    jitter=st.floats(0, 1),
    attempt=st.integers(1, 2000),
    r=st.floats(0, 1, exclude_max=True),
)
def test_backoff_delay_stays_within_the_jitter_band(
    initial: float, extra: float, jitter: float, attempt: int, r: float
) -> None:
    policy = RetryPolicy(initial_delay=initial, max_delay=initial + extra, jitter=jitter)
    base = min(initial * 2.0 ** min(attempt - 1, 64), policy.max_delay)
    delay = backoff_delay(policy, attempt, lambda: r)
    assert base * (1 - jitter) - 1e-9 <= delay <= base * (1 + jitter) + 1e-9
    assert 0 <= delay <= policy.max_delay * (1 + jitter) + 1e-9


def test_backoff_delay_doubles_then_caps() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=3, jitter=0)
    assert [backoff_delay(policy, n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    "bad",
    [
        {"max_attempts": 0},
        {"max_attempts": 1.5},
        {"max_attempts": True},
        {"initial_delay": -1},
        {"max_delay": float("inf")},
        {"initial_delay": 5, "max_delay": 1},
        {"max_wait": -1},
        {"max_wait": float("nan")},
        {"jitter": -0.1},
        {"jitter": 1.5},
        {"retry_statuses": {503}},
        {"retry_statuses": frozenset({99})},
    ],
)
def test_retry_policy_refuses_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**bad)


def test_retry_policy_defaults_and_none() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.initial_delay, policy.max_delay, policy.max_wait, policy.jitter) == (
        3,
        0.5,
        8.0,
        60.0,
        0.25,
    )
    assert policy.retry_statuses == frozenset({408, 429, 500, 502, 503, 504})
    assert RetryPolicy.none().max_attempts == 1
    with pytest.raises(AttributeError, match="cannot assign"):  # frozen
        policy.max_attempts = 5  # type: ignore[misc]


def test_one_transport_pauses_each_credential_apart_across_many_keys(clock: Any) -> None:
    """The transport remembers each request's scope (its headers rarely change): a 429 for one
    key pauses that key only, however many keys the same transport has seen in between."""
    limiter = RateLimiter(10_000, 1, clock=clock, margin=0)
    answers = {"key-A": httpx.Response(429, headers={"Retry-After": "30"})}
    transport = RetryTransport(
        httpx.MockTransport(lambda r: answers.get(r.headers["api_key"], httpx.Response(200))),
        policy=RetryPolicy.none(),
        limiter=limiter,
        sleep=lambda seconds: None,
    )
    keys = [f"key-{n}" for n in range(100)] + ["key-A"]
    statuses = [transport.handle_request(keyed(key)).status_code for key in keys]

    assert statuses == [200] * 100 + [429]
    assert [held_back(limiter, keyed(key)) for key in ("key-1", "key-A", "key-99")] == [0.0, 30.0, 0.0]
