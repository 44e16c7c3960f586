"""nordfin._core.checked answers the usual call itself (its own bind, ``isinstance`` for a plainly
annotated class) and leaves the rest to ``inspect.Signature.bind`` and typeguard: the same refusals."""

from __future__ import annotations

from typing import Any

import pytest

from nordfin._core.checked import Checked
from nordfin.errors import RequestValidationError


class Base:
    pass


class Derived(Base):
    pass


class Resource(Checked):
    def put(self, key: str, target: Base | None = None, *, count: int | None = None) -> str:
        return key


def refusal(call: Any) -> tuple[str, str]:
    with pytest.raises(RequestValidationError) as caught:
        call()
    return caught.value.field, caught.value.rule


def test_an_instance_of_a_subclass_passes_and_an_instance_of_another_class_is_refused() -> None:
    assert Resource().put("k", Derived(), count=None) == "k"
    assert refusal(lambda: Resource().put("k", object())) == ("target", "must be Base or None, not object")


def test_a_bool_is_no_count_even_where_none_is_allowed() -> None:
    assert refusal(lambda: Resource().put("k", count=True)) == ("count", "must be int or None, not a bool")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: Resource().put(), "key"),  # missing
        (lambda: Resource().put("k", key="k"), "key"),  # twice
        (lambda: Resource().put("k", None, 3), "arguments"),  # too many positional
        (lambda: Resource().put("k", cuont=3), "cuont"),  # unknown
    ],
)
def test_what_the_usual_call_cannot_bind_is_worded_by_signature_bind(call: Any, field: str) -> None:
    assert refusal(call)[0] == field
