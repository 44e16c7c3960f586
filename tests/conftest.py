"""Settings every test shares: hypothesis profiles and a clean process-wide state."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from nordfin._core.ratelimit import RateLimiter

settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fresh_shared_limiters() -> Iterator[None]:
    """Clients share rate limiters per quota for the whole process; tests must not share them."""
    RateLimiter.clear_shared()
    yield
    RateLimiter.clear_shared()


PASSWORD = "pem-pa55"


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed client certificate: plain key, encrypted key, and both in one file."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("certs")
    for name, key_args in (("plain", ["-nodes"]), ("encrypted", ["-passout", f"pass:{PASSWORD}"])):
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-days",
                "1",
                "-subj",
                "/CN=nordfin-test",
                "-keyout",
                str(folder / f"{name}.key"),
                "-out",
                str(folder / f"{name}.crt"),
                *key_args,
            ],
            check=True,
            capture_output=True,
        )
    pem = (folder / "plain.crt").read_text() + (folder / "plain.key").read_text()
    (folder / "combined.pem").write_text(pem)
    return folder


#: Test modules whose fixtures build something expensive once per process (the wheel, the docs
#: site, a write run against each fake): under xdist each runs whole on one worker, so it is
#: built once, not once per worker.
BUILT_ONCE = ("tests/release/", "tests/verify/test_fakes.py")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which `-p no:xdist` leaves out
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` (``nox -s tests``) with each ``BUILT_ONCE`` module as one group.

    Not by ``xdist_group`` marks: pytest-xdist 3.8 records a mark's group by rewriting
    ``item._nodeid``, which pytest 9 no longer reads, so marked tests were spread like any others.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.startswith(BUILT_ONCE) else super()._split_scope(nodeid)

    return ModuleGroups(config, log)
