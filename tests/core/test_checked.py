"""nordfin._core.checked: arguments checked against annotations, named, never repeated."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Literal, NotRequired, Required, TypedDict, Unpack

import pytest

from nordfin._core.checked import Checked, check_argument
from nordfin.errors import RequestValidationError


class Line(TypedDict):
    name: str
    price: NotRequired[float]


class Options(TypedDict, total=False):
    timeout: float
    strict: bool


class Plan(TypedDict, total=False):
    name: Required[str]
    note: str


class Resource(Checked):
    def add(self, line: Line, *, count: int = 1) -> int:
        return count

    def wait(self, ids: Iterable[str]) -> list[str]:
        return list(ids)

    def kind(self, value: Literal["a", "b"]) -> str:
        return value

    def configure(self, **settings: Unpack[Options]) -> dict[str, object]:
        return dict(settings)

    def subscribe(self, **plan: Unpack[Plan]) -> dict[str, object]:
        return dict(plan)

    async def fetch(self, key: str) -> str:
        return key


def refused(call: object) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as caught:
        run(call)
    return caught.value


def run(call: object) -> None:
    result = call()  # type: ignore[operator]
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def test_a_misspelled_typeddict_key_is_refused_by_the_argument() -> None:
    error = refused(lambda: Resource().add({"name": "x", "prise": 1}))  # type: ignore[typeddict-unknown-key]

    assert (error.field, "prise" in error.rule) == ("line", True)


def test_a_misspelled_keyword_is_refused_by_its_name() -> None:
    error = refused(lambda: Resource().add({"name": "x"}, cuont=2))  # type: ignore[call-arg]

    assert (error.field, error.rule) == ("cuont", "is not an argument of Resource.add")


def test_an_unknown_setting_and_a_wrong_one_are_named() -> None:
    unknown = refused(lambda: Resource().configure(timout=1))  # type: ignore[call-arg]
    wrong = refused(lambda: Resource().configure(timeout="1"))  # type: ignore[typeddict-item]

    assert (unknown.field, wrong.field) == ("timout", "timeout")


def test_a_required_keyword_of_an_unpacked_typeddict_is_required() -> None:
    """``**plan: Unpack[Plan]`` without its ``Required`` key is refused by the key's name, as a
    missing parameter is, instead of reaching the method's body (a raw ``KeyError`` there)."""
    error = refused(lambda: Resource().subscribe(note="x"))  # type: ignore[call-arg]

    assert (error.field, error.rule) == ("name", "is required")


def test_a_string_is_not_a_sequence_of_ids() -> None:
    """``wait(["ord-1"])`` is meant; ``wait("ord-1")`` would poll each character."""
    error = refused(lambda: Resource().wait("ord-1"))

    assert (error.field, error.rule) == ("ids", "must be Iterable[str], not a single str")


def test_the_items_of_an_iterable_list_are_checked() -> None:
    error = refused(lambda: Resource().wait(["ord-1", None]))  # type: ignore[list-item]

    assert (error.field, error.rule) == ("ids[1]", "must be str, not None")


def test_a_bool_is_not_a_count() -> None:
    error = refused(lambda: Resource().add({"name": "x"}, count=True))

    assert (error.field, error.rule) == ("count", "must be int, not a bool")


def test_an_async_method_refuses_when_awaited() -> None:
    error = refused(lambda: Resource().fetch(None))  # type: ignore[arg-type]

    assert (error.field, error.rule) == ("key", "must be str, not None")


def test_the_value_is_never_repeated() -> None:
    """The rule names types and keys, never the value: it may be a secret or an identity number."""
    secret = "sk_live_4242424242424242"
    errors = [
        refused(lambda: Resource().kind(secret)),  # type: ignore[arg-type]
        refused(lambda: Resource().add({"name": 1.5, "price": secret})),  # type: ignore[typeddict-item]
        refused(lambda: Resource().wait([secret, 7])),  # type: ignore[list-item]
    ]

    assert [secret in str(error) for error in errors] == [False, False, False]


@pytest.mark.parametrize(
    ("value", "annotation"),
    [("x", str), (None, str | None), ([1, 2], Sequence[int]), (3, float), ({"name": "a"}, Line)],
)
def test_what_the_annotation_allows_passes(value: object, annotation: object) -> None:
    check_argument("x", value, annotation)
