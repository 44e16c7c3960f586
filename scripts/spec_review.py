"""Review every spec that differs from a base git ref: lint, API diff, inferences, Python API.

    python scripts/spec_review.py <base-ref>        # what `nox -s spec_review -- <base-ref>` runs
    python scripts/spec_review.py --lint-only       # lint every spec (`nox -s spec_lint`)

One Markdown report per changed spec is written to ``build/spec-review/<slug>.md`` (fit to paste as
a pull-request comment) and printed. Exit status 1 on a lint error, or on a breaking change that the
version number (``overlays/nordfin/_version.py``) does not allow: a major bump, or a minor one while
below 1.0. Node tools come from ``node_modules`` (``npm ci``, pinned by package-lock.json); the
Python API is compared with griffe. Nothing here knows an API: everything comes from specs/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
VERSION_FILE = "overlays/nordfin/_version.py"
INFERRED = "x-nordfin-inferred"
# oasdiff changelog levels: 3 = ERR (breaking), 2 = WARN (may break clients), 1 = INFO.
OASDIFF_LEVELS = {3: "breaking", 2: "warning", 1: "info"}


def node_env() -> dict[str, str]:
    """The environment for the npm tools: no telemetry, no update checks, no analytics."""
    return {
        **os.environ,
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "NO_UPDATE_NOTIFIER": "1",
    }


def tool(root: Path, name: str) -> str:
    path = root / "node_modules" / ".bin" / name
    if not path.exists():
        sys.exit(f"{path} is missing: run `npm ci` in {root} (nox -s spec_lint does)")
    return str(path)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=node_env(), capture_output=True, text=True, check=False)


# ---------------------------------------------------------------- lint


@dataclass(frozen=True)
class Finding:
    """One lint problem, from either linter."""

    tool: str
    severity: str  # error | warning | info
    rule: str
    where: str
    message: str


def first_json(text: str) -> Any:
    """The JSON value at the start of ``text``; the tools may print a line after it."""
    return json.JSONDecoder().raw_decode(text)[0]


def spectral(root: Path, spec: Path) -> list[Finding]:
    done = run([tool(root, "spectral"), "lint", "-r", ".spectral.yaml", "-f", "json", str(spec)], root)
    text = done.stdout[done.stdout.find("[") :]
    if not text.strip():
        raise RuntimeError(f"spectral failed on {spec}: {done.stderr.strip()}")
    names = {0: "error", 1: "warning", 2: "info", 3: "info"}
    return [
        Finding("spectral", names[p["severity"]], p["code"], ".".join(map(str, p["path"])), p["message"])
        for p in first_json(text)
    ]


def redocly(root: Path, spec: Path) -> list[Finding]:
    done = run([tool(root, "redocly"), "lint", "--format", "json", str(spec)], root)
    text = done.stdout[done.stdout.find("{") :]
    if not text.strip():
        raise RuntimeError(f"redocly failed on {spec}: {done.stderr.strip()}")
    return [
        Finding("redocly", p["severity"], p["ruleId"], p["location"][0]["pointer"], p["message"])
        for p in first_json(text)["problems"]
    ]


def lint(root: Path, spec: Path) -> list[Finding]:
    """Spectral (.spectral.yaml) and Redocly (redocly.yaml) findings, errors first."""
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(spectral(root, spec) + redocly(root, spec), key=lambda f: order.get(f.severity, 3))


# ---------------------------------------------------------------- spec diff


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s until a real node."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def inventory(spec: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Operations, parameters and schema properties, each keyed by a readable name."""
    ops: dict[str, str] = {}
    params: dict[str, str] = {}
    for path, item in (spec.get("paths") or {}).items():
        item = resolve(spec, item)
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            name = f"{method.upper()} {path}"
            ops[name] = canonical(op)
            for param in [*item.get("parameters", []), *op.get("parameters", [])]:
                param = resolve(spec, param)
                params[f"{name} {param.get('in')}.{param.get('name')}"] = canonical(param)
    props: dict[str, str] = {}
    for schema_name, schema in ((spec.get("components") or {}).get("schemas") or {}).items():
        required = set(schema.get("required", []))
        for prop, body in (schema.get("properties") or {}).items():
            props[f"{schema_name}.{prop}"] = canonical({"schema": body, "required": prop in required})
    return {"operations": ops, "parameters": params, "properties": props}


@dataclass
class Delta:
    """Names added, removed and changed between two mappings."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def delta(old: dict[str, str], new: dict[str, str]) -> Delta:
    return Delta(
        added=sorted(new.keys() - old.keys()),
        removed=sorted(old.keys() - new.keys()),
        changed=sorted(k for k in old.keys() & new.keys() if old[k] != new[k]),
    )


def inferred_pointers(node: Any, pointer: str = "") -> Iterator[str]:
    """JSON pointers of every node that carries ``x-nordfin-inferred``."""
    if isinstance(node, dict):
        if INFERRED in node:
            yield pointer or "/"
        for key, value in node.items():
            yield from inferred_pointers(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from inferred_pointers(value, f"{pointer}/{i}")


def exists(spec: Any, pointer: str) -> bool:
    node = spec
    for raw in [p for p in pointer.split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


@dataclass
class Inferences:
    """How the guesses (``x-nordfin-inferred``) moved between two versions of a spec."""

    confirmed: list[str] = field(default_factory=list)  # were guessed, now stated by the vendor
    now_inferred: list[str] = field(default_factory=list)  # were stated, now guessed
    new_guesses: list[str] = field(default_factory=list)  # added by the change, and guessed


def inference_changes(old: dict[str, Any], new: dict[str, Any]) -> Inferences:
    before, after = set(inferred_pointers(old)), set(inferred_pointers(new))
    return Inferences(
        confirmed=sorted(p for p in before - after if exists(new, p)),
        now_inferred=sorted(p for p in after - before if exists(old, p)),
        new_guesses=sorted(p for p in after - before if not exists(old, p)),
    )


def oasdiff(root: Path, old: Path, new: Path) -> list[dict[str, Any]]:
    """oasdiff's changelog: every change with its level (3 breaking, 2 warning, 1 info)."""
    done = run([tool(root, "oasdiff"), "changelog", str(old), str(new), "-f", "json"], root)
    if done.returncode != 0:
        raise RuntimeError(f"oasdiff failed: {done.stderr.strip()}")
    text = done.stdout.strip()
    changes: list[dict[str, Any]] = json.loads(text) if text else []
    return changes


# ---------------------------------------------------------------- python API


def python_modules(slug: str) -> list[tuple[str, str]]:
    """(module, search folder) of everything generated or written for one API."""
    return [
        (f"nordfin_generated.{slug}", "generated"),
        (f"nordfin_generated.pydantic_models.{slug}", "generated"),
        (f"nordfin.{slug}", "overlays"),
        (f"nordfin.testing.{slug}", "overlays"),
    ]


def load_api(tree: Path, module: str) -> Any:
    import griffe

    try:
        return griffe.load(
            module,
            search_paths=[tree / "overlays", tree / "generated"],
            allow_inspection=False,
            resolve_aliases=True,
        )
    except (ImportError, KeyError):  # no such package, or no such module in it
        return None


def public_names(obj: Any, prefix: str = "") -> set[str]:
    """Dotted names of every public object below ``obj`` (names starting with _ left out)."""
    names: set[str] = set()
    for name, member in obj.members.items():
        if name.startswith("_") or not member.is_public:  # griffe: __all__, or not imported
            continue
        dotted = f"{prefix}{obj.path}.{name}" if not prefix else f"{prefix}.{name}"
        names.add(dotted)
        # Aliases (re-exports) are listed, not followed: their target is listed where it lives.
        if not getattr(member, "is_alias", False) and member.kind.value in ("module", "class"):
            names |= public_names(member, dotted)
    return names


def explain(breakage: Any) -> str:
    """``name(param)``: what broke, without griffe's terminal colours or temporary paths."""
    where = breakage.obj.path
    if hasattr(breakage.old_value, "name") and breakage.kind.value.startswith("Parameter"):
        where = f"{where}({breakage.old_value.name})"
    return f"`{where}`: {breakage.kind.value.lower()}"


@dataclass
class PyDiff:
    """What changed in one Python module tree."""

    module: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    breaking: list[str] = field(default_factory=list)


def python_diff(base_tree: Path, head_tree: Path, slug: str) -> list[PyDiff]:
    import griffe

    diffs = []
    for module, _folder in python_modules(slug):
        old, new = load_api(base_tree, module), load_api(head_tree, module)
        if old is None and new is None:
            continue
        diff = PyDiff(module)
        old_names = public_names(old) if old is not None else set()
        new_names = public_names(new) if new is not None else set()
        diff.added, diff.removed = sorted(new_names - old_names), sorted(old_names - new_names)
        if old is not None and new is None:
            diff.breaking = [f"`{module}`: module removed"]
        elif old is not None and new is not None:
            diff.breaking = [explain(b) for b in griffe.find_breaking_changes(old, new)]
        if diff.added or diff.removed or diff.breaking:
            diffs.append(diff)
    return diffs


# ---------------------------------------------------------------- git and versions


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def show(root: Path, ref: str, path: str) -> str | None:
    done = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=root, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def extract(root: Path, ref: str, folders: list[str], into: Path) -> None:
    """The files of ``folders`` at ``ref`` (those it has), written below ``into``."""
    folders = [f for f in folders if git(root, "ls-tree", "--name-only", ref, f).strip()]
    if not folders:
        return
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, *folders], cwd=root, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def version_of(text: str | None) -> str | None:
    match = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text or "")
    return match.group(1) if match else None


def package_version(root: Path, ref: str | None) -> str | None:
    """nordfin's version at ``ref`` (None: the working tree); before _version.py, pyproject's."""
    if ref is None:
        return version_of((root / VERSION_FILE).read_text(encoding="utf-8"))
    found = version_of(show(root, ref, VERSION_FILE))
    if found is None:
        match = re.search(r'^version = "([^"]+)"', show(root, ref, "pyproject.toml") or "", re.MULTILINE)
        found = match.group(1) if match else None
    return found


def allows_breaking(old: str | None, new: str | None) -> bool:
    """A major bump allows a breaking change; below 1.0 a minor bump does too."""
    if old is None or new is None:
        return False
    o = [int(x) for x in re.findall(r"\d+", old)[:2]] + [0, 0]
    n = [int(x) for x in re.findall(r"\d+", new)[:2]] + [0, 0]
    if n[0] > o[0]:
        return True
    return o[0] == 0 and n[0] == 0 and n[1] > o[1]


def spec_slugs(root: Path, ref: str) -> list[str]:
    here = {p.parent.name for p in (root / "specs").glob("*/openapi.yaml")}
    listed = git(root, "ls-tree", "-r", "--name-only", ref, "--", "specs").splitlines()
    there = {p.split("/")[1] for p in listed if p.endswith("/openapi.yaml") and p.count("/") == 2}
    return sorted(here | there)


# ---------------------------------------------------------------- the report


@dataclass
class Review:
    """Everything found for one spec."""

    slug: str
    title: str
    old_version: str | None
    new_version: str | None
    findings: list[Finding] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, Delta] = field(default_factory=dict)
    inferences: Inferences = field(default_factory=Inferences)
    python: list[PyDiff] = field(default_factory=list)
    removed_api: bool = False

    @property
    def lint_errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def breaking(self) -> list[str]:
        spec = [
            f"`{c.get('operation', '')} {c.get('path', '')}`: {c['text']}"
            for c in self.changes
            if c.get("level") == 3
        ]
        if self.removed_api:
            spec.append(f"the whole `{self.slug}` API is removed")
        return spec + [b for d in self.python for b in d.breaking]


def listing(names: list[str], fold: int = 12) -> str:
    """`a`, `b`; a long list folded into a <details> block so the comment stays readable."""
    text = ", ".join(f"`{n}`" for n in names)
    return f"<details><summary>{len(names)}</summary>{text}</details>" if len(names) > fold else text


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def bullets(lines: list[str], empty: str = "none") -> list[str]:
    return [f"- {line}" for line in lines] if lines else [f"- {empty}"]


def render(review: Review, base: str, package_old: str | None, package_new: str | None) -> str:
    allowed = allows_breaking(package_old, package_new)
    breaking = review.breaking
    if review.lint_errors:
        verdict = f"❌ {review.lint_errors} lint error(s)"
    elif breaking and not allowed:
        verdict = f"❌ breaking change(s) that nordfin {package_old} → {package_new} does not allow"
    elif breaking:
        verdict = f"⚠️ breaking change(s), allowed by nordfin {package_old} → {package_new}"
    else:
        verdict = "✅ no lint errors, no breaking changes"
    out = [
        f"## Spec review: `{review.slug}` — {review.title}",
        "",
        f"Base `{base}` · spec version {review.old_version or '(new)'} → {review.new_version or '(removed)'}"
        f" · nordfin {package_old} → {package_new}",
        "",
        f"**{verdict}**",
        "",
        "### Lint (Spectral + Redocly)",
        "",
    ]
    if review.findings:
        out += ["| tool | severity | rule | where | message |", "|---|---|---|---|---|"]
        out += [
            f"| {f.tool} | {f.severity} | `{f.rule}` | `{md_escape(f.where)}` | {md_escape(f.message)} |"
            for f in review.findings
        ]
    else:
        out.append("No findings.")
    out += ["", "### Breaking changes", "", *bullets([f"**BREAKING** {b}" for b in breaking])]
    out += ["", "### Operations, parameters and properties", ""]
    for kind, d in review.items.items():
        out.append(
            f"- {kind}: "
            + "; ".join(
                f"{label} {listing(names)}"
                for label, names in (("added", d.added), ("removed", d.removed), ("changed", d.changed))
                if names
            )
            if (d.added or d.removed or d.changed)
            else f"- {kind}: unchanged"
        )
    others = [c for c in review.changes if c.get("level") != 3]
    if others:
        out += ["", "Other changes (oasdiff):", ""]
        out += [
            f"- {OASDIFF_LEVELS.get(c.get('level', 1), 'info')}:"
            f" `{c.get('operation', '')} {c.get('path', '')}` {c['text']}"
            for c in others
        ]
    out += ["", "### Inferences (`x-nordfin-inferred`)", ""]
    guesses = review.inferences
    out += bullets(
        [f"confirmed by the vendor now: `{p}`" for p in guesses.confirmed]
        + [f"now inferred (was stated): `{p}`" for p in guesses.now_inferred]
        + [f"new guess (added, inferred): `{p}`" for p in guesses.new_guesses]
    )
    out += ["", "### Python API (griffe)", ""]
    if not review.python:
        out.append("- unchanged")
    for d in review.python:
        out.append(f"- `{d.module}`")
        out += [f"  - **BREAKING** {b}" for b in d.breaking]
        out += [f"  - added {listing(d.added)}"] if d.added else []
        out += [f"  - removed {listing(d.removed)}"] if d.removed else []
    out += ["", "### Suggested CHANGELOG lines", "", *changelog_lines(review), ""]
    return "\n".join(out)


def changelog_lines(review: Review) -> list[str]:
    ops = review.items.get("operations", Delta())
    lines = [f"- {review.slug}: added operation `{o}`" for o in ops.added]
    lines += [f"- {review.slug}: **BREAKING** {b}" for b in review.breaking]
    lines += [
        f"- {review.slug}: `{p}` confirmed by the vendor (no longer inferred)"
        for p in review.inferences.confirmed
    ]
    return lines or [f"- {review.slug}: spec text changed; no API change"]


def review_spec(root: Path, base: str, slug: str, base_tree: Path, scratch: Path) -> Review:
    rel = f"specs/{slug}/openapi.yaml"
    old_text, head = show(root, base, rel), root / rel
    new_text = head.read_text(encoding="utf-8") if head.exists() else None
    old = yaml.safe_load(old_text) if old_text else {}
    new = yaml.safe_load(new_text) if new_text else {}
    info = new.get("info") or old.get("info") or {}
    review = Review(
        slug,
        info.get("title", slug),
        (old.get("info") or {}).get("version"),
        (new.get("info") or {}).get("version"),
        removed_api=new_text is None,
    )
    if new_text is not None:
        review.findings = lint(root, head)
    if old_text is not None and new_text is not None:
        old_file = scratch / f"{slug}.base.yaml"
        old_file.write_text(old_text, encoding="utf-8")
        review.changes = oasdiff(root, old_file, head)
    old_inv, new_inv = inventory(old), inventory(new)
    review.items = {k: delta(old_inv[k], new_inv[k]) for k in old_inv}
    review.inferences = inference_changes(old, new)
    review.python = python_diff(base_tree, root, slug)
    return review


def changed_slugs(root: Path, base: str) -> list[str]:
    changed = []
    for slug in spec_slugs(root, base):
        rel = f"specs/{slug}/openapi.yaml"
        head = root / rel
        if show(root, base, rel) != (head.read_text(encoding="utf-8") if head.exists() else None):
            changed.append(slug)
    return changed


def review_all(root: Path, base: str, out: Path) -> int:
    """Write one report per changed spec; 1 if any has a lint error or a disallowed breaking change."""
    package_old, package_new = package_version(root, base), package_version(root, None)
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    slugs = changed_slugs(root, base)
    if not slugs:
        print(f"No spec differs from {base}.")
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        base_tree.mkdir()
        extract(root, base, ["overlays", "generated"], base_tree)
        for slug in slugs:
            review = review_spec(root, base, slug, base_tree, Path(tmp))
            report = render(review, base, package_old, package_new)
            (out / f"{slug}.md").write_text(report, encoding="utf-8")
            print(report)
            if review.lint_errors or (review.breaking and not allows_breaking(package_old, package_new)):
                status = 1
    return status


def lint_all(root: Path) -> int:
    """Lint every spec; print the findings; 1 if any is an error."""
    status = 0
    specs = sorted((root / "specs").glob("*/openapi.yaml"))
    # Each lint is a Node process that mostly starts up: the specs are linted side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        linted = list(pool.map(lambda spec: lint(root, spec), specs))
    for spec, findings in zip(specs, linted, strict=True):
        for f in findings:
            print(f"{spec.relative_to(root)}: {f.severity}: {f.tool} {f.rule} at {f.where}: {f.message}")
        errors = sum(f.severity == "error" for f in findings)
        print(f"{spec.relative_to(root)}: {errors} error(s), {len(findings) - errors} other finding(s)")
        status |= errors > 0
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("base", nargs="?", help="git ref to compare with (e.g. origin/main)")
    parser.add_argument("--lint-only", action="store_true", help="only lint every spec")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--out", type=Path, help="report folder (default: <root>/build/spec-review)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.lint_only:
        return lint_all(root)
    if not args.base:
        parser.error("give the base git ref, e.g. `nox -s spec_review -- origin/main`")
    return review_all(root, args.base, args.out or root / "build" / "spec-review")


if __name__ == "__main__":
    sys.exit(main())
