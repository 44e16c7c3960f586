"""Fixtures of the verify tests: each fake served by its own process on loopback.

The five fake processes start together, once per test session, and stop at its end; every test
reaches them over real HTTP on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# --import-mode=importlib puts no test folder on sys.path; the tests import their helpers from here.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _verify_helpers import SLUGS, Outcome, Served, read_lines, started

from nordfin.verify.cli import main


@pytest.fixture(scope="session")
def served() -> Iterator[dict[str, Served]]:
    """Every fake in its own ``python -m nordfin.testing <slug> --port 0`` process."""
    processes: dict[str, tuple[subprocess.Popen[str], queue.Queue[str]]] = {}
    try:
        for slug in SLUGS:
            process = subprocess.Popen(
                [sys.executable, "-u", "-m", "nordfin.testing", slug, "--host", "127.0.0.1", "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=read_lines, args=(process, lines), daemon=True).start()
            processes[slug] = (process, lines)
        yield {slug: started(slug, process, lines) for slug, (process, lines) in processes.items()}
    finally:
        for process, _ in processes.values():
            process.terminate()
        for process, _ in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture
def verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """Run the command in this process (its server is a loopback process or thread)."""
    counter = iter(range(1000))

    def run(*argv: str, env: dict[str, str], **options: Any) -> Outcome:
        n = next(counter)
        report, markdown = tmp_path / f"report{n}.json", tmp_path / f"report{n}.md"
        status = main([*argv, "--json", str(report), "--markdown", str(markdown)], env=env, **options)
        captured = capsys.readouterr()
        data = json.loads(report.read_text()) if report.exists() else {}
        text = markdown.read_text() if markdown.exists() else ""
        return Outcome(status, captured.out, captured.err, data, text)

    return run
