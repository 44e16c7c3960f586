"""nordfin.aptic on a mock transport: what goes on the wire, checks before sending, retries, errors."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from nordfin import RetryPolicy, aptic
from nordfin.errors import (
    NotFound,
    RequestValidationError,
    ResponseValidationError,
    ServerError,
    Unauthorized,
)

BASE = "https://c000001.test.hosting.aptic.cloud/C000001-00001-T01/APIGW"
TOKEN_URL = BASE + "/login/oauth/access_token"
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
SECRET = "s3cr3t-client-secret"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A mock gateway: answers the token endpoint, records every request, answers the rest with ``api``."""

    def __init__(self, api: Handler, *, expires_in: int = 3600) -> None:
        self.api = api
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # A copy: the auth flow changes the same request object when it resends it.
        copied = httpx.Request(
            request.method, request.url, headers=request.headers.copy(), content=request.content
        )
        self.requests.append(copied)
        if str(request.url) == TOKEN_URL:
            self.tokens += 1
            return httpx.Response(
                200, json={"access_token": f"token-{self.tokens}", "expires_in": self.expires_in}
            )
        return self.api(request)

    @property
    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if str(r.url) != TOKEN_URL]


def client(api: Handler, **kwargs: Any) -> tuple[aptic.Client, Recorder]:
    recorder = Recorder(api)
    kwargs.setdefault("sleep", lambda seconds: None)
    made = aptic.Client(
        base_url=BASE,
        client_id="my-client",
        client_secret=SECRET,
        transport=httpx.MockTransport(recorder),
        **kwargs,
    )
    return made, recorder


def envelope(items: list[dict[str, Any]], skip: int = 0, total: int | None = None) -> httpx.Response:
    body = {
        "count": len(items),
        "skip": skip,
        "total": len(items) if total is None else total,
        "value": items,
    }
    return httpx.Response(200, json=body)


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing should have been sent, got {request.method} {request.url}")


def test_the_token_is_fetched_once_with_http_basic_and_sent_as_bearer() -> None:
    api, recorder = client(lambda r: envelope([]))

    api.customers.list()
    api.customers.list()

    token_request = recorder.requests[0]
    assert recorder.tokens == 1
    assert str(token_request.url) == TOKEN_URL
    basic = base64.b64encode(f"my-client:{SECRET}".encode()).decode()
    assert f"Basic {basic}" == token_request.headers["authorization"]
    assert parse_qs(token_request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert [r.headers["authorization"] for r in recorder.api_requests] == ["Bearer token-1", "Bearer token-1"]


def test_token_auth_post_sends_the_credentials_in_the_form() -> None:
    api, recorder = client(lambda r: envelope([]), token_auth="post")

    api.customers.list()

    form = parse_qs(recorder.requests[0].content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["my-client"],
        "client_secret": [SECRET],
    }
    assert "authorization" not in recorder.requests[0].headers


def test_a_401_fetches_a_new_token_once_and_repeats_the_call() -> None:
    answers = iter([httpx.Response(401, json={"title": "Unauthorized", "status": 401}), envelope([])])
    api, recorder = client(lambda r: next(answers))

    page = api.customers.list()

    assert page.total == 0
    assert recorder.tokens == 2
    assert [r.headers["authorization"] for r in recorder.api_requests] == ["Bearer token-1", "Bearer token-2"]


def test_the_api_key_goes_to_the_api_in_the_configured_header_never_to_the_token_endpoint() -> None:
    api, recorder = client(lambda r: envelope([]), api_key="k3y", api_key_header="Ocp-Apim-Subscription-Key")

    api.customers.list()

    token_request, call = recorder.requests
    assert "ocp-apim-subscription-key" not in token_request.headers
    assert call.headers["ocp-apim-subscription-key"] == "k3y"
    assert call.headers["authorization"] == "Bearer token-1"


def test_the_filter_builder_quotes_values_on_the_wire() -> None:
    api, recorder = client(lambda r: envelope([]))
    name = aptic.Field("fullName")

    api.customers.list(
        filter=name.eq("O'Brien") & aptic.Field("juridicalType").eq(1), orderby="fullName desc"
    )

    query = recorder.api_requests[0].url.params
    assert query["$filter"] == "(fullName eq 'O''Brien') and (juridicalType eq 1)"
    assert query["$orderby"] == "fullName desc"
    assert (query["$skip"], query["$top"]) == ("0", "25")


def test_iterate_walks_pages_of_100_and_stops_at_total() -> None:
    people = [{"customerGuid": str(uuid.UUID(int=n)), "fullName": f"P{n}"} for n in range(250)]

    def pages(request: httpx.Request) -> httpx.Response:
        skip, top = int(request.url.params["$skip"]), int(request.url.params["$top"])
        return envelope(people[skip : skip + top], skip=skip, total=len(people))

    api, recorder = client(pages)

    names = [customer.full_name for customer in api.customers.iterate()]

    assert [p["fullName"] for p in people] == names
    assert [(r.url.params["$skip"], r.url.params["$top"]) for r in recorder.api_requests] == [
        ("0", "100"),
        ("100", "100"),
        ("200", "100"),
    ]


def test_iterate_stops_on_an_empty_page_even_if_total_says_more() -> None:
    api, recorder = client(lambda r: envelope([], total=10))

    assert list(api.customers.iterate()) == []
    assert len(recorder.api_requests) == 1


def test_iterate_without_the_guessed_envelope_members_pages_on_while_pages_are_full(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """That count, skip and total are always there is a guess of the spec: an answer without them
    is read (with a warning), and paging goes on while pages come back full."""
    people = [{"customerGuid": str(uuid.UUID(int=n)), "fullName": f"P{n}"} for n in range(150)]

    def pages(request: httpx.Request) -> httpx.Response:
        skip, top = int(request.url.params["$skip"]), int(request.url.params["$top"])
        return httpx.Response(200, json={"value": people[skip : skip + top]})

    api, recorder = client(pages)
    with caplog.at_level(logging.WARNING, logger="nordfin"):
        names = [customer.full_name for customer in api.customers.iterate()]

    assert [p["fullName"] for p in people] == names
    assert [r.url.params["$skip"] for r in recorder.api_requests] == ["0", "100"]
    assert any("body.count" in r.getMessage() and "list_customers" in r.getMessage() for r in caplog.records)
    with pytest.raises(ResponseValidationError, match=r"body\.count"):
        client(pages, strict=True)[0].customers.list()


def test_accrued_interest_iterates_until_a_page_is_not_full() -> None:
    items = [{"n": n} for n in range(5)]

    def pages(request: httpx.Request) -> httpx.Response:
        skip, top = int(request.url.params["$skip"]), int(request.url.params["$top"])
        return httpx.Response(200, json=items[skip : skip + top])

    api, recorder = client(pages)

    seen = [item["n"] for item in api.customers.iterate_accrued_interest(GUID, page_size=2)]

    assert seen == [0, 1, 2, 3, 4]
    assert [r.url.params["$skip"] for r in recorder.api_requests] == ["0", "2", "4"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda api: api.customers.get("not-a-guid"), "customer_guid"),
        (lambda api: api.customers.get("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}"), "customer_guid"),
        (lambda api: api.customers.addresses(GUID).get("../admin"), "address_guid"),
        (lambda api: api.customers.extra_fields(GUID).get("a/b"), "name"),
        (lambda api: api.customers.list(top=101), "top"),
        (lambda api: api.customers.list(top=0), "top"),
        (lambda api: api.customers.list(skip=-1), "skip"),
        (lambda api: api.customers.list(filter=42), "filter"),
        (lambda api: api.customers.list(filter=aptic.Field("a b").eq(1)), "filter"),
        (lambda api: api.customers.list(filter=aptic.Field("dateOfBirth").gt(float("nan"))), "filter"),
        (lambda api: api.customers.update(GUID, aptic.CustomerUpdate()), "changes"),
        (lambda api: api.customers.create(aptic.CustomerCreate(juridical_type=7)), "juridicalType"),  # type: ignore[arg-type]
        (lambda api: api.customers.create(aptic.CustomerCreate(parent_customer="x")), "parentCustomer"),
        (lambda api: api.customers.invoke_service(GUID, "a/b"), "service_definition"),
        (lambda api: api.services.invoke("Export", asynchronous="yes"), "asynchronous"),  # type: ignore[arg-type]
        (lambda api: api.customers.extra_fields(GUID).create(aptic.ExtraFieldInput(value=["x"])), "name"),
        (lambda api: api.customers.parameters(GUID).create([]), "parameters"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    call: Callable[[aptic.Client], Any], field: str
) -> None:
    api, recorder = client(refuse)

    with pytest.raises(RequestValidationError) as raised:
        call(api)

    assert field == raised.value.field
    assert recorder.requests == []


def mandate(**changes: Any) -> aptic.DirectDebitMandateInput:
    fields: dict[str, Any] = {
        "direct_debit_mandate_type": aptic.DirectDebitMandateType.SWEDISH_AUTOGIRO,
        "receiving_bank_account_no": "5050-1055",
    }
    return aptic.DirectDebitMandateInput(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"direct_debit_mandate_type": 6}, "directDebitMandateType"),
        ({"direct_debit_mandate_type": True}, "directDebitMandateType"),
        ({"receiving_bank_account_no": "   "}, "receivingBankAccountNo"),
        ({"receiving_bank_account_no": ""}, "receivingBankAccountNo"),
        ({"sending_bank_account_class": 6}, "sendingBankAccountClass"),
    ],
)
def test_a_mandate_is_checked_before_sending(changes: dict[str, Any], field: str) -> None:
    api, recorder = client(refuse)

    with pytest.raises(RequestValidationError) as raised:
        api.customers.direct_debit_mandates(GUID).create(mandate(**changes))

    assert field == raised.value.field
    assert recorder.requests == []


def test_a_mandate_type_given_as_its_number_is_sent_as_that_number() -> None:
    answer = {"mandateGuid": GUID, "directDebitMandateType": 3}
    api, recorder = client(lambda r: httpx.Response(200, json=answer))

    created = api.customers.direct_debit_mandates(GUID).create(
        mandate(
            direct_debit_mandate_type=3, sending_bank_account_class=aptic.BankAccountClass.BANK_ACCOUNT_SE
        )
    )

    sent = json.loads(recorder.api_requests[0].content)
    assert (
        sent["directDebitMandateType"],
        sent["sendingBankAccountClass"],
        sent["receivingBankAccountNo"],
    ) == (3, 9, "5050-1055")
    assert created.direct_debit_mandate_type == 3


def test_an_update_sends_exactly_the_members_set_and_null_for_the_cleared() -> None:
    api, recorder = client(lambda r: httpx.Response(204))

    api.customers.update(GUID, aptic.CustomerUpdate(email="anna@example.se", telefax=None))

    request = recorder.api_requests[0]
    assert ("PATCH", f"{BASE}/v1/Customers/{GUID}") == (request.method, str(request.url))
    assert json.loads(request.content) == {"email": "anna@example.se", "telefax": None}


def test_a_create_is_never_repeated_after_a_server_error() -> None:
    """A create is a PUT (Aptic assigns a new GUID each time): a 503 is raised, not retried."""
    api, recorder = client(lambda r: httpx.Response(503, json={"title": "Unavailable", "status": 503}))

    with pytest.raises(ServerError):
        api.customers.create(aptic.CustomerCreate(full_name="Anna"))

    assert [r.method for r in recorder.api_requests] == ["PUT"]


def test_a_read_is_retried_after_a_server_error() -> None:
    answers = iter(
        [httpx.Response(503), httpx.Response(200, json={"customerGuid": GUID, "fullName": "Anna"})]
    )
    api, recorder = client(lambda r: next(answers))

    assert api.customers.get(GUID).full_name == "Anna"
    assert [r.method for r in recorder.api_requests] == ["GET", "GET"]


def test_a_create_is_retried_when_the_connection_was_never_made() -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"customerGuid": GUID})

    api, _ = client(flaky)

    assert api.customers.create(aptic.CustomerCreate(full_name="Anna")).customer_guid == GUID
    assert len(calls) == 2


def test_a_problem_becomes_a_typed_error_with_its_extensions() -> None:
    problem = {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        "title": "Not Found",
        "status": 404,
        "detail": "No customer with this GUID.",
        "instance": f"/v1/Customers/{GUID}",
        "traceId": "00-abc-01",
        "errors": {"customerGuid": ["unknown"]},
    }
    api, _ = client(
        lambda r: httpx.Response(404, json=problem, headers={"content-type": "application/problem+json"})
    )

    with pytest.raises(aptic.ApticProblem) as raised:
        api.customers.get(GUID)

    error = raised.value
    assert isinstance(error, NotFound)
    assert (problem["type"], "Not Found", "No customer with this GUID.") == (
        error.problem_type,
        error.title,
        error.detail,
    )
    assert (error.trace_id, error.errors) == ("00-abc-01", {"customerGuid": ["unknown"]})
    assert error.extensions == {"traceId": "00-abc-01", "errors": {"customerGuid": ["unknown"]}}
    assert error.vendor.field == "customerGuid"


def test_an_html_error_page_still_raises_the_status_family() -> None:
    api, _ = client(
        lambda r: httpx.Response(404, text="<html>gone</html>", headers={"content-type": "text/html"})
    )

    with pytest.raises(NotFound) as raised:
        api.customers.get(GUID)

    assert isinstance(raised.value, aptic.ApticProblem)
    assert raised.value.extensions == {}


def test_a_refused_token_request_raises_unauthorized_without_the_secret() -> None:
    def no_token(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "error_description": f"bad {SECRET}"})

    made = aptic.Client(
        base_url=BASE, client_id="me", client_secret=SECRET, transport=httpx.MockTransport(no_token)
    )

    with pytest.raises(Unauthorized) as raised:
        made.customers.list()

    assert SECRET not in str(raised.value)
    assert "invalid_client" in str(raised.value)


def test_secrets_and_tokens_never_reach_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api, _ = client(lambda r: envelope([]), api_key="k3y-value")

    api.customers.list()

    shown = repr(api) + repr(api._session.http.auth) + caplog.text
    assert [s for s in (SECRET, "k3y-value", "token-1") if s in shown] == []
    assert BASE in repr(api)


def test_services_invoke_sends_any_json_and_the_async_flag() -> None:
    api, recorder = client(lambda r: httpx.Response(200, json={"jobId": 7}))

    result = api.customers.invoke_service(
        GUID, "SendReminder", {"level": 2, "tags": ["a"]}, asynchronous=True
    )

    request = recorder.api_requests[0]
    assert ("POST", f"{BASE}/v1/Customers/{GUID}/Services/SendReminder?async=true") == (
        request.method,
        str(request.url),
    )
    assert json.loads(request.content) == {"level": 2, "tags": ["a"]}
    assert result["jobId"] == 7


def test_ping_raises_when_the_service_is_down() -> None:
    api, _ = client(
        lambda r: httpx.Response(500, json={"title": "down", "status": 500}), retry=RetryPolicy.none()
    )

    with pytest.raises(ServerError):
        api.ping()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_url": "ftp://x"}, "base_url"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": " "}, "client_secret"),
        ({"token_auth": "digest"}, "token_auth"),
        ({"api_key": "k", "api_key_header": "Bad Header\n"}, "api_key_header"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], field: str) -> None:
    settings: dict[str, Any] = {"base_url": BASE, "client_id": "me", "client_secret": SECRET} | kwargs

    with pytest.raises(RequestValidationError) as raised:
        aptic.Client(**settings)

    assert field == raised.value.field


def test_gateway_url_builds_a_tenant_url_and_refuses_a_hostile_host() -> None:
    assert aptic.gateway_url("c000001.test.hosting.aptic.cloud", "C000001-00001-T01") == BASE
    with pytest.raises(RequestValidationError):
        aptic.gateway_url("evil.example@c1.aptic.cloud", "x")
    with pytest.raises(RequestValidationError):
        aptic.gateway_url("c1.aptic.cloud", "../x")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.customers.get(None), "customer_guid"),
        (lambda c: c.customers.get(42), "customer_guid"),
        (lambda c: c.customers.addresses(b"guid"), "customer_guid"),
        (lambda c: c.customers.create({"fullName": "A"}), "customer"),
        (lambda c: c.customers.update(GUID, None), "changes"),
        (lambda c: c.customers.list(top="10"), "top"),
        (lambda c: c.services.invoke("Action", body=object()), "body"),
        (lambda c: c.customers.addresses(GUID).get(3.5), "key"),
        (lambda c: c.customers.list(fitler="x"), "fitler"),
    ],
)
def test_wrong_types_are_refused_by_name_before_anything_is_sent(call: Any, field: str) -> None:
    api, recorder = client(lambda r: httpx.Response(200, json={}))

    with pytest.raises(RequestValidationError) as caught:
        call(api)

    assert (field, []) == (caught.value.field, recorder.requests)


def test_a_wrong_constructor_setting_is_refused_by_name() -> None:
    """The shared settings are typed once (``Settings``); a typo or a wrong type names itself."""
    with pytest.raises(RequestValidationError) as caught:
        aptic.Client(base_url=BASE, client_id="c", client_secret="s", timout=5)  # type: ignore[call-arg]

    assert caught.value.field == "timout"
