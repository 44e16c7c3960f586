"""A request's query as the Python values a fake's handler works with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nordfin._core.spec import Operation, SpecIndex

__all__ = ["typed_query"]


def typed_query(index: SpecIndex, operation: Operation, query: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The query as Python values: documented parameters read as their type, defaults filled in.

    Unknown parameters keep their first string value.
    """
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        grouped.setdefault(name, []).append(value)
    typed: dict[str, Any] = {name: values[0] for name, values in grouped.items()}
    for param in operation.parameters:
        if param.location != "query":
            continue
        if param.name in grouped:
            typed[param.name] = index.parameter_value(param, grouped[param.name])
        elif "default" in index.resolve(param.schema):
            typed[param.name] = index.resolve(param.schema)["default"]
    return typed
