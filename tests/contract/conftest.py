"""Hypothesis profiles of the contract tests, chosen with ``HYPOTHESIS_PROFILE`` (default ``ci``).

The profiles are registered here but only the contract tests apply them (``_harness.contract``),
so other test folders keep their own settings. ``derandomize`` makes a CI failure reproducible
from the log alone; there is no example database, so nothing is written to the work tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
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


@pytest.fixture(autouse=True)
def _sent_inputs_found(request: pytest.FixtureRequest) -> None:
    """``_harness.sent_inputs`` of the test's operation, found before its property runs (Hypothesis
    refuses a ``find`` inside a property; the answer is cached for the process)."""
    import _harness as h  # here, not at the top: the sys.path entry above makes it importable

    op = getattr(request.node, "callspec", None) and request.node.callspec.params.get("op")
    if isinstance(op, h.Op):
        h.sent_inputs(op)
