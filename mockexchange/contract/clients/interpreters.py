"""Finding a CPython of a given minor version the way a user's machine offers one, for the real-client venvs.

Looked for in order: the variable `MOCKEXCHANGE_PYTHON_<major>_<minor>` (a path to the interpreter), `python<X.Y>` on
PATH, then pyenv (its newest installed X.Y.z). Every candidate is run to check its version: a pyenv shim on PATH exists
even when the version is not active, and then it only prints an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

_VERSION_RE = re.compile(r"^3\.\d+$")
_PROBE = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"


class InterpreterNotFound(RuntimeError):
    """No usable interpreter of the wanted version; the message lists what was tried and how to provide one."""


def env_var(version: str) -> str:
    """The variable a user sets to point at an interpreter: "3.13" -> MOCKEXCHANGE_PYTHON_3_13."""
    return "MOCKEXCHANGE_PYTHON_" + version.replace(".", "_")


def _probe(python: Path) -> tuple[str | None, Path | None, str | None]:
    """(the interpreter's "X.Y", its real executable, None), or (None, None, why it could not be run)."""
    try:
        done = subprocess.run([str(python), "-c", _PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, None, f"cannot be run: {exc}"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or len(lines) != 2:
        said = (done.stderr or done.stdout).strip().splitlines()
        return None, None, f"fails (exit {done.returncode}: {said[0] if said else 'no output'})"
    return lines[0], Path(lines[1]), None


def _pyenv_candidates(version: str, tried: list[str]) -> list[Path]:
    """Interpreters of X.Y under pyenv, newest patch release first."""
    pyenv = shutil.which("pyenv")
    root: Path | None = None
    if pyenv:
        try:
            done = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30)
            if done.returncode == 0 and done.stdout.strip():
                root = Path(done.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    if root is None and os.environ.get("PYENV_ROOT"):
        root = Path(os.environ["PYENV_ROOT"])
    if root is None and (Path.home() / ".pyenv").is_dir():
        root = Path.home() / ".pyenv"  # installed but not on PATH, the installer's default place
    if root is None:
        tried.append("pyenv: not found (no `pyenv` on PATH, no $PYENV_ROOT, no ~/.pyenv)")
        return []
    versions = root / "versions"
    found: list[tuple[int, Path]] = []
    pattern = re.compile(rf"^{re.escape(version)}\.(\d+)$")  # final releases only, not 3.13.0rc1 or 3.13t
    if versions.is_dir():
        for entry in versions.iterdir():
            match = pattern.match(entry.name)
            if match:
                found.append((int(match.group(1)), entry / "bin" / f"python{version}"))
    if not found:
        tried.append(f"pyenv: no {version}.x under {versions}")
        return []
    return [path for _, path in sorted(found, reverse=True)]


def find_python(version: str) -> Path:
    """A working CPython `version` ("3.13"), or `InterpreterNotFound` saying what was tried and how to fix it."""
    if not _VERSION_RE.match(version):
        raise ValueError(f"version must look like '3.13', not {version!r}")
    variable = env_var(version)
    tried: list[str] = []
    candidates: list[tuple[str, Path]] = []
    if os.environ.get(variable):
        # An explicit choice that does not work is an error to report, not something to replace silently.
        candidates.append((f"${variable}", Path(os.environ[variable]).expanduser()))
    else:
        tried.append(f"${variable}: not set")
        on_path = shutil.which(f"python{version}")
        if on_path:
            candidates.append(("PATH", Path(on_path)))
        else:
            tried.append(f"PATH: no python{version}")
        candidates += [("pyenv", path) for path in _pyenv_candidates(version, tried)]

    for source, python in candidates:
        actual, executable, problem = _probe(python)
        if actual == version:
            # The real executable, not a shim: a pyenv shim picks its version anew from the cwd on every run.
            return executable if executable and executable.is_file() else python
        tried.append(f"{source}: {python} {problem or f'is Python {actual}, not {version}'}")
    raise InterpreterNotFound(
        f"no usable Python {version} found. Tried:\n  - "
        + "\n  - ".join(tried)
        + f"\nInstall CPython {version} (e.g. `pyenv install {version}` or your OS package python{version}), "
        f"or set {variable} to the path of a python{version} executable."
    )
