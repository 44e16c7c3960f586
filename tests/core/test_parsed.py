"""``_core.parsed``: raw JSON that the generated parser let through in place of a model is found."""

from __future__ import annotations

from typing import Any

import pytest

from nordfin._core.parsed import unparsed
from nordfin_generated.aptic.models import Customer, CustomerList
from nordfin_generated.payfunc.models import Event

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
EVENT = {"type": "charge", "date": "2026-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("parsed", "expected"),
    [
        (
            Customer.from_dict({"customerGuid": GUID, "addresses": [{}]}),
            ["body.addresses[0]: not read as a model"],
        ),
        (
            Customer.from_dict({"customerGuid": GUID, "addresses": "oops"}),
            ["body.addresses: str where the spec's model belongs"],
        ),
        (
            [Customer.from_dict({"customerGuid": GUID, "addresses": [{"addressGuid": GUID}, {"city": "x"}]})],
            # one bad item makes the generator hand back the whole list raw
            ["body[0].addresses[0]: not read as a model", "body[0].addresses[1]: not read as a model"],
        ),
        (
            CustomerList.from_dict(
                {
                    "count": 2,
                    "skip": 0,
                    "total": 2,
                    "value": [
                        {"customerGuid": GUID, "dateOfBirth": "1990-01-01T00:00:00"},
                        {"customerGuid": GUID, "dateOfBirth": "not a date"},  # kept as the str
                    ],
                }
            ),
            ["body.value[1].date_of_birth: str where the spec's model belongs"],
        ),
    ],
)
def test_raw_json_in_place_of_a_model_is_named(parsed: Any, expected: list[str]) -> None:
    assert unparsed(parsed) == expected


@pytest.mark.parametrize(
    "parsed",
    [
        Customer.from_dict({"customerGuid": GUID, "addresses": [{"addressGuid": GUID}], "links": None}),
        Customer.from_dict({"customerGuid": GUID}),
        CustomerList.from_dict({"count": 1, "skip": 0, "total": 1, "value": [{"customerGuid": GUID}]}),
        Event.from_dict({**EVENT, "items": 12.5}),  # a union of a number, an item and a list of items
        Event.from_dict({**EVENT, "items": 12}),
        Event.from_dict({**EVENT, "items": [{"name": "Coffee"}]}),
        [1, "a", None],
    ],
)
def test_fully_parsed_answers_pass(parsed: Any) -> None:
    assert unparsed(parsed) == []
