"""Valid orders for each market, for the Permånad tests."""

from __future__ import annotations

from typing import Any

from nordfin.permanad import CreateOrderRequest, OrderItem

#: market -> (national identity number, organisation number), all with valid checksums.
PEOPLE = {
    "SE": ("19811218-9876", "556036-0793"),
    "DK": ("211062-5629", "13585628"),
    "NO": ("15108695088", "988077917"),
    "FI": ("131052-308T", "2077474-0"),
}


def item(**changes: Any) -> OrderItem:
    values: dict[str, Any] = {
        "name": "Laptop",
        "product_id": "LP-14",
        "quantity": 2,
        "unit_amount": 1_500_000,
        "total_amount": 3_000_000,
        "vat": 600_000,
    }
    return OrderItem(**{**values, **changes})


def order(market: str = "SE", **changes: Any) -> CreateOrderRequest:
    nin, org_number = PEOPLE[market]
    values: dict[str, Any] = {
        "months": 36,
        "own_insurance": False,
        "company": "Exempel AB",
        "org_number": org_number,
        "nin": nin,
        "first_name": "Anna",
        "last_name": "Svensson",
        "email": "anna@example.se",
        "phone": "+46701234567",
        "billing_address": "Storgatan 1",
        "billing_city": "Stockholm",
        "billing_postal_code": "11122",
        "billing_country": market,
        "items": [item()],
    }
    return CreateOrderRequest(**{**values, **changes})
