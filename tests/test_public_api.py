"""The public surface is declared in one place per module and cannot drift silently."""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "nordfin",
    "nordfin.aptic",
    "nordfin.aptic.errors",
    "nordfin.aptic.models",
    "nordfin.errors",
    "nordfin.goto",
    "nordfin.goto.errors",
    "nordfin.goto.models",
    "nordfin.payex",
    "nordfin.payex.errors",
    "nordfin.payex.models",
    "nordfin.payfunc",
    "nordfin.payfunc.errors",
    "nordfin.payfunc.models",
    "nordfin.permanad",
    "nordfin.permanad.errors",
    "nordfin.permanad.models",
    "nordfin.testing",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)

    assert exported == sorted(exported, key=lambda n: (n.startswith("_"), n.upper() != n, n))
    assert [n for n in exported if not hasattr(module, n)] == []


def test_every_public_error_class_is_exported() -> None:
    errors = importlib.import_module("nordfin.errors")
    classes = {n for n, v in vars(errors).items() if inspect.isclass(v) and v.__module__ == errors.__name__}

    assert classes == set(errors.__all__)


def test_every_public_name_has_a_docstring() -> None:
    """Hand-written public names only: generated ones carry what the spec says, or nothing."""
    missing = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            value = getattr(module, attr)
            generated = getattr(value, "__module__", "").startswith("nordfin_generated")
            if (
                (inspect.isclass(value) or inspect.isfunction(value))
                and not generated
                and not inspect.getdoc(value)
            ):
                missing.append(f"{name}.{attr}")

    assert missing == []
