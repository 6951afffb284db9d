"""The rules of the house, checked: the dependency direction of the packages, and a ruff-clean tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mockexchange"


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def forbidden_imports(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for name in imports_of(path):
            if name.startswith(forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_core_knows_no_http_no_venue_and_no_control_plane():
    outside = ("mockexchange.venues", "mockexchange.admin", "mockexchange.scenario", "mockexchange.auth")
    assert forbidden_imports("core", (*outside, "starlette", "uvicorn")) == []


def test_auth_knows_no_venue_and_no_http():
    assert forbidden_imports("auth", ("mockexchange.venues", "mockexchange.admin", "starlette")) == []


def test_venues_do_not_reach_into_the_control_plane():
    assert forbidden_imports("venues", ("mockexchange.admin", "mockexchange.scenario", "mockexchange.control")) == []


def test_no_floats_in_money_code():
    for folder in ("core", "venues"):
        for path in (PACKAGE / folder).rglob("*.py"):
            if path.name == "clock.py":  # durations in seconds are not money
                continue
            tree = ast.parse(path.read_text())
            floats = [
                n.lineno
                for n in ast.walk(tree)
                if (isinstance(n, ast.Constant) and isinstance(n.value, float))
                or (isinstance(n, ast.Call) and getattr(n.func, "id", None) == "float")
            ]
            assert floats == [], f"{path.relative_to(ROOT)} uses floats at lines {floats}"


def test_ruff_is_clean():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "mockexchange", "tests", "contracts", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
