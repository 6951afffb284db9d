"""A legitimate Kalshi request's latency while clients send bad signatures, by the key they sign against: one Kalshi
issues (2,048-bit RSA), the largest the standard key policy takes (4,096 bits), and a costly one (a 3,072-bit modulus
with a 3,071-bit exponent); in this tree and in another one (`--before`, the tree before the key policy).

    .venv/bin/python bench/costly_keys.py --before /tmp/before     # 5 s a case (~1 min 30 s)
    .venv/bin/python bench/costly_keys.py --before /tmp/before --quick --clients 4

where /tmp/before holds the base commit: `git archive 7478333 | tar -x -C /tmp/before`.

Processes, all started from this file: each server is `build_app` served by uvicorn through
`mockexchange.server.serving.uvicorn_config` on 127.0.0.1 port 0, in a process of its own whose `PYTHONPATH` is the tree
measured (this tree, or `--before`); the clients are threads of this process, each on one keep-alive connection
written and read by hand (a request's bytes made once a second, when its timestamp changes). Each server registers
three keys with `create_key`: an RSA key whose private half this process holds (the legitimate client's), and two
public keys whose moduli are odd random numbers (no private half is needed to refuse a signature): 4,096 bits with
exponent 65537, and 3,072 bits with a 3,071-bit exponent. A key its tree's policy refuses is reported as refused.
This tree is measured twice: with the standard policy, and with `kalshi_key_policy="any"`, which takes the costly key.

For each server and each key: `--clients` garbage clients send `GET /trade-api/v2/portfolio/balance` signed with
random bytes of the modulus's length (a leading zero byte, so the number is below the modulus and the verification
runs) as fast as they are answered (401), while the legitimate client sends the same request correctly signed every
10 ms and records each latency; then the server's CPU per bad signature (its utime + stime over the case, less the
legitimate requests' share measured without garbage, divided by the 401s). First, a case with no garbage: the
latency to compare with. Figures: median and p99 latency, their ratio to the quiet case, and the ratio of each key's
median to the 2,048-bit key's in the same server. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import benchlib

SCRIPT = str(Path(__file__).resolve())
ROOT = Path(SCRIPT).parent.parent
PATH = "/trade-api/v2/portfolio/balance"
GOOD = "good"
# key id -> (modulus bits, exponent) of the keys that are only ever sent garbage
GARBAGE_KEYS = {"rsa-4096": (4096, 65537), "costly-e3071": (3072, (1 << 3070) | 1)}


# -- server process -------------------------------------------------------------------------------------------------


def _public_pem(bits: int, exponent: int) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    modulus = random.Random(bits).getrandbits(bits) | (1 << (bits - 1)) | 1
    key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def serve(settings_json: str, good_pem: str) -> None:
    import uvicorn

    from mockexchange.app import build_app
    from mockexchange.server.serving import uvicorn_config
    from mockexchange.settings import Settings

    settings = Settings(host="127.0.0.1", port=0, **json.loads(settings_json))
    app = build_app(settings, seed=7)
    app.control.create_account("alice", balance_cents=10**8)
    app.control.create_key("alice", public_key_pem=Path(good_pem).read_text(), key_id=GOOD)
    registered = {GOOD: "registered"}
    for key_id, (bits, exponent) in GARBAGE_KEYS.items():
        try:
            app.control.create_key("alice", public_key_pem=_public_pem(bits, exponent), key_id=key_id)
            registered[key_id] = "registered"
        except Exception as exc:  # the tree's policy refuses it: say so
            registered[key_id] = f"refused: {exc}"
    server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=0))

    def tell_and_wait() -> None:
        while not server.started:
            time.sleep(0.01)
        benchlib.answer({"port": server.servers[0].sockets[0].getsockname()[1]})
        benchlib.answer(registered)
        sys.stdin.read()  # until the parent closes it
        server.should_exit = True

    threading.Thread(target=tell_and_wait, daemon=True).start()
    server.run()


# -- the client (this process) --------------------------------------------------------------------------------------


class Server:
    """A server process of this script on a given tree: it says its port and which keys it took in one JSON line,
    and stops when its stdin closes; its CPU is read from /proc."""

    def __init__(self, tree: Path, settings: dict[str, Any], good_pem: Path) -> None:
        env = os.environ | {"PYTHONPATH": str(tree)}
        argv = [sys.executable, SCRIPT, "_serve", json.dumps(settings), str(good_pem)]
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=Path(SCRIPT).parent, env=env, text=True
        )
        assert self.proc.stdout is not None
        self.port = json.loads(self.proc.stdout.readline() or "{}").get("port") or 0
        if not self.port:
            raise RuntimeError(f"the server of {tree} did not start ({self.proc.wait(30)})")
        self.registered: dict[str, str] = json.loads(self.proc.stdout.readline())

    def cpu_s(self) -> float:
        """The process's user + system CPU so far, in seconds."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def _request(headers: dict[str, str]) -> bytes:
    lines = [f"GET {PATH} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Connection:
    """One keep-alive connection, each answer read whole (by its Content-Length)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def exchange(self, request: bytes) -> int:
        """Send one request and read its answer: its status."""
        self.sock.sendall(request)
        status = int(self.reader.readline().split(b" ", 2)[1])
        length = 0
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        self.reader.read(length)
        return status

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def _garbage(port: int, key_id: str, size: int, stop: threading.Event, counts: list[int], seed: int) -> None:
    rng = random.Random(seed)
    connection = Connection(port)
    try:
        second, request = -1, b""
        while not stop.is_set():
            now_ms = int(time.time() * 1000)
            if now_ms // 1000 != second:
                second = now_ms // 1000
                signature = base64.b64encode(b"\x00" + rng.randbytes(size - 1)).decode()
                headers = {"KALSHI-ACCESS-KEY": key_id, "KALSHI-ACCESS-TIMESTAMP": str(now_ms)}
                request = _request(headers | {"KALSHI-ACCESS-SIGNATURE": signature})
            if connection.exchange(request) != 401:
                raise RuntimeError("a bad signature was not refused")
            counts[0] += 1
    finally:
        connection.close()


def case(server: Server, signer: Any, key_id: str | None, clients: int, seconds: float) -> dict[str, Any]:
    """The legitimate client's latencies (ms) while `clients` send garbage against `key_id` (None: no garbage)."""
    stop, counts = threading.Event(), [0]
    size = 0 if key_id is None else (GARBAGE_KEYS.get(key_id, (2048, 0))[0] + 7) // 8
    threads = [
        threading.Thread(target=_garbage, args=(server.port, key_id, size, stop, counts, n), daemon=True)
        for n in range(clients if key_id is not None else 0)
    ]
    cpu_before = server.cpu_s()
    flowing = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(0.3 if threads else 0)  # the garbage flows before the first measured request
    latencies = []
    started = time.monotonic()
    connection = Connection(server.port)
    try:
        while time.monotonic() - started < seconds:
            request = _request(signer.headers("GET", PATH))
            sent = time.perf_counter()
            status = connection.exchange(request)
            latencies.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                raise RuntimeError(f"the legitimate request answered {status}")
            time.sleep(0.01)
    finally:
        connection.close()
        stop.set()
        for thread in threads:
            thread.join(30)
    flowed = time.monotonic() - flowing
    cpu = server.cpu_s() - cpu_before
    ordered = sorted(latencies)
    return {
        "p50_ms": benchlib.percentile(ordered, 50),
        "p99_ms": benchlib.percentile(ordered, 99),
        "requests": len(ordered),
        "bad_signatures": counts[0],
        "bad_per_s": counts[0] / flowed,
        "cpu_s": cpu,
    }


def measure(label: str, tree: Path, settings: dict[str, Any], opts: argparse.Namespace, keys: Any) -> dict[str, Any]:
    key, good_pem, signer = keys
    server = Server(tree, settings, good_pem)
    try:
        registered = server.registered
        quiet = case(server, signer, None, 0, opts.seconds)
        results: dict[str, Any] = {"quiet": quiet}
        for key_id in (GOOD, *GARBAGE_KEYS):
            if registered[key_id] != "registered":
                results[key_id] = {"refused": registered[key_id]}
                continue
            found = case(server, signer, key_id, opts.clients, opts.seconds)
            legit_cpu = quiet["cpu_s"] * found["requests"] / max(quiet["requests"], 1)
            found["cpu_ms_per_bad_signature"] = (found["cpu_s"] - legit_cpu) * 1000 / max(found["bad_signatures"], 1)
            results[key_id] = found
    finally:
        server.stop()
    _print(f"{label}: a legitimate request's latency (ms) while {opts.clients} clients send bad signatures", results)
    return results


def _print(title: str, results: dict[str, Any]) -> None:
    quiet, good = results["quiet"], results[GOOD]
    print(f"\n{title}, by the key they sign against:")
    print(f"  {'key':<14} {'p50':>8} {'p99':>8} {'p50/quiet':>10} {'p50/2048':>9} {'bad sig/s':>10} {'CPU/bad':>12}")
    print(f"  {'(none)':<14} {quiet['p50_ms']:8.2f} {quiet['p99_ms']:8.2f} {1:10.1f}")
    for key_id in (GOOD, *GARBAGE_KEYS):
        found = results[key_id]
        name = "rsa-2048" if key_id == GOOD else key_id
        if "refused" in found:
            print(f"  {name:<14} refused at registration")
            continue
        print(
            f"  {name:<14} {found['p50_ms']:8.2f} {found['p99_ms']:8.2f} {found['p50_ms'] / quiet['p50_ms']:10.1f} "
            f"{found['p50_ms'] / good['p50_ms']:9.1f} {found['bad_per_s']:10.0f} "
            f"{found['cpu_ms_per_bad_signature']:9.2f} ms"
        )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        return serve(*argv[1:3])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="the tree to compare with (git archive BASE | tar -x -C DIR)")
    p.add_argument("--clients", type=int, default=4, help="clients sending bad signatures (default 4)")
    p.add_argument("--seconds", type=float, help="seconds a case (default 5; --quick 2)")
    p.add_argument("--quick", action="store_true", help="2 s a case")
    p.add_argument("--json", metavar="PATH", help="write the figures here")
    opts = p.parse_args(argv)
    opts.seconds = opts.seconds or (2.0 if opts.quick else 5.0)
    key, _, public = benchlib.new_rsa_key()
    good_pem = Path(f"/tmp/costly-keys-bench-{os.getpid()}.pub")
    good_pem.write_text(public)
    keys = (key, good_pem, benchlib.signer(key, GOOD))
    figures: dict[str, Any] = {}
    try:
        if opts.before is not None:
            figures["before"] = measure(f"before ({opts.before})", opts.before, {}, opts, keys)
        figures["standard"] = measure("this tree, standard key policy", ROOT, {}, opts, keys)
        any_policy = {"kalshi_key_policy": "any"}
        figures["any"] = measure("this tree, --key-policy any", ROOT, any_policy, opts, keys)
    finally:
        good_pem.unlink()
    _ratios(figures)
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=1))


def _ratios(figures: dict[str, Any]) -> None:
    """The ratios to read: the costliest key each server takes against the 2,048-bit key, and this tree against
    the one before."""
    print("\nratios of the legitimate request's median latency:")
    for label, results in figures.items():
        good = results[GOOD]["p50_ms"]
        for key_id in GARBAGE_KEYS:
            if "refused" not in results[key_id]:
                print(f"  {label:<9} {key_id} / rsa-2048: {results[key_id]['p50_ms'] / good:.1f}x")
    if "before" in figures:
        costly = figures["before"]["costly-e3071"]["p50_ms"]
        for label in ("standard", "any"):
            after = figures[label]
            worst = max(
                (after[k]["p50_ms"] for k in (GOOD, *GARBAGE_KEYS) if "refused" not in after[k]), default=float("nan")
            )
            print(f"  before's costly key / {label}'s costliest key taken: {costly / worst:.1f}x")


if __name__ == "__main__":
    main()
