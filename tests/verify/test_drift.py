"""Servers that drift from the spec, one way each: the drift is found where it is, and the guess
of the spec it contradicts is marked so.

Each drifting server is a fake whose answers one function changes, served on loopback over real
HTTP (in a thread of this process, so the test can change it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from _verify_helpers import Outcome, answer, drifting, env_for, json_of

from nordfin.testing.goto import FakeGoto
from nordfin.testing.permanad import FakePermanad
from nordfin.verify.cli import main

GOTO = env_for("goto", {"store": "demo-store", "api_key": "demo-api-key"})
PERMANAD = env_for("permanad", {"bearerAuth": "demo-key-se"})
LIST_TERMS = "/paths/~1payment_terms~1/get"
PARTNER = "/paths/~1partner/get"

Change = Callable[[httpx.Request, httpx.Response], httpx.Response | None]


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """``serve(FakeClass, change)``: the base URL of a drifting fake on 127.0.0.1."""
    with_stack: list[object] = []

    def start(fake: type, change: Change) -> str:
        server = drifting(fake, change).serve("127.0.0.1", 0)
        url = server.__enter__()
        with_stack.append(server)
        return url

    yield start
    for server in reversed(with_stack):
        server.__exit__(None, None, None)  # type: ignore[attr-defined]


def _on(method: str, path_end: str, change: Callable[[httpx.Response], httpx.Response]) -> Change:
    def pick(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        hit = request.method == method and request.url.path.endswith(path_end)
        return change(response) if hit else None

    return pick


def _no_sleep(seconds: float) -> None:
    """Retries are instant."""


def _seeded_goto(url: str) -> None:
    from nordfin import goto

    with goto.Client(store="demo-store", api_key="demo-api-key", base_url=url) as client:
        client.payment_terms.create(code="NET30", description="30 days")


def _renamed(response: httpx.Response) -> httpx.Response:
    body = json_of(response)
    body["payment_terms"] = body.pop("paymentTerms")
    return answer(response, body)


def test_a_renamed_member_is_missing_and_undocumented(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    url = serve(FakeGoto, _on("GET", "/payment_terms/", _renamed))
    outcome = verify("goto", "--base-url", url, env=GOTO)
    assert outcome.status == 1
    (missing,) = outcome.findings("missing-member")
    (extra,) = outcome.findings("undocumented-member")
    assert (
        missing["pointer"],
        missing["specLocation"],
    ) == ("/paymentTerms", "/components/schemas/PaymentTermsResponse/properties/paymentTerms")
    assert (
        extra["pointer"],
        extra["specLocation"],
    ) == ("/payment_terms", "/components/schemas/PaymentTermsResponse")
    assert outcome.verdict("/components/schemas/PaymentTermsResponse") == "contradicted"
    # The Markdown for the pull request: the findings and the contradicted guess with its evidence.
    assert "| missing-member | `GET list_payment_terms` | 200 | `/paymentTerms` |" in outcome.markdown
    assert "| `/components/schemas/PaymentTermsResponse` | Both fields appear" in outcome.markdown


def test_an_extra_member_is_undocumented_even_in_an_open_schema(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    url = serve(
        FakeGoto, _on("GET", "/payment_terms/", lambda r: answer(r, {**json_of(r), "nextPage": None}))
    )
    outcome = verify("goto", "--base-url", url, env=GOTO)
    (finding,) = outcome.findings()
    assert (
        finding["kind"],
        finding["operationId"],
        finding["status"],
        finding["pointer"],
    ) == ("undocumented-member", "list_payment_terms", 200, "/nextPage")
    assert finding["specLocation"] == "/components/schemas/PaymentTermsResponse"
    assert outcome.verdict("/components/schemas/PaymentTermsResponse") == "contradicted"


def test_201_where_the_spec_says_200_contradicts_the_inferred_status(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    url = serve(FakeGoto, _on("POST", "/payment_terms/", lambda r: answer(r, status=201)))
    outcome = verify("goto", "--base-url", url, "--allow-writes", env=GOTO)
    (finding,) = outcome.findings()
    assert (
        finding["kind"],
        finding["operationId"],
        finding["status"],
        finding["specLocation"],
    ) == ("undocumented-status", "create_payment_term", 201, "/paths/~1payment_terms~1/post/responses")
    assert outcome.verdict("/components/responses/PaymentTerm") == "contradicted"
    # The client refused the 201, but the term was made: the run still read, changed and deleted it.
    assert (len(outcome.report["cleanup"]["removed"]), outcome.report["cleanup"]["leftOver"]) == (1, [])


def test_a_missing_required_member_contradicts_its_schema(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    def drop_name(response: httpx.Response) -> httpx.Response:
        body = json_of(response)
        del body["data"]["partner"]["name"]
        return answer(response, body)

    url = serve(FakePermanad, _on("GET", "/partner", drop_name))
    outcome = verify("permanad", "--base-url", url, env=PERMANAD)
    (finding,) = outcome.findings()
    assert (
        finding["kind"],
        finding["pointer"],
        finding["specLocation"],
    ) == ("missing-member", "/data/partner/name", "/components/schemas/Partner/properties/name")
    assert outcome.verdict("/components/schemas/Partner") == "contradicted"
    assert outcome.verdict(PARTNER) == "confirmed"


def test_a_null_where_the_spec_allows_none_is_found(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    def null_name(response: httpx.Response) -> httpx.Response:
        body = json_of(response)
        body["data"]["partner"]["name"] = None
        return answer(response, body)

    outcome = verify(
        "permanad", "--base-url", serve(FakePermanad, _on("GET", "/partner", null_name)), env=PERMANAD
    )
    (finding,) = outcome.findings()
    assert (finding["kind"], finding["pointer"]) == ("null", "/data/partner/name")
    assert outcome.verdict("/components/schemas/Partner") == "contradicted"


def test_a_wrong_content_type_is_found(serve: Callable[..., str], verify: Callable[..., Outcome]) -> None:
    url = serve(FakePermanad, _on("GET", "/partner", lambda r: answer(r, content_type="text/plain")))
    outcome = verify("permanad", "--base-url", url, env=PERMANAD)
    (finding,) = outcome.findings()
    assert ("content-type", "", f"{PARTNER}/responses/200/content") == (
        finding["kind"],
        finding["pointer"],
        finding["specLocation"],
    )
    assert "text/plain" in finding["message"]
    assert outcome.verdict(PARTNER) == "contradicted"


def test_an_undocumented_4xx_is_found(serve: Callable[..., str], verify: Callable[..., Outcome]) -> None:
    url = serve(FakePermanad, _on("GET", "/partner", lambda r: answer(r, {"error": "gone"}, status=404)))
    outcome = verify("permanad", "--base-url", url, env=PERMANAD)
    (finding,) = outcome.findings()
    assert ("undocumented-status", 404, f"{PARTNER}/responses") == (
        finding["kind"],
        finding["status"],
        finding["specLocation"],
    )
    assert outcome.verdict(PARTNER) == "contradicted"


def test_a_429_without_retry_after_is_found_and_the_run_goes_on(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    refused: list[str] = []

    def once(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        if refused or request.method != "GET":
            return None
        refused.append(request.url.path)
        body = FakeGoto().error_body(429, None, "slow down")
        return httpx.Response(429, json=body)  # a Goto error body, without the promised Retry-After

    outcome = verify(
        "goto", "--base-url", serve(FakeGoto, once), env=GOTO, client_options={"sleep": _no_sleep}
    )
    (finding,) = outcome.findings()
    assert (
        finding["kind"],
        finding["status"],
        finding["specLocation"],
    ) == ("missing-header", 429, "/components/responses/TooManyRequests/headers/Retry-After")
    assert "list_payment_terms" in outcome.report["operations"]["exercised"]
    assert outcome.report["requests"] == 2  # the 429 and the retry after it


def test_the_overlay_proposes_one_action_per_finding(
    serve: Callable[..., str], verify: Callable[..., Outcome], tmp_path: object
) -> None:
    url = serve(FakeGoto, _on("GET", "/payment_terms/", _renamed))
    path = f"{tmp_path}/overlay.json"
    assert main(["goto", "--base-url", url, "--overlay", path], env=GOTO) == 1
    overlay = json.loads(Path(path).read_text())
    targets = sorted(action["target"] for action in overlay["actions"])
    assert overlay["overlay"] == "1.0.0"
    assert targets == ["$['components']['schemas']['PaymentTermsResponse']"] * 2


def test_a_refused_request_that_the_spec_allows_contradicts_the_request_schema(
    serve: Callable[..., str], verify: Callable[..., Outcome]
) -> None:
    def refuse(response: httpx.Response) -> httpx.Response:
        body = FakePermanad().error_body(400, None, "orgNumber is not a customer of ours")
        return answer(response, body, status=400)

    url = serve(FakePermanad, _on("POST", "/orders", refuse))
    outcome = verify("permanad", "--base-url", url, "--allow-writes", env=PERMANAD)
    (finding,) = outcome.findings()
    assert (finding["kind"], finding["operationId"], finding["status"]) == (
        "refused-request",
        "create_order",
        400,
    )
    assert outcome.verdict("/components/schemas/CreateOrderRequest") == "contradicted"
    assert outcome.verdict("/components/schemas/CreateOrderRequest/properties/nin") == "unexercised"
