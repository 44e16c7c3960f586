from __future__ import annotations

import asyncio
import base64
import logging
import threading
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from nordfin._core.auth import BearerAuth, HeaderKeysAuth, OAuth2ClientCredentials, WithHeaders
from nordfin._core.redact import Secret
from nordfin.errors import ApiError, Forbidden, ResponseValidationError, ServerError, Unauthorized

BASE = "https://api.example.com/v1"
SECRET = "s3cr3t-VALUE"


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=dict(request.headers))


def sent_headers(auth: httpx.Auth) -> dict[str, str]:
    with httpx.Client(transport=httpx.MockTransport(echo), auth=auth) as client:
        return dict(client.get(f"{BASE}/x").json())


# --- fixed credentials ------------------------------------------------------------------------


def test_bearer_auth_defaults() -> None:
    assert sent_headers(BearerAuth("tok"))["authorization"] == "Bearer tok"


def test_bearer_auth_custom_header_and_prefix() -> None:
    assert sent_headers(BearerAuth(Secret("tok"), header="X-Token", prefix="Token"))["x-token"] == "Token tok"
    assert sent_headers(BearerAuth("tok", prefix=""))["authorization"] == "tok"


def test_header_keys_auth_sets_every_header() -> None:
    headers = sent_headers(HeaderKeysAuth({"store": "4711", "api_key": Secret(SECRET)}))
    assert (headers["store"], headers["api_key"]) == ("4711", SECRET)


def test_header_keys_auth_needs_a_header() -> None:
    with pytest.raises(ValueError, match="at least one"):
        HeaderKeysAuth({})


@pytest.mark.parametrize(
    "auth",
    [
        BearerAuth(SECRET),
        HeaderKeysAuth({"store": "4711", "api_key": SECRET}),
        OAuth2ClientCredentials("/oauth/token", "app", SECRET),
    ],
)
def test_repr_never_shows_the_secret(auth: httpx.Auth) -> None:
    assert SECRET not in repr(auth)
    assert SECRET not in str(auth)
    assert "***" in repr(auth) or "api_key" in repr(auth)


# --- OAuth2 client credentials: a fake authorization server ---------------------------------


class Server:
    """Issues tok-1, tok-2, ... at /oauth/token and accepts the latest unrevoked one at /v1/."""

    def __init__(self, *, expires_in: Any = 3600) -> None:
        self.expires_in = expires_in
        self.token_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.revoked: set[str] = set()
        self.token_answer: httpx.Response | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return self.token(request)
        return self.api(request)

    def token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        if self.token_answer is not None:
            return self.token_answer
        body: dict[str, Any] = {"access_token": f"tok-{len(self.token_requests)}", "token_type": "Bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return httpx.Response(200, json=body)

    def api(self, request: httpx.Request) -> httpx.Response:
        self.api_requests.append(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        ok = token.startswith("tok-") and token not in self.revoked
        return httpx.Response(200 if ok else 401, json={"token": token})


def oauth(clock: Any = None, **kwargs: Any) -> OAuth2ClientCredentials:
    if clock is not None:
        kwargs["clock"] = clock
    return OAuth2ClientCredentials("/oauth/token", "app", SECRET, **kwargs)


def client(server: Any, auth: httpx.Auth) -> httpx.Client:
    return httpx.Client(base_url=BASE, transport=httpx.MockTransport(server), auth=auth)


def async_client(server: Any, auth: httpx.Auth) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=BASE, transport=httpx.MockTransport(server), auth=auth)


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


def test_token_is_fetched_on_first_use_and_cached(clock: Any) -> None:
    server = Server()
    auth = oauth(clock)
    assert server.token_requests == []
    with client(server, auth) as http:
        assert [http.get("/a").json()["token"] for _ in range(3)] == ["tok-1"] * 3
    assert len(server.token_requests) == 1


def test_token_request_follows_rfc_6749_basic() -> None:
    server = Server()
    auth = OAuth2ClientCredentials("/oauth/token", "my app", "a:b c", scope="read write")
    with client(server, auth) as http:
        http.get("/a")
    (request,) = server.token_requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.example.com/oauth/token"  # resolved on the API's host
    assert form(request) == {"grant_type": ["client_credentials"], "scope": ["read write"]}
    scheme, _, encoded = request.headers["authorization"].partition(" ")
    assert (scheme, base64.b64decode(encoded).decode()) == ("Basic", "my+app:a%3Ab+c")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["user-agent"].startswith("python-httpx/")
    assert request.extensions["nordfin.idempotent"] is True  # a token request may be retried


def test_token_request_post_style_and_absolute_url() -> None:
    server = Server()
    auth = OAuth2ClientCredentials("https://login.example.com/token", "app", SECRET, auth_style="post")
    with client(server, auth) as http:
        http.get("/a")
    (request,) = server.token_requests
    assert request.url.host == "login.example.com"
    assert "authorization" not in request.headers
    assert form(request) == {
        "grant_type": ["client_credentials"],
        "client_id": ["app"],
        "client_secret": [SECRET],
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"token_url": "oauth/token"}, "absolute"),
        ({"auth_style": "header"}, "auth_style"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    settings = {"token_url": "/oauth/token", "client_id": "app", "client_secret": SECRET} | kwargs
    with pytest.raises(ValueError, match=message):
        OAuth2ClientCredentials(**settings)


def test_token_is_refreshed_refresh_margin_before_expiry(clock: Any) -> None:
    server = Server(expires_in=3600)
    with client(server, oauth(clock, refresh_margin=60)) as http:
        http.get("/a")
        clock.advance(3539)
        assert http.get("/a").json()["token"] == "tok-1"
        clock.advance(1)
        assert http.get("/a").json()["token"] == "tok-2"
    assert len(server.token_requests) == 2


def test_short_lived_token_is_kept_for_half_its_life(clock: Any) -> None:
    server = Server(expires_in="30")  # a string, as some servers send it
    with client(server, oauth(clock, refresh_margin=60)) as http:
        http.get("/a")
        clock.advance(14)
        http.get("/a")
        assert len(server.token_requests) == 1
        clock.advance(1)
        http.get("/a")
    assert len(server.token_requests) == 2


def test_token_without_expiry_is_kept_until_refused(clock: Any) -> None:
    server = Server(expires_in=None)
    with client(server, oauth(clock)) as http:
        http.get("/a")
        clock.advance(10**9)
        http.get("/a")
        assert len(server.token_requests) == 1
        server.revoked.add("tok-1")
        assert http.get("/a").json()["token"] == "tok-2"


def test_401_causes_exactly_one_refetch_and_one_resend() -> None:
    server = Server()
    with client(server, oauth()) as http:
        http.get("/a")
        server.revoked.add("tok-1")
        response = http.post("/b", json={"amount": 1500})
    assert response.status_code == 200
    assert response.json()["token"] == "tok-2"
    assert len(server.token_requests) == 2
    assert [r.url.path for r in server.api_requests] == ["/v1/a", "/v1/b", "/v1/b"]
    assert server.api_requests[-1].content == server.api_requests[-2].content == b'{"amount":1500}'


def test_a_second_401_is_returned_not_looped() -> None:
    server = Server()
    server.api = lambda request: httpx.Response(401)  # type: ignore[method-assign]
    with client(server, oauth()) as http:
        assert http.get("/a").status_code == 401
    assert len(server.token_requests) == 2


# --- token endpoint failures ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status", "code", "family"),
    [
        (
            httpx.Response(
                401, json={"error": "invalid_client", "error_description": f"bad secret {SECRET}"}
            ),
            401,
            "invalid_client",
            Unauthorized,
        ),
        (httpx.Response(500, text=f"<html>crash with {SECRET}</html>"), 500, None, ServerError),
    ],
)
def test_token_endpoint_error_raises_its_family_without_the_secret(
    answer: httpx.Response,
    status: int,
    code: str | None,
    family: type[ApiError],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = Server()
    server.token_answer = answer
    with client(server, oauth()) as http, pytest.raises(family) as caught:
        http.get("/a")
    error = caught.value
    assert (error.status, error.code, error.method) == (status, code, "POST")
    assert error.url == "https://api.example.com/oauth/token"
    assert "OAuth2 token request" in str(error)
    for text in (str(error), repr(error), repr(error.vendor), str(error.vendor.data), caplog.text):
        assert SECRET not in text
    assert server.api_requests == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"token_type": "Bearer"}),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"access_token": ""}),
        httpx.Response(200, text="not json"),
    ],
)
def test_token_answer_without_a_token_is_the_servers_fault(answer: httpx.Response) -> None:
    server = Server()
    server.token_answer = answer
    with client(server, oauth()) as http, pytest.raises(ResponseValidationError) as caught:
        http.get("/a")
    assert "no access_token in the answer" in str(caught.value)
    assert server.api_requests == []


def test_error_keeps_the_vendor_explanation_scrubbed() -> None:
    server = Server()
    server.token_answer = httpx.Response(400, json={"error": "invalid_scope", "error_description": SECRET})
    with client(server, oauth()) as http, pytest.raises(Unauthorized) as caught:
        http.get("/a")
    assert str(caught.value).endswith("failed, HTTP 400 (invalid_scope: ***)")
    assert caught.value.vendor.message == "***"


def test_secret_and_token_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = Server()
    with client(server, oauth()) as http:
        http.get("/a")
        server.revoked.add("tok-1")
        http.get("/a")
    assert "fetched an OAuth2 token" in caplog.text
    for leak in (SECRET, "tok-1", "tok-2", base64.b64encode(f"app:{SECRET}".encode()).decode()):
        assert leak not in caplog.text


# --- concurrency ------------------------------------------------------------------------------


def test_twenty_threads_share_one_token_fetch() -> None:
    server = Server()
    started, all_started, lock = [0], threading.Event(), threading.Lock()
    plain_token = server.token

    def slow_token(request: httpx.Request) -> httpx.Response:
        all_started.wait(timeout=10)  # hold the fetch open until every thread is racing for it
        return plain_token(request)

    server.token = slow_token  # type: ignore[method-assign]

    def call(http: httpx.Client) -> None:
        with lock:
            started[0] += 1
            if started[0] == 20:
                all_started.set()
        assert http.get("/a").status_code == 200

    with client(server, oauth()) as http:
        threads = [threading.Thread(target=call, args=(http,)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(server.token_requests) == 1
    assert len(server.api_requests) == 20


class AsyncServer(Server):
    """The same server for httpx.AsyncClient; the token endpoint waits until told to answer."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:  # type: ignore[override]
        if request.url.path.endswith("/token"):
            await self.release.wait()
            return self.token(request)
        return self.api(request)


@pytest.mark.asyncio
async def test_twenty_tasks_share_one_token_fetch() -> None:
    server = AsyncServer()
    started = [0]

    async def call(http: httpx.AsyncClient) -> int:
        started[0] += 1
        if started[0] == 20:
            server.release.set()
        return (await http.get("/a")).status_code

    async with async_client(server, oauth()) as http:
        statuses = await asyncio.gather(*(call(http) for _ in range(20)))
    assert statuses == [200] * 20
    assert len(server.token_requests) == 1


@pytest.mark.asyncio
async def test_async_401_causes_exactly_one_refetch_and_one_resend() -> None:
    server = AsyncServer()
    server.release.set()
    async with async_client(server, oauth()) as http:
        await http.get("/a")
        server.revoked.add("tok-1")
        response = await http.put("/b", json={"x": 1})
    assert response.json()["token"] == "tok-2"
    assert len(server.token_requests) == 2
    assert [r.url.path for r in server.api_requests] == ["/v1/a", "/v1/b", "/v1/b"]


@pytest.mark.asyncio
async def test_async_token_error_raises_its_family() -> None:
    server = AsyncServer()
    server.release.set()
    server.token_answer = httpx.Response(403, json={"error": "unauthorized_client"})
    async with async_client(server, oauth()) as http:
        with pytest.raises(Forbidden, match="unauthorized_client") as caught:
            await http.get("/a")
    assert SECRET not in repr(caught.value)


def test_one_auth_serves_several_event_loops(clock: Any) -> None:
    server = AsyncServer()
    auth = oauth(clock)

    async def one_call() -> str:
        server.release = asyncio.Event()
        server.release.set()
        async with async_client(server, auth) as http:
            return str((await http.get("/a")).json()["token"])

    assert asyncio.run(one_call()) == "tok-1"
    clock.advance(7200)
    assert asyncio.run(one_call()) == "tok-2"


def test_sync_and_async_flows_share_the_cache() -> None:
    server = AsyncServer()
    server.release.set()
    auth = oauth()
    with client(Server(), auth) as http:
        assert http.get("/a").json()["token"] == "tok-1"

    async def one_call() -> int:
        async with async_client(server, auth) as http:
            return (await http.get("/a")).status_code

    assert asyncio.run(one_call()) == 200
    assert server.token_requests == []  # the async client used the token the sync one fetched


def test_declares_that_it_needs_bodies() -> None:
    assert OAuth2ClientCredentials.requires_response_body is True
    assert OAuth2ClientCredentials.requires_request_body is True


# --- an API key beside OAuth2 (WithHeaders) ---------------------------------------------------------


def test_with_headers_adds_the_key_to_api_calls_only_and_keeps_the_401_refetch() -> None:
    server = Server()
    auth = WithHeaders(oauth(), {"X-Api-Key": "k3y"})
    with client(server, auth) as http:
        http.get("/a")
        server.revoked.add("tok-1")
        response = http.get("/b")

    assert response.json()["token"] == "tok-2"
    assert [r.headers.get("x-api-key") for r in server.api_requests] == ["k3y", "k3y", "k3y"]
    assert [r.headers.get("x-api-key") for r in server.token_requests] == [None, None]
    assert (auth.requires_request_body, auth.requires_response_body) == (True, True)


@pytest.mark.asyncio
async def test_async_with_headers_adds_the_key_and_keeps_the_401_refetch() -> None:
    server = AsyncServer()
    server.release.set()
    async with async_client(server, WithHeaders(oauth(), {"X-Api-Key": "k3y"})) as http:
        await http.get("/a")
        server.revoked.add("tok-1")
        response = await http.get("/b")

    assert response.json()["token"] == "tok-2"
    assert [r.headers.get("x-api-key") for r in server.api_requests] == ["k3y", "k3y", "k3y"]
    assert len(server.token_requests) == 2


def test_with_headers_repr_hides_the_key() -> None:
    shown = repr(WithHeaders(oauth(), {"X-Api-Key": "k3y-value"}))

    assert "k3y-value" not in shown
    assert SECRET not in shown
