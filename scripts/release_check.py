"""Before a release: the tag is ``nordfin.__version__`` and CHANGELOG.md has that version's entry.

    python scripts/release_check.py v0.2.0 [--notes build/release-notes.md]

Reads the version from ``overlays/nordfin/_version.py`` without importing nordfin (the release job
checks before installing anything). ``--notes`` writes the entry's text, for the GitHub release.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "overlays" / "nordfin" / "_version.py"


def package_version(path: Path = VERSION_FILE) -> str:
    """``__version__`` as written in the version file."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        named = isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "__version__"
        ]
        if named and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    raise ValueError(f"{path} assigns no __version__ string")


def changelog_entry(changelog: str, version: str) -> str | None:
    """The text under ``## [<version>] - <date>`` up to the next version heading, or None."""
    heading = re.compile(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}[ \t]*$", re.MULTILINE)
    found = heading.search(changelog)
    if found is None:
        return None
    rest = changelog[found.end() :]
    after = re.search(r"^## ", rest, flags=re.MULTILINE)
    return rest[: after.start() if after else len(rest)].strip()


def problems(tag: str, version: str, changelog: str) -> list[str]:
    """What stops a release of ``tag``; empty when it may go."""
    found = []
    if tag != f"v{version}":
        found.append(f"tag {tag!r} is not 'v' + nordfin.__version__ ({version!r})")
    entry = changelog_entry(changelog, version)
    if not entry:
        found.append(f"CHANGELOG.md has no non-empty '## [{version}] - YYYY-MM-DD' entry")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("tag", help="the pushed tag, e.g. v0.2.0")
    parser.add_argument("--notes", type=Path, help="write the CHANGELOG entry here")
    args = parser.parse_args(argv)
    version = package_version()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    found = problems(args.tag, version, changelog)
    for problem in found:
        print(f"release refused: {problem}", file=sys.stderr)
    if found:
        return 1
    if args.notes:
        args.notes.parent.mkdir(parents=True, exist_ok=True)
        args.notes.write_text(changelog_entry(changelog, version) or "", encoding="utf-8")
    print(f"release {args.tag}: version and CHANGELOG entry agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
