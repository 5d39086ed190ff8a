"""The wheel as a user gets it, shared by tests/test_wheel.py and tests/test_walkthrough.py:
built by pip from a copy of the checkout (once per session), and the helpers that run the
installed command in a clean environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import PROJECT_DIR

#: Top-level directories of the checkout that a build does not need (and that may be large).
NOT_BUILT = {".git", ".venv", "var", "build", "dist", "tests", "bench", ".pytest_cache",
             ".ruff_cache", "instances"}


def ignore_for_build(directory: str, names: list[str]) -> set[str]:
    """copytree filter: the sources, without caches, and of the npm packages only YASGUI."""
    path = Path(directory)
    ignored = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
    if path == PROJECT_DIR:
        ignored |= NOT_BUILT & set(names)
    if path.name == "node_modules":
        ignored |= {n for n in names if n != "@zazuko"}
    elif path.name == "@zazuko":
        ignored |= {n for n in names if n != "yasgui"}
    elif "node_modules" in names and path != PROJECT_DIR / "tools" / "ui":
        ignored.add("node_modules")
    return ignored


def clean_env() -> dict[str, str]:
    """The environment without this checkout or the test venv on the import path, and
    without OWL40_* settings: the installed command must find everything by itself."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("OWL40_")}


def run(cmd: list[str], *, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built by pip from a copy of the checkout (a stale build/ cannot leak in)."""
    if not (PROJECT_DIR / "tools" / "ui" / "node_modules" / "@zazuko" / "yasgui").is_dir():
        pytest.fail("YASGUI is not installed: run 'make install-test' (npm ci --prefix tools/ui)")
    work = tmp_path_factory.mktemp("wheel")
    source = Path(shutil.copytree(PROJECT_DIR, work / "src", ignore=ignore_for_build, symlinks=True))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
         str(source)], cwd=work)
    (built,) = (work / "dist").glob("owl40_kg-*.whl")
    return built
