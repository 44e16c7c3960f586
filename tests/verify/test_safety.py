"""Safe by default: read-only sends only GET, writes never reach a production host, the budget
and the vendor's quota hold, a create is never sent twice, and errors are one clear line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from _verify_helpers import Outcome, drifting, env_for

from nordfin._core.ratelimit import RateLimiter
from nordfin.testing import FakeApi
from nordfin.testing.aptic import FakeAptic
from nordfin.testing.goto import FakeGoto
from nordfin.testing.permanad import FakeClock, FakePermanad
from nordfin.verify.run import Guard, WriteRefused, is_production, production_hosts

GOTO = env_for("goto", {"store": "demo-store", "api_key": "demo-api-key"})
APTIC = env_for("aptic", {"client_id": "demo-client", "client_secret": "demo-secret"})
PERMANAD = env_for("permanad", {"bearerAuth": "demo-key-se"})
ENVS = {
    "goto": GOTO,
    "aptic": APTIC,
    "permanad": PERMANAD,
    "payex": env_for("payex", {"bearer": "t0ken"}),
    "payfunc": env_for("payfunc", {"private": "k3y"}),
}


@pytest.fixture
def serve() -> Iterator[Callable[[FakeApi], str]]:
    """``serve(fake)``: the fake on 127.0.0.1 in a thread of this process (so the test sees its log)."""
    servers: list[object] = []

    def start(fake: FakeApi) -> str:
        server = fake.serve("127.0.0.1", 0)
        servers.append(server)
        return server.__enter__()

    yield start
    for server in reversed(servers):
        server.__exit__(None, None, None)  # type: ignore[attr-defined]


# --- read-only ----------------------------------------------------------------------------------


def test_a_read_only_run_sends_only_get_and_the_token_request(
    serve: Callable[[FakeApi], str], verify: Callable[..., Outcome]
) -> None:
    from nordfin import aptic

    fake = FakeAptic()
    url = serve(fake)
    with fake.client() as client:
        guid = client.customers.create(aptic.CustomerCreate(full_name="nordfin-verify-seed")).customer_guid
        client.customers.addresses(guid).create(aptic.CustomerAddressInput(street="x", city="y"))
    fake.requests.clear()
    fake.token_requests.clear()
    outcome = verify("aptic", "--base-url", url, env=APTIC)
    assert outcome.status == 0
    token = [r for r in fake.requests if r.url.path.endswith("/login/oauth/access_token")]
    assert {"GET"} == {r.method for r in fake.requests if r not in token}
    assert ({"POST"}, len(token)) == ({r.method for r in fake.token_requests}, len(fake.token_requests))
    assert "get_customer_address" in outcome.report["operations"]["exercised"]


def test_the_guard_refuses_every_write_of_a_read_only_run_before_it_is_sent() -> None:
    guard = Guard("aptic", writes=False, max_requests=10, token_paths=("/login/oauth/access_token",))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with pytest.raises(WriteRefused):
            guard(httpx.Request(method, "http://127.0.0.1:1/T01/APIGW/v1/Customers"))
    guard(httpx.Request("POST", "http://127.0.0.1:1/T01/APIGW/login/oauth/access_token"))
    guard(httpx.Request("GET", "http://127.0.0.1:1/T01/APIGW/v1/Customers"))
    assert (guard.sent, len(guard.refused)) == (2, 4)


# --- production hosts ---------------------------------------------------------------------------

_PRODUCTION_URLS = [
    *[
        (slug, f"https://{host}")
        for slug in ("goto", "payex", "payfunc", "permanad")
        for host in production_hosts(slug)
    ],
    ("aptic", "https://c005013.hosting.aptic.cloud/C005013-15530-P01/APIGW"),
]


def _spellings(url: str) -> list[str]:
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    return [
        url,
        f"{scheme}://{host.upper()}/{path}",
        f"{scheme}://{host}./{path}",
        f"{scheme}://{host}:443/{path}",
        f"HTTPS://{host.title()}.:443/{path}",
    ]


def test_every_api_but_aptic_documents_a_production_host() -> None:
    assert all(production_hosts(slug) for slug in ("goto", "payex", "payfunc", "permanad"))
    assert is_production("aptic", "https://c1.hosting.aptic.cloud/X/APIGW")
    assert not is_production("aptic", "https://c1.test.hosting.aptic.cloud/X-T01/APIGW")


@pytest.mark.parametrize(("slug", "url"), [(s, v) for s, u in _PRODUCTION_URLS for v in _spellings(u)])
def test_writes_are_refused_on_every_production_host_however_spelt(
    slug: str, url: str, verify: Callable[..., Outcome]
) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    outcome = verify(slug, "--base-url", url, "--allow-writes", env=ENVS[slug], transport=transport)
    assert (outcome.status, sent, outcome.out) == (2, [], "")
    assert len(outcome.err.strip().splitlines()) == 1
    assert "writes refused" in outcome.err
    assert "Traceback" not in outcome.err


def test_naming_the_production_host_again_allows_writes_there(verify: Callable[..., Outcome]) -> None:
    """Goto's test stores live on its production host: ``--allow-writes-on`` with that very host."""
    fake = FakeGoto()
    verify(
        "goto",
        "--base-url",
        "https://capi.lagerkoll.com/v1",
        "--allow-writes",
        "--allow-writes-on",
        "CAPI.LAGERKOLL.COM.:443",
        env=GOTO,
        transport=fake,
    )
    assert "POST" in {r.method for r in fake.requests}


def test_naming_another_host_does_not_allow_writes(verify: Callable[..., Outcome]) -> None:
    fake = FakeGoto()
    outcome = verify(
        "goto",
        "--base-url",
        "https://capi.lagerkoll.com/v1",
        "--allow-writes",
        "--allow-writes-on",
        "capi.lagerkoll.com.evil.example",
        env=GOTO,
        transport=fake,
    )
    assert (outcome.status, fake.requests) == (2, [])


# --- budget, quota, creates -----------------------------------------------------------------


def test_the_budget_caps_the_run_and_keeps_a_request_to_clean_up(
    serve: Callable[[FakeApi], str], verify: Callable[..., Outcome]
) -> None:
    fake = FakeGoto()
    outcome = verify("goto", "--base-url", serve(fake), "--allow-writes", "--max-requests", "3", env=GOTO)
    assert len(fake.requests) == 3
    assert [r.method for r in fake.requests] == ["GET", "POST", "DELETE"]
    assert any("budget of 3 requests" in note for note in outcome.report["notes"])
    assert (len(outcome.report["cleanup"]["removed"]), outcome.report["cleanup"]["leftOver"]) == (1, [])


def test_the_vendor_quota_holds_on_a_virtual_clock(
    serve: Callable[[FakeApi], str], verify: Callable[..., Outcome]
) -> None:
    """A fake that allows 3 requests per 300 s and a limiter with the same quota: no 429, time passes."""
    clock = FakeClock()

    class Strict(FakePermanad):
        def rate_limit(self) -> tuple[int, float]:
            return (3, 300.0)

    fake = Strict(clock=clock)
    start = clock()
    options = {"rate_limit": RateLimiter(3, 300.0, clock=clock), "sleep": clock.sleep}
    outcome = verify(
        "permanad", "--base-url", serve(fake), "--allow-writes", env=PERMANAD, client_options=options
    )
    assert (outcome.status, fake.too_many) == (0, 0)
    sent = len(fake.requests)
    assert sent > 6
    assert clock() - start >= 300.0 * ((sent - 1) // 3)


def test_a_create_is_never_sent_twice(
    serve: Callable[[FakeApi], str], verify: Callable[..., Outcome]
) -> None:
    """The server fails the create with a 503: the client must not repeat a POST."""

    def unavailable(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        return httpx.Response(503) if request.method == "POST" else None

    fake = drifting(FakeGoto, unavailable)
    outcome = verify(
        "goto",
        "--base-url",
        serve(fake),
        "--allow-writes",
        env=GOTO,
        client_options={"sleep": lambda s: None},
    )
    assert [r.method for r in fake.requests].count("POST") == 1
    assert {503} == {f["status"] for f in outcome.findings()}  # checked, not hidden


# --- usage errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["goto", "--base-url", "http://127.0.0.1:9/v1"], {}, "NORDFIN_GOTO_STORE"),
        (["permanad", "--base-url", "http://127.0.0.1:9/v1"], {}, "NORDFIN_PERMANAD_API_KEYS_SE"),
        (["goto", "--base-url", "http://127.0.0.1:9/v1", "--id", "nope=1"], GOTO, "term_id"),
        (["goto", "--base-url", "ftp://127.0.0.1/v1"], GOTO, "http(s)"),
        (["goto"], GOTO, "--base-url"),
        (["nope", "--base-url", "http://127.0.0.1:9"], GOTO, "invalid choice"),
        (["goto", "--base-url", "http://127.0.0.1:9/v1", "--max-requests", "0"], GOTO, "at least 1"),
    ],
)
def test_a_usage_error_is_one_line_and_status_2(
    argv: list[str], env: dict[str, str], said: str, verify: Callable[..., Outcome]
) -> None:
    outcome = verify(*argv, env=env)
    assert (outcome.status, outcome.out) == (2, "")
    assert len(outcome.err.strip().splitlines()) == 1
    assert said in outcome.err


def test_an_unreachable_server_is_one_line_and_status_2(verify: Callable[..., Outcome]) -> None:
    no_wait = {"sleep": lambda seconds: None}  # the client retries a refused connection: instantly
    outcome = verify("goto", "--base-url", "http://127.0.0.1:9/v1", env=GOTO, client_options=no_wait)
    assert (outcome.status, outcome.out) == (2, "")
    assert "cannot reach" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_an_id_given_on_the_command_line_is_read(
    serve: Callable[[FakeApi], str], verify: Callable[..., Outcome]
) -> None:
    """Two customers: the run reads the one named by --id, not the first one the list shows."""
    from nordfin import aptic

    fake = FakeAptic()
    url = serve(fake)
    with fake.client() as client:
        for name in ("nordfin-verify-a", "nordfin-verify-b"):
            guid = client.customers.create(aptic.CustomerCreate(full_name=name)).customer_guid
            client.customers.addresses(guid).create(aptic.CustomerAddressInput(street=name, city="y"))
        first, named = (c.customer_guid for c in client.customers.list(top=5).value)
        address = client.customers.addresses(named).list().value[0].address_guid
    fake.requests.clear()
    ids = ["--id", f"customerGuid={named}", "--id", f"addressGuid={address}"]
    outcome = verify("aptic", "--base-url", url, *ids, env=APTIC)
    paths = [r.url.path for r in fake.requests]
    assert outcome.status == 0
    assert any(p.endswith(f"/v1/Customers/{named}/Addresses/{address}") for p in paths)
    assert not any(f"/v1/Customers/{first}" in p for p in paths)
