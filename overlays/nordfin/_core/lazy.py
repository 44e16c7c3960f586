"""Loading on first use what ``import nordfin.<slug>`` must not pay for (issue 14).

``stdnum("se.personnummer")`` is python-stdnum's module, imported at the first check that needs
it: python-stdnum imports ``pydoc``, ``pkgutil`` and ``importlib.resources`` with it.

``lazy_exports`` serves a module's re-exports on first use (PEP 562), so importing a client loads
no model. The module lists the names in ``__all__`` and imports them under ``TYPE_CHECKING``
(mypy, IDEs and griffe read those); at run time the functions it returns do the reading (the async
client, and the asyncio machinery it brings, loads the same way: only async users pay for it)::

    if not TYPE_CHECKING:
        __getattr__, __dir__ = lazy_exports(__name__, __all__, "nordfin_generated.goto.models")
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any, ForwardRef, Union

__all__ = ["LazyModule", "api_exports", "forward_union", "lazy_exports", "stdnum"]


@functools.cache
def stdnum(name: str) -> ModuleType:
    """python-stdnum's module ``name``, e.g. ``"se.personnummer"`` for ``stdnum.se.personnummer``."""
    return importlib.import_module(f"stdnum.{name}")


def lazy_exports(
    module: str,
    names: Iterable[str],
    source: str,
    elsewhere: Mapping[str, str] | None = None,
    computed: Mapping[str, Callable[[], Any]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``module``: each of ``names`` it does not define
    itself is read from the module ``source`` (or the one ``elsewhere`` names for it, e.g. an
    async client's module), or made by its function in ``computed``, when first asked for."""
    wanted = frozenset(names)
    sources = dict(elsewhere or {})
    makers = dict(computed or {})

    def __getattr__(name: str) -> Any:
        if name not in wanted:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        make = makers.get(name)
        value = make() if make else getattr(importlib.import_module(sources.get(name, source)), name)
        setattr(sys.modules[module], name, value)  # the next lookup finds it without coming here
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[module]), *wanted})

    return __getattr__, __dir__


def api_exports(module: str, names: Iterable[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """:func:`lazy_exports` for the API module ``nordfin.<slug>``: its models from its ``models``
    module, its async classes (``Async...``, and the asyncio they bring) from its ``_async``
    module, and ``SPEC``, ``SPEC_VERSION`` and ``SPEC_SHA256`` (``_core.provenance``)."""
    from nordfin._core.provenance import spec_names

    names = list(names)
    asynchronous = {name: f"{module}._async" for name in names if name.startswith("Async")}
    slug = module.rpartition(".")[2]
    return lazy_exports(module, names, f"{module}.models", asynchronous, spec_names(slug))


def forward_union(module: str, *names: str | None) -> Any:
    """``Union[names]`` as forward references read in ``module`` (whichever module's annotation
    names the union) by the first ``typing.get_type_hints`` that needs them: a type alias of models
    that loads none of them. ``None`` stands for itself. The annotating module's names come first
    (``typing`` evaluates with them as locals), so each name's first part must be one it lacks."""
    return Union[tuple(None if name is None else ForwardRef(name, module=module) for name in names)]  # noqa: UP007


class LazyModule:
    """The module ``name``, imported when one of its attributes is first read: a forward reference
    (:func:`forward_union`) can name ``_uuid.UUID`` without importing uuid (and the platform module
    it imports) with the client."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)
