"""The wheel works on its own: built, installed in a fresh venv outside the tree, the demo runs from it.

This proves the wheel carries the generated code, the specs the fakes need and ``py.typed``. It
needs the package index (uv fetches hatchling and the dependencies) and takes about a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.release


def uv() -> list[str]:
    """The uv of this environment (test dependency group), else the one on PATH."""
    try:
        import uv as uv_package
    except ImportError:
        found = shutil.which("uv")
        if found is None:
            pytest.skip("uv is not installed")
        return [found]
    return [uv_package.find_uv_bin()]


def run(args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["UV_PYTHON_DOWNLOADS"] = "never"  # toolchain P18
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a fresh venv with ``nordfin[testing]`` installed from a freshly built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    run([*uv(), "build", "--wheel", "--out-dir", str(work / "dist"), str(ROOT)], cwd=work)
    (wheel,) = (work / "dist").glob("nordfin-*.whl")
    run([*uv(), "venv", "--quiet", "--python", sys.executable, str(work / "venv")], cwd=work)
    python = work / "venv" / "bin" / "python"
    run(
        [*uv(), "pip", "install", "--quiet", "--python", str(python), f"nordfin[testing] @ {wheel.as_uri()}"],
        work,
    )
    return python


def test_demo_runs_from_the_installed_wheel(installed: Path) -> None:
    printed = run([str(installed), "-m", "nordfin.testing.demo"], cwd=installed.parent.parent)

    assert "demo finished" in printed


def test_installed_long_description_is_the_user_readme(installed: Path) -> None:
    probe = "import importlib.metadata as m; print(m.metadata('nordfin').get_payload(), end='')"
    description = run([str(installed), "-c", probe], cwd=installed.parent.parent)

    assert description.strip() == (ROOT / "README.pypi.md").read_text(encoding="utf-8").strip()


def test_installed_package_is_typed_and_knows_its_versions(installed: Path) -> None:
    probe = """
import json, importlib, importlib.metadata, importlib.resources, nordfin
files = importlib.resources.files
lock = json.loads((files("nordfin_generated") / "generate.lock.json").read_text())
specs = {}
for slug in lock["specs"]:
    try:
        module = importlib.import_module(f"nordfin.{slug}")
    except ImportError:
        continue
    if hasattr(module, "SPEC_SHA256"):  # every API module should, as nordfin.goto does
        specs[slug] = [module.SPEC_VERSION, module.SPEC_SHA256]
print(json.dumps({
    "file": nordfin.__file__,
    "version": nordfin.__version__,
    "dist": importlib.metadata.version("nordfin"),
    "typed": [(files(p) / "py.typed").is_file() for p in ("nordfin", "nordfin_generated")],
    "packaged_specs": sorted(p.name for p in (files("nordfin_generated") / "specs").iterdir()),
    "lock": {s: [e["version"], e["spec_sha256"]] for s, e in lock["specs"].items()},
    "modules": specs,
}))
"""
    found = json.loads(run([str(installed), "-c", probe], cwd=installed.parent.parent))
    here = {p.parent.name for p in ROOT.glob("specs/*/openapi.yaml")}

    assert not found["file"].startswith(str(ROOT))
    assert found["version"] == found["dist"]
    assert found["typed"] == [True, True]
    assert set(found["packaged_specs"]) >= set(found["lock"])
    assert "goto" in found["modules"]
    for slug, (version, sha256) in found["modules"].items():
        assert [version, sha256] == found["lock"][slug]
        if slug in here:
            assert sha256 == hashlib.sha256((ROOT / "specs" / slug / "openapi.yaml").read_bytes()).hexdigest()
