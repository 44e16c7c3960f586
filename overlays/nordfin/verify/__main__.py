"""``python -m nordfin.verify SLUG --base-url URL ...``: see :mod:`nordfin.verify.cli`."""

from __future__ import annotations

from nordfin.verify.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
