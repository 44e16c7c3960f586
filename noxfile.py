"""The one entry point for nordfin's workflow: `nox -s <session>` (README, "Quick start").

Every session installs exact versions from pyproject.toml's dependency groups, so a run next month
gives the same result. uv creates the environments and never downloads a Python of its own.
"""

from __future__ import annotations

import os

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.error_on_external_run = True
nox.options.sessions = ["check_generated", "lint", "typecheck", "tests"]
os.environ["UV_PYTHON_DOWNLOADS"] = "never"  # toolchain P18: only the machine's own Python

PYTHON = "3.11"
PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from specs/ with the pinned generators."""
    session.install(*group("generate"))
    session.run("python", "scripts/generate.py")


@nox.session(python=PYTHON)
def check_generated(session: nox.Session) -> None:
    """Fail if generated/ differs by one byte from a fresh generation."""
    session.install(*group("generate"))
    session.run("python", "scripts/generate.py", "--check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on everything hand-written (generated/ is excluded in pyproject.toml)."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the overlays and on the generated clients."""
    session.install("-e", ".[testing]", *group("typecheck"))
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole pytest suite: core, every API, contract tests, spec checks."""
    session.install("-e", ".[testing]", *group("test"))
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Drive each finished API's client against its built-in fake and print what happened."""
    session.install("-e", ".[testing]")
    session.run("python", "-m", "nordfin.testing.demo")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Per-call overhead of the clients against raw httpx, and the time of a full generation."""
    session.install("-e", ".[testing]", *group("generate"))
    session.run("python", "scripts/bench.py", *session.posargs)
