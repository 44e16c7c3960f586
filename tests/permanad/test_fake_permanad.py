"""nordfin.testing.permanad.FakePermanad behaves as the vendor documents (raw HTTP, no client)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from nordfin.testing import fake_for
from nordfin.testing.permanad import DEMO_KEYS, FakeClock, FakePermanad

BASE = "https://partner-api.permanad.se/v1"
ORDER: dict[str, Any] = {
    "months": 24,
    "ownInsurance": True,
    "company": "Exempel AB",
    "orgNumber": "556036-0793",
    "nin": "19811218-9876",
    "firstName": "Anna",
    "lastName": "Svensson",
    "email": "anna@example.se",
    "phone": "+46701234567",
    "billingAddress": "Storgatan 1",
    "billingCity": "Stockholm",
    "billingPostalCode": "11122",
    "billingCountry": "SE",
    "shippingAmount": 5000,
    "items": [
        {
            "name": "Phone",
            "productId": "P1",
            "quantity": 1,
            "unitAmount": 995000,
            "totalAmount": 995000,
            "VAT": 199000,
        }
    ],
}


def http(fake: FakePermanad, market: str = "SE") -> httpx.Client:
    return httpx.Client(
        transport=fake, base_url=BASE, headers={"Authorization": f"Bearer {DEMO_KEYS[market]}"}
    )


def create(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = client.post("/orders", json={**ORDER, **changes})
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def test_registered_by_slug() -> None:
    assert isinstance(fake_for("permanad", clock=lambda: 0.0), FakePermanad)


def test_an_order_is_decided_on_the_fakes_clock() -> None:
    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    with http(fake) as client:
        public_id = create(client)["publicId"]
        clock.sleep(119)
        before = client.get(f"/orders/{public_id}").json()["data"]
        clock.sleep(1)
        after = client.get(f"/orders/{public_id}").json()["data"]

    assert (before["status"], after["status"]) == ("pending", "readyToShip")
    assert [s["status"] for s in after["statuses"]] == ["pending", "readyToShip"]
    assert {k: after["contract"][k] for k in ("contractLength", "monthlyAmount")} == {
        "contractLength": 24,
        "monthlyAmount": 48_000,
    }


def test_an_active_contract_counts_its_months_to_expiry_down() -> None:
    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    with http(fake) as client:
        public_id = create(client, statusTrigger="ACTIVE")["publicId"]
        clock.sleep(120)
        fresh = client.get(f"/orders/{public_id}").json()["data"]["contract"]
        clock.sleep(3 * 30 * 86400)
        later = client.get(f"/orders/{public_id}").json()["data"]["contract"]

    assert (fresh["monthsToExpiry"], later["monthsToExpiry"]) == (24, 21)


def test_orders_are_visible_only_to_their_markets_key() -> None:
    fake = FakePermanad(clock=lambda: 0.0)
    with http(fake, "SE") as se, http(fake, "DK") as dk:
        public_id = create(se)["publicId"]
        seen_by_dk = dk.get(f"/orders/{public_id}")
        listed_by_dk = dk.get("/orders").json()["data"]["pagination"]["total"]

    assert (seen_by_dk.status_code, listed_by_dk) == (404, 0)
    assert seen_by_dk.json()["error"]["code"] == "NotFound"


def test_any_other_token_is_unauthorized() -> None:
    fake = FakePermanad(clock=lambda: 0.0)
    with httpx.Client(transport=fake, base_url=BASE, headers={"Authorization": "Bearer nope"}) as client:
        response = client.get("/partner")

    assert response.status_code == 401


def test_pagination_defaults_and_limits() -> None:
    fake = FakePermanad(clock=FakeClock())
    with http(fake) as client:
        for _ in range(60):
            create(client)
        default = client.get("/orders").json()["data"]
        last = client.get("/orders", params={"page": 2}).json()["data"]
        too_big = client.get("/orders", params={"limit": 101})
        page_zero = client.get("/orders", params={"page": 0})

    assert (
        len(default["orders"]),
        default["pagination"],
    ) == (50, {"page": 1, "limit": 50, "total": 60, "totalPages": 2})
    assert len(last["orders"]) == 10
    assert (too_big.status_code, page_zero.status_code) == (400, 400)


def test_the_101st_request_in_five_minutes_gets_429_with_retry_after() -> None:
    clock = FakeClock()
    fake = FakePermanad(clock=clock)
    with http(fake) as client:
        answers = [client.get("/partner").status_code for _ in range(100)]
        refused = client.get("/partner")
        clock.sleep(300)
        again = client.get("/partner")

    assert ({200}, 429, "300", 200) == (
        set(answers),
        refused.status_code,
        refused.headers["Retry-After"],
        again.status_code,
    )
    assert fake.too_many == 1


def test_calculation_uses_the_fake_tariffs() -> None:
    fake = FakePermanad(clock=lambda: 0.0, tariffs={6: 20.0})
    with http(fake) as client:
        body = client.post("/partner/calculate", json={"price": 1001}).json()

    assert body == {"data": {"monthlyAmounts": [{"months": 6, "monthlyAmount": 201}]}}


def test_a_rejected_body_names_the_field() -> None:
    fake = FakePermanad(clock=lambda: 0.0)
    with http(fake) as client:
        response = client.post("/orders", json={**ORDER, "billingCountry": "sweden"})

    assert response.status_code == 400
    assert "billingCountry" in json.dumps(response.json()["error"]["fields"])


def test_set_status_moves_an_order_by_hand() -> None:
    fake = FakePermanad(clock=lambda: 0.0)
    with http(fake) as client:
        public_id = create(client)["publicId"]
        fake.set_status(public_id, "cancelled")

    assert fake.status_of(public_id) == "cancelled"
    with pytest.raises(ValueError, match="shipped"):
        fake.set_status(public_id, "shipped")
