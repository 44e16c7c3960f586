"""``nordfin.verify`` ships in the package: it needs no testing extra, and its names are in place."""

from __future__ import annotations

import subprocess
import sys

from nordfin.verify.run import credential_keywords, env_name


def test_verify_imports_neither_the_fakes_nor_pydantic() -> None:
    """A consumer without ``nordfin[testing]`` can verify their own tenant."""
    code = (
        "import sys, nordfin.verify.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'nordfin.testing'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


def test_the_environment_names_follow_the_constructor_keywords() -> None:
    names = {
        slug: [env_name(slug, k) for k, required in credential_keywords(slug).items() if required]
        for slug in ("goto", "payex", "payfunc", "aptic", "permanad")
    }
    assert names == {
        "goto": ["NORDFIN_GOTO_STORE"],
        "payex": ["NORDFIN_PAYEX_LEDGER_NUMBER", "NORDFIN_PAYEX_TOKEN"],
        "payfunc": ["NORDFIN_PAYFUNC_API_KEY"],
        "aptic": ["NORDFIN_APTIC_CLIENT_ID", "NORDFIN_APTIC_CLIENT_SECRET"],
        "permanad": ["NORDFIN_PERMANAD_API_KEYS"],
    }
