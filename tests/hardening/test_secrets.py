"""Guarantee: every secret a client holds — its key or token, an OAuth2 client secret in raw,
URL-encoded and Basic-encoded form, a token it fetched, a card token it sent — is masked in every
exception it raises (message, args, attributes, vendor payload, raw body, chained causes), in every
record of the ``nordfin``, ``httpx`` and ``httpcore`` loggers, and in the client's ``repr``, even
when the server echoes everything it was sent (in its body and its headers)."""

from __future__ import annotations

import base64
import logging
import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin.errors import NordfinError, VendorError
from tests.hardening._echo import EchoServer, serve
from tests.hardening._five import SLUGS, build

# Printable ASCII a header can carry, with the characters URL-encoding and Basic change.
# A drawn value of letters alone can spell nordfin's own words ("PermanadErro" is in the class name
# of every Permånad error), which are no leak: like real keys, secrets here hold a digit.
SECRET = st.text(
    alphabet=string.ascii_letters + string.digits + "-._~+/=&%:!$*", min_size=12, max_size=40
).filter(lambda value: any(char.isdigit() for char in value))
PART = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=4, max_size=16)
CARD_TOKEN = st.tuples(PART, PART, PART).map(".".join)
SECRETS = st.fixed_dictionaries(
    {"key": SECRET, "token": CARD_TOKEN, "client_secret": SECRET, "access": SECRET}
)


def held(slug: str, secrets: dict[str, str], granted: bool) -> dict[str, str]:
    """The secrets the client of ``slug`` really holds or sends: its key, PayFunc's card token, and
    Aptic's client secret and (once granted) access token. A value no client holds is ordinary text
    (a drawn "authorizatio" is in every echoed header list) and needs no mask."""
    mine = {"key": secrets["key"]}
    if slug == "payfunc":
        mine["token"] = secrets["token"]
    if slug == "aptic":
        mine["client_secret"] = secrets["client_secret"]
        if granted:
            mine["access"] = secrets["access"]
    return mine


def forms(secrets: dict[str, str]) -> set[str]:
    """Each secret as it may travel back: raw, URL-encoded, and the Basic pair of the client secret."""
    found = {form for value in secrets.values() for form in (value, quote(value, safe=""), quote_plus(value))}
    if "client_secret" in secrets:
        for pair in (f"app:{quote_plus(secrets['client_secret'])}", f"app:{secrets['client_secret']}"):
            found.add(base64.b64encode(pair.encode()).decode())
    return found


def texts_of(error: BaseException) -> Iterator[str]:
    """Every text an exception offers: message, repr, args, attributes, and those of its causes."""
    current: BaseException | None = error
    while current is not None:
        yield from (str(current), repr(current), repr(current.args))
        for value in vars(current).values():
            yield repr(value)
            if isinstance(value, bytes):
                yield value.decode("utf-8", "replace")
            if isinstance(value, VendorError):
                yield from (repr(value.data), repr(value.details), str(value.message), str(value.field))
        current = current.__cause__ or current.__context__


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{record.getMessage()} {record.exc_text or ''}")


@contextmanager
def records() -> Iterator[Records]:
    handler, root = Records(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[EchoServer, str]]:
    server = EchoServer()
    with serve(server) as url:
        yield server, url


def assert_masked(secrets: dict[str, str], error: BaseException, logs: Records, client: Any) -> None:
    leaked = [
        (form, where)
        for form in forms(secrets)
        for where, text in [("error", t) for t in texts_of(error)]
        + [("log", t) for t in logs.texts]
        + [("repr", repr(client))]
        if form in text
    ]
    assert leaked == []


def run(slug: str, secrets: dict[str, str], server: EchoServer, **settings: Any) -> None:
    for token in (None, secrets["access"]):  # the token endpoint fails, or grants a token
        server.token = token
        with records() as logs:
            client, call = build(slug, secrets, **settings)
            with client, pytest.raises(NordfinError) as caught:
                call()
            assert_masked(held(slug, secrets, token is not None), caught.value, logs, client)


@pytest.mark.parametrize("slug", SLUGS)
@given(secrets=SECRETS)
def test_an_echoing_server_never_gets_a_secret_out_mock(slug: str, secrets: dict[str, str]) -> None:
    server = EchoServer()
    run(slug, secrets, server, transport=httpx.MockTransport(server.handler))


@pytest.mark.parametrize("slug", SLUGS)
@given(secrets=SECRETS)
def test_an_echoing_server_never_gets_a_secret_out_loopback(
    slug: str, secrets: dict[str, str], loopback: tuple[EchoServer, str]
) -> None:
    """Over a real socket, so httpcore logs the echoed response headers at DEBUG."""
    server, url = loopback
    run(slug, secrets, server, base_url=url)
