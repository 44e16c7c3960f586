"""Hypothesis profiles of the contract tests, chosen with ``HYPOTHESIS_PROFILE`` (default ``ci``).

The profiles are registered here but only the contract tests apply them (``_harness.contract``),
so other test folders keep their own settings. ``derandomize`` makes a CI failure reproducible
from the log alone; there is no example database, so nothing is written to the work tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# --import-mode=importlib puts no test folder on sys.path; the tests import their helpers from here.
sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("ci", max_examples=50, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=10, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=500, derandomize=False, **_COMMON)
