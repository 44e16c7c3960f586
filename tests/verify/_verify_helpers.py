"""Helpers of the verify tests (imported by name: ``--import-mode=importlib`` adds no package)."""

from __future__ import annotations

import json
import queue
import subprocess
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from nordfin.testing import FakeApi

SLUGS = ("aptic", "goto", "payex", "payfunc", "permanad")
_START_TIMEOUT = 90.0  # seconds; a loaded two-core machine imports pydantic slowly


@attrs.frozen
class Served:
    """A fake served by its own process: its base URL and the credentials it printed."""

    slug: str
    url: str
    credentials: dict[str, str]

    def env(self) -> dict[str, str]:
        """The ``NORDFIN_<SLUG>_<KEYWORD>`` variables a run against this fake needs."""
        return env_for(self.slug, self.credentials)


def env_for(slug: str, credentials: dict[str, str]) -> dict[str, str]:
    """Each fake's printed credentials under the environment names of its client's keywords."""
    if slug == "goto":
        return {"NORDFIN_GOTO_STORE": credentials["store"], "NORDFIN_GOTO_API_KEY": credentials["api_key"]}
    if slug == "payex":
        return {"NORDFIN_PAYEX_TOKEN": credentials["bearer"], "NORDFIN_PAYEX_LEDGER_NUMBER": "XXX"}
    if slug == "payfunc":
        return {"NORDFIN_PAYFUNC_API_KEY": credentials["private"]}
    if slug == "aptic":
        return {
            "NORDFIN_APTIC_CLIENT_ID": credentials["client_id"],
            "NORDFIN_APTIC_CLIENT_SECRET": credentials["client_secret"],
        }
    return {"NORDFIN_PERMANAD_API_KEYS_SE": credentials["bearerAuth"]}


def base_url(slug: str, url: str) -> str:
    """The ``--base-url`` for a served fake (PayEx's client wants the host root)."""
    return url.split("/ledger/", 1)[0] if slug == "payex" else url


def read_lines(process: subprocess.Popen[str], into: queue.Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        into.put(line.rstrip("\n"))
    into.put("")


def started(slug: str, process: subprocess.Popen[str], lines: queue.Queue[str]) -> Served:
    url, credentials = "", {}
    while True:
        try:
            line = lines.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"the {slug} fake did not start in time") from None
        if line.startswith("fake "):
            url = line.rsplit(" ", 1)[-1]
        elif line.startswith("  ") and ": " in line:
            name, value = line.strip().split(": ", 1)
            credentials[name] = value
        elif line.startswith("Ctrl-C") or not line:
            break
    if not url.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the {slug} fake did not print a loopback URL")
    return Served(slug, url, credentials)


@attrs.frozen
class Outcome:
    """What one ``python -m nordfin.verify`` run gave: exit status, output, reports."""

    status: int
    out: str
    err: str
    report: dict[str, Any]
    markdown: str

    def findings(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.report.get("findings", []) if kind is None or f["kind"] == kind]

    def verdict(self, pointer: str) -> str:
        return next(i["verdict"] for i in self.report["inferences"] if i["pointer"] == pointer)


def drifting(
    fake: type[FakeApi], change: Callable[[httpx.Request, httpx.Response], httpx.Response | None]
) -> FakeApi:
    """A fake whose answers ``change`` may replace: a server that drifts from the spec."""

    class Drifting(fake):  # type: ignore[valid-type,misc]
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            response.read()
            return change(request, response) or response

    return Drifting()


def json_of(response: httpx.Response) -> Any:
    return json.loads(response.content)


def answer(
    response: httpx.Response, body: Any = None, *, status: int | None = None, **headers: str
) -> httpx.Response:
    """A copy of ``response`` with another JSON ``body``, status or headers."""
    merged = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length",)}
    merged.update({k.replace("_", "-"): v for k, v in headers.items()})
    content = response.content if body is None else json.dumps(body).encode()
    return httpx.Response(status or response.status_code, headers=merged, content=content)
