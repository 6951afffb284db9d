"""The type checker on the whole package (pyproject.toml's `[tool.mypy]`): it passes, and it can fail.

The modules whose types do not check yet are listed in pyproject.toml (`ignore_errors`); the list only shrinks, and
`CEILING` with it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CEILING = 8  # modules still listed as not checking; lower it as modules leave the list

pytestmark = pytest.mark.slow


def _mypy(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def _unchecked() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    overrides = config["tool"]["mypy"]["overrides"]
    return [module for entry in overrides if entry.get("ignore_errors") for module in entry["module"]]


def test_the_package_type_checks():
    done = _mypy()
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_modules_not_yet_checked_only_grow_fewer():
    unchecked = _unchecked()
    assert len(unchecked) <= CEILING, f"{len(unchecked)} modules skip the type checker; at most {CEILING} may"
    missing = [m for m in unchecked if not (ROOT / (m.replace(".", "/") + ".py")).is_file()
               and not (ROOT / m.replace(".", "/") / "__init__.py").is_file()]  # fmt: skip
    assert not missing, f"listed in pyproject.toml but no longer modules: {missing}"


def test_the_checker_finds_a_wrong_type(tmp_path: Path):
    (tmp_path / "wrong.py").write_text("from decimal import Decimal\n\ncount: int = Decimal('1.5')\n")
    done = _mypy("--no-incremental", "--config-file", str(ROOT / "pyproject.toml"), "wrong.py", cwd=tmp_path)
    assert done.returncode == 1 and "Incompatible types in assignment" in done.stdout, done.stdout
