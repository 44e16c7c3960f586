"""Data files shipped inside ``nordfin_generated`` (the specs as JSON, ``generate.lock.json``).

``_core`` knows no API, so the package is found by name, not imported here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["read_packaged"]

PACKAGE = "nordfin_generated"


def read_packaged(*parts: str) -> str:
    """The text of ``nordfin_generated/<parts...>``.

    Read from the installed folder directly; ``importlib.resources`` (a few milliseconds to import)
    only when the package is not a folder on disk (imported from a zip file).
    """
    found = importlib.util.find_spec(PACKAGE)
    for folder in (found.submodule_search_locations or []) if found else []:
        path = Path(folder).joinpath(*parts)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    from importlib.resources import files

    return files(PACKAGE).joinpath(*parts).read_text(encoding="utf-8")
