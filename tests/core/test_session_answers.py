"""A success answer's body is decoded once for the validity check and the parser, and only for
the call: nothing of it stays on the response (httpx's responses sit in reference cycles, so a page
kept there would live until the garbage collector runs)."""

from __future__ import annotations

import json
import types
from typing import Any

import httpx
import pytest

from nordfin import goto
from nordfin._core import session

ANSWER = {"paymentTerms": [{"code": "NET/30", "description": "30 days net"}], "since": 7}


def client_answering(sent: list[httpx.Response]) -> goto.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(httpx.Response(200, json=ANSWER))
        return sent[-1]

    return goto.Client(store="s", api_key="k", rate_limit=False, transport=httpx.MockTransport(answer))


def test_the_body_is_decoded_once_for_the_check_and_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[Any] = []

    def loads(content: bytes, **kwargs: Any) -> Any:
        decoded.append(content)
        return json.loads(content, **kwargs)

    monkeypatch.setattr(session, "jsonlib", types.SimpleNamespace(loads=loads))
    term = client_answering([]).payment_terms.get("NET/30")

    assert (term.code, len(decoded)) == ("NET/30", 1)


def test_nothing_decoded_stays_on_the_response_after_the_call() -> None:
    sent: list[httpx.Response] = []
    client_answering(sent).payment_terms.list()

    assert [r for r in sent if "json" in vars(r)] == []
    assert sent[0].json() == ANSWER
