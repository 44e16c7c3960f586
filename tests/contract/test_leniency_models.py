"""Lenient reading of guessed enums, nulls and required members, which needs the generated models
to read them: an unlisted enum value as a ``str``, a null or a missing guessed member as ``None``
(the code generator's templates); strict mode's refusal of each same answer is proved beside it.
"""

from __future__ import annotations

import json
import logging

import _deviations as d
import _harness as h
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nordfin import permanad
from nordfin.testing.permanad import FakeClock, FakePermanad

GUESSED = d.body_cases(inferred=True)


@pytest.mark.parametrize("op", GUESSED)
@d.FILTERING
@given(data=st.data())
def test_guessed_deviations_are_accepted_by_default_and_refused_in_strict_mode(
    op: h.Op, data: st.DataObject
) -> None:
    """An unlisted enum value, a null or a missing member, each where the spec guessed, is read
    without an error and logged at WARNING; strict mode refuses the same answer."""
    kind, where, answer = data.draw(d.deviated(op, inferred=True), label="deviation")
    with d.warnings_logged() as records:
        exchange = h.answered_call(op, answer, data, strict=False)
    d.assert_accepted(op, f"{kind} at {where}", exchange, records)

    exchange = h.answered_call(op, answer, data, strict=True)
    d.assert_refused(op, f"{kind} at {where}", exchange)


class OnHold(httpx.BaseTransport):
    """The fake, except that every order it answers has the status ``onHold`` (not in the spec)."""

    def __init__(self, fake: FakePermanad) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.fake.handle_request(request)
        if request.method != "GET" or not response.is_success:
            return response
        body = json.loads(response.read())
        body["data"]["status"] = "onHold"
        return httpx.Response(response.status_code, json=body, request=request)


def test_wait_for_decision_takes_an_unknown_status_as_not_decided(caplog: pytest.LogCaptureFixture) -> None:
    """Polling goes on until the timeout; the log and the ``WaitTimeout`` say which status it was."""
    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    client = permanad.Client(
        api_keys={"SE": fake.api_keys["SE"]},
        environment="sandbox",
        transport=OnHold(fake),
        rate_limit=False,
        clock=clock,
        sleep=clock.sleep,
    )
    with client, caplog.at_level(logging.WARNING, logger="nordfin"):
        created = client.orders.create(fake_order())
        with pytest.raises(permanad.WaitTimeout) as caught:
            client.orders.wait_for_decision(created.public_id, timeout=150)

    assert "'onHold' is not in the spec, so it was taken as not decided yet" in str(caught.value)
    assert caught.value.last.status == "onHold"  # type: ignore[attr-defined]
    assert any("'onHold'" in r.getMessage() and "not decided yet" in r.getMessage() for r in caplog.records)
    assert len([r for r in fake.requests if r.method == "GET"]) == 3  # at 0, 60 and 120 seconds


def fake_order() -> permanad.CreateOrderRequest:
    laptop = permanad.OrderItem(
        name="Laptop",
        product_id="LP-14",
        quantity=1,
        unit_amount=1_500_000,
        total_amount=1_500_000,
        vat=300_000,
    )
    return permanad.CreateOrderRequest(
        months=36,
        own_insurance=False,
        company="Exempel AB",
        org_number="556036-0793",
        nin="19811218-9876",
        first_name="Anna",
        last_name="Svensson",
        email="anna@example.se",
        phone="+46701234567",
        billing_address="Storgatan 1",
        billing_city="Stockholm",
        billing_postal_code="11122",
        billing_country="SE",
        items=[laptop],
    )
