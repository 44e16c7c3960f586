"""The checker on single exchanges: each finding kind, its pointers, and no value in its words."""

from __future__ import annotations

import json
from typing import Any

from nordfin._core.spec import SpecIndex
from nordfin.verify.check import Checker, Finding
from nordfin.verify.ledger import ledger
from nordfin.verify.record import Exchange

BASE = "https://partner-api.sandbox.permanad.se/v1"
SECRET_LOOKING = "4111111111111111-TOKEN"


def _exchange(
    status: int, body: Any, *, path: str = "/partner", media: str = "application/json", **headers: str
) -> Exchange:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = (("content-type", media), *headers.items()) if media else tuple(headers.items())
    return Exchange("GET", BASE + path, (), b"", status, answer, content)


def _check(exchange: Exchange) -> list[Finding]:
    return Checker(SpecIndex.for_slug("permanad"), BASE).check(exchange)


def _partner(**changes: Any) -> dict[str, Any]:
    partner = {"id": 1, "orgNumber": "5560360793", "name": "Shop", **changes}
    return {"data": {"partner": partner, "tariffs": []}}


def test_a_body_that_is_not_json_is_invalid() -> None:
    (finding,) = _check(_exchange(200, b"<html>oops</html>"))
    assert (finding.kind, finding.spec_location) == (
        "invalid-body",
        "/paths/~1partner/get/responses/200/content/application~1json",
    )


def test_an_empty_answer_where_a_body_is_documented() -> None:
    (finding,) = _check(_exchange(200, b"", media=""))
    assert (finding.kind, finding.spec_location) == (
        "missing-body",
        "/paths/~1partner/get/responses/200/content",
    )


def test_a_wrong_type_is_a_schema_finding_that_never_repeats_the_value() -> None:
    (finding,) = _check(_exchange(200, _partner(name=SECRET_LOOKING, id=SECRET_LOOKING)))
    assert (finding.kind, finding.pointer, finding.spec_location) == (
        "schema",
        "/data/partner/id",
        "/components/schemas/Partner/properties/id",
    )
    assert SECRET_LOOKING not in json.dumps(finding.as_dict())


def test_an_invalid_retry_after_is_found() -> None:
    body = {"error": {"code": "rate_limited", "message": "slow"}}
    findings = _check(_exchange(429, body, **{"Retry-After": "soon"}))
    assert "invalid-header" in [f.kind for f in findings]


def test_an_agreeing_answer_confirms_the_guesses_it_went_through() -> None:
    index = SpecIndex.for_slug("permanad")
    checker = Checker(index, BASE)
    assert checker.check(_exchange(200, _partner())) == []
    verdicts = {i.pointer: i.verdict for i in ledger(index.spec, checker.visited, checker.findings)}
    assert (
        verdicts["/paths/~1partner/get"],
        verdicts["/components/schemas/Partner"],
        verdicts["/paths/~1orders/post"],
    ) == ("confirmed", "confirmed", "unexercised")


def test_a_request_outside_the_spec_is_listed_not_checked() -> None:
    checker = Checker(SpecIndex.for_slug("permanad"), BASE)
    assert checker.check(_exchange(200, {}, path="/health")) == []
    assert (checker.outside, checker.checked) == (["GET /v1/health"], [])
