"""The generated country and currency table matches the pinned pycountry, and the checks use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pycountry
import pytest

from nordfin._core._iso_codes import COUNTRIES, CURRENCIES
from nordfin._core.currency import check_currency
from nordfin._core.validate import check_country
from nordfin.errors import RequestValidationError

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_table_is_what_the_script_writes_from_pycountry() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/iso_codes.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr


def test_the_table_holds_every_code_of_pycountry() -> None:
    assert {c.alpha_2 for c in pycountry.countries} == COUNTRIES
    assert {c.alpha_3 for c in pycountry.currencies} == CURRENCIES
    assert {"SE", "NO", "DK", "FI"} <= COUNTRIES
    assert {"SEK", "NOK", "DKK", "EUR"} <= CURRENCIES


@pytest.mark.parametrize("code", ["XY", "QQ", "UK"])
def test_unassigned_countries_are_refused(code: str) -> None:
    with pytest.raises(RequestValidationError, match="not an assigned"):
        check_country("country", code)


@pytest.mark.parametrize("code", ["SKE", "XXY", "EUU"])
def test_unlisted_currencies_are_refused(code: str) -> None:
    with pytest.raises(RequestValidationError, match="not an ISO 4217"):
        check_currency("currency", code)
