"""Which spec an API module was generated from: its version and sha256, from generate.lock.json.

``scripts/generate.py`` records both for every spec in ``nordfin_generated/generate.lock.json``,
which ships in the wheel, so an installed client can say exactly what it was built from.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

import attrs

__all__ = ["SpecProvenance", "spec_provenance"]


@attrs.frozen
class SpecProvenance:
    """The spec an API module was generated from."""

    slug: str
    title: str
    version: str
    sha256: str


@functools.cache
def _lock() -> dict[str, Any]:
    resource = importlib.resources.files("nordfin_generated") / "generate.lock.json"
    lock: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return lock


def spec_provenance(slug: str) -> SpecProvenance:
    """Title, ``info.version`` and sha256 of the spec ``slug``'s client was generated from."""
    entry = _lock()["specs"][slug]
    return SpecProvenance(slug, entry["title"], entry["version"], entry["spec_sha256"])
