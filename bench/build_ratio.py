"""The 1,000,000-position build (`page_scaling.py --build-only`) of this tree against another's, in one command: each
tree's own bench in a child process of its own, the trees in turn, round after round; the medians and their ratio.

Issue 50's build bound (15 s of CPU) was set against what 8a08ce9 took that day (15.1 s): a machine's speed moves that
figure by a third from one day to the next, so the bound is read here as this tree's CPU over 8a08ce9's, run beside it.

    git archive 8a08ce9 | tar -x -C /tmp/old                 # the core before markets had their full model
    .venv/bin/python bench/build_ratio.py --before /tmp/old --rounds 3      # about 5 minutes

Each figure is the large account's line of the tree's own bench: the process's CPU for the build, the seconds inside
`apply_fills` and the resident bytes a position (the same fills, batches of 10,000, the state file and the journal off).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

import benchlib

TREE = Path(__file__).resolve().parent.parent
# page_scaling.py's lines: "large: 1,000,000 positions (1,100,000 fills) built in 25.6 s (CPU 25.1 s) (22.1 s in ..."
# and "RSS: ... (+665 MiB, 697 bytes per position with its fills and market)"
_BUILT = re.compile(r"large: [\d,]+ positions \([\d,]+ fills\) built in [\d.]+ s \(CPU ([\d.]+) s\) \(([\d.]+) s in")
_BYTES = re.compile(r"([\d,]+) bytes per position")


def build(tree: Path) -> dict[str, float]:
    """One build of 1,000,000 positions by `tree`'s own bench, in a child process."""
    command = [sys.executable, str(tree / "bench" / "page_scaling.py"), "--build-only"]
    done = subprocess.run(command, env=benchlib.tree_env(tree), cwd=tree, capture_output=True, text=True, check=False)
    built, size = _BUILT.search(done.stdout), _BYTES.search(done.stdout)
    if done.returncode or built is None or size is None:
        raise SystemExit(f"the build on {tree} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return {
        "cpu_s": float(built.group(1)),
        "apply_fills_s": float(built.group(2)),
        "bytes_per_position": float(size.group(1).replace(",", "")),
    }


def main() -> None:
    opts = benchlib.comparing(__doc__, 3).parse_args()
    if opts.before is None:
        raise SystemExit("--before is required: the tree to compare this one with")
    figures = benchlib.in_rounds(benchlib.compared(opts, TREE), opts.rounds, build)
    print(f"\nmedians of {opts.rounds} rounds:")
    print(f"{'figure':44} {'before':>10} {'after':>10} {'after/before':>13}")
    for label, key in (
        ("CPU of the build (s)", "cpu_s"),
        ("of which in apply_fills (s, wall)", "apply_fills_s"),
        ("resident bytes a position", "bytes_per_position"),
    ):
        before = statistics.median(m[key] for m in figures["before"])
        after = statistics.median(m[key] for m in figures["after"])
        print(f"{label:44} {before:10.1f} {after:10.1f} {after / before:13.2f}")


if __name__ == "__main__":
    main()
