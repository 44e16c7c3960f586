"""The import direction of ARCHITECTURE.md, checked on the source of every module."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
NORDFIN = ROOT / "overlays" / "nordfin"
GENERATED = ROOT / "generated" / "nordfin_generated"
SLUGS = sorted(p.name for p in (ROOT / "specs").iterdir() if (p / "openapi.yaml").is_file())


def absolute_imports(path: Path, package: str) -> set[str]:
    """Every module a file imports, with relative imports resolved against ``package``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(resolve(node, package))
    return found


def resolve(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def modules(folder: Path, package_root: Path) -> list[tuple[Path, str]]:
    result = []
    for path in sorted(folder.rglob("*.py")):
        dotted = ".".join(path.relative_to(package_root.parent).with_suffix("").parts)
        package = dotted if path.name == "__init__.py" else dotted.rsplit(".", 1)[0]
        result.append((path, package.removesuffix(".__init__")))
    return result


def imports_of(folder: Path, package_root: Path) -> list[tuple[str, str]]:
    return [
        (str(p.relative_to(ROOT)), m)
        for p, pkg in modules(folder, package_root)
        for m in absolute_imports(p, pkg)
    ]


def test_generated_imports_nothing_of_ours() -> None:
    """generated/ stands alone: a regeneration can never depend on hand-written code."""
    bad = [(f, m) for f, m in imports_of(GENERATED, GENERATED) if m.split(".")[0] == "nordfin"]

    assert bad == []


def test_core_and_errors_import_no_api() -> None:
    """_core and errors know no API, so every later API reuses them unchanged."""
    found = imports_of(NORDFIN / "_core", NORDFIN) + [
        (f, m) for f, m in imports_of(NORDFIN, NORDFIN) if f.endswith("nordfin/errors.py")
    ]
    api_modules = {f"nordfin.{slug}" for slug in SLUGS} | {"nordfin_generated", "nordfin.testing"}
    bad = [(f, m) for f, m in found if any(m == a or m.startswith(a + ".") for a in api_modules)]

    assert bad == []


@pytest.mark.parametrize("slug", SLUGS)
def test_overlay_imports_only_its_own_api(slug: str) -> None:
    """nordfin.<slug> and nordfin.testing.<slug> never reach into another API."""
    others = [s for s in SLUGS if s != slug]
    files = imports_of(NORDFIN / slug, NORDFIN) if (NORDFIN / slug).is_dir() else []
    fake = NORDFIN / "testing" / f"{slug}.py"
    if fake.is_file():
        files += [(str(fake.relative_to(ROOT)), m) for m in absolute_imports(fake, "nordfin.testing")]
    forbidden = [f"nordfin.{o}" for o in others] + [f"nordfin_generated.{o}" for o in others]
    forbidden += [f"nordfin_generated.pydantic_models.{o}" for o in others] + [
        f"nordfin.testing.{o}" for o in others
    ]
    bad = [(f, m) for f, m in files if any(m == x or m.startswith(x + ".") for x in forbidden)]

    assert bad == []


def test_every_spec_has_an_overlay_a_fake_and_generated_code() -> None:
    """One slug names an API everywhere."""
    missing = [
        str(path.relative_to(ROOT))
        for slug in SLUGS
        for path in (
            NORDFIN / slug / "__init__.py",
            NORDFIN / "testing" / f"{slug}.py",
            GENERATED / slug / "__init__.py",
            GENERATED / "pydantic_models" / f"{slug}.py",
            ROOT / "specs" / slug / "generator.yaml",
        )
        if not path.is_file()
    ]

    assert missing == []


def test_the_checker_sees_relative_imports() -> None:
    """Guard the guard: a relative import from generated code resolves to its absolute name."""
    node = ast.parse("from ...client import Client").body[0]

    assert isinstance(node, ast.ImportFrom)
    assert resolve(node, "nordfin_generated.goto.api.payment_terms") == "nordfin_generated.goto.client"


def load_unasync() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync", ROOT / "scripts" / "unasync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("slug", SLUGS)
def test_sync_client_is_derived_from_the_async_one(slug: str) -> None:
    """Each operation is written once: ``_sync.py`` is what scripts/unasync.py makes of ``_async.py``."""
    unasync = load_unasync()
    source, target = NORDFIN / slug / "_async.py", NORDFIN / slug / "_sync.py"

    assert unasync.unasync_text(source.read_text(encoding="utf-8")) == target.read_text(encoding="utf-8")


def test_unasync_turns_async_words_into_sync_ones() -> None:
    """Guard the guard: the replacement table does what the derived files rely on."""
    unasync = load_unasync()
    line = "    async def get(self) -> AsyncPager[X]: return await self._session.aclose()\n"

    assert unasync.unasync_line(line) == "    def get(self) -> Pager[X]: return self._session.close()\n"


# --- one shape for every overlay (CONTRIBUTING.md, "The shape of an overlay") -------------------------

OVERLAY_FILES = {
    "__init__.py",  # the public names
    "errors.py",  # the vendor's error body and error classes
    "models.py",  # the generated models users see
    "_checks.py",  # argument checks the spec cannot express
    "_plans.py",  # each call described once (``Call``), the profile and the constructor
    "_async.py",  # the client and its resources, written once
    "_sync.py",  # derived from _async.py by scripts/unasync.py
}


@pytest.mark.parametrize("slug", SLUGS)
def test_every_overlay_has_the_same_files(slug: str) -> None:
    files = {p.name for p in (NORDFIN / slug).iterdir() if p.suffix == ".py"}

    assert files == OVERLAY_FILES


@pytest.mark.parametrize("slug", SLUGS)
def test_operations_are_named_only_where_calls_are_described(slug: str) -> None:
    """Adding an operation touches three places: the spec, ``_plans.py`` (its ``Call``) and
    ``_async.py`` (its method); the generated operation modules are imported nowhere else."""
    api = f"nordfin_generated.{slug}.api"
    users = sorted(
        path.name
        for path, package in modules(NORDFIN / slug, NORDFIN)
        if any(m == api or m.startswith(api + ".") for m in absolute_imports(path, package))
    )

    assert users == ["_plans.py"]


def classes(path: Path) -> dict[str, ast.ClassDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def method_names(node: ast.ClassDef) -> set[str]:
    return {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize("slug", SLUGS)
def test_resources_are_attached_one_way(slug: str) -> None:
    """The constructor (a ``ClientSetup`` in ``_plans.py``) connects and hands the session to the
    client's ``_attach``, the one place where ``_async.py`` attaches its resources."""
    setups = [
        c
        for c in classes(NORDFIN / slug / "_plans.py").values()
        if "ClientSetup" in map(ast.unparse, c.bases)
    ]
    client = classes(NORDFIN / slug / "_async.py")["AsyncClient"]

    assert len(setups) == 1
    assert "__init__" in method_names(setups[0])
    assert "_attach(" in ast.unparse(setups[0])
    assert "_attach" in method_names(client)
    assert "__init__" not in method_names(client)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_public_class_checks_its_arguments(slug: str) -> None:
    """Each public resource and client derives from ``Checked``: wrong types never get past a method."""
    from nordfin._core.checked import Checked

    for name in ("_async", "_sync"):
        module = importlib.import_module(f"nordfin.{slug}.{name}")
        public = [getattr(module, n) for n in module.__all__]
        unchecked = [c.__name__ for c in public if isinstance(c, type) and not issubclass(c, Checked)]

        assert unchecked == []


def test_the_docs_refer_to_nothing_outside_the_repository() -> None:
    """Every Markdown file the project's docs name is in the repository (no lost DESIGN.md)."""
    named = {
        name
        for doc in ("README.md", "CONTRIBUTING.md", "ARCHITECTURE.md")
        for name in re.findall(r"\b([\w./-]+\.md)\b", (ROOT / doc).read_text(encoding="utf-8"))
    }
    tracked = {path.name for path in ROOT.rglob("*.md") if "node_modules" not in path.parts}

    assert sorted(n for n in named if Path(n).name not in tracked) == []
