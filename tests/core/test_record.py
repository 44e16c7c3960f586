"""``_core.record.Frozen``: what ``@dataclass(frozen=True, slots=True)`` gave the public values that
check their arguments, without its class-creation cost at import."""

from __future__ import annotations

import copy
import pickle

import pytest

from nordfin import ClientCert, RetryPolicy
from nordfin._core.odata import Field
from nordfin._core.polling import PollPolicy
from nordfin._core.record import Frozen, FrozenInstanceError
from nordfin.aptic import Field as ApticField
from nordfin.errors import RequestValidationError


class Point(Frozen):
    __slots__ = ("x", "y")
    x: int
    y: int

    def __init__(self, x: int, y: int = 0) -> None:
        self._init(x=x, y=y)


class Labelled(Point):
    __slots__ = ("label",)
    label: str

    def __init__(self, x: int, y: int, label: str) -> None:
        self._init(x=x, y=y, label=label)


def test_fields_are_the_annotated_slots_in_declaration_order_across_the_bases() -> None:
    assert Point._fields == ("x", "y")
    assert Labelled._fields == ("x", "y", "label")
    assert RetryPolicy._fields[:2] == ("max_attempts", "initial_delay")  # not __slots__' sorted order


def test_compared_hashed_and_shown_by_value() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert repr(Labelled(1, 2, "a")) == "Labelled(x=1, y=2, label='a')"
    # a subclass with the same values is another value, as with dataclasses
    assert Point(1, 2) != Labelled(1, 2, "a")
    assert Point(1, 2).__eq__((1, 2)) is NotImplemented


def test_fields_cannot_be_assigned_or_deleted() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'x'"):
        del point.x  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.z = 3  # type: ignore[attr-defined]
    assert point.x == 1


@pytest.mark.parametrize(
    "value",
    [
        Labelled(1, 2, "a"),
        RetryPolicy(max_attempts=5, retry_statuses=frozenset({503})),
        PollPolicy(interval=1.0, timeout=5.0),
        Field("customer/fullName"),
        ClientCert("me.pem", "me.key"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_copied_and_pickled_as_equal_values(value: Frozen) -> None:
    assert copy.copy(value) == value
    assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(value)) == value


def test_the_public_values_still_check_their_arguments() -> None:
    with pytest.raises(RequestValidationError) as refused:
        RetryPolicy(max_attempts=0)
    assert (refused.value.field, refused.value.rule) == ("max_attempts", "must be an int >= 1")
    with pytest.raises(RequestValidationError) as refused:
        PollPolicy(backoff=-1.0)
    assert (refused.value.field, refused.value.rule) == ("backoff", "must be a finite number of seconds >= 0")
    with pytest.raises(RequestValidationError, match="OData keyword"):
        Field("and")
    assert ClientCert("c.pem", password="pw").password is not None  # a str is wrapped in a Secret
    assert "pw" not in repr(ClientCert("c.pem", password="pw"))


def test_aptics_field_maps_the_snake_case_name_instead_of_odatas_check() -> None:
    assert ApticField("full_name") == ApticField("fullName")
    assert ApticField("full_name").name == "fullName"
    assert repr(ApticField("full_name")) == "Field(name='fullName')"
