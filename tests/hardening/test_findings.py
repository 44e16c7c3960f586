"""Regression tests for the findings of issue 13, one behaviour each; each failed before its fix."""

from __future__ import annotations

import asyncio
import logging
import pickle
from pathlib import Path
from typing import Any

import httpx
import pytest

from nordfin import aptic, goto, payfunc
from nordfin._core.redact import Secret, get_logger
from nordfin.errors import (
    ClientClosed,
    NordfinError,
    NotFound,
    RateLimited,
    RequestValidationError,
    ResponseValidationError,
    ServerError,
    TransportError,
    Unauthorized,
)
from nordfin.testing.aptic import FakeAptic
from nordfin.testing.goto import FakeGoto
from tests.hardening._five import no_sleep

KEY = "k3y-0f-the-st0re"


def goto_client(answer: httpx.Response, **settings: Any) -> goto.Client:
    return goto.Client(
        store="4711", api_key=KEY, transport=httpx.MockTransport(lambda r: answer), sleep=no_sleep, **settings
    )


# --- secrets ----------------------------------------------------------------------------------


def test_account_link_key_is_a_secret() -> None:
    link = {
        "url": "https://p.example/l",
        "created": "2024-01-01T00:00:00Z",
        "expires": "2024-01-04T00:00:00Z",
    }
    answer = httpx.Response(200, json={**link, "key": "aaa.bbb.ccc"})
    client = payfunc.Client(api_key="abc.def.ghi", transport=httpx.MockTransport(lambda r: answer))
    with client:
        made = client.accounts.create_link("acc1acc1acc1acc1")
    assert made is not None
    assert isinstance(made.key, Secret)
    assert made.key.reveal() == "aaa.bbb.ccc"
    assert "aaa.bbb.ccc" not in repr(made)


@pytest.mark.parametrize(
    "name", ["httpcore", "httpcore.http11", "httpcore.http2", "httpcore.connection", "httpcore.proxy"]
)
def test_httpcore_debug_log_is_filtered(name: str, caplog: pytest.LogCaptureFixture) -> None:
    get_logger()
    caplog.set_level(logging.DEBUG)
    logging.getLogger(name).debug(
        "receive_response_headers.complete return_value=%r",
        (b"HTTP/1.1", 200, [(b"Set-Cookie", b"sid=abcdef")]),
    )
    assert "abcdef" not in caplog.text
    assert "(b'Set-Cookie', b'***')" in caplog.text


# --- errors -----------------------------------------------------------------------------------


def test_errors_survive_pickling_with_their_class_and_attributes() -> None:
    with (
        goto_client(
            httpx.Response(404, json={"errorCode": 900531, "errorMessage": "no such term"})
        ) as client,
        pytest.raises(NotFound) as caught,
    ):
        client.payment_terms.get("NET30")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is type(caught.value)
    assert (copy.status, copy.code, str(copy), copy.raw) == (404, 900531, str(caught.value), caught.value.raw)


@pytest.mark.parametrize(
    "error",
    [
        RequestValidationError("field", "rule"),
        ResponseValidationError("op", 200, ["a", "b"], b"raw"),
        RateLimited("slow down", retry_after=3.0, status=429),
        ClientClosed("closed"),
    ],
)
def test_every_error_kind_pickles(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), repr(vars(copy))) == (type(error), str(error), repr(vars(error)))


def test_control_characters_of_an_orderby_are_escaped_in_the_error() -> None:
    fake = FakeAptic()
    with fake.client() as client, pytest.raises(NordfinError) as caught:
        client.customers.list(orderby="fullName\r\n2024-01-01 INFO forged line")
    assert "fullName\\r\\n2024-01-01+INFO" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_control_characters_are_escaped_in_every_error_text() -> None:
    error = NotFound("GET /x answered 404: evil\r\nINFO forged \x1b[31m")
    assert str(error) == "GET /x answered 404: evil\\r\\nINFO forged \\x1b[31m"


def test_a_closed_client_raises_a_nordfin_error() -> None:
    fake = FakeGoto()
    client = fake.client()
    client.close()
    with pytest.raises(ClientClosed, match="closed"):
        client.payment_terms.list()


def test_a_closed_async_client_raises_a_nordfin_error() -> None:
    async def main() -> None:
        fake = FakeGoto()
        client = fake.async_client()
        await client.aclose()
        with pytest.raises(ClientClosed, match="closed"):
            await client.payment_terms.list()

    asyncio.run(main())


# --- the Aptic token endpoint -----------------------------------------------------------------

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def aptic_client(token_answer: httpx.Response, counter: list[int]) -> aptic.AsyncClient:
    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let the other tasks run up to the token lock, as a network wait would
        if request.url.path.endswith("access_token"):
            counter.append(1)
            return token_answer
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    async def no_async_sleep(seconds: float) -> None:
        """Instant."""

    return aptic.AsyncClient(
        base_url="https://aptic.example/api",
        client_id="app",
        client_secret="secret-of-the-app",
        transport=httpx.MockTransport(answer),
        sleep=no_async_sleep,
    )


@pytest.mark.parametrize(
    ("answer", "family"),
    [
        (httpx.Response(503, text="down"), ServerError),
        (httpx.Response(502, html="<html><body>Bad gateway</body></html>"), ServerError),
        (httpx.Response(200, text="not json"), ResponseValidationError),
        (httpx.Response(429, headers={"Retry-After": "7"}), RateLimited),
        (httpx.Response(401, json={"error": "invalid_client"}), Unauthorized),
    ],
)
def test_a_token_endpoint_failure_is_raised_as_its_family(
    answer: httpx.Response, family: type[Exception]
) -> None:
    async def main() -> BaseException:
        async with aptic_client(answer, []) as client:
            with pytest.raises(family) as caught:
                await client.customers.get(GUID)
        return caught.value

    error = asyncio.run(main())
    assert not isinstance(error, Unauthorized) or family is Unauthorized


def test_twenty_tasks_make_one_token_fetch_when_the_endpoint_is_down() -> None:
    counter: list[int] = []

    async def main() -> list[BaseException | Any]:
        async with aptic_client(httpx.Response(503, text="down"), counter) as client:
            return await asyncio.gather(
                *(client.customers.get(GUID) for _ in range(20)), return_exceptions=True
            )

    results = asyncio.run(main())
    assert [type(r) for r in results] == [ServerError] * 20
    assert len(counter) == 3  # one fetch, retried as the policy allows (3 attempts)


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("retry", "3"),
        ("sleep", 123),
        ("timeout", "30"),
        ("timeout", -1),
        ("strict", "yes"),
        ("transport", object()),
        ("cert", 42),
        ("cert", ("only-one-part",)),
    ],
)
def test_a_wrong_setting_is_refused_at_construction(setting: str, value: Any) -> None:
    with pytest.raises(RequestValidationError) as caught:
        goto.Client(store="4711", api_key=KEY, **{setting: value})
    assert caught.value.field == setting


def test_an_async_sleep_is_refused_by_the_sync_client() -> None:
    async def sleep(seconds: float) -> None:
        """Async."""

    with pytest.raises(RequestValidationError, match="sleep"):
        goto.Client(store="4711", api_key=KEY, sleep=sleep)


@pytest.mark.parametrize(
    "form",
    [
        lambda d: str(d / "combined.pem"),
        lambda d: d / "combined.pem",
        lambda d: (str(d / "plain.crt"), str(d / "plain.key")),
        lambda d: (str(d / "encrypted.crt"), str(d / "encrypted.key"), "pem-pa55"),
    ],
)
def test_cert_takes_every_form_httpx_accepts(certs: Path, form: Any) -> None:
    with goto.Client(store="4711", api_key=KEY, cert=form(certs)) as client:
        assert client.base_url.startswith("https://")


def test_a_cert_that_cannot_be_loaded_is_refused_at_construction(tmp_path: Path) -> None:
    with pytest.raises(RequestValidationError, match="cert: cannot be loaded"):
        goto.Client(store="4711", api_key=KEY, cert=str(tmp_path / "client.pem"))


def test_an_undecodable_body_is_a_transport_error_not_httpx() -> None:
    gzip = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    answer = httpx.Response(200, headers=gzip, stream=httpx.ByteStream(b"not gzip at all"))
    with goto_client(answer) as client, pytest.raises(TransportError, match="DecodingError"):
        client.payment_terms.list()
