"""Which spec an API module was generated from: its version and sha256, from generate.lock.json.

``scripts/generate.py`` records both for every spec in ``nordfin_generated/generate.lock.json``,
which ships in the wheel, so an installed client can say exactly what it was built from.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["SpecProvenance", "spec_names", "spec_provenance"]


class SpecProvenance(NamedTuple):
    """The spec an API module was generated from."""

    slug: str
    title: str
    version: str
    sha256: str


@functools.cache
def _lock() -> dict[str, Any]:
    from nordfin._core.packaged import read_packaged

    lock: dict[str, Any] = json.loads(read_packaged("generate.lock.json"))
    return lock


def spec_names(slug: str) -> dict[str, Callable[[], Any]]:
    """An API module's ``SPEC``, ``SPEC_VERSION`` and ``SPEC_SHA256``, read when first asked for
    (``_core.lazy.lazy_exports``): importing a client reads no file."""
    return {
        "SPEC": lambda: spec_provenance(slug),
        "SPEC_VERSION": lambda: spec_provenance(slug).version,
        "SPEC_SHA256": lambda: spec_provenance(slug).sha256,
    }


@functools.cache
def spec_provenance(slug: str) -> SpecProvenance:
    """Title, ``info.version`` and sha256 of the spec ``slug``'s client was generated from."""
    entry = _lock()["specs"][slug]
    return SpecProvenance(slug, entry["title"], entry["version"], entry["spec_sha256"])
