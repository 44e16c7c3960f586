"""Loading on first use, written once: what ``import nordfin.<slug>`` must not pay for (issue 14).

- ``stdnum("se.personnummer")``: a python-stdnum module, imported at the first check that needs it
  (python-stdnum imports ``pydoc``, ``pkgutil`` and ``importlib.resources`` with it).
- ``lazy_exports``: the PEP 562 ``__getattr__`` and ``__dir__`` of a module that re-exports names
  (an overlay's ``models.py``): each name is imported when first read, then kept in the module.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["lazy_exports", "stdnum"]


@functools.cache
def stdnum(name: str) -> ModuleType:
    """python-stdnum's module ``name``, e.g. ``"se.personnummer"`` for ``stdnum.se.personnummer``."""
    return importlib.import_module(f"stdnum.{name}")


def lazy_exports(
    namespace: dict[str, Any], sources: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the module of ``namespace`` (its ``globals()``), which
    re-exports each name of ``sources[source]`` from the module ``source``; other names raise
    ``AttributeError`` as usual."""
    where = {name: source for source, names in sources.items() for name in names}
    module = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        source = where.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        namespace[name] = value  # the next lookup finds it without coming here
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__
