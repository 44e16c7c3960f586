"""The GitHub workflows run what README says, pinned and least-privileged; their helper scripts work."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@functools.cache
def script(relative: str) -> ModuleType:
    """A script by path (.github/scripts and scripts/ are no packages)."""
    name = "nordfin_" + Path(relative).stem
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def steps(path: Path) -> list[dict[str, Any]]:
    data = load(path)
    if "runs" in data:  # a composite action
        found: list[dict[str, Any]] = data["runs"]["steps"]
        return found
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def nox_sessions(command: str) -> set[str]:
    """The sessions of every ``nox -s a b c`` in a command (arguments after ``--`` excluded)."""
    found: set[str] = set()
    for match in re.finditer(r"nox -s ((?:[a-z_]+ ?)+)", command):
        found.update(match.group(1).split())
    return found


def readme_sessions() -> set[str]:
    """Every session README names: in a ``nox -s`` command or as `name` in "Other sessions"."""
    named = nox_sessions(README)
    other = re.search(r"^Other sessions: (.*)$", README, flags=re.MULTILINE)
    assert other is not None
    return named | set(re.findall(r"`([a-z_]+)`", other.group(1)))


def test_ci_runs_readmes_test_command() -> None:
    """ci.yml runs exactly README's second "Quick start" command, as .ci/run does."""
    commands = re.findall(r"^   (python3 -m pip install .*)$", README, flags=re.MULTILINE)
    runs = [step.get("run", "") for step in steps(ROOT / ".github" / "workflows" / "ci.yml")]

    assert commands[1] in runs


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_workflows_call_only_sessions_readme_names(path: Path) -> None:
    called = set().union(*(nox_sessions(step.get("run", "")) for step in steps(path)))

    assert called - readme_sessions() == set()


def test_every_workflow_calls_nox() -> None:
    called = {p.name: set().union(*(nox_sessions(s.get("run", "")) for s in steps(p))) for p in WORKFLOWS}
    called["verify.yml"] |= set().union(*(nox_sessions(s.get("run", "")) for s in steps(ACTIONS[0])))

    assert {name: bool(sessions) for name, sessions in called.items()} == dict.fromkeys(called, True)
    assert {"spec_review"} <= called["spec-review.yml"]
    assert {"build", "docs"} <= called["release.yml"]
    assert {"verify"} <= called["verify.yml"]


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_actions_are_pinned_by_commit_sha(path: Path) -> None:
    uses = [step["uses"] for step in steps(path) if "uses" in step]
    remote = [u for u in uses if not u.startswith(("./", "$/"))]

    assert [u for u in remote if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", u)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_explicit_and_least(path: Path) -> None:
    """Top level read-only (or none); a write only in the job that needs it."""
    data = load(path)
    top = data["permissions"]
    jobs = {name: job.get("permissions", top) for name, job in data["jobs"].items()}
    writes = {name: sorted(k for k, v in perms.items() if v == "write") for name, perms in jobs.items()}

    assert top in ({}, {"contents": "read"})
    assert {name: w for name, w in writes.items() if w} == {
        "spec-review.yml": {"review": ["pull-requests"]},
        "release.yml": {"publish": ["id-token"], "github-release": ["contents"]},
    }.get(path.name, {})


def test_checkout_never_keeps_the_token() -> None:
    checkouts = [
        step
        for path in WORKFLOWS
        for step in steps(path)
        if step.get("uses", "").startswith("actions/checkout@")
    ]

    assert checkouts
    assert [s for s in checkouts if s.get("with", {}).get("persist-credentials") is not False] == []


def test_release_publishes_by_trusted_publishing_without_a_token() -> None:
    release = load(ROOT / ".github" / "workflows" / "release.yml")
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")

    assert release[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
    assert release["jobs"]["publish"]["permissions"] == {"id-token": "write"}
    assert "password" not in text
    assert "secrets." not in text


def test_verify_passes_each_job_only_its_own_vendors_secrets() -> None:
    verify = load(ROOT / ".github" / "workflows" / "verify.yml")
    for slug, job in verify["jobs"].items():
        env = next(step["env"] for step in job["steps"] if "verify-api" in step.get("uses", ""))
        prefix = f"NORDFIN_{slug.upper()}_"
        assert f"{prefix}BASE_URL" in env
        assert {k: v for k, v in env.items() if not k.startswith(prefix)} == {}
        from_files = {"NORDFIN_PAYEX_CERT": "${{ runner.temp }}/payex-client.pem"}  # a path, not a secret
        assert {k: v for k, v in env.items() if v != from_files.get(k, "${{ secrets." + k + " }}")} == {}


# ------------------------------------------------------------- helper scripts


def test_spec_review_comment_starts_with_its_marker_and_holds_each_report(tmp_path: Path) -> None:
    comment = script(".github/scripts/spec_review_comment.py")
    (tmp_path / "goto.md").write_text("## Spec review: `goto`\n", encoding="utf-8")
    (tmp_path / "aptic.md").write_text("## Spec review: `aptic`\n", encoding="utf-8")

    body = comment.comment(tmp_path, 1)

    assert body.splitlines()[0] == comment.MARKER
    assert "failed" in body
    assert body.index("`aptic`") < body.index("`goto`")


def test_spec_review_comment_is_cut_below_githubs_limit(tmp_path: Path) -> None:
    comment = script(".github/scripts/spec_review_comment.py")
    (tmp_path / "goto.md").write_text("x" * 100_000, encoding="utf-8")

    body = comment.comment(tmp_path, 0)

    assert len(body) <= 65_536
    assert body.rstrip().endswith("summary.")


def test_spec_review_comment_says_when_no_spec_changed(tmp_path: Path) -> None:
    comment = script(".github/scripts/spec_review_comment.py")

    assert "No `specs/*/openapi.yaml` differs" in comment.comment(tmp_path, 0)


def test_release_check_accepts_this_version_and_its_changelog_entry() -> None:
    check = script("scripts/release_check.py")
    version = check.package_version()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    assert check.problems(f"v{version}", version, changelog) == []


@pytest.mark.parametrize(
    ("tag", "changelog", "expected"),
    [
        ("v1.2.4", "## [1.2.3] - 2026-01-01\n\n- x\n", ["tag 'v1.2.4' is not 'v' + nordfin.__version__"]),
        ("v1.2.3", "## [Unreleased]\n\n- x\n", ["CHANGELOG.md has no non-empty '## [1.2.3]"]),
        ("v1.2.3", "## [1.2.3] - 2026-01-01\n\n## [1.2.2] - 2025-01-01\n- y\n", ["CHANGELOG.md has no"]),
        ("v1.2.3", "## [1.2.3] - 2026-01-01\n\n### Fixed\n\n- x\n", []),
    ],
)
def test_release_check_refuses_a_wrong_tag_or_a_missing_entry(
    tag: str, changelog: str, expected: list[str]
) -> None:
    found = script("scripts/release_check.py").problems(tag, "1.2.3", changelog)

    assert [p[: len(e)] for p, e in zip(found, expected, strict=False)] == expected
    assert len(found) == len(expected)


def test_every_supported_python_is_tested_here_and_in_ci() -> None:
    """pyproject's classifiers, noxfile's SUPPORTED_PYTHONS and ci.yml's versions job agree."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    classifiers = project["classifiers"]
    stated = [c.rsplit(" :: ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c)]
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    supported = re.search(r"^SUPPORTED_PYTHONS = \(([^)]*)\)", noxfile, flags=re.MULTILINE)
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["versions"]["steps"]
    setup = next(s for s in ci if s.get("uses", "").startswith("actions/setup-python@"))

    assert supported is not None
    assert re.findall(r'"(3\.\d+)"', supported.group(1)) == stated
    assert sorted(setup["with"]["python-version"].split()) == stated


def test_spec_review_updates_one_marked_comment_and_fails_after_reporting() -> None:
    run = [s.get("run", "") for s in steps(ROOT / ".github" / "workflows" / "spec-review.yml")]
    review = next(i for i, r in enumerate(run) if "nox -s spec_review" in r)
    comment = next(i for i, r in enumerate(run) if "--marker" in r)

    assert '"origin/${BASE_REF}"' in run[review]
    assert "set +e" in run[review]  # the reports go out even when the review fails
    assert "--method PATCH" in run[comment]
    assert "--method POST" in run[comment]
    assert review < comment < len(run) - 1
    assert run[-1] == 'exit "$STATUS"'
