"""MkDocs hook: add the pages `scripts/docs.py` generated before the build (mkdocs.yml ``hooks``).

``NORDFIN_DOCS_GENERATED`` names a folder whose files join the site at the same relative path:
``http.md`` (the spec provenance with its inference counts) and ``http/<slug>.html`` (the Redoc
pages). Generated from specs/ on every build, they are never committed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files


def on_files(files: Files, config: Any) -> Files:
    folder = os.environ.get("NORDFIN_DOCS_GENERATED")
    if not folder:
        raise SystemExit("build the docs with `nox -s docs` (scripts/docs.py): it makes the HTTP pages")
    root = Path(folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files.append(File.generated(config, path.relative_to(root).as_posix(), abs_src_path=str(path)))
    return files
