from __future__ import annotations

import copy
import logging
import pickle
import re
import sys

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin._core.redact import (
    SENSITIVE_HEADERS,
    SENSITIVE_PARAMS,
    RedactingFilter,
    Secret,
    SecretSet,
    get_logger,
    html_escape,
    mask_pii,
    redact_headers,
    redact_text,
    redact_url,
)


@given(st.text())
def test_html_escape_is_the_standard_librarys(text: str) -> None:
    import html

    assert html_escape(text) == html.escape(text)


# --- Secret -----------------------------------------------------------------------------------


def test_secret_never_shows_its_value() -> None:
    secret = Secret("hunter2")
    assert str(secret) == "***"
    assert repr(secret) == "Secret('***')"
    assert f"{secret}" == "***"
    assert "hunter2" not in repr([secret, {"k": secret}])
    assert secret.reveal() == "hunter2"


def test_secret_equality_and_hash_by_value() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert hash(Secret("a")) == hash(Secret("a"))
    assert len({Secret("a"), Secret("a"), Secret("b")}) == 2
    assert Secret("a") != "a"  # a secret is not a str, so it never compares equal to one


def test_secret_of_wraps_a_str_and_keeps_a_secret() -> None:
    existing = Secret("x")
    assert Secret.of(existing) is existing
    assert Secret.of("x") == existing


def test_secret_refuses_non_str() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


def test_secret_cannot_be_pickled_but_can_be_copied() -> None:
    secret = Secret("x")
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(secret)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"s": secret})["s"] is secret


# --- headers ------------------------------------------------------------------------------------


def test_sensitive_headers_are_lower_case_and_cover_the_vendors() -> None:
    assert all(name == name.lower() for name in SENSITIVE_HEADERS)
    expected = {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "api_key",
        "api-key",
        "x-api-key",
        "user_token",
        "client_secret",
        "authentication",
    }
    assert expected <= SENSITIVE_HEADERS


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer abc", "API_KEY": "k1", "Accept": "application/json"},
        httpx.Headers({"Authorization": "Bearer abc", "API_KEY": "k1", "Accept": "application/json"}),
    ],
)
def test_redact_headers_masks_sensitive_values_whatever_their_case(headers: object) -> None:
    redacted = redact_headers(headers)  # type: ignore[arg-type]
    values = {name.lower(): value for name, value in redacted.items()}
    assert values == {"authorization": "***", "api_key": "***", "accept": "application/json"}


def test_redact_headers_returns_a_copy() -> None:
    original = {"Cookie": "session=1"}
    assert redact_headers(original) == {"Cookie": "***"}
    assert original == {"Cookie": "session=1"}


# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SENSITIVE_PARAMS))
def test_redact_url_masks_every_sensitive_param(name: str) -> None:
    assert redact_url(f"https://h/p?{name}=s3cr3t&page=2") == f"https://h/p?{name}=***&page=2"


def test_redact_url_param_names_are_case_insensitive_and_may_be_encoded() -> None:
    assert redact_url("https://h/?Access_Token=a&API%5FKEY=b") == "https://h/?Access_Token=***&API%5FKEY=***"


def test_redact_url_masks_pii_in_path_query_and_fragment() -> None:
    url = "https://api.example.com/v1/persons/19900101-1234/accounts?iban=SE4550000000058398257466#12345678"
    assert redact_url(url) == (
        "https://api.example.com/v1/persons/*********1234/accounts?iban=********************7466#****5678"
    )


def test_redact_url_sees_through_percent_encoding() -> None:
    url = httpx.URL("https://h/persons", params={"pnr": "19900101+1234"})
    assert "19900101" not in redact_url(url)
    assert redact_url(url).endswith("=*********1234")


def test_redact_url_masks_user_info() -> None:
    assert redact_url("https://user:pw@h/p") == "https://***@h/p"
    assert redact_url("https://token@h/p") == "https://***@h/p"


def test_redact_url_keeps_what_is_harmless() -> None:
    url = "https://api.example.com:8443/v2/orders/1500?status=200&from=2024-01-15T10:20:30Z&flag"
    assert redact_url(url) == url
    assert redact_url("/relative/path?page=3") == "/relative/path?page=3"


def test_redact_url_masks_a_bare_query_name_holding_pii() -> None:
    assert redact_url("https://h/?19900101-1234") == "https://h/?*********1234"


# --- mask_pii -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("19900101-1234", "*********1234"),  # personnummer, 12 digits
        ("900101-1234", "*******1234"),  # personnummer, 10 digits / Danish CPR
        ("191212121212", "********1212"),  # personnummer without separator
        ("121212+1212", "*******1212"),  # personnummer of someone over 100
        ("9001011234", "******1234"),  # 10 digits without separator
        ("01019912345", "*******2345"),  # Norwegian fødselsnummer
        ("010199 12345", "********2345"),  # fødselsnummer written with a space
        ("131052-308T", "*******308T"),  # Finnish HETU
        ("010105A123B", "*******123B"),  # HETU, born in the 2000s
        ("010199Y123B", "*******123B"),  # HETU, the 2023 century signs
        ("SE45 5000 0000 0583 9825 7466", "*************************7466"),  # IBAN, grouped
        ("SE4550000000058398257466", "********************7466"),  # IBAN, compact
        ("NO9386011117947", "***********7947"),
        ("4111 1111 1111 1111", "***************1111"),  # card, grouped, Luhn-valid
        ("4111-1111-1111-1111", "***************1111"),
        ("3782 822463 10005", "*************0005"),  # Amex grouping
        ("4111111111111111", "************1111"),  # card, compact
        ("1234.56.78903", "*********8903"),  # Norwegian account number
        ("8327-1234567", "********4567"),  # Swedish clearing + account
        ("12345678", "****5678"),  # any run of 8 digits
        ("1700000000000", "*********0000"),  # epoch milliseconds: masked, by design
    ],
)
def test_mask_pii_masks_all_but_the_last_four(text: str, masked: str) -> None:
    assert mask_pii(text) == masked
    assert mask_pii(f"customer {text}, created") == f"customer {masked}, created"


@pytest.mark.parametrize(
    "text",
    [
        "GET /orders answered 503",
        "year 2024, amount 1500 SEK, 1234567 items",
        "at 2024-01-15T10:20:30.123456+01:00",
        "2024-01-15 10:20:30",
        "delay 0.30000000000000004s",  # the fraction of a float is not an account
        "4111 1111 1111 1112",  # grouped like a card but fails Luhn: four small numbers
        "sizes 1024 2048 4096 8192",
        "AB12 THIS TEXT HERE",  # shaped like an IBAN but without its digits
        "version 1.2.3, port 8443, HTTP/1.1",
        "",
    ],
)
def test_mask_pii_leaves_harmless_text_alone(text: str) -> None:
    assert mask_pii(text) == text


@given(st.text())
def test_mask_pii_keeps_the_length_and_is_stable(text: str) -> None:
    once = mask_pii(text)
    assert len(once) == len(text)
    assert mask_pii(once) == once


@given(st.text(alphabet="0123456789 -+abcXYZ/:,", max_size=80))
def test_mask_pii_leaves_no_long_digit_run(text: str) -> None:
    assert re.search(r"[0-9]{8}", mask_pii(text)) is None


@given(st.from_regex(r"[0-9]{8,19}", fullmatch=True), st.sampled_from([" ", "=", "/", "(", "\n"]))
def test_mask_pii_masks_any_long_run_in_context(number: str, around: str) -> None:
    masked = "*" * (len(number) - 4) + number[-4:]
    assert mask_pii(f"x{around}{number}{around}y") == f"x{around}{masked}{around}y"


# --- logging --------------------------------------------------------------------------------


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("nordfin.test", logging.INFO, __file__, 1, msg, args, None)


def test_filter_masks_the_formatted_message_and_clears_args() -> None:
    record = _record("customer %s has account %s", "19900101-1234", 12345678)
    assert RedactingFilter().filter(record) is True
    assert record.msg == "customer *********1234 has account ****5678"
    assert record.args is None
    assert record.getMessage() == record.msg


def test_redact_text_redacts_every_url_in_it() -> None:
    text = 'GET https://h/a?token=abc "200" then <http://u:p@h/b?api_key=k&n=1> for 19900101-1234'
    assert redact_text(text) == (
        'GET https://h/a?token=*** "200" then <http://***@h/b?api_key=***&n=1> for *********1234'
    )


def test_filter_redacts_urls_in_messages() -> None:
    record = _record("calling %s", httpx.URL("https://h/p", params={"access_token": "abc"}))
    RedactingFilter().filter(record)
    assert record.msg == "calling https://h/p?access_token=***"


def test_filter_masks_tracebacks() -> None:
    try:
        raise ValueError("bad id 19900101-1234")
    except ValueError:
        record = logging.LogRecord("n", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    RedactingFilter().filter(record)
    assert record.exc_text is not None
    assert "19900101-1234" not in record.exc_text
    assert "*********1234" in record.exc_text


def test_filter_masks_stack_info() -> None:
    record = _record("x")
    record.stack_info = "frame with 19900101-1234"
    RedactingFilter().filter(record)
    assert record.stack_info == "frame with *********1234"


def test_filter_never_drops_a_record_with_bad_arguments() -> None:
    record = _record("two %s %s", "19900101-1234")
    assert RedactingFilter().filter(record) is True
    assert "unformattable" in str(record.msg)


def test_get_logger_is_idempotent_and_filters_parent_and_child() -> None:
    child = get_logger("nordfin.test_redact")
    assert get_logger("nordfin.test_redact") is child
    for logger in (child, logging.getLogger("nordfin"), logging.getLogger("httpx")):
        assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
    assert get_logger() is logging.getLogger("nordfin")


def test_httpx_request_log_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    get_logger()
    caplog.set_level(logging.INFO, logger="httpx")
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with httpx.Client(transport=transport) as client:
        client.get("https://api.example.com/persons/19900101-1234", params={"token": "s3cr3t"})
    assert "HTTP Request: GET https://api.example.com/persons/*********1234?token=***" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_child_logger_output_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nordfin")
    get_logger("nordfin.test_redact.deep").info("paid from %s", "SE4550000000058398257466")
    assert "SE4550000000058398257466" not in caplog.text
    assert "********************7466" in caplog.text


# --- what a request teaches a secret set -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "learnt"),
    [
        ("?Access_Token=s3cr3t-token-1&page=2", True),
        ("?API%5FKEY=s3cr3t-token-1", True),  # a name percent-encoded reads as the name
        ("?%24filter=s3cr3t-token-1&%24top=25", False),  # a filter's value is no secret
        ("?api+key=s3cr3t-token-1", False),  # "api key" is not "api_key"
    ],
)
def test_a_sent_request_teaches_its_sensitive_query_parameters(query: str, learnt: bool) -> None:
    secrets = SecretSet()
    secrets.learn_request(httpx.Request("GET", f"https://h/p{query}"))

    assert ("***" in secrets.scrub("echo s3cr3t-token-1")) is learnt
