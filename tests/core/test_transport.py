from __future__ import annotations

import asyncio
import inspect
import ssl
from importlib.metadata import PackageNotFoundError
from pathlib import Path
from typing import Any

import httpx
import pytest

import nordfin._core.transport as transport_module
from nordfin._core.auth import BearerAuth
from nordfin._core.ratelimit import RateLimiter
from nordfin._core.redact import Secret
from nordfin._core.retry import RetryPolicy
from nordfin._core.transport import (
    DEFAULT_TIMEOUT,
    ClientCert,
    build_async_client,
    build_sync_client,
    env_proxy,
    ssl_context,
    user_agent,
)
from nordfin.errors import RequestValidationError

BASE = "https://api.example.com/v1"
PASSWORD = "pem-pa55"


# --- TLS --------------------------------------------------------------------------------------


def assert_verifying(ctx: ssl.SSLContext) -> None:
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname is True
    assert ctx.cert_store_stats()["x509_ca"] > 0  # a CA bundle is loaded


def test_ssl_context_always_verifies() -> None:
    assert_verifying(ssl_context())


def test_there_is_no_switch_to_turn_verification_off() -> None:
    for function in (ssl_context, build_sync_client, build_async_client):
        assert not {"verify", "insecure", "verify_ssl"} & set(inspect.signature(function).parameters)


def test_client_cert_with_separate_key_loads(certs: Path) -> None:
    assert_verifying(ssl_context(ClientCert(str(certs / "plain.crt"), str(certs / "plain.key"))))


def test_client_cert_with_key_in_the_same_file_loads(certs: Path) -> None:
    assert_verifying(ssl_context(ClientCert(str(certs / "combined.pem"))))


@pytest.mark.parametrize("password", [Secret(PASSWORD), PASSWORD])
def test_client_cert_with_encrypted_key_loads(certs: Path, password: Any) -> None:
    cert = ClientCert(str(certs / "encrypted.crt"), str(certs / "encrypted.key"), password=password)
    assert cert.password == Secret(PASSWORD)
    assert_verifying(ssl_context(cert))


def test_client_cert_with_a_wrong_password_fails(certs: Path) -> None:
    cert = ClientCert(str(certs / "encrypted.crt"), str(certs / "encrypted.key"), password=Secret("wrong"))
    with pytest.raises(RequestValidationError, match="cert: cannot be loaded"):
        ssl_context(cert)


def test_client_cert_repr_hides_the_password() -> None:
    cert = ClientCert("c.pem", "k.pem", password=PASSWORD)
    assert PASSWORD not in repr(cert)
    assert "Secret('***')" in repr(cert)


def test_missing_cert_file_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(RequestValidationError, match=r"cert: cannot be loaded \(FileNotFoundError\)"):
        ssl_context(ClientCert(str(tmp_path / "missing.pem")))


# --- clients ----------------------------------------------------------------------------------


class Recorder:
    """Answers with the scripted statuses in turn (the last repeats) and keeps every request."""

    def __init__(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.statuses = list(statuses)
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return httpx.Response(status, headers=self.headers)


def sync_client(recorder: Recorder, **kwargs: Any) -> httpx.Client:
    return build_sync_client(
        base_url=BASE, auth=kwargs.pop("auth", None), transport=httpx.MockTransport(recorder), **kwargs
    )


def async_client(recorder: Recorder, **kwargs: Any) -> httpx.AsyncClient:
    return build_async_client(
        base_url=BASE, auth=kwargs.pop("auth", None), transport=httpx.MockTransport(recorder), **kwargs
    )


def test_sync_client_retries_through_the_given_transport(sleep: Any, sleeps: list[float]) -> None:
    recorder = Recorder(503, 503, 200)
    with sync_client(recorder, sleep=sleep) as http:
        assert http.get("/customers").status_code == 200
    assert [str(r.url) for r in recorder.requests] == [f"{BASE}/customers"] * 3
    assert len(sleeps) == 2


def test_sync_client_uses_policy_and_limiter(clock: Any, sleep: Any, sleeps: list[float]) -> None:
    recorder = Recorder(200)
    limiter = RateLimiter(1, 5, clock=clock, margin=0)
    with sync_client(recorder, sleep=sleep, limiter=limiter, policy=RetryPolicy.none()) as http:
        http.get("/a")
        http.get("/b")
    assert sleeps == [5.0]  # the limiter waited, with the injected sleep
    with sync_client(Recorder(503, 200), sleep=sleep, policy=RetryPolicy.none()) as http:
        assert http.get("/a").status_code == 503


def test_sync_client_defaults(sleep: Any) -> None:
    recorder = Recorder(302, headers={"Location": "https://elsewhere.example.com/"})
    with sync_client(recorder, auth=BearerAuth("tok"), sleep=sleep, headers={"X-Extra": "1"}) as http:
        response = http.get("/a")
        assert http.timeout == DEFAULT_TIMEOUT
    assert response.status_code == 302  # redirects are not followed
    (request,) = recorder.requests
    assert request.headers["user-agent"] == user_agent()
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["x-extra"] == "1"


def test_headers_may_replace_the_user_agent(sleep: Any) -> None:
    recorder = Recorder(200)
    with sync_client(recorder, sleep=sleep, headers={"User-Agent": "app/1"}, timeout=5.0) as http:
        http.get("/a")
        assert http.timeout == httpx.Timeout(5.0)
    assert recorder.requests[0].headers["user-agent"] == "app/1"


def test_default_timeout() -> None:
    assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read, DEFAULT_TIMEOUT.write, DEFAULT_TIMEOUT.pool) == (
        10.0,
        30.0,
        30.0,
        30.0,
    )


@pytest.mark.asyncio
async def test_async_client_retries_and_limits(clock: Any, async_sleep: Any, sleeps: list[float]) -> None:
    recorder = Recorder(503, 200, 302)
    limiter = RateLimiter(1, 5, clock=clock, margin=0)
    rnd_free = RetryPolicy(jitter=0, initial_delay=1, max_delay=1)
    async with async_client(
        recorder, sleep=async_sleep, limiter=limiter, policy=rnd_free, auth=BearerAuth("tok")
    ) as http:
        assert (await http.get("/a")).status_code == 200
        assert (await http.get("/b")).status_code == 302
        assert http.timeout == DEFAULT_TIMEOUT
    assert sleeps == [1.0, 4.0, 5.0]  # backoff, then the limiter's remainder, then the limiter
    assert len(recorder.requests) == 3
    assert all(r.headers["user-agent"] == user_agent() for r in recorder.requests)
    assert all(r.headers["authorization"] == "Bearer tok" for r in recorder.requests)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_without_a_transport_a_verifying_http_transport_is_built(
    kind: str, monkeypatch: pytest.MonkeyPatch, certs: Path
) -> None:
    seen: list[ClientCert | None] = []

    def spy(cert: ClientCert | None = None) -> ssl.SSLContext:
        seen.append(cert)
        return ssl_context(cert)

    monkeypatch.setattr(transport_module, "ssl_context", spy)
    cert = ClientCert(str(certs / "combined.pem"))
    if kind == "sync":
        build_sync_client(base_url=BASE, auth=None, cert=cert).close()
    else:
        asyncio.run(build_async_client(base_url=BASE, auth=None, cert=cert).aclose())
    assert seen == [cert]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "http://proxy.corp:3128"),
        ({"https_proxy": "proxy.corp:3128"}, "http://proxy.corp:3128"),
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, None),  # only the https proxy serves an https API
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".example.com"}, None),
    ],
)
def test_env_proxy(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None) -> None:
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert env_proxy(BASE) == expected


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_built_transport_uses_the_environment_proxy(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(transport_module, "env_proxy", lambda url: "http://proxy.corp:3128")
    name = "HTTPTransport" if kind == "sync" else "AsyncHTTPTransport"
    real = getattr(httpx, name)

    def spy(**kwargs: Any) -> Any:
        seen.append(kwargs["proxy"])
        return real(**kwargs)

    monkeypatch.setattr(httpx, name, spy)
    if kind == "sync":
        build_sync_client(base_url=BASE, auth=None).close()
    else:
        asyncio.run(build_async_client(base_url=BASE, auth=None).aclose())
    assert seen == ["http://proxy.corp:3128"]


def test_user_agent_names_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    user_agent.cache_clear()
    monkeypatch.setattr(transport_module, "version", missing)
    assert user_agent() == "nordfin/0+unknown"
    user_agent.cache_clear()
    monkeypatch.setattr(transport_module, "version", lambda name: "1.2.3")
    assert user_agent() == "nordfin/1.2.3"
    user_agent.cache_clear()
