"""Did the generated parser really read a success answer into its models?

openapi-python-client parses a union member (``list[Address] | None``, ``Item | None``) inside a
``try`` and, when the member does not read, returns the raw JSON instead (toolchain P8): an address
without its required GUID comes back as a ``dict`` in a list typed ``list[Address]``, and a
malformed date in a member that may be null comes back as the ``str``. This walks the parsed
models and names every place where the raw value stands instead of the model (or date, time,
UUID), so the session can raise ``ResponseValidationError`` rather than hand the caller something
untyped.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import sys
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

__all__ = ["unparsed"]


class _Slot(NamedTuple):
    """What one field of a generated model may hold."""

    name: str
    models: tuple[type, ...]  # model classes the value itself may be
    item_models: tuple[type, ...]  # model classes the items of a list value may be
    plain: tuple[type, ...]  # other classes the value may be (str, float, an enum, list, ...)
    # what a value may plainly be (an int where a float is), None where it may be a model
    accepts: tuple[type, ...] | None = None

    def fits_plainly(self, value: Any) -> bool:
        """A slot that may hold no model: does ``value`` fit (what ``_check`` would accept)?"""
        return value is None or (self.accepts is not None and isinstance(value, self.accepts))


def unparsed(value: Any, where: str = "body") -> list[str]:
    """Where ``value`` (a parsed answer) holds raw JSON in place of a model; empty when nowhere."""
    if isinstance(value, list):
        return _in_items(value, where)
    problems: list[str] = []
    for slot in _slots(type(value)):
        field = getattr(value, slot.name)
        if not slot.fits_plainly(field):  # (the place is named only where something may be wrong)
            problems += _check(slot, field, f"{where}.{slot.name}")
    return problems


def _check(slot: _Slot, value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if _is_model(type(value)):
        return unparsed(value, where) if isinstance(value, slot.models) else [f"{where}: an unexpected model"]
    if isinstance(value, list) and slot.item_models:
        if all(isinstance(item, slot.item_models) for item in value):
            # walk the items only where their model has model fields of its own (rarely)
            return _in_items(value, where) if any(_slots(m) for m in slot.item_models) else []
        raw = (i for i, item in enumerate(value) if not isinstance(item, slot.item_models))
        return [f"{where}[{i}]: not read as a model" for i in raw]
    if isinstance(value, slot.plain) or (float in slot.plain and isinstance(value, int)):
        return []
    return [f"{where}: {type(value).__name__} where the spec's model belongs"]


def _in_items(items: list[Any], where: str) -> list[str]:
    """The items' own problems; an item whose model has no model fields needs no walk (most lists).

    (``fits_plainly`` inlined: this runs for every item of every page.)
    """
    problems: list[str] = []
    kind: type | None = None
    slots: tuple[_Slot, ...] = ()
    for index, item in enumerate(items):
        if type(item) is not kind:  # the items of a list are nearly always of one class
            kind = type(item)
            slots = _slots(kind)
        for slot in slots:
            value = getattr(item, slot.name)
            if value is not None and (slot.accepts is None or not isinstance(value, slot.accepts)):
                problems += unparsed(item, f"{where}[{index}]")
                break
    return problems


def _is_model(cls: type) -> bool:
    """Whether ``cls`` is a generated model (an attrs class: ``attrs.has``, without importing
    attrs before a model has)."""
    return getattr(cls, "__attrs_attrs__", None) is not None


# Per class (a generated model, or any other class an answer holds, which has none); a race only
# computes it twice.
_SLOTS: dict[type, tuple[_Slot, ...]] = {}


def _slots(cls: type) -> tuple[_Slot, ...]:
    """The fields of ``cls`` that may hold a model (directly or as list items) or a converted value;
    others need no check. Empty for a class that is no generated model."""
    found = _SLOTS.get(cls)
    if found is None:
        found = _SLOTS[cls] = _find_slots(cls) if _is_model(cls) else ()
    return found


def _find_slots(cls: type) -> tuple[_Slot, ...]:
    hints = _hints(cls)
    if hints is None:
        return ()
    slots = []
    for field in cls.__attrs_attrs__:  # type: ignore[attr-defined]
        slot = _slot(field.name, hints.get(field.name))
        if slot is not None:
            slots.append(slot)
    return tuple(slots)


def _hints(cls: type) -> dict[str, Any] | None:
    """The resolved annotations of a generated model; its package's ``models`` names the forward
    references that the generator imports only under ``TYPE_CHECKING``."""
    module = sys.modules.get(cls.__module__)
    package = cls.__module__.rsplit(".", 1)[0]
    try:
        names = _PackageNames(importlib.import_module(package))
        return typing.get_type_hints(cls, globalns=dict(vars(module) if module else {}), localns=names)
    except Exception:  # an annotation we cannot resolve: leave the class unchecked, never fail here
        return None


class _PackageNames(Mapping[str, Any]):
    """The models a package exports (``__all__``), each read from it only when an annotation names
    it: the generated ``models`` package imports a model on first use (issue 14)."""

    def __init__(self, package: types.ModuleType) -> None:
        self._package = package
        self._names = frozenset(getattr(package, "__all__", ()))

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)  # the module's own names and builtins are looked up next
        return getattr(self._package, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _slot(name: str, annotation: Any) -> _Slot | None:
    if name == "additional_properties" or annotation is None:
        return None
    members = _members(annotation)
    if Any in members:
        return None
    models = tuple(m for m in members if isinstance(m, type) and _is_model(m))
    items = tuple(
        item
        for m in members
        if typing.get_origin(m) is list
        for item in typing.get_args(m)
        if isinstance(item, type) and _is_model(item)
    )
    if not models and not items and not any(m in _converted() for m in members):
        return None
    plain = tuple(p for p in (_plain(m) for m in members if m not in models) if p is not None)
    accepts = None if models or items else plain + ((int,) if float in plain else ())
    return _Slot(name, models, items, plain, accepts)


@functools.cache
def _converted() -> tuple[type, ...]:
    """What the generated parser converts from a JSON string, and leaves as the string when it
    cannot (uuid is imported by the first model that has one, not with the client)."""
    import uuid

    return (datetime.datetime, datetime.date, uuid.UUID)


def _members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _plain(member: Any) -> type | None:
    """The class a non-model union member stands for (``list[str]`` -> ``list``); None for NoneType."""
    origin = typing.get_origin(member)
    if origin is list:
        items = typing.get_args(member)
        return None if any(isinstance(i, type) and _is_model(i) for i in items) else list
    if isinstance(origin, type):
        return origin
    if isinstance(member, type) and member is not type(None):
        return member
    return None
