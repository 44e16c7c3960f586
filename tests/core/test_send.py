"""nordfin sends without ``httpx.Client.send`` and ``build_request`` (``_core.send``): the request on
the wire is the one httpx would build, the auth flow, hooks and transport run as in httpx, every
response is closed on every path, and what is left out (cookies, redirects) is left out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin import RetryPolicy, aptic, goto
from nordfin._core import send
from nordfin._core.guard import MAX_URL_LENGTH, check_url_length
from nordfin._core.session import AsyncSession, Session, query_items
from nordfin.errors import ApiError, NordfinError, RequestValidationError, Timeout, TransportError
from nordfin.goto._plans import PROFILE
from nordfin_generated.goto.api.payment_terms import create_payment_term, get_payment_term
from nordfin_generated.goto.models import PaymentTermCreate, PaymentTermsResponse

BASE = "https://capi.lagerkoll.com/v1"
TERMS: dict[str, Any] = {"paymentTerms": [{"code": "NET/30", "description": "30 days net"}], "since": 7}


def wire(request: httpx.Request) -> tuple[Any, ...]:
    """All of a request that reaches the server or the transport."""
    return (request.method, str(request.url), request.headers.raw, request.read(), request.extensions)


# --- the request is the one httpx builds ---------------------------------------------------------

values = st.one_of(
    st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.lists(st.text(max_size=4), max_size=3)
)


@pytest.mark.parametrize("base", [BASE, "https://api.payfunc.com", "http://127.0.0.1:8080/a/b/"])
@given(
    params=st.dictionaries(st.text(max_size=6), values, max_size=4),
    headers=st.dictionaries(
        st.sampled_from(["Accept", "X-Request-Id", "user-agent", "Idempotency-Key"]),
        st.text("ab-", max_size=5),
    ),
    body=st.one_of(st.none(), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)),
    segments=st.lists(st.from_regex(r"[A-Za-z0-9._~%-]{1,6}", fullmatch=True), max_size=3),
)
def test_the_request_is_the_one_httpx_builds(
    base: str, params: dict[str, Any], headers: dict[str, str], body: Any, segments: list[str]
) -> None:
    """URL (query encoded as httpx encodes it), header order and casing, body and timeout."""
    kwargs: dict[str, Any] = {
        "method": "POST" if body is not None else "GET",
        "url": "/" + "/".join(segments),
    }
    if params:
        kwargs["params"] = params
    if headers:
        kwargs["headers"] = headers
    if body is not None:
        kwargs["json"] = body
    http = httpx.Client(
        base_url=base, headers={"User-Agent": "nordfin/1"}, timeout=httpx.Timeout(3, connect=1)
    )
    url = send.full_url(send.base_of(http.base_url), kwargs["url"], query_items(params) if params else None)

    assert wire(http.build_request(**kwargs)) == wire(send.build(http, kwargs, url, {}))


def test_a_client_with_default_params_and_cookies_has_them_merged_as_httpx_does() -> None:
    """Neither is anything nordfin sets; a harness's client may, and they are not lost."""
    http = httpx.Client(base_url=BASE, params={"key": "k"}, cookies={"sid": "1"})
    kwargs: dict[str, Any] = {"method": "GET", "url": "/payment_terms/", "params": {"since": 0}}
    url = send.full_url(send.base_of(http.base_url), "/payment_terms/", [("since", "0")])

    built = send.build(http, kwargs, url, {"nordfin.idempotent": True})

    assert wire(http.build_request(**kwargs))[:4] == wire(built)[:4]
    assert (built.url.params["key"], built.headers["cookie"], built.extensions["nordfin.idempotent"]) == (
        "k",
        "sid=1",
        True,
    )


@pytest.mark.parametrize(
    ("base", "path"),
    [
        ("https://h.example/v1?tenant=7", "/items"),  # a base URL with a query
        ("https://h.example/v1#top", "/items"),  # ... or a fragment
        ("https://h.example/v1", "/items?fixed=1"),  # a path with its own query
    ],
)
def test_urls_nordfin_never_builds_are_built_as_httpx_builds_them(base: str, path: str) -> None:
    http = httpx.Client(base_url=base)
    kwargs: dict[str, Any] = {"method": "GET", "url": path, "params": {"a": "b c"}}
    url = send.full_url(send.base_of(http.base_url), path, [("a", "b c")])

    assert wire(http.build_request(**kwargs)) == wire(send.build(http, kwargs, url, {}))


# --- through a client: sync and async alike -------------------------------------------------------


def answering(
    answer: Callable[[httpx.Request], httpx.Response], sent: list[httpx.Request]
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    return httpx.MockTransport(handler)


def run_both(call: Callable[[Any], Any], transport: httpx.MockTransport, **options: Any) -> list[Any]:
    """``call(client.payment_terms)`` with a sync and an async Goto client, twice each: the results
    of the sync and the async client's last call (a raised error counts as the result)."""
    results: list[Any] = []
    client = goto.Client(store="s", api_key="k", transport=transport, rate_limit=False, **options)
    for _ in range(2):
        try:
            result = call(client.payment_terms)
        except NordfinError as error:
            result = error
    results.append(result)

    async def run() -> Any:
        client = goto.AsyncClient(store="s", api_key="k", transport=transport, rate_limit=False, **options)
        for _ in range(2):
            try:
                result = await call(client.payment_terms)
            except NordfinError as error:
                result = error
        return result

    results.append(asyncio.run(run()))
    return results


def test_sync_and_async_send_the_same_request() -> None:
    sent: list[httpx.Request] = []
    transport = answering(lambda request: httpx.Response(201, json=TERMS["paymentTerms"][0]), sent)

    run_both(lambda terms: terms.create(code="NET/30", description="30 days net"), transport)

    assert len(sent) == 4
    assert wire(sent[0]) == wire(sent[2])


def test_a_server_cookie_is_never_sent_back() -> None:
    """No vendor uses cookies: a ``Set-Cookie`` is not stored (nor sent with the next call)."""
    sent: list[httpx.Request] = []
    transport = answering(
        lambda request: httpx.Response(200, json=TERMS, headers={"Set-Cookie": "sid=abc; Path=/"}), sent
    )

    run_both(lambda terms: terms.get("NET/30"), transport)

    assert ["cookie" in request.headers for request in sent] == [False] * 4


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        (None, httpx.Timeout(30.0, connect=10.0)),
        (5.0, httpx.Timeout(5.0)),
        (httpx.Timeout(2, read=9), httpx.Timeout(2, read=9)),
    ],
)
def test_the_timeout_reaches_the_transport(timeout: Any, expected: httpx.Timeout) -> None:
    sent: list[httpx.Request] = []
    options = {} if timeout is None else {"timeout": timeout}

    run_both(
        lambda terms: terms.list(),
        answering(lambda request: httpx.Response(200, json=TERMS), sent),
        **options,
    )

    assert [expected.as_dict()] * 4 == [request.extensions["timeout"] for request in sent]


def test_a_redirect_is_an_error_answer_and_is_not_followed() -> None:
    sent: list[httpx.Request] = []
    transport = answering(
        lambda request: httpx.Response(302, headers={"Location": "https://elsewhere.example/x"}), sent
    )

    results = run_both(lambda terms: terms.list(), transport)

    assert [isinstance(result, ApiError) and result.status == 302 for result in results] == [True, True]
    assert [str(request.url) for request in sent] == [BASE + "/payment_terms/?since=0"] * 4


@pytest.mark.parametrize(
    ("raised", "expected"), [(httpx.ConnectError, TransportError), (httpx.ReadTimeout, Timeout)]
)
def test_no_httpx_exception_escapes(raised: type[httpx.TransportError], expected: type[NordfinError]) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise raised("boom", request=request)

    results = run_both(lambda terms: terms.list(), httpx.MockTransport(fail), retry=RetryPolicy.none())

    assert [expected, expected] == [type(result) for result in results]


def test_httpx_request_log_line_is_still_written_and_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    transport = answering(lambda request: httpx.Response(200, json=TERMS), [])

    run_both(lambda terms: terms.get("NET/30"), transport)

    line = f'HTTP Request: GET {BASE}/payment_terms/NET/30 "HTTP/1.1 200 OK"'
    assert [line] * 4 == [r.getMessage() for r in caplog.records if r.name == "httpx"]


# --- auth flows and closing -------------------------------------------------------------------------


class Tracked(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that records whether it was closed."""

    def __init__(self, body: bytes, closed: list[bool]) -> None:
        self.body, self.closed = body, closed
        closed.append(False)
        self.index = len(closed) - 1

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body

    def close(self) -> None:
        self.closed[self.index] = True

    async def aclose(self) -> None:
        self.close()


class Challenge(httpx.Auth):
    """Sends the request, reads the answer's body, and resends with what the body said."""

    requires_response_body = True

    def __init__(self, fail_after_first: bool = False) -> None:
        self.fail_after_first = fail_after_first
        self.seen: list[str] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        self.seen.append(response.text)
        if self.fail_after_first:
            raise RuntimeError("the flow broke")
        request.headers["Authorization"] = f"Token {response.text}"
        yield request


def tracked_transport(closed: list[bool], status: Callable[[httpx.Request], int]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if "authorization" not in request.headers:
            return httpx.Response(401, stream=Tracked(b"t0k3n-value", closed))
        body = httpx.Response(200, json=TERMS).content
        return httpx.Response(
            status(request), headers={"content-type": "application/json"}, stream=Tracked(body, closed)
        )

    return httpx.MockTransport(answer)


def call_both(auth: httpx.Auth, transport: httpx.MockTransport) -> list[Any]:
    """The generated ``get_payment_term`` through a sync and an async session on plain httpx clients."""
    results: list[Any] = []
    arguments: dict[str, Any] = {"slash_params": True, "term_id": "NET/30"}
    with httpx.Client(base_url=BASE, auth=auth, transport=transport) as http:
        try:
            results.append(Session(PROFILE, http).call(get_payment_term, PaymentTermsResponse, **arguments))
        except Exception as error:
            results.append(error)

    async def run() -> Any:
        async with httpx.AsyncClient(base_url=BASE, auth=auth, transport=transport) as http:
            try:
                return await AsyncSession(PROFILE, http).call(
                    get_payment_term, PaymentTermsResponse, **arguments
                )
            except Exception as error:
                return error

    results.append(asyncio.run(run()))
    return results


def test_an_auth_flow_gets_the_body_it_asks_for_and_every_response_is_closed() -> None:
    closed: list[bool] = []
    auth = Challenge()

    results = call_both(auth, tracked_transport(closed, lambda request: 200))

    assert [result.payment_terms[0].code for result in results] == ["NET/30", "NET/30"]
    assert auth.seen == ["t0k3n-value", "t0k3n-value"]
    assert closed == [True] * 4


def test_an_error_answer_is_closed() -> None:
    closed: list[bool] = []

    results = call_both(Challenge(), tracked_transport(closed, lambda request: 404))

    assert [result.status for result in results] == [404, 404]
    assert closed == [True] * 4


def test_a_failing_auth_flow_closes_the_answer_it_was_handed() -> None:
    closed: list[bool] = []

    results = call_both(Challenge(fail_after_first=True), tracked_transport(closed, lambda request: 200))

    assert [RuntimeError, RuntimeError] == [type(result) for result in results]
    assert closed == [True, True]


def test_a_failing_response_hook_closes_the_answer() -> None:
    closed: list[bool] = []
    transport = tracked_transport(closed, lambda request: 200)

    def hook(response: httpx.Response) -> None:
        raise RuntimeError("hook")

    with (
        httpx.Client(
            base_url=BASE, auth=Challenge(), transport=transport, event_hooks={"response": [hook]}
        ) as http,
        pytest.raises(RuntimeError),
    ):
        Session(PROFILE, http).call(
            get_payment_term, PaymentTermsResponse, slash_params=True, term_id="NET/30"
        )

    assert closed == [True]


def test_the_client_s_own_transport_for_the_url_is_used() -> None:
    """A mounted transport wins for its URLs, as in httpx."""
    mounted: list[httpx.Request] = []
    with httpx.Client(
        base_url=BASE,
        transport=httpx.MockTransport(lambda request: httpx.Response(500)),
        mounts={
            "https://capi.lagerkoll.com": answering(
                lambda request: httpx.Response(201, json=TERMS["paymentTerms"][0]), mounted
            )
        },
    ) as http:
        created = Session(PROFILE, http).call(
            create_payment_term, None, body=PaymentTermCreate(code="NET/30", description="30 days net")
        )

    assert (created, len(mounted)) == (None, 1)


def test_an_auth_flow_s_own_token_request_gets_the_client_s_timeout() -> None:
    """httpx sets the timeout only on the request it was handed; a token request without one
    would wait forever on a silent token endpoint."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/access_token"):
            return httpx.Response(200, json={"access_token": "t0k3n-value", "expires_in": 3600})
        return httpx.Response(200, json={"count": 0, "skip": 0, "total": 0, "value": []})

    options: dict[str, Any] = {
        "base_url": "https://c1.test.hosting.aptic.cloud/C1-T01/APIGW",
        "client_id": "c",
        "client_secret": "s3cr3t-value",
        "transport": answering(answer, sent),
        "timeout": 7.0,
    }
    aptic.Client(**options).customers.list()

    async def run() -> None:
        await aptic.AsyncClient(**options).customers.list()

    asyncio.run(run())

    assert [path.endswith("/access_token") for path in (r.url.path for r in sent)] == [True, False] * 2
    assert [r.extensions["timeout"] for r in sent] == [httpx.Timeout(7.0).as_dict()] * 4


def test_the_url_length_is_measured_on_the_url_as_sent() -> None:
    """The full URL (base, path, encoded query) is what counts: 8000 characters pass, one more is
    refused, naming the longest query parameter."""
    query = [("$top", "5"), ("$filter", "x" * 100)]
    check_url_length("u" * MAX_URL_LENGTH, query)
    with pytest.raises(RequestValidationError) as caught:
        check_url_length("u" * (MAX_URL_LENGTH + 1), query)

    assert (caught.value.field, "8001 characters long" in caught.value.rule) == ("filter", True)
