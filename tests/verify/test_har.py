"""Captured traffic: record a client's use of a fake process as HAR 1.2, verify the file offline."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _verify_helpers import Outcome, Served

from nordfin import goto
from nordfin.testing.record import read_har, record

_ENTRY_KEYS = {"startedDateTime", "time", "request", "response", "cache", "timings"}


@pytest.fixture
def recorded(served: dict[str, Served], tmp_path: Path) -> tuple[Path, Served]:
    """A HAR of a Goto client's create, list, get, update and delete against the fake process."""
    fake = served["goto"]
    path = tmp_path / "goto.har"
    keys = fake.credentials
    with (
        record(path, secrets=[keys["api_key"], keys["store"]]) as transport,
        goto.Client(
            store=keys["store"], api_key=keys["api_key"], base_url=fake.url, transport=transport
        ) as client,
    ):
        client.payment_terms.create(code="nordfin-verify-har", description="recorded")
        client.payment_terms.list()
        client.payment_terms.get("nordfin-verify-har")
        client.payment_terms.update("nordfin-verify-har", description="changed")
        client.payment_terms.delete("nordfin-verify-har")
    return path, fake


def test_the_recording_is_har_1_2_without_the_credentials(recorded: tuple[Path, Served]) -> None:
    path, fake = recorded
    text = path.read_text()
    document = json.loads(text)
    entries = document["log"]["entries"]
    assert (document["log"]["version"], len(entries)) == ("1.2", 5)
    assert all(set(entry) >= _ENTRY_KEYS for entry in entries)
    assert [e["request"]["method"] for e in entries] == ["POST", "GET", "GET", "PUT", "DELETE"]
    assert (fake.credentials["api_key"] not in text, fake.credentials["store"] not in text) == (True, True)


def test_record_then_verify_the_har_agrees(
    recorded: tuple[Path, Served], verify: Callable[..., Outcome]
) -> None:
    path, fake = recorded
    outcome = verify("goto", "--har", str(path), "--base-url", fake.url, env={})
    assert (outcome.status, outcome.findings(), outcome.report["checked"]) == (0, [], 5)
    assert outcome.report["mode"] == "HAR (offline)"
    assert outcome.verdict("/components/schemas/PaymentTermsResponse") == "confirmed"


def test_a_drift_in_a_har_is_found_offline(
    recorded: tuple[Path, Served], verify: Callable[..., Outcome]
) -> None:
    path, _ = recorded
    document = json.loads(path.read_text())
    listed = document["log"]["entries"][1]["response"]["content"]
    body = json.loads(listed["text"])
    body["payment_terms"] = body.pop("paymentTerms")
    listed["text"] = json.dumps(body)
    path.write_text(json.dumps(document))
    outcome = verify("goto", "--har", str(path), env={})  # no --base-url: routed by the spec's server path
    assert outcome.status == 1
    assert sorted((f["kind"], f["pointer"]) for f in outcome.findings()) == [
        ("missing-member", "/paymentTerms"),
        ("undocumented-member", "/payment_terms"),
    ]
    assert outcome.verdict("/components/schemas/PaymentTermsResponse") == "contradicted"


def _entry(url: str, status: int, mime: str, text: str, *, encoded: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"size": len(text), "mimeType": mime, "text": text}
    if encoded:
        content |= {"text": base64.b64encode(text.encode()).decode(), "encoding": "base64"}
    return {
        "startedDateTime": "2026-01-01T00:00:00Z",
        "time": 1,
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "h2",
            "headers": [{"name": ":authority", "value": "x"}],
        },
        "response": {
            "status": status,
            "headers": [{"name": "content-type", "value": mime}],
            "content": content,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }


def test_a_browser_har_is_checked_only_where_it_reaches_the_api(
    verify: Callable[..., Outcome], tmp_path: Path
) -> None:
    """Other hosts are left out; the API's answers (here base64, as browsers write them) are checked."""
    partner = {"data": {"partner": {"id": 1, "orgNumber": "5560360793", "name": "Shop"}, "tariffs": []}}
    entries = [
        _entry(
            "https://partner-api.sandbox.permanad.se/v1/partner",
            200,
            "application/json",
            json.dumps(partner),
            encoded=True,
        ),
        _entry("https://partner.apidocs.permanad.se/app.js", 200, "text/javascript", "void 0"),
        _entry("https://partner-api.sandbox.permanad.se/v1/health", 200, "text/plain", "ok"),
    ]
    path = tmp_path / "browser.har"
    path.write_text(
        json.dumps({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": entries}})
    )
    outcome = verify(
        "permanad", "--har", str(path), "--base-url", "https://partner-api.sandbox.permanad.se/v1", env={}
    )
    assert outcome.report["checked"] == 1
    assert outcome.report["outsideSpec"] == ["GET /v1/health"]
    assert len(read_har(path)) == 3


def test_a_file_that_is_not_har_is_a_usage_error(verify: Callable[..., Outcome], tmp_path: Path) -> None:
    path = tmp_path / "not.har"
    path.write_text("{}")
    outcome = verify("goto", "--har", str(path), env={})
    assert (outcome.status, len(outcome.err.strip().splitlines())) == (2, 1)
    assert "not a HAR file" in outcome.err
