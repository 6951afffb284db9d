"""Issue 28's two requests (a signed create that crosses one level, a signed 100-row positions page) counted in machine
instructions instead of CPU time: what a request executes does not depend on the machine's other load, so two trees
compare to half a percent where route_cost.py's CPU times move by ten. Needs valgrind (`apt-get install valgrind`);
a process runs some 30 times slower under it.

    .venv/bin/python bench/route_instructions.py                          # this tree (~2 minutes, 2 CPUs)
    git worktree add --detach /tmp/before HEAD~1
    .venv/bin/python bench/route_instructions.py --before /tmp/before     # both trees (~4 minutes)

Each figure is the difference of two child runs under `valgrind --tool=cachegrind --cache-sim=no` on route_cost.py's
app (`bench_app`: the same accounts, markets, book and key), one that serves `--requests` requests of the kind and one
that serves none, over the requests: the setup cancels out, as it runs the same in both (one RSA key for all runs,
`PYTHONHASHSEED=0`, and the cyclic collector off: where its walks of the heap fall depends on every allocation before
them, and one walk more in one run than in the other moved a figure by 2%). Both runs serve 50 requests of the kind
first, so the render cache and the book are as a client asking again finds them.

An instruction is not a nanosecond, so this is not the bound's figure (route_cost.py's CPU time is): the signature
check, in both requests, runs several times more instructions a nanosecond than the interpreter, so the create's ratio
to the page reads near 2 here where its CPU time's is over 3. Use it to see what a change saves.

`--caches` also counts the misses of cachegrind's model of this machine's caches: its L1s (32 KiB each) and, as the
last level, its 1 MiB L2 a core (not the shared L3). An L2 miss costs some 40-50 cycles more than a hit: a request
whose code and data do not stay in the L2 between one request and the next runs far slower than its instructions say
(a create's core ran 1.8 times its time when called alone in a loop, where it stays warm).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import benchlib
import route_cost

HERE = Path(__file__).resolve().parent
KINDS = {
    "page": ("GET", benchlib.POSITIONS_PATH, b"limit=100", b"", 200),
    "create": ("POST", route_cost.CREATE_PATH, b"", route_cost.CREATE_BODY, 201),
}
WARM = 50


def child(kind: str, requests: int, markets: int, key_file: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_file.read_bytes(), None)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app = route_cost.bench_app(markets, public_pem.decode())
    app.control.create_market(route_cost.CROSSED)
    app.control.set_book(route_cost.CROSSED, no=[["0.55", "1000000"]])
    gc.collect()
    gc.disable()  # a collection's walk of the heap would fall into one run's count and not the other's
    method, path, query, body, ok = KINDS[kind]
    headers = {**benchlib.signer(key).headers(method, path), "Content-Type": "application/json"}

    async def serve(count: int) -> None:
        for _ in range(count):
            status, answer = await benchlib.asgi_call(app.asgi, method, path, query, headers, body)
            assert status == ok, answer

    asyncio.new_event_loop().run_until_complete(serve(WARM + requests))


# cachegrind's summary lines: what each figure counts (`--caches` adds the misses)
_COUNTED = {"instructions": r"I\s+refs", "l1_misses": r"(?:I1|D1)\s+misses", "l2_misses": r"LL\s+misses"}
# The simulated last level: this machine's L2 (1 MiB, 8-way, 64-byte lines a core), not its shared L3.
L2_MODEL = "--LL=1048576,8,64"


def counted(tree: Path, kind: str, requests: int, markets: int, key_file: Path, caches: bool) -> dict[str, int]:
    """What one child run executes: instructions, and with `caches` the L1 (instruction and data) and L2 misses of
    cachegrind's model of this machine's caches."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join([str(tree), str(HERE)])}
    simulated = ["--cache-sim=yes", L2_MODEL] if caches else ["--cache-sim=no"]
    command = [
        "valgrind", "--tool=cachegrind", *simulated, "--cachegrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()), "--child", kind, str(requests), "--markets", str(markets),
        "--key", str(key_file),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    figures = {
        name: sum(int(n.replace(",", "")) for n in re.findall(pattern + r":\s+([\d,]+)", done.stderr))
        for name, pattern in _COUNTED.items()
        if caches or name == "instructions"
    }
    if done.returncode or not figures["instructions"]:
        raise SystemExit(f"{kind} on {tree} failed:\n{done.stderr[-3000:]}")
    return figures


def per_request(tree: Path, requests: int, markets: int, key_file: Path, caches: bool) -> dict[str, float]:
    runs = [(kind, n) for kind in KINDS for n in (0, requests)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        found = pool.map(lambda run: counted(tree, *run, markets, key_file, caches), runs)
        counts = dict(zip(runs, found, strict=True))
    figures = {
        f"{kind} {name}": (counts[(kind, requests)][name] - counts[(kind, 0)][name]) / requests
        for kind in KINDS
        for name in counts[(kind, 0)]
    }
    figures["ratio"] = figures["create instructions"] / figures["page instructions"]
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="another tree to compare this one with")
    p.add_argument("--requests", type=int, default=1000, help="requests of each kind in the counted run (1000)")
    p.add_argument("--markets", type=int, default=1000, help="markets listed, as route_cost.py lists them (1000)")
    p.add_argument(
        "--caches", action="store_true", help="count L1 and L2 (a 1 MiB model) misses too (cachegrind's cache model)"
    )
    p.add_argument("--child", nargs=2, metavar=("KIND", "REQUESTS"), help=argparse.SUPPRESS)
    p.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child:
        child(opts.child[0], int(opts.child[1]), opts.markets, opts.key)
        return
    trees = {"after": HERE.parent} if opts.before is None else {"before": opts.before.resolve(), "after": HERE.parent}
    with tempfile.TemporaryDirectory() as scratch:
        key_file = Path(scratch) / "key.pem"
        key_file.write_text(benchlib.new_rsa_key()[1])
        figures = {
            name: per_request(tree, opts.requests, opts.markets, key_file, opts.caches) for name, tree in trees.items()
        }
    print(f"\na request ({opts.requests} requests of each kind, {opts.markets} markets listed):")
    print(f"{'figure':58} " + " ".join(f"{name:>12}" for name in figures))
    rows = [(f"{label}, {what}", f"{kind} {name}") for kind, label in (("page", "signed 100-row positions page"),
            ("create", "signed create crossing one level")) for name, what in (("instructions", "instructions"),
            ("l1_misses", "L1 misses"), ("l2_misses", "L2 misses (1 MiB model)"))]  # fmt: skip
    for label, key in [*rows, ("create / page, instructions", "ratio")]:
        if key in figures["after"]:
            shown = " ".join(f"{m[key]:12.2f}" if key == "ratio" else f"{m[key]:12,.0f}" for m in figures.values())
            print(f"{label:58} {shown}")


if __name__ == "__main__":
    main()
