"""The import direction of ARCHITECTURE.md, checked on the source of every module."""

from __future__ import annotations

import ast
import importlib.util
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
