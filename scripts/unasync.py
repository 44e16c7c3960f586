"""Derive each overlay's synchronous client from its asynchronous one, so the two cannot drift.

Every operation of an API is written once, in ``overlays/nordfin/<slug>/_async.py``; this script
writes ``_sync.py`` beside it by replacing words (``async def`` -> ``def``, ``AsyncPager`` ->
``Pager``, ``await`` -> nothing…), as httpcore does. ``nox -s generate`` runs it; ``--check`` (run by
``nox -s check_generated`` and by ``tests/test_architecture.py``) fails when a ``_sync.py`` is not
exactly what the replacement gives, naming the first line that differs.

    python scripts/unasync.py            # write every _sync.py
    python scripts/unasync.py --check    # exit 1 if any _sync.py differs
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERLAYS = ROOT / "overlays" / "nordfin"
HEADER = (
    "# Derived from _async.py by scripts/unasync.py (nox -s generate): edit _async.py, never this file.\n"
)

# (pattern, replacement), applied in order to each line, on word boundaries.
SUBSTITUTIONS = [
    ("AsyncIterator", "Iterator"),
    ("AsyncIterable", "Iterable"),
    (r"Async([A-Z]\w*)", r"\1"),
    ("async def", "def"),
    ("async with", "with"),
    ("async for", "for"),
    ("await ", ""),
    ("aclose", "close"),
    ("__aenter__", "__enter__"),
    ("__aexit__", "__exit__"),
    ("__aiter__", "__iter__"),
    ("__anext__", "__next__"),
    (r"(\w+)_async", r"\1"),  # a helper's async twin: poll_async -> poll, _wait_all_async -> _wait_all
    ("Asynchronous", "Synchronous"),
]
_COMPILED = [(re.compile(rf"\b{pattern}\b"), replacement) for pattern, replacement in SUBSTITUTIONS]


def unasync_line(line: str) -> str:
    for pattern, replacement in _COMPILED:
        line = pattern.sub(replacement, line)
    return line


def unasync_text(text: str) -> str:
    """The synchronous module for the asynchronous module ``text``."""
    return HEADER + "".join(unasync_line(line) for line in text.splitlines(keepends=True))


def pairs() -> list[tuple[Path, Path]]:
    """Every ``_async.py`` under the overlays, with the ``_sync.py`` derived from it."""
    return [(source, source.with_name("_sync.py")) for source in sorted(OVERLAYS.glob("*/_async.py"))]


def first_difference(expected: str, actual: str) -> str:
    for number, (want, got) in enumerate(
        zip(expected.splitlines(), actual.splitlines(), strict=False), start=1
    ):
        if want != got:
            return f"line {number}: expected {want!r}, found {got!r}"
    return "the files differ in length"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    failures = []
    for source, target in pairs():
        expected = unasync_text(source.read_text(encoding="utf-8"))
        actual = target.read_text(encoding="utf-8") if target.is_file() else ""
        if check and expected != actual:
            where = first_difference(expected, actual) if actual else "missing"
            failures.append(f"{target.relative_to(ROOT)} is not derived from _async.py: {where}")
        elif not check and expected != actual:
            target.write_text(expected, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        print("run: python3 -m nox -s generate", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
