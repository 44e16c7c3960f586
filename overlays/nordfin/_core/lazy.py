"""Loading on first use what ``import nordfin.<slug>`` must not pay for (issue 14).

``stdnum("se.personnummer")`` is python-stdnum's module, imported at the first check that needs
it: python-stdnum imports ``pydoc``, ``pkgutil`` and ``importlib.resources`` with it.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

__all__ = ["stdnum"]


@functools.cache
def stdnum(name: str) -> ModuleType:
    """python-stdnum's module ``name``, e.g. ``"se.personnummer"`` for ``stdnum.se.personnummer``."""
    return importlib.import_module(f"stdnum.{name}")
