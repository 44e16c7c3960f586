"""nordfin.goto's clients against the fake and against hand-made answers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin import errors, goto
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.retry import RetryPolicy
from nordfin.testing.goto import FakeGoto

KEY = "k-7f3a-SECRET-api-key"
Handler = Callable[[httpx.Request], httpx.Response]


def no_sleep(seconds: float) -> None:
    return None


def make(fake: FakeGoto, **kwargs: Any) -> goto.Client:
    return goto.Client(store=fake.store, api_key=fake.api_key, transport=fake, sleep=no_sleep, **kwargs)


def mocked(handler: Handler, **kwargs: Any) -> goto.Client:
    return goto.Client(
        store="s1", api_key=KEY, transport=httpx.MockTransport(handler), sleep=no_sleep, **kwargs
    )


def answer(status: int, body: Any = None, **headers: str) -> Handler:
    content = b"" if body is None else json.dumps(body).encode()
    return lambda request: httpx.Response(
        status, content=content, headers={"content-type": "application/json", **headers}
    )


def goto_error(code: int, field: str | None = None, data: Any = None) -> dict[str, Any]:
    return {"errorCode": code, "errorMessage": f"message {code}", "errorField": field, "errorData": data}


# --- the happy path, sync and async -------------------------------------------------------------


def test_create_get_update_delete_round_trip() -> None:
    fake = FakeGoto()
    with make(fake) as client:
        created = client.payment_terms.create(code="NET/30", description="30 days net")
        fetched = client.payment_terms.get("NET/30")
        updated = client.payment_terms.update("NET/30", description="30 days")
        client.payment_terms.delete("NET/30")
        remaining = client.payment_terms.list().payment_terms

    assert (created.code, created.description) == ("NET/30", "30 days net")
    assert (fetched.code, fetched.description) == ("NET/30", "30 days net")
    assert (updated.code, updated.description) == ("NET/30", "30 days")
    assert remaining == []


def test_async_client_has_the_same_calls() -> None:
    fake = FakeGoto()

    async def scenario() -> tuple[str, list[str]]:
        async with goto.AsyncClient(store=fake.store, api_key=fake.api_key, transport=fake) as client:
            await client.payment_terms.create(code="A/1", description="a")
            await client.payment_terms.create(code="B", description="b")
            term = await client.payment_terms.get("A/1")
            await client.payment_terms.delete("B")
            codes = [t.code async for t in client.payment_terms.iterate()]
            return str(term.description), codes

    assert asyncio.run(scenario()) == ("a", ["A/1"])


def test_user_token_authentication() -> None:
    fake = FakeGoto()
    client = goto.Client(store=fake.store, user_id=fake.user_id, user_token=fake.user_token, transport=fake)

    assert client.payment_terms.list().payment_terms == []
    assert {"store", "user_id", "user_token"} <= set(fake.requests[-1].headers)
    assert "api_key" not in fake.requests[-1].headers


def test_sync_helper_keeps_the_cursor_and_returns_only_changes() -> None:
    fake = FakeGoto()
    with make(fake) as client:
        client.payment_terms.create(code="A", description="a")
        sync = client.payment_terms.sync()
        first = [t.code for t in sync.pull()]
        client.payment_terms.create(code="B", description="b")
        client.payment_terms.update("A", description="a2")
        second = sorted(t.code for t in sync.pull())
        third = sync.pull()

    assert first == ["A"]
    assert second == ["A", "B"]
    assert third == []


def test_sync_cursor_does_not_move_when_a_pull_fails() -> None:
    client = mocked(answer(500, goto_error(900101)), retry=RetryPolicy.none())
    sync = client.payment_terms.sync(since=41)

    with pytest.raises(goto.errors.CommonError):
        sync.pull()
    assert sync.since == 41


def test_resuming_from_a_stored_cursor_sends_it() -> None:
    fake = FakeGoto()
    with make(fake) as client:
        client.payment_terms.sync(since=12345).pull()

    assert fake.requests[-1].url.params["since"] == "12345"


# --- ids on the wire --------------------------------------------------------------------------


def test_slash_in_an_id_reaches_the_server_as_a_slash() -> None:
    fake = FakeGoto()
    with make(fake) as client:
        client.payment_terms.create(code="NET/30/EOM", description="x")
        client.payment_terms.get("NET/30/EOM")

    assert fake.requests[-1].url.raw_path == b"/v1/payment_terms/NET/30/EOM"


def test_other_reserved_characters_are_percent_encoded() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return answer(200, {"paymentTerms": [{"code": "a b?c#d%e", "description": "x"}], "since": 1})(request)

    mocked(handler).payment_terms.get("a b?c#d%e")

    assert seen == [b"/v1/payment_terms/a%20b%3Fc%23d%25e"]


HOSTILE_IDS = [
    "..",
    "../admin",
    "a/../../b",
    "./a",
    "a/./b",
    "/abs",
    "a/",
    "a//b",
    "//evil.example/x",
    "http://evil.example/x",
    "a\\..\\b",
    "line\nbreak",
    "nul\x00",
    "",
    "a/..",
]


@pytest.mark.parametrize("term_id", HOSTILE_IDS)
@pytest.mark.parametrize("call", ["get", "update", "delete"])
def test_hostile_ids_are_refused_before_sending(term_id: str, call: str) -> None:
    fake = FakeGoto()
    client = make(fake)
    method = getattr(client.payment_terms, call)
    kwargs = {"description": "x"} if call == "update" else {}

    with pytest.raises(errors.RequestValidationError) as raised:
        method(term_id, **kwargs)
    assert raised.value.field == "term_id"
    assert fake.requests == []


segment = st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="/\\"), min_size=1)


@given(st.lists(segment, min_size=1, max_size=4))
def test_any_id_either_stays_under_payment_terms_or_is_refused(segments: list[str]) -> None:
    """Whatever the id, the request path is /v1/payment_terms/<id segments> or nothing is sent."""
    seen: list[httpx.URL] = []
    term_id = "/".join(segments)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return answer(200, {"paymentTerms": [{"code": term_id, "description": "x"}], "since": 1})(request)

    try:
        mocked(handler).payment_terms.get(term_id)
    except errors.RequestValidationError:
        assert seen == []
        return
    path_segments = seen[0].path.split("/")
    assert seen[0].host == "capi.lagerkoll.com"
    assert path_segments[:3] == ["", "v1", "payment_terms"]
    assert "/".join(path_segments[3:]) == term_id
    assert ".." not in path_segments
    assert "." not in path_segments


# --- bad input never leaves the process -----------------------------------------------------


BAD_CALLS: list[tuple[str, Callable[[goto.Client], object], str]] = [
    ("empty code", lambda c: c.payment_terms.create(code="", description="x"), "code"),
    ("code of the wrong type", lambda c: c.payment_terms.create(code=30, description="x"), "code"),  # type: ignore[arg-type]
    ("oversized code", lambda c: c.payment_terms.create(code="C" * 256, description="x"), "code"),
    ("control character in code", lambda c: c.payment_terms.create(code="a\tb", description="x"), "code"),
    (
        "description of the wrong type",
        lambda c: c.payment_terms.create(code="A", description=5),
        "description",
    ),  # type: ignore[arg-type]
    (
        "oversized description",
        lambda c: c.payment_terms.create(code="A", description="d" * 1001),
        "description",
    ),
    ("oversized update", lambda c: c.payment_terms.update("A", description="d" * 1001), "description"),
    ("negative since", lambda c: c.payment_terms.list(since=-1), "since"),
    ("since as text", lambda c: c.payment_terms.list(since="5"), "since"),  # type: ignore[arg-type]
    ("since as a bool", lambda c: c.payment_terms.list(since=True), "since"),
    ("id of the wrong type", lambda c: c.payment_terms.get(7), "term_id"),  # type: ignore[arg-type]
    ("oversized id", lambda c: c.payment_terms.get("i" * 256), "term_id"),
]


@pytest.mark.parametrize(("case", "call", "field"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_input_names_the_field_and_sends_nothing(
    case: str, call: Callable[[goto.Client], object], field: str
) -> None:
    fake = FakeGoto()

    with pytest.raises(errors.RequestValidationError) as raised:
        call(make(fake))
    assert raised.value.field == field
    assert raised.value.rule
    assert fake.requests == []


def test_validation_errors_do_not_repeat_the_value() -> None:
    secret_looking = "19900101-1234" + "x" * 1000

    with pytest.raises(errors.RequestValidationError) as raised:
        make(FakeGoto()).payment_terms.create(code="A", description=secret_looking)
    assert "19900101" not in str(raised.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"store": "", "api_key": "k"},
        {"store": "s"},
        {"store": "s", "user_id": "u"},
        {"store": "s", "api_key": "k", "user_id": "u", "user_token": "t"},
        {"store": "s", "api_key": "k\r\nX-Injected: 1"},
        {"store": "s", "api_key": "k", "environment": "staging"},
        {"store": "s", "api_key": "k", "base_url": "ftp://example"},
    ],
)
def test_bad_construction_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(errors.RequestValidationError):
        goto.Client(**kwargs)


# --- errors -------------------------------------------------------------------------------------

CODE_CASES = [
    (401, 900001, goto.errors.CredentialsMismatch, errors.Unauthorized),
    (500, 900101, goto.errors.CommonError, errors.ServerError),
    (429, 900429, goto.errors.TooManyRequests, errors.RateLimited),
    (404, 900531, goto.errors.PaymentTermGetFailed, errors.NotFound),
    (400, 900532, goto.errors.PaymentTermCreateFailed, errors.BadRequest),
    (400, 900533, goto.errors.PaymentTermUpdateFailed, errors.BadRequest),
    (404, 900534, goto.errors.PaymentTermDeleteFailed, errors.NotFound),
]


@pytest.mark.parametrize(("status", "code", "vendor_class", "family"), CODE_CASES)
def test_each_error_code_has_its_exception(status: int, code: int, vendor_class: type, family: type) -> None:
    client = mocked(
        answer(status, goto_error(code, "code", {"hint": 1}), **{"Retry-After": "999"}),
        retry=RetryPolicy.none(),
    )

    with pytest.raises(vendor_class) as raised:
        client.payment_terms.create(code="A", description="a")
    error = raised.value
    assert isinstance(error, family)
    assert isinstance(error, goto.errors.GotoError)
    assert (error.status, error.error_code, error.error_field, error.error_data) == (
        status,
        code,
        "code",
        {"hint": 1},
    )
    assert error.error_message == f"message {code}"


def test_an_unknown_code_is_still_a_goto_error_of_its_status_family() -> None:
    client = mocked(answer(409, goto_error(900999)), retry=RetryPolicy.none())

    with pytest.raises(errors.Conflict) as raised:
        client.payment_terms.create(code="A", description="a")
    assert isinstance(raised.value, goto.errors.GotoError)
    assert raised.value.error_code == 900999


def test_an_html_error_page_is_a_server_error_not_a_json_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"})

    with pytest.raises(errors.ServerError) as raised:
        mocked(handler, retry=RetryPolicy.none()).payment_terms.list()
    assert raised.value.error_code is None  # type: ignore[attr-defined]
    assert raised.value.raw == b"<html>Bad gateway</html>"


def test_rate_limited_carries_retry_after() -> None:
    client = mocked(answer(429, goto_error(900429), **{"Retry-After": "120"}))

    with pytest.raises(errors.RateLimited) as raised:
        client.payment_terms.list()
    assert raised.value.retry_after == 120


def test_wrong_credentials_against_the_fake() -> None:
    fake = FakeGoto()
    client = goto.Client(store=fake.store, api_key="wrong", transport=fake)

    with pytest.raises(goto.errors.CredentialsMismatch):
        client.payment_terms.list()


def test_fake_errors_reach_the_caller_typed() -> None:
    fake = FakeGoto()
    with make(fake) as client:
        client.payment_terms.create(code="A", description="a")
        with pytest.raises(goto.errors.PaymentTermCreateFailed):
            client.payment_terms.create(code="A", description="again")
        with pytest.raises(goto.errors.PaymentTermGetFailed):
            client.payment_terms.get("missing")
        with pytest.raises(goto.errors.PaymentTermUpdateFailed):
            client.payment_terms.update("missing", description="x")
        with pytest.raises(goto.errors.PaymentTermDeleteFailed):
            client.payment_terms.delete("missing")


# --- retries, rate limit ------------------------------------------------------------------------


def flaky(statuses: list[int], then: Handler) -> tuple[Handler, list[str]]:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if len(methods) <= len(statuses):
            return answer(statuses[len(methods) - 1], goto_error(900101), **{"Retry-After": "1"})(request)
        return then(request)

    return handler, methods


def test_a_read_is_retried_after_503() -> None:
    handler, methods = flaky([503, 503], answer(200, {"paymentTerms": [], "since": 3}))

    assert mocked(handler).payment_terms.list().since == 3
    assert methods == ["GET", "GET", "GET"]


def test_a_create_is_never_sent_twice_after_it_may_have_arrived() -> None:
    handler, methods = flaky([503], answer(200, {"code": "A", "description": "a"}))

    with pytest.raises(errors.ServerError):
        mocked(handler).payment_terms.create(code="A", description="a")
    assert methods == ["POST"]


def test_a_create_is_retried_when_the_connection_was_never_made() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return answer(200, {"code": "A", "description": "a"})(request)

    assert mocked(handler).payment_terms.create(code="A", description="a").code == "A"
    assert len(calls) == 2


def test_a_create_that_timed_out_reading_is_not_resent() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(errors.Timeout):
        mocked(handler).payment_terms.create(code="A", description="a")
    assert calls == [1]


def test_the_client_waits_instead_of_exceeding_200_a_minute() -> None:
    """201 calls: the 201st waits about a minute on the client; the fake never answers 429."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    fake = FakeGoto(clock=lambda: now[0])
    limiter = RateLimiter(200, 60.0, clock=lambda: now[0])
    client = goto.Client(
        store=fake.store, api_key=fake.api_key, transport=fake, rate_limit=limiter, sleep=sleep
    )
    for _ in range(201):
        client.payment_terms.list()

    assert slept == [pytest.approx(61.0)]  # a minute, and the limiter's margin of a second
    assert len(fake.requests) == 201


def test_every_goto_client_of_a_host_shares_one_quota() -> None:
    first = goto.Client(store="a", api_key="k1")
    second = goto.AsyncClient(store="b", api_key="k2")

    assert limiter_of(first) is limiter_of(second)
    assert limiter_of(first).limit == 200


def limiter_of(client: goto.Client | goto.AsyncClient) -> RateLimiter:
    return client._session.http._transport._limiter  # type: ignore[union-attr]


# --- secrets and strictness ---------------------------------------------------------------------


def test_secrets_never_appear_in_logs_repr_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = mocked(answer(401, goto_error(900001)), retry=RetryPolicy.none())

    with pytest.raises(errors.Unauthorized) as raised:
        client.payment_terms.list()
    shown = " ".join(
        [caplog.text, repr(client), str(raised.value), repr(raised.value), repr(client._session.http.auth)]
    )
    assert KEY not in shown


def test_strict_mode_refuses_an_answer_the_spec_does_not_allow() -> None:
    body = {"paymentTerms": [{"code": "A", "description": "x"}], "since": -5}

    assert mocked(answer(200, body)).payment_terms.list().since == -5
    with pytest.raises(errors.ResponseValidationError) as raised:
        mocked(answer(200, body), strict=True).payment_terms.list()
    assert "since" in str(raised.value)


def test_a_malformed_success_answer_is_a_response_validation_error() -> None:
    with pytest.raises(errors.ResponseValidationError):
        mocked(answer(200, {"since": 1})).payment_terms.list()


def test_get_with_an_empty_wrapper_is_not_found() -> None:
    """The spec allows an empty wrapper: it says there is no such term, not that the server broke."""
    with pytest.raises(errors.NotFound):
        mocked(answer(200, {"paymentTerms": [], "since": 1})).payment_terms.get("A")


def test_the_fake_hands_out_ready_clients() -> None:
    fake = FakeGoto()
    fake.add_term("30D", "30 days net")

    async def read_async() -> str | None:
        async with fake.async_client() as client:
            return (await client.payment_terms.get("30D")).description  # type: ignore[return-value]

    with fake.client() as client:
        assert client.payment_terms.get("30D").description == "30 days net"
    assert asyncio.run(read_async()) == "30 days net"


@pytest.mark.parametrize("term_id", [".", ".."])
def test_dot_segments_are_refused_even_past_the_overlay(term_id: str) -> None:
    """The session itself refuses an id that would be a dot segment, whatever the overlay checked."""
    from nordfin_generated.goto.api.payment_terms import get_payment_term

    fake = FakeGoto()
    client = make(fake)

    with pytest.raises(errors.RequestValidationError) as raised:
        client._session.call(get_payment_term, None, term_id=term_id)
    assert raised.value.field == "term_id"
    assert fake.requests == []


def test_debug_log_names_each_call_without_secrets_or_identity_numbers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="nordfin")
    fake = FakeGoto()
    with make(fake) as client:
        client.payment_terms.create(code="19900101-1234", description="x")
        client.payment_terms.get("19900101-1234")

    lines = [r.getMessage() for r in caplog.records if r.name == "nordfin.session"]
    assert lines == [
        "goto create_payment_term https://capi.lagerkoll.com/v1/payment_terms/ -> 200",
        "goto get_payment_term https://capi.lagerkoll.com/v1/payment_terms/*********1234 -> 200",
    ]
    assert fake.api_key not in caplog.text
