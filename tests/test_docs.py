"""The README's code runs as shown, and the demo drives every finished API end to end."""

from __future__ import annotations

import re
from pathlib import Path

import mypy.api
import pytest

from nordfin.testing import demo

ROOT = Path(__file__).resolve().parent.parent


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_readme_python_snippets_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out

    assert blocks, "README should show how to use a client"
    assert "30 days net" in printed
    assert "term_id" in printed


def test_readme_python_snippets_pass_mypy_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new user copies type-checks as shown: no cast, no ``Unset`` to step around."""
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    files = []
    for number, block in enumerate(blocks, start=1):
        path = tmp_path / f"readme_block_{number}.py"
        path.write_text(block, encoding="utf-8")
        files.append(str(path))
    # In the same run (strict warns of an unused ignore): a public value's fields are read-only to
    # mypy, as they were on the attrs classes, though they are _core.record.Frozen now.
    frozen = tmp_path / "frozen_fields.py"
    frozen.write_text(
        "from nordfin import RetryPolicy\nRetryPolicy().max_attempts = 2  # type: ignore[misc]\n",
        encoding="utf-8",
    )
    files.append(str(frozen))
    # As a user runs it: nordfin installed (py.typed), not the repository's own mypy configuration.
    monkeypatch.chdir(tmp_path)

    out, err, status = mypy.api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), "--config-file", "", *files]
    )

    assert (status, err) == (0, ""), out


def test_readme_quick_start_is_what_ci_runs() -> None:
    """.ci/run must run exactly the README's test command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^   (python3 -m pip install .*)$", readme, flags=re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert len(commands) == 2
    assert commands[1] in ci.splitlines()
    # Besides it, only what the README says the suite needs: the real Redis of tests/fleet.
    redis_line = "command -v redis-server || (apt-get update && apt-get install -y redis-server)"
    commands_run = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands_run == [redis_line, commands[1]]
    assert "redis-server" in readme


def test_demo_runs_every_finished_api(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main()
    printed = capsys.readouterr().out

    assert "demo finished" in printed
    assert "PaymentTermGetFailed" in printed
    assert "RequestValidationError" in printed
