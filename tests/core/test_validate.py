"""The argument checks of ``_core.validate`` that the spec cannot express: GUIDs and enums."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import pytest

from nordfin._core.validate import check_enum, check_guid
from nordfin.errors import RequestValidationError


class Kind(enum.IntEnum):
    ONE = 1
    SEVEN = 7


def test_a_guid_is_accepted_as_text_or_uuid() -> None:
    text = "3F2504E0-4f89-11d3-9a0c-0305e82c3301"

    assert text == check_guid("guid", text)
    assert text.lower() == check_guid("guid", uuid.UUID(text))


@pytest.mark.parametrize(
    "value",
    [
        "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
        "urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "3f2504e04f8911d39a0c0305e82c3301",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301\n",
        "../3f2504e0-4f89-11d3-9a0c-0305e82c",
        "",
        42,
    ],
)
def test_anything_but_a_canonical_guid_is_refused_without_repeating_it(value: Any) -> None:
    with pytest.raises(RequestValidationError) as raised:
        check_guid("customer_guid", value)

    assert raised.value.field == "customer_guid"
    assert not (isinstance(value, str) and value and value in str(raised.value))


def test_an_enum_takes_its_member_or_its_value() -> None:
    assert (check_enum("kind", Kind.SEVEN, Kind), check_enum("kind", 1, Kind)) == (Kind.SEVEN, Kind.ONE)


@pytest.mark.parametrize("value", [2, True, "1", None, 1.5])
def test_an_enum_refuses_other_values_and_lists_the_allowed_ones(value: Any) -> None:
    with pytest.raises(RequestValidationError) as raised:
        check_enum("kind", value, Kind)

    assert (raised.value.field, raised.value.rule) == ("kind", "must be one of 1, 7 (Kind)")
