"""FakeAptic on the wire: the token endpoint, credentials, CRUD of customers and their
sub-resources, OData lists, problems, custom actions and user questions."""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nordfin.testing.aptic import FakeAptic, QuestionResponse, ServiceCall

BASE = "https://cnnnnnn.test.hosting.aptic.cloud/CNNNNNN-NNNNN-T01/APIGW"
TOKEN = "/login/oauth/access_token"
NOW = "2027-01-15T08:00:00Z"
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
OTHER = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
GUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ANNA = {
    "customerGuid": GUID,
    "customerReference": "C-1001",
    "idNumber": "811218-9876",
    "juridicalType": 0,
    "firstname": "Anna",
    "lastname": "Svensson",
    "street": "Storgatan",
    "houseNo": "1",
    "zipCode": "11122",
    "city": "Stockholm",
    "countryCode": "SE",
    "email": "anna@example.se",
    "languageCode": "sv",
    "currencyCode": "SEK",
}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # 2027-01-15T08:00:00Z

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeAptic:
    return FakeAptic(clock=clock)


@pytest.fixture
def raw(fake: FakeAptic) -> Iterator[httpx.Client]:
    """A client without credentials."""
    with httpx.Client(transport=fake, base_url=fake.base_url) as client:
        yield client


@pytest.fixture
def http(fake: FakeAptic) -> Iterator[httpx.Client]:
    """A client with a valid bearer token."""
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    with httpx.Client(transport=fake, base_url=fake.base_url, headers=headers) as client:
        yield client


def basic(client_id: str, client_secret: str) -> dict[str, str]:
    """HTTP Basic as RFC 6749 2.3.1 says: each part form-urlencoded first."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(client_secret)}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def create(http: httpx.Client, **members: Any) -> dict[str, Any]:
    response = http.put("/v1/Customers", json=members)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def customers(http: httpx.Client, **params: Any) -> httpx.Response:
    return http.get("/v1/Customers", params=params)


# --- the token endpoint ---------------------------------------------------------------------------


def test_base_url_is_the_spec_server_with_its_defaults(fake: FakeAptic) -> None:
    assert fake.base_url == BASE


def test_basic_credentials_get_a_bearer_token_that_opens_the_api(raw: httpx.Client) -> None:
    response = raw.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic("demo-client", "demo-secret")
    )

    body = response.json()
    ping = raw.get("/v1/Customers/Ping", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (response.status_code, body["token_type"], body["expires_in"]) == (200, "Bearer", 3600)
    assert (response.headers["cache-control"], ping.status_code, ping.json()) == ("no-store", 200, {})


def test_token_answer_has_exactly_the_documented_members(raw: httpx.Client) -> None:
    body = raw.post(TOKEN, headers=basic("demo-client", "demo-secret")).json()

    assert sorted(body) == ["access_token", "expires_in", "token_type"]
    assert len(body["access_token"]) >= 32


def test_form_credentials_get_a_token(raw: httpx.Client) -> None:
    form = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}

    response = raw.post(TOKEN, data=form)

    assert (response.status_code, response.json()["token_type"]) == (200, "Bearer")


def test_basic_and_form_together_get_a_token_when_they_agree(raw: httpx.Client) -> None:
    """dcode sends the credentials both ways."""
    form = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}

    response = raw.post(TOKEN, data=form, headers=basic("demo-client", "demo-secret"))

    assert response.status_code == 200


def test_basic_and_form_naming_different_clients_is_invalid_request(raw: httpx.Client) -> None:
    form = {"client_id": "other-client", "client_secret": "demo-secret"}

    response = raw.post(TOKEN, data=form, headers=basic("demo-client", "demo-secret"))

    assert (response.status_code, response.json()) == (400, {"error": "invalid_request"})


def test_an_empty_body_with_basic_gets_a_token(raw: httpx.Client) -> None:
    """skimsafe sends no body at all (``content-length: 0``) and no grant_type."""
    response = raw.post(
        TOKEN, content=b"", headers={**basic("demo-client", "demo-secret"), "Accept": "application/json"}
    )

    assert response.status_code == 200


def test_basic_parts_are_form_urldecoded(clock: Clock) -> None:
    fake = FakeAptic(client_id="my client:1", client_secret="s3cr+t/é", clock=clock)
    with httpx.Client(transport=fake, base_url=fake.base_url) as raw:
        response = raw.post(TOKEN, headers=basic("my client:1", "s3cr+t/é"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "form"),
    [
        (basic("demo-client", "wrong"), {}),
        ({}, {"client_id": "demo-client", "client_secret": "wrong"}),
        ({}, {"client_id": "demo-client"}),
        ({}, {"grant_type": "client_credentials"}),
        ({"Authorization": "Basic not-base64!"}, {}),
    ],
    ids=["basic-wrong-secret", "form-wrong-secret", "form-no-secret", "no-credentials", "garbled-basic"],
)
def test_wrong_or_missing_client_credentials_are_invalid_client(
    raw: httpx.Client, headers: dict[str, str], form: dict[str, str]
) -> None:
    response = raw.post(TOKEN, data=form, headers=headers)

    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    assert response.headers["www-authenticate"].startswith("Basic")


def test_another_grant_type_is_unsupported(raw: httpx.Client) -> None:
    response = raw.post(TOKEN, data={"grant_type": "password"}, headers=basic("demo-client", "demo-secret"))

    assert (response.status_code, response.json()) == (400, {"error": "unsupported_grant_type"})


def test_an_empty_grant_type_counts_as_absent(raw: httpx.Client) -> None:
    """RFC 6749 3.1: a parameter sent without a value is treated as omitted."""
    response = raw.post(TOKEN, data={"grant_type": ""}, headers=basic("demo-client", "demo-secret"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"grant_type": "client_credentials"}', "application/json"),
        (b"grant_type=client_credentials&grant_type=client_credentials", "application/x-www-form-urlencoded"),
    ],
    ids=["json-body", "repeated-parameter"],
)
def test_a_body_that_is_no_single_valued_form_is_invalid_request(
    raw: httpx.Client, content: bytes, content_type: str
) -> None:
    headers = {**basic("demo-client", "demo-secret"), "Content-Type": content_type}

    response = raw.post(TOKEN, content=content, headers=headers)

    assert (response.status_code, response.json()) == (400, {"error": "invalid_request"})


def test_other_methods_on_the_token_path_are_405(raw: httpx.Client) -> None:
    response = raw.get(TOKEN, headers=basic("demo-client", "demo-secret"))

    assert (response.status_code, response.headers["allow"], response.json()["status"]) == (405, "POST", 405)


def test_token_requests_are_recorded_refused_or_not(raw: httpx.Client, fake: FakeAptic) -> None:
    raw.post(TOKEN, headers=basic("demo-client", "demo-secret"))
    raw.post(TOKEN, headers=basic("demo-client", "wrong"))
    raw.get("/v1/Customers/Ping")

    assert [r.url.path for r in fake.token_requests] == ["/CNNNNNN-NNNNN-T01/APIGW" + TOKEN] * 2


def test_a_token_expires_on_the_fakes_clock(clock: Clock) -> None:
    fake = FakeAptic(token_lifetime=60.0, clock=clock)
    with httpx.Client(transport=fake, base_url=fake.base_url) as raw:
        body = raw.post(TOKEN, headers=basic("demo-client", "demo-secret")).json()
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        clock.now += 59
        before = raw.get("/v1/Customers/Ping", headers=bearer)
        clock.now += 1
        after = raw.get("/v1/Customers/Ping", headers=bearer)

    assert (body["expires_in"], before.status_code, after.status_code) == (60, 200, 401)
    assert after.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_expire_tokens_revokes_every_issued_token(raw: httpx.Client, fake: FakeAptic) -> None:
    old = raw.post(TOKEN, headers=basic("demo-client", "demo-secret")).json()["access_token"]

    fake.expire_tokens()

    new = raw.post(TOKEN, headers=basic("demo-client", "demo-secret")).json()["access_token"]
    statuses = [
        raw.get("/v1/Customers/Ping", headers={"Authorization": f"Bearer {token}"}).status_code
        for token in (old, new)
    ]
    assert statuses == [401, 200]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer made-up"}, {"Authorization": "Basic ZGVtbzpkZW1v"}]
)
def test_an_unknown_or_missing_token_is_a_401_problem(raw: httpx.Client, headers: dict[str, str]) -> None:
    response = raw.get("/v1/Customers", headers=headers)

    body = response.json()
    assert (response.status_code, response.headers["content-type"]) == (401, "application/problem+json")
    assert (body["status"], body["title"], body["instance"]) == (401, "Unauthorized", "/v1/Customers")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("wrong", 401), ("k3y", 200)])
def test_the_api_key_is_required_when_configured(clock: Clock, key: str | None, status: int) -> None:
    fake = FakeAptic(api_key="k3y", api_key_header="X-Aptic-Key", clock=clock)
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    if key is not None:
        headers["X-Aptic-Key"] = key
    with httpx.Client(transport=fake, base_url=fake.base_url) as raw:
        response = raw.get("/v1/Customers/Ping", headers=headers)

    assert response.status_code == status


def test_credentials_help_gives_a_valid_token_and_the_client(fake: FakeAptic, raw: httpx.Client) -> None:
    help_ = fake.credentials_help()

    ping = raw.get("/v1/Customers/Ping", headers={"Authorization": f"Bearer {help_['oauth2']}"})
    assert (help_["client_id"], help_["client_secret"], ping.status_code) == (
        "demo-client",
        "demo-secret",
        200,
    )


async def _async_ping(fake: FakeAptic) -> httpx.Response:
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    async with httpx.AsyncClient(transport=fake, base_url=fake.base_url, headers=headers) as client:
        return await client.get("/v1/Customers/Ping")


@pytest.mark.asyncio
async def test_the_fake_is_an_async_transport_too(fake: FakeAptic) -> None:
    response = await _async_ping(fake)

    assert (response.status_code, response.json()) == (200, {})


# --- customers ------------------------------------------------------------------------------------


def test_create_answers_the_customer_with_its_legal_address(http: httpx.Client) -> None:
    body = create(http, **ANNA)

    address_guid = body["addresses"][0]["addressGuid"]
    assert body == {
        "customerGuid": GUID,
        "customerReference": "C-1001",
        "idNumber": "811218-9876",
        "juridicalType": 0,
        "firstname": "Anna",
        "lastname": "Svensson",
        "fullName": "Anna Svensson",
        "email": "anna@example.se",
        "languageCode": "sv",
        "currencyCode": "SEK",
        "regDate": NOW,
        "addresses": [
            {
                "addressGuid": address_guid,
                "addressType": "LEGAL",
                "street": "Storgatan",
                "houseNo": "1",
                "zipCode": "11122",
                "city": "Stockholm",
                "countryCode": "SE",
                "fullAddress": "Storgatan 1, 11122 Stockholm",
                "defaultAddress": True,
                "lastUpdatedAt": NOW,
            }
        ],
        "links": [
            {
                "type": "self",
                "name": "customer",
                "href": f"/v1/Customers/{GUID}",
                "resource": "Customers",
                "guid": GUID,
            }
        ],
    }
    assert GUID_PATTERN.match(address_guid)


def test_create_assigns_a_guid_when_none_is_given(http: httpx.Client, fake: FakeAptic) -> None:
    body = create(http, fullName="Acme AB", juridicalType=1)

    assert GUID_PATTERN.match(body["customerGuid"])
    assert (list(fake.customers), body["addresses"]) == ([body["customerGuid"]], [])


def test_a_given_full_name_wins_over_the_name_parts(http: httpx.Client) -> None:
    body = create(http, fullName="Anna S. Svensson", firstname="Anna", middlename="S", lastname="Svensson")

    assert body["fullName"] == "Anna S. Svensson"


def test_first_middle_and_last_name_are_joined(http: httpx.Client) -> None:
    body = create(http, firstname="Anna", middlename="Sofia", lastname="Svensson")

    assert body["fullName"] == "Anna Sofia Svensson"


def test_a_taken_customer_guid_is_a_409_problem(http: httpx.Client) -> None:
    create(http, customerGuid=GUID, fullName="A")

    response = http.put("/v1/Customers", json={"customerGuid": GUID.upper(), "fullName": "B"})

    assert (response.status_code, response.json()["errors"]) == (409, {"customerGuid": ["taken"]})


def test_get_answers_what_create_answered(http: httpx.Client) -> None:
    created = create(http, **ANNA)

    response = http.get(f"/v1/Customers/{GUID.upper()}")

    assert (response.status_code, response.json()) == (200, created)


def test_an_unknown_customer_is_a_404_problem(http: httpx.Client) -> None:
    response = http.get(f"/v1/Customers/{GUID}")

    body = response.json()
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")
    assert {k: v for k, v in body.items() if k != "traceId"} == {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        "title": "Not Found",
        "status": 404,
        "detail": "No customer with this identifier.",
        "instance": f"/v1/Customers/{GUID}",
    }
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", body["traceId"])


def test_patch_sets_what_it_sends_clears_nulls_and_keeps_the_rest(
    http: httpx.Client, fake: FakeAptic
) -> None:
    create(http, **ANNA)

    response = http.patch(f"/v1/Customers/{GUID}", json={"email": "anna.s@example.se", "idNumber": None})

    stored = fake.customers[GUID]
    assert (response.status_code, response.content) == (204, b"")
    assert (stored["email"], "idNumber" in stored, stored["customerReference"]) == (
        "anna.s@example.se",
        False,
        "C-1001",
    )


def test_patching_a_name_joins_the_full_name_again(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)

    http.patch(f"/v1/Customers/{GUID}", json={"lastname": "Berg"})

    assert fake.customers[GUID]["fullName"] == "Anna Berg"


def test_a_refused_body_is_a_400_problem_naming_the_field(http: httpx.Client) -> None:
    create(http, **ANNA)

    response = http.patch(f"/v1/Customers/{GUID}", json={"juridicalType": 7})

    body = response.json()
    assert (response.status_code, body["title"], list(body["errors"])) == (
        400,
        "One or more validation errors occurred.",
        ["juridicalType"],
    )
    assert body["detail"].startswith("juridicalType: ")


def test_delete_removes_the_customer_and_its_sub_resources(http: httpx.Client) -> None:
    address_guid = create(http, **ANNA)["addresses"][0]["addressGuid"]
    http.put(f"/v1/Customers/{GUID}/ExtraFields", json={"name": "SEGMENT", "value": ["GOLD"]})

    response = http.delete(f"/v1/Customers/{GUID}")

    after = [
        http.get(path).status_code
        for path in (
            f"/v1/Customers/{GUID}",
            f"/v1/Customers/{GUID}/Addresses/{address_guid}",
            f"/v1/Customers/{GUID}/ExtraFields/SEGMENT",
        )
    ]
    assert (response.status_code, after) == (204, [404, 404, 404])


def test_the_customers_snapshot_is_read_only(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)

    with pytest.raises(TypeError):
        fake.customers[GUID] = {}  # type: ignore[index]


def test_reset_forgets_customers_and_tokens(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)

    fake.reset()

    assert (dict(fake.customers), http.get("/v1/Customers/Ping").status_code) == ({}, 401)


# --- lists ----------------------------------------------------------------------------------------


def test_list_items_carry_exactly_the_list_item_members(http: httpx.Client) -> None:
    create(http, **ANNA)

    response = customers(http)

    assert (response.status_code, response.json()) == (
        200,
        {
            "count": 1,
            "skip": 0,
            "total": 1,
            "value": [
                {
                    "customerGuid": GUID,
                    "customerReference": "C-1001",
                    "idNumber": "811218-9876",
                    "juridicalType": 0,
                    "fullName": "Anna Svensson",
                    "email": "anna@example.se",
                    "languageCode": "sv",
                    "currencyCode": "SEK",
                }
            ],
        },
    )


def test_a_quote_in_a_filter_literal_is_doubled(http: httpx.Client) -> None:
    create(http, fullName="Anna Svensson")
    obrien = create(http, fullName="O'Brien")["customerGuid"]

    body = customers(http, **{"$filter": "fullName eq 'O''Brien'"}).json()

    assert ([c["customerGuid"] for c in body["value"]], body["total"]) == ([obrien], 1)


def test_filters_combine_and_compare_numbers(http: httpx.Client) -> None:
    create(http, fullName="Person A", juridicalType=0)
    create(http, fullName="Company B", juridicalType=1)
    create(http, fullName="Company C", juridicalType=1, email="c@example.se")

    body = customers(http, **{"$filter": "juridicalType eq 1 and email eq null"}).json()

    assert [c["fullName"] for c in body["value"]] == ["Company B"]


def test_customers_are_filtered_on_members_their_list_items_leave_out(
    http: httpx.Client, clock: Clock
) -> None:
    create(http, fullName="Early")
    clock.now += 1800
    create(http, fullName="Late", preferredChannel="EMAIL")

    late = customers(http, **{"$filter": "regDate ge 2027-01-15T08:15:00Z"}).json()["value"]
    emailed = customers(http, **{"$filter": "preferredChannel eq 'EMAIL'"}).json()["value"]

    assert ([c["fullName"] for c in late], [c["fullName"] for c in emailed]) == (["Late"], ["Late"])
    assert "regDate" not in late[0]


def test_orderby_sorts_the_list(http: httpx.Client) -> None:
    for name in ("Berit", "Anna", "Cecilia"):
        create(http, fullName=name)

    body = customers(http, **{"$orderby": "fullName desc"}).json()

    assert [c["fullName"] for c in body["value"]] == ["Cecilia", "Berit", "Anna"]


def test_the_default_page_is_25(http: httpx.Client) -> None:
    for n in range(30):
        create(http, fullName=f"Customer {n:02d}")

    body = customers(http).json()

    assert (body["count"], body["skip"], body["total"], len(body["value"])) == (25, 0, 30, 25)


def test_250_customers_come_in_pages(http: httpx.Client) -> None:
    for n in range(250):
        create(http, customerReference=f"C-{n:03d}")

    pages = [customers(http, **{"$skip": skip, "$top": 100}).json() for skip in (0, 100, 200)]

    assert [(p["count"], p["skip"], p["total"]) for p in pages] == [
        (100, 0, 250),
        (100, 100, 250),
        (50, 200, 250),
    ]
    references = [c["customerReference"] for p in pages for c in p["value"]]
    assert references == [f"C-{n:03d}" for n in range(250)]


def test_skip_past_the_end_is_an_empty_page(http: httpx.Client) -> None:
    create(http, fullName="A")

    body = customers(http, **{"$skip": 5}).json()

    assert body == {"count": 0, "skip": 5, "total": 1, "value": []}


@pytest.mark.parametrize(
    ("params", "name"),
    [({"$filter": "fullName eq"}, "$filter"), ({"$orderby": "fullName sideways"}, "$orderby")],
)
def test_a_malformed_filter_or_orderby_is_a_400_naming_it(
    http: httpx.Client, params: dict[str, str], name: str
) -> None:
    create(http, fullName="A")

    response = customers(http, **params)

    body = response.json()
    assert (response.status_code, list(body["errors"])) == (400, [name])
    assert body["detail"].startswith(f"{name}: ")


def test_top_above_100_is_a_400_naming_top(http: httpx.Client) -> None:
    response = customers(http, **{"$top": 101})

    assert (response.status_code, list(response.json()["errors"])) == (400, ["$top"])


# --- parameters -----------------------------------------------------------------------------------


def test_create_parameters_answers_the_first_with_its_href(http: httpx.Client) -> None:
    create(http, **ANNA)
    sent = [{"name": "REMINDER_FEE", "type": "BOOL", "value": "false"}, {"name": "LIMIT", "value": "5"}]

    response = http.put(f"/v1/Customers/{GUID}/Parameters", json=sent)

    href = f"/v1/Customers/{GUID}/Parameters/REMINDER_FEE"
    assert (response.status_code, response.json()) == (200, {**sent[0], "href": href})


def test_create_of_no_parameters_answers_an_empty_object(http: httpx.Client) -> None:
    create(http, **ANNA)

    response = http.put(f"/v1/Customers/{GUID}/Parameters", json=[])

    assert (response.status_code, response.json()) == (200, {})


def test_parameters_are_listed_read_updated_and_deleted(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/Parameters"
    http.put(root, json=[{"name": "A", "type": "INT", "value": "1"}, {"name": "B", "value": "2"}])

    updated = http.patch(f"{root}/A", json=[{"name": "A", "value": "10", "type": None}])
    deleted = http.delete(f"{root}/B")

    assert (updated.status_code, deleted.status_code) == (204, 204)
    assert http.get(f"{root}/A").json() == {"name": "A", "value": "10", "href": f"{root}/A"}
    assert http.get(root).json() == {
        "count": 1,
        "skip": 0,
        "total": 1,
        "value": [{"name": "A", "value": "10", "href": f"{root}/A"}],
    }


@pytest.mark.parametrize(
    "batch",
    [[{"name": "A", "value": "2"}], [{"name": "B"}, {"name": "B"}]],
    ids=["taken-before", "twice-in-one-batch"],
)
def test_a_duplicate_parameter_name_is_a_409_and_adds_nothing(
    http: httpx.Client, batch: list[dict[str, str]]
) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/Parameters"
    http.put(root, json=[{"name": "A", "value": "1"}])

    response = http.put(root, json=batch)

    assert (response.status_code, http.get(root).json()["total"]) == (409, 1)


def test_an_unknown_parameter_is_a_404(http: httpx.Client) -> None:
    create(http, **ANNA)

    response = http.get(f"/v1/Customers/{GUID}/Parameters/NOPE")

    assert (response.status_code, response.json()["status"]) == (404, 404)


# --- addresses ------------------------------------------------------------------------------------


def test_create_address_answers_it_with_guid_full_address_and_time(http: httpx.Client) -> None:
    create(http, customerGuid=GUID, fullName="A")
    sent = {"addressType": "BILLING", "street": "Box", "houseNo": "123", "houseNoExtension": "B"}

    body = http.put(f"/v1/Customers/{GUID}/Addresses", json={**sent, "zipCode": "11122", "city": "Stockholm"})

    answer = body.json()
    assert answer == {
        "addressGuid": answer["addressGuid"],
        **sent,
        "zipCode": "11122",
        "city": "Stockholm",
        "fullAddress": "Box 123B, 11122 Stockholm",
        "lastUpdatedAt": NOW,
    }


def test_addresses_are_listed_updated_and_deleted(http: httpx.Client, clock: Clock) -> None:
    legal = create(http, **ANNA)["addresses"][0]["addressGuid"]
    root = f"/v1/Customers/{GUID}/Addresses"
    clock.now += 60

    updated = http.patch(f"{root}/{legal}", json={"street": "Kungsgatan", "houseNo": "9"})

    address = http.get(f"{root}/{legal}").json()
    assert (updated.status_code, address["fullAddress"], address["lastUpdatedAt"]) == (
        204,
        "Kungsgatan 9, 11122 Stockholm",
        "2027-01-15T08:01:00Z",
    )
    deleted = http.delete(f"{root}/{legal}")
    assert (deleted.status_code, http.get(root).json()["total"]) == (204, 0)


def test_a_new_default_address_makes_the_others_not_default(http: httpx.Client) -> None:
    legal = create(http, **ANNA)["addresses"][0]["addressGuid"]
    root = f"/v1/Customers/{GUID}/Addresses"

    new = http.put(root, json={"addressType": "BILLING", "city": "Lund", "defaultAddress": True}).json()

    listed = {a["addressGuid"]: a["defaultAddress"] for a in http.get(root).json()["value"]}
    assert listed == {legal: False, new["addressGuid"]: True}


def test_addresses_are_filtered(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/Addresses"
    http.put(root, json={"addressType": "BILLING", "city": "Lund"})

    body = http.get(root, params={"$filter": "addressType eq 'BILLING'"}).json()

    assert [(a["addressType"], a["city"]) for a in body["value"]] == [("BILLING", "Lund")]


def test_an_unknown_address_is_a_404(http: httpx.Client) -> None:
    create(http, **ANNA)

    statuses = [
        http.request(method, f"/v1/Customers/{GUID}/Addresses/{OTHER}", json=body).status_code
        for method, body in (("GET", None), ("PATCH", {"city": "Lund"}), ("DELETE", None))
    ]

    assert statuses == [404, 404, 404]


def test_sub_resources_of_an_unknown_customer_are_404(http: httpx.Client) -> None:
    paths = ["Addresses", "Parameters", "ExtraFields", "DirectDebitMandates", "CreditInsurances"]
    paths += ["UserQuestions", "LedgerSummary", "AccruedInterest"]

    statuses = {path: http.get(f"/v1/Customers/{GUID}/{path}").status_code for path in paths}

    assert statuses == dict.fromkeys(paths, 404)


# --- extra fields ---------------------------------------------------------------------------------


def test_extra_fields_are_created_read_updated_and_deleted(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/ExtraFields"

    created = http.put(root, json={"name": "SEGMENT", "value": ["GOLD"]})
    updated = http.patch(f"{root}/SEGMENT", json={"value": ["SILVER", "VIP"]})
    read = http.get(f"{root}/SEGMENT").json()
    deleted = http.delete(f"{root}/SEGMENT")

    assert (created.status_code, created.json()) == (200, {"name": "SEGMENT", "value": ["GOLD"]})
    assert (updated.status_code, read, deleted.status_code) == (
        204,
        {"name": "SEGMENT", "value": ["SILVER", "VIP"]},
        204,
    )
    assert http.get(root).json() == {"count": 0, "skip": 0, "total": 0, "value": []}


def test_a_taken_extra_field_name_is_a_409(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/ExtraFields"
    http.put(root, json={"name": "SEGMENT", "value": ["GOLD"]})

    response = http.put(root, json={"name": "SEGMENT", "value": ["SILVER"]})

    assert (response.status_code, response.json()["status"]) == (409, 409)


def test_an_extra_field_without_a_name_is_kept_but_not_addressable(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/ExtraFields"

    http.put(root, json={"value": ["X"]})
    http.put(root, json={"value": ["Y"]})

    assert [f["value"] for f in http.get(root).json()["value"]] == [["X"], ["Y"]]


# --- direct debit mandates ------------------------------------------------------------------------


def test_create_mandate_answers_it_with_the_sending_account(http: httpx.Client) -> None:
    create(http, **ANNA)
    sent = {
        "directDebitMandateType": 1,
        "receivingBankAccountNo": "5050-1055",
        "sendingBankAccountClass": 9,
        "sendingBankAccountNo": "8327-9 123 456 789-0",
        "referenceNo": "4711",
        "signedDate": "2026-11-20T10:00:00Z",
    }

    response = http.put(f"/v1/Customers/{GUID}/DirectDebitMandates", json=sent)

    body = response.json()
    guid = body["mandateGuid"]
    assert (response.status_code, body) == (
        200,
        {
            "mandateGuid": guid,
            "directDebitMandateType": 1,
            "referenceNo": "4711",
            "bankAccountNo": "8327-9 123 456 789-0",
            "signedDate": "2026-11-20T10:00:00Z",
            "links": [
                {
                    "type": "self",
                    "name": "directDebitMandate",
                    "href": f"/v1/Customers/{GUID}/DirectDebitMandates/{guid}",
                    "resource": "DirectDebitMandates",
                    "guid": guid,
                }
            ],
        },
    )
    assert http.get(f"/v1/Customers/{GUID}/DirectDebitMandates/{guid}").json() == body


def test_mandates_are_listed_and_an_unknown_one_is_404(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/DirectDebitMandates"
    for reference in ("1", "2"):
        http.put(
            root,
            json={"directDebitMandateType": 1, "receivingBankAccountNo": "5050", "referenceNo": reference},
        )

    listed = http.get(root, params={"$filter": "referenceNo eq '2'"}).json()

    assert ([m["referenceNo"] for m in listed["value"]], http.get(f"{root}/{OTHER}").status_code) == (
        ["2"],
        404,
    )


# --- credit insurances ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"), [("ATRADIUS", "Atradius"), ("EULERHERMES", "Euler Hermes"), ("COFACE", "COFACE")]
)
def test_an_insurance_is_named_after_its_company_code(http: httpx.Client, code: str, name: str) -> None:
    create(http, **ANNA)
    sent = {"insuranceCompanyReferenceCode": code, "insuranceCompanyNumber": "998877", "amount": 250000}

    body = http.put(f"/v1/Customers/{GUID}/CreditInsurances", json=sent).json()

    guid = body["insuranceGuid"]
    assert body == {
        "insuranceGuid": guid,
        "insuranceDate": NOW,
        "insuranceCompanyName": name,
        "insuranceCompanyNumber": "998877",
        "amount": 250000,
        "links": [
            {
                "type": "self",
                "name": "creditInsurance",
                "href": f"/v1/Customers/{GUID}/CreditInsurances/{guid}",
                "resource": "CreditInsurances",
                "guid": guid,
            }
        ],
    }


def test_insurances_are_updated_and_deleted(http: httpx.Client) -> None:
    create(http, **ANNA)
    root = f"/v1/Customers/{GUID}/CreditInsurances"
    guid = http.put(
        root, json={"insuranceCompanyReferenceCode": "ATRADIUS", "amount": 1000, "note": "x"}
    ).json()["insuranceGuid"]

    updated = http.patch(f"{root}/{guid}", json={"amount": 2000, "note": None})
    read = http.get(f"{root}/{guid}").json()
    deleted = http.delete(f"{root}/{guid}")

    assert (updated.status_code, read["amount"], "note" in read) == (204, 2000, False)
    assert (deleted.status_code, http.get(f"{root}/{guid}").status_code) == (204, 404)


# --- user questions -------------------------------------------------------------------------------


def test_a_seeded_question_is_listed_and_read(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)
    guid = fake.add_user_question(GUID, message="Confirm the new address?", action_item_code="CONFIRM")

    listed = http.get(f"/v1/Customers/{GUID}/UserQuestions").json()
    read = http.get(f"/v1/Customers/{GUID}/UserQuestions/{guid}").json()

    assert read == {
        "actionGuid": guid,
        "loggedAt": NOW,
        "actionItemCode": "CONFIRM",
        "message": "Confirm the new address?",
        "allowPostpone": True,
        "responses": [],
        "links": [
            {
                "type": "self",
                "name": "userQuestion",
                "href": f"/v1/Customers/{GUID}/UserQuestions/{guid}",
                "resource": "UserQuestions",
                "guid": guid,
            }
        ],
    }
    assert (listed["total"], listed["value"]) == (1, [read])


def test_a_response_is_recorded(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)
    guid = fake.add_user_question(GUID, message="Confirm?")

    response = http.post(f"/v1/Customers/{GUID}/UserQuestions/{guid}", json={"response": "YES", "note": "ok"})

    assert (response.status_code, fake.question_responses) == (
        204,
        [QuestionResponse(GUID, guid, "YES", "ok", None)],
    )


def test_postponing_moves_process_at(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)
    guid = fake.add_user_question(GUID, message="Pay now?")
    url = f"/v1/Customers/{GUID}/UserQuestions/{guid}"

    http.post(url, json={"response": "POSTPONE", "postponeTo": "2027-02-01T09:00:00Z"})

    assert http.get(url).json()["processAt"] == "2027-02-01T09:00:00Z"


def test_postponing_a_question_that_allows_none_is_a_400(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)
    guid = fake.add_user_question(GUID, message="Pay now?", allow_postpone=False)

    response = http.post(f"/v1/Customers/{GUID}/UserQuestions/{guid}", json={"response": "POSTPONE"})

    assert (response.status_code, list(response.json()["errors"]), fake.question_responses) == (
        400,
        ["response"],
        [],
    )


def test_responding_to_an_unknown_question_is_a_404(http: httpx.Client) -> None:
    create(http, **ANNA)

    response = http.post(f"/v1/Customers/{GUID}/UserQuestions/{OTHER}", json={"response": "YES"})

    assert response.status_code == 404


# --- ledger summary and accrued interest ----------------------------------------------------------


def test_the_ledger_summary_is_zeros_in_the_customers_currency(http: httpx.Client) -> None:
    create(http, **ANNA)

    body = http.get(f"/v1/Customers/{GUID}/LedgerSummary").json()

    empty: list[Any] = []
    assert body == {
        "totalBalance": 0,
        "accountBalance": 0,
        "currencyCode": "SEK",
        "unsettledPaymentBalance": 0,
        "purchases": empty,
        "invoices": empty,
        "accounts": empty,
        "guarantees": empty,
        "collaterals": empty,
        "myGuarantors": empty,
        "guaranteeFor": empty,
        "allRelatedCustomers": empty,
    }


def test_a_seeded_ledger_summary_overrides_members(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)

    fake.seed_ledger_summary(GUID, {"totalBalance": 1200.5, "invoices": [{"invoiceNumber": "1"}]})

    body = http.get(f"/v1/Customers/{GUID}/LedgerSummary").json()
    assert (body["totalBalance"], body["invoices"], body["accountBalance"]) == (
        1200.5,
        [{"invoiceNumber": "1"}],
        0,
    )


def test_accrued_interest_is_a_bare_filtered_array(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)
    fake.seed_accrued_interest(GUID, [{"loan": f"L-{n}", "interest": n} for n in range(5)])

    response = http.get(
        f"/v1/Customers/{GUID}/AccruedInterest",
        params={"$filter": "interest ge 1", "$orderby": "interest desc", "$skip": 1, "$top": 2},
    )

    assert (response.status_code, response.json()) == (
        200,
        [{"loan": "L-3", "interest": 3}, {"loan": "L-2", "interest": 2}],
    )


# --- services and ping ----------------------------------------------------------------------------


def test_a_custom_action_is_recorded_and_answers_its_configured_result(
    http: httpx.Client, fake: FakeAptic
) -> None:
    fake.service_results["SCORE"] = {"score": 7}

    response = http.post("/v1/Customers/Services/SCORE", params={"async": "false"}, json={"name1": "x"})

    assert (response.status_code, response.json()) == (200, {"score": 7})
    assert fake.service_calls == [ServiceCall("SCORE", None, False, {"name1": "x"})]


def test_a_custom_action_for_a_customer_is_recorded_with_it(http: httpx.Client, fake: FakeAptic) -> None:
    create(http, **ANNA)

    response = http.post(f"/v1/Customers/{GUID}/Services/NOTIFY", json=[1, 2])

    assert (response.status_code, response.json()) == (200, {})
    assert fake.service_calls == [ServiceCall("NOTIFY", GUID, None, [1, 2])]


@pytest.mark.parametrize("content", [b"", b"null"], ids=["no-body", "json-null"])
def test_a_custom_action_without_input_is_refused_and_not_recorded(
    http: httpx.Client, fake: FakeAptic, content: bytes
) -> None:
    """The spec asks for a JSON body that is not null (a null cannot be told from none)."""
    response = http.post(
        "/v1/Customers/Services/PING", content=content, headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, fake.service_calls) == (400, [])


def test_a_custom_action_for_an_unknown_customer_is_404_and_not_recorded(
    http: httpx.Client, fake: FakeAptic
) -> None:
    response = http.post(f"/v1/Customers/{GUID}/Services/NOTIFY", json={})

    assert (response.status_code, fake.service_calls) == (404, [])


def test_ping_answers_an_empty_object(http: httpx.Client) -> None:
    response = http.get("/v1/Customers/Ping")

    assert (response.status_code, response.headers["content-type"], response.json()) == (
        200,
        "application/json",
        {},
    )


def test_an_unknown_path_is_a_404_problem(http: httpx.Client) -> None:
    response = http.get("/v1/Nothing")

    assert (response.status_code, response.headers["content-type"], response.json()["status"]) == (
        404,
        "application/problem+json",
        404,
    )
