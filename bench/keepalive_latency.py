"""Latency of sequential signed requests to a real `MockServer` over one keep-alive connection, as tests make them.

    .venv/bin/python bench/keepalive_latency.py              # 50 requests per variant, a few seconds
    .venv/bin/python bench/keepalive_latency.py --requests 200

A regression check for the TCP_NODELAY stall fixed in 3818b4d. Before it, `MockServer.start` bound its own socket
with proto 0; asyncio sets TCP_NODELAY on accepted connections only when the listening socket's proto is
IPPROTO_TCP, and uvicorn's h11 protocol writes a response's head and body with separate `transport.write` calls, so
the body waited for the client's delayed ACK of the head: about 40 ms on every keep-alive request after a
connection's first. (`positions_throughput.py --nagle` reproduces that binding in its own servers.)

Against one `MockServer` started exactly as the pytest plugin starts it, this prints the listening socket's proto,
the TCP_NODELAY the accepted connections report (read from uvicorn's connection set), and latency for:
- keep-alive: one `httpx.Client` (as the `kalshi_user` fixture's), headers signed before each request is timed
- keep-alive + KalshiAuth: the same client signing every request (RSA-PSS sign included), as tests do
- a new connection per request (`Connection: close`)
A keep-alive median near 40 ms, or TCP_NODELAY 0, means the stall is back. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import socket
import time
from collections.abc import Callable

import benchlib
import httpx

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


def timed(
    n: int, call: Callable[[dict[str, str]], httpx.Response], prepare: Callable[[], dict[str, str]]
) -> list[float]:
    """`n` sequential calls; `prepare` (signing, untimed) makes each call's headers."""
    times = []
    for _ in range(n):
        headers = prepare()
        t0 = time.perf_counter()
        response = call(headers)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return sorted(times)


def nodelay_of_connections(mock: MockServer) -> list[int]:
    server = mock._server
    assert server is not None
    values = []
    for protocol in list(server.server_state.connections):
        sock = protocol.transport.get_extra_info("socket")  # type: ignore[attr-defined]
        if sock is not None:
            values.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    return values


def report(label: str, times: list[float]) -> None:
    median, p99 = benchlib.median(times) * 1000, benchlib.percentile(times, 99) * 1000
    print(f"  {label:<52} median {median:8.2f} ms   p99 {p99:8.2f} ms   n {len(times)}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=50, help="requests per variant")
    p.add_argument("--positions", type=int, default=20, help="positions in the account (the page holds them all)")
    opts = p.parse_args()
    n = opts.requests
    with MockServer() as mock:
        mock.create_account("user-1", balance_cents=1_000_000)
        key = mock.create_key("user-1")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        benchlib.seed_positions(mock.ledger, "user-1", opts.positions, prefix="KXLAT")
        url = f"{mock.kalshi_url}/portfolio/positions"
        server = mock._server
        assert server is not None
        listening = [s for srv in server.servers for s in srv.sockets]
        print(f"MockServer on port {mock.port}: listening socket proto {[s.proto for s in listening]} ", end="")
        print(f"(IPPROTO_TCP is {socket.IPPROTO_TCP})")

        def signed() -> dict[str, str]:
            return signer.headers("GET", benchlib.POSITIONS_PATH)

        def closing() -> dict[str, str]:
            return {**signed(), "Connection": "close"}

        with httpx.Client(timeout=10) as client:
            client.get(url, headers=signed())
            nodelay = nodelay_of_connections(mock)
            print(f"  accepted connections report TCP_NODELAY = {nodelay}")
            keepalive = timed(n, lambda h: client.get(url, headers=h), signed)
            report("keep-alive, signed before timing", keepalive)
        with httpx.Client(timeout=10, auth=KalshiAuth(signer)) as client:
            report("keep-alive, KalshiAuth (signs inside the timing)", timed(n, lambda h: client.get(url), dict))
        with httpx.Client(timeout=10) as client:
            report("new connection per request", timed(n, lambda h: client.get(url, headers=h), closing))
        stalled = benchlib.median(keepalive) > 0.030 or 0 in nodelay
        print(f"  stall (keep-alive median > 30 ms or TCP_NODELAY 0): {'YES' if stalled else 'no'}")


if __name__ == "__main__":
    main()
