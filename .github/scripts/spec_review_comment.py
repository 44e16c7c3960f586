"""The spec-review pull-request comment: every report of `nox -s spec_review` under one marker.

    python .github/scripts/spec_review_comment.py build/spec-review --status 0 --out comment.md
    python .github/scripts/spec_review_comment.py --marker

The hidden marker on the first line is how the workflow finds its own comment again and updates
it on the next push instead of adding another. GitHub refuses a comment over 65,536 characters,
so a longer body is cut and points to the job summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MARKER = "<!-- nordfin-spec-review -->"
LIMIT = 65_000  # GitHub's limit is 65,536 characters; room for the note that says it was cut


def comment(reports: Path, status: int) -> str:
    """The comment body: marker, verdict, then each spec's report."""
    pages = [p.read_text(encoding="utf-8").strip() for p in sorted(reports.glob("*.md"))]
    if status:
        verdict = "❌ **Spec review failed**: a lint error, or a breaking change the version does not allow."
    else:
        verdict = "✅ **Spec review passed.**"
    if not pages:
        pages = ["No `specs/*/openapi.yaml` differs from the base branch."]
    body = "\n\n".join([MARKER, verdict, *pages]) + "\n"
    if len(body) > LIMIT:
        note = "\n\n… cut here: the whole report is in the workflow run's summary.\n"
        body = body[: LIMIT - len(note)] + note
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("reports", nargs="?", type=Path, help="folder of <slug>.md reports")
    parser.add_argument("--status", type=int, default=0, help="exit status of nox -s spec_review")
    parser.add_argument("--out", type=Path, help="write the body here (default: print it)")
    parser.add_argument("--marker", action="store_true", help="print the hidden marker and stop")
    args = parser.parse_args(argv)
    if args.marker:
        print(MARKER)
        return 0
    if args.reports is None:
        parser.error("give the reports folder, e.g. build/spec-review")
    body = comment(args.reports, args.status)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
