"""What building a mock costs a process that builds many (a test suite builds thousands): `build_app` on the default
settings, in a loop, with the cyclic collector on as the suite's workers run it (what the start made frozen, the
first generation collected every 10,000 net allocations: conftest.py), each built mock dropped before the next.

    .venv/bin/python bench/app_build.py                       # this checkout, 5 rounds of 200 builds
    .venv/bin/python bench/app_build.py --baseline /tmp/base  # and another (git archive BASE | tar -x -C /tmp/base)
    .venv/bin/python bench/app_build.py --rounds 9 --builds 500

Each round runs in a child process of its own, the trees in turn. Prints, per tree, the median CPU time (user +
system) a build costs, the collector's share of it (its passes, timed by `gc.callbacks`), and the objects the
collector tracks that one built mock holds; with a baseline, the ratio of each to the baseline's. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import gc, json, sys, time
gc.disable()
from mockexchange.core import dataclass_code
dataclass_code.install()
from mockexchange.app import build_app
from mockexchange.settings import Settings
builds = int(sys.argv[1])
build_app(Settings())  # (what is read once a process, read)
gc.collect(); gc.freeze()
before = len(gc.get_objects())
held = build_app(Settings())
tracked = len(gc.get_objects()) - before
del held
gc.collect()
collecting = [0.0, 0.0]
def timed(phase, info):
    if phase == "start":
        collecting[1] = time.process_time()
    else:
        collecting[0] += time.process_time() - collecting[1]
gc.callbacks.append(timed)
gc.set_threshold(10_000, 10, 10)
gc.enable()
start = time.process_time()
for _ in range(builds):
    build_app(Settings())
spent = time.process_time() - start
print(json.dumps({"build_ms": spent / builds * 1000, "gc_ms": collecting[0] / builds * 1000, "tracked": tracked}))
"""


def _round(tree: Path, builds: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-c", CHILD, str(builds)]  # (run in the tree: its package first on the path)
    out = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="another tree to build the same mocks from, for the ratios")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--builds", type=int, default=200)
    args = parser.parse_args()
    trees = {"this tree": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            rounds[name].append(_round(tree, args.builds))
    medians = {
        name: {key: statistics.median(r[key] for r in found) for key in ("build_ms", "gc_ms", "tracked")}
        for name, found in rounds.items()
    }
    for name, m in medians.items():
        line = f"{name:>10}: {m['build_ms']:6.2f} ms of CPU a build, {m['gc_ms']:5.2f} ms of it the collector's"
        print(f"{line}; {m['tracked']:,.0f} tracked objects a mock")
    if args.baseline:
        this, base = medians["this tree"], medians["baseline"]
        ratios = ", ".join(f"{key} {this[key] / base[key]:.2f}" for key in ("build_ms", "gc_ms", "tracked"))
        print(f"this tree / baseline: {ratios} ({args.rounds} rounds of {args.builds} builds, medians)")


if __name__ == "__main__":
    main()
