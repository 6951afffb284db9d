"""What installing mockexchange costs every pytest run of a user's project: start-up with the plain install and with
the contract kit's extra, and what each pytest11 plugin adds.

    .venv/bin/python bench/pytest_startup.py                  # this checkout, 5 rounds (~3 min after pip's downloads)
    .venv/bin/python bench/pytest_startup.py --source DIR     # another checkout (e.g. `git archive` of a base commit)
    .venv/bin/python bench/pytest_startup.py --rounds 9
    .venv/bin/python bench/pytest_startup.py --no-bytecode   # PYTHONDONTWRITEBYTECODE=1, as many CI and Docker images

Builds a wheel of `--source`, installs it with pytest into a fresh venv (the plain install), and times
`pytest --collect-only` of a one-test user project: with every plugin the install registers, without faker's
(`-p no:faker`), without mockexchange's (`-p no:mockexchange`), and bare (PYTEST_DISABLE_PLUGIN_AUTOLOAD=1: pytest
alone). Then installs the `contract` extra into the same venv and times the same again. Rounds are interleaved; each
run's CPU time (user + system: what a shared machine's load disturbs least) and wall time are printed. pytest
rewrites the asserts of every module of an entry-point plugin's distribution (faker's whole package, mockexchange's)
and caches the result as bytecode: a warm-up run writes it first, unless `--no-bytecode` (then every run rewrites
them again). Also the CPU time each plugin module adds to `python -c "import pytest"` when imported after it, and
the pytest11 plugins the venv registers. Nothing is asserted (tests/test_wheel_install.py asserts what a plain
install's pytest run loads).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUIET = ["-q", "--disable-pip-version-check"]
COLLECT = ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
VARIANTS: dict[str, tuple[list[str], dict[str, str]]] = {
    "every plugin": ([], {}),
    "-p no:faker": (["-p", "no:faker"], {}),
    "-p no:mockexchange": (["-p", "no:mockexchange"], {}),
    "bare pytest": ([], {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
}
PLUGIN_MODULES = (
    "pytest",
    "mockexchange.testing.plugin",
    "faker.contrib.pytest.plugin",
    "_hypothesis_pytestplugin",
    "schemathesis.pytest.plugin",
)


BYTECODE: dict[str, str] = {}  # PYTHONDONTWRITEBYTECODE=1 with --no-bytecode


def clean_env(**extra: str) -> dict[str, str]:
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if k not in dropped} | BYTECODE | extra


def quietly(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, env=clean_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def user_project(root: Path) -> Path:
    project = root / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "tests" / "test_example.py").write_text("def test_example():\n    assert True\n")
    return project


def plugins_of(python: Path, project: Path) -> list[str]:
    script = "from importlib.metadata import entry_points as e; print(' '.join(p.name for p in e(group='pytest11')))"
    done = subprocess.run([str(python), "-c", script], cwd=project, capture_output=True, text=True, check=True)
    return sorted(done.stdout.split())


def import_cpu(python: Path, project: Path, module: str) -> float | None:
    """The CPU seconds of `python -c "import pytest; import MODULE"` (`import pytest` for pytest itself): what the
    module adds is the difference to pytest's line. None if it is not installed. (In the user's project: `-c` puts
    the working directory first on sys.path, and a checkout's own package would shadow the installed one.)"""
    code = "import pytest" if module == "pytest" else f"import pytest; import {module}"
    cpu = children_cpu()
    done = subprocess.run([str(python), "-c", code], cwd=project, capture_output=True, env=clean_env())
    return None if done.returncode != 0 else children_cpu() - cpu


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def collect_seconds(python: Path, project: Path, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU, wall) seconds of one `pytest --collect-only`: CPU is the figure a shared machine's load disturbs least."""
    cpu, t0 = children_cpu(), time.perf_counter()
    done = subprocess.run([str(python), *COLLECT, *argv], cwd=project, env=clean_env(**env), capture_output=True)
    seconds = children_cpu() - cpu, time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:])
    return seconds


def measure(python: Path, project: Path, rounds: int) -> None:
    print(f"  pytest11 plugins: {', '.join(plugins_of(python, project))}")
    collect_seconds(python, project, [], {})  # the warm-up: bytecode written
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    wall: dict[str, list[float]] = {name: [] for name in VARIANTS}
    imports: dict[str, list[float]] = {module: [] for module in PLUGIN_MODULES}
    for _ in range(rounds):
        for name, (argv, env) in VARIANTS.items():
            seconds = collect_seconds(python, project, argv, env)
            cpu[name].append(seconds[0])
            wall[name].append(seconds[1])
        for module in PLUGIN_MODULES:
            seconds = import_cpu(python, project, module)
            if seconds is not None:
                imports[module].append(seconds)
    for name in VARIANTS:
        figures = f"CPU median {statistics.median(cpu[name]):.2f} s (min {min(cpu[name]):.2f})"
        print(f"  pytest --collect-only, {name:<20} {figures}  wall median {statistics.median(wall[name]):.2f} s")
    pytest_alone = statistics.median(imports["pytest"])
    print(f"  python -c 'import pytest'                     CPU median {pytest_alone:.2f} s")
    for module, values in imports.items():
        if values and module != "pytest":
            print(f"  ... then import {module:<30} CPU median +{statistics.median(values) - pytest_alone:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to build the wheel from")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per measurement")
    parser.add_argument("--no-bytecode", action="store_true", help="run with PYTHONDONTWRITEBYTECODE=1")
    args = parser.parse_args()
    if args.no_bytecode:
        BYTECODE["PYTHONDONTWRITEBYTECODE"] = "1"
    with tempfile.TemporaryDirectory(prefix="mockexchange-startup-") as tmp:
        root = Path(tmp)
        dist = root / "dist"
        quietly([sys.executable, "-m", "pip", "wheel", "--no-deps", *QUIET, "-w", str(dist), str(args.source)], root)
        (wheel,) = dist.glob("mockexchange-*.whl")
        quietly([sys.executable, "-m", "venv", str(root / "venv")], root)
        python = root / "venv" / "bin" / "python"
        quietly([str(python), "-m", "pip", "install", *QUIET, str(wheel), "pytest"], root)
        project = user_project(root)
        bytecode = "PYTHONDONTWRITEBYTECODE=1" if args.no_bytecode else "bytecode written"
        print(f"{args.source.resolve()}: the plain install (and pytest), {args.rounds} rounds, {bytecode}")
        measure(python, project, args.rounds)
        quietly([str(python), "-m", "pip", "install", *QUIET, f"{wheel}[contract]"], root)
        print("with the contract extra")
        measure(python, project, args.rounds)


if __name__ == "__main__":
    main()
