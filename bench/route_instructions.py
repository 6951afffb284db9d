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


def instructions(tree: Path, kind: str, requests: int, markets: int, key_file: Path) -> int:
    """What one child run executes, instructions."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join([str(tree), str(HERE)])}
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()), "--child", kind, str(requests), "--markets", str(markets),
        "--key", str(key_file),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"{kind} on {tree} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(tree: Path, requests: int, markets: int, key_file: Path) -> dict[str, float]:
    runs = [(kind, n) for kind in KINDS for n in (0, requests)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        counts = dict(zip(runs, pool.map(lambda run: instructions(tree, *run, markets, key_file), runs), strict=True))
    figures = {kind: (counts[(kind, requests)] - counts[(kind, 0)]) / requests for kind in KINDS}
    figures["ratio"] = figures["create"] / figures["page"]
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="another tree to compare this one with")
    p.add_argument("--requests", type=int, default=1000, help="requests of each kind in the counted run (1000)")
    p.add_argument("--markets", type=int, default=1000, help="markets listed, as route_cost.py lists them (1000)")
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
        figures = {name: per_request(tree, opts.requests, opts.markets, key_file) for name, tree in trees.items()}
    print(f"\ninstructions a request ({opts.requests} requests of each kind, {opts.markets} markets listed):")
    print(f"{'figure':40} " + " ".join(f"{name:>12}" for name in figures))
    for label, key in (("signed 100-row positions page", "page"), ("signed create crossing one level", "create"),
                       ("  / the positions page (bound: 3)", "ratio")):  # fmt: skip
        shown = " ".join(f"{m[key]:12.2f}" if key == "ratio" else f"{m[key]:12,.0f}" for m in figures.values())
        print(f"{label:40} {shown}")


if __name__ == "__main__":
    main()
