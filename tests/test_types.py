"""The type checker on the whole package (pyproject.toml's `[tool.mypy]`): it passes, and it can fail.

Every module checks: none may be excused (`ignore_errors` in pyproject.toml), and a `type: ignore` is rare and says
why (tests/test_house.py holds their count)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

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


def test_no_module_is_excused_from_the_checker():
    assert _unchecked() == [], "every module of the package type-checks: none is listed with ignore_errors"


def test_the_checker_finds_a_wrong_type(tmp_path: Path):
    (tmp_path / "wrong.py").write_text("from decimal import Decimal\n\ncount: int = Decimal('1.5')\n")
    done = _mypy("--no-incremental", "--config-file", str(ROOT / "pyproject.toml"), "wrong.py", cwd=tmp_path)
    assert done.returncode == 1 and "Incompatible types in assignment" in done.stdout, done.stdout
