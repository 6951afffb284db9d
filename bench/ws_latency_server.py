"""The server process of ws_latency.py (which starts it as `ws_latency.py _serve`): the mock, or the bare baseline
route, on uvicorn, with the fill driver thread; and what the server and the client processes share (the users' names,
their keys' and markets', the channels). See ws_latency.py's docstring for what each measures."""

from __future__ import annotations

import argparse
import asyncio
import resource
import threading
import time
from array import array
from collections import deque
from pathlib import Path
from typing import Any

import benchlib

WS_PATH = "/trade-api/ws/v2"
CHANNELS = ("fill", "market_positions")
START_TIMEOUT_S = 60.0
MAX_FILLS_PER_STEP = 100_000
DRAIN_STALL_S = 2.0
DRAIN_MAX_S = 20.0
DEFAULT_RATES = "10,20,30,40,60,80,120,160,240,320,480,640"


def user_id(u: int) -> str:
    return f"wsb-{u}"


def key_id(u: int) -> str:
    return f"wsb-key-{u}"


def ticker(u: int) -> str:
    return f"KXWSB-{u}-T1"


def raise_nofile(need: int) -> int:
    """Raise this process's open file limit to `need` (at most the hard limit); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


_cpu_seconds = benchlib.process_cpu_s
_rss_mb = benchlib.process_rss_mb


class Driver:
    """Scripted fills at a steady rate, from a thread of the server process (as a test thread calls `mock.fill`)."""

    def __init__(self, app: Any, users: int) -> None:
        self.app = app
        self.last_k = [0] * users  # fills made for each user so far: the k-th is 1 contract, so volume_fp == k

    def run(self, rate: float, duration: float, users: list[int]) -> dict[str, Any]:
        control = self.app.control
        n = max(1, min(MAX_FILLS_PER_STEP, int(rate * duration)))
        sends: list[tuple[int, int, float]] = []
        calls = array("d")
        call_cpu = 0.0  # the thread's CPU inside fill() only (not waking from the sleeps between them)
        late_max = 0.0
        late_n = 0
        cpu0 = time.thread_time()
        t0 = time.monotonic() + 0.02
        give_up = t0 + duration * 3 + 10  # bounded in time even if every fill were slow
        for i in range(n):
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            elif now - due > 0.001:
                late_n += 1
                late_max = max(late_max, now - due)
            u = users[i % len(users)]
            k = self.last_k[u] + 1
            self.last_k[u] = k
            c0 = time.thread_time()
            sent = time.monotonic()
            # Buy and sell 1 YES contract in turn: the position stays 0 or 1, the volume counts the fills.
            control.fill(user_id(u), ticker(u), "yes", "buy" if k % 2 else "sell", "1", "0.50", order_id=f"wsb-{u}-{k}")
            calls.append(time.monotonic() - sent)
            call_cpu += time.thread_time() - c0
            sends.append((u, k, sent))
            if sent > give_up:
                break
        end = time.monotonic()
        cpu = time.thread_time() - cpu0
        ordered = sorted(calls)
        return {
            "fills": len(sends),
            "achieved_rate": len(sends) / (end - t0),
            "late_n": late_n,
            "late_max_ms": late_max * 1000,
            "call_p50_ms": benchlib.percentile(ordered, 50) * 1000,
            "call_p99_ms": benchlib.percentile(ordered, 99) * 1000,
            "driver_cpu_us_per_fill": cpu / len(sends) * 1e6,
            "call_cpu_us": call_cpu / len(sends) * 1e6,
            "sends": sends,
        }


def ledger_baseline(n: int) -> dict[str, Any]:
    """`n` fills back to back through `Control.fill` on a fresh app in this process (no subscriber): CPU per call."""
    from mockexchange.app import build_app
    from mockexchange.settings import Settings

    app = build_app(Settings(host="127.0.0.1", port=0), seed=7)
    app.control.create_account(user_id(0), balance_cents=10**12)
    app.control.create_market(ticker(0))
    cpu0 = time.thread_time()
    for k in range(1, n + 1):
        app.control.fill(user_id(0), ticker(0), "yes", "buy" if k % 2 else "sell", "1", "0.50", order_id=f"b-{k}")
    return {"fills": n, "cpu_us_per_fill": (time.thread_time() - cpu0) / n * 1e6}


def bare_asgi(app: Any, users: int) -> Any:
    """The baseline: a websocket route doing the least a fan-out of the same changes can do."""
    import orjson
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    from mockexchange.core.clock import epoch_ms

    profile = app.kalshi.profile
    registry: dict[str, list[BareConnection]] = {user_id(u): [] for u in range(users)}
    lock = threading.Lock()

    class BareConnection:
        def __init__(self) -> None:
            self.loop = asyncio.get_running_loop()
            self.outbox: deque[str] = deque()
            self.ready = asyncio.Event()

        def put(self, text: str) -> None:  # any thread
            self.outbox.append(text)
            if len(self.outbox) == 1:
                self.loop.call_soon_threadsafe(self.ready.set)

    def on_change(change: Any) -> None:  # the driver's thread, ledger lock held (as the mock's)
        if change.kind == "fill":
            envelope = {"type": "fill", "sid": 1, "msg": profile.ws_fill(change.payload)}
        elif change.kind == "position":
            envelope = {"type": "market_position", "sid": 2, "msg": profile.ws_market_position(change.payload)}
        else:
            return
        envelope["sending_ts_ms"] = epoch_ms(app.kalshi.wall_clock)
        text = orjson.dumps(envelope).decode() + "\n"
        for connection in registry.get(change.user_id, ()):
            connection.put(text)

    benchlib.state_of(app.ledger).bus.subscribe(on_change)

    async def endpoint(websocket: WebSocket) -> None:
        uid = user_id(int(websocket.headers.get("kalshi-access-key", "-0").rsplit("-", 1)[1]))
        await websocket.accept()
        await websocket.receive_text()  # the subscribe command
        for sid, channel in enumerate(CHANNELS, 1):
            reply = {"type": "subscribed", "id": 1, "msg": {"channel": channel, "sid": sid}}
            await websocket.send_text(orjson.dumps(reply).decode() + "\n")
        connection = BareConnection()
        with lock:
            registry[uid] = [*registry[uid], connection]

        async def sender() -> None:
            while True:
                while connection.outbox:
                    await websocket.send_text(connection.outbox.popleft())
                connection.ready.clear()
                if not connection.outbox:
                    await connection.ready.wait()

        async def reader() -> None:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass

        tasks = {asyncio.create_task(sender()), asyncio.create_task(reader())}
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            with lock:
                registry[uid] = [c for c in registry[uid] if c is not connection]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    return Starlette(routes=[WebSocketRoute(WS_PATH, endpoint)])


def serve(args: argparse.Namespace) -> None:
    import cProfile
    from types import SimpleNamespace

    import uvicorn

    from mockexchange.app import build_app
    from mockexchange.server.serving import uvicorn_config
    from mockexchange.settings import Settings

    raise_nofile(args.nofile)
    if args.no_frame_writer:  # the mock as under a server with no frame writer: every frame an ASGI send
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

        from mockexchange.server.websocket_protocol import HeartbeatWebSocketProtocol

        HeartbeatWebSocketProtocol.run_asgi = WebSocketsSansIOProtocol.run_asgi  # type: ignore[method-assign]
    # A tree from before the setting (so this script measures it too) negotiates permessage-deflate as uvicorn does.
    deflate = {"ws_per_message_deflate": args.ws_deflate} if "ws_per_message_deflate" in Settings.__slots__ else {}
    settings = Settings(host="127.0.0.1", port=0, ws_queue_size=args.queue_size, **deflate)
    app = build_app(settings, seed=7)
    keys = Path(args.keys)
    for u in range(args.users):
        app.control.create_account(user_id(u), balance_cents=10**12)
        app.control.create_key(user_id(u), public_key_pem=(keys / f"{u}.pub").read_text(), key_id=key_id(u))
        app.control.create_market(ticker(u))
    # The bare app goes through the same `uvicorn_config` (it reads `.asgi` and `.settings`): same uvicorn options.
    target = app if args.kind == "mock" else SimpleNamespace(asgi=bare_asgi(app, args.users), settings=settings)
    config = uvicorn_config(target, host="127.0.0.1", port=0)
    server = uvicorn.Server(config)  # in the main thread: uvicorn handles SIGTERM
    driver = Driver(app, args.users)
    # CPU time of each thread (not wall time): waits for the GIL and for a CPU are not charged to a function.
    driver_profile = cProfile.Profile(time.thread_time) if args.profile else None

    def handle(cmd: dict[str, Any]) -> Any:
        if cmd["cmd"] == "ledger":
            return ledger_baseline(cmd["n"])
        if driver_profile is not None:  # run
            driver_profile.enable()
        try:
            return driver.run(cmd["rate"], cmd["duration"], cmd["users"])
        finally:
            if driver_profile is not None:
                driver_profile.disable()

    def finish() -> None:
        if driver_profile is not None:
            driver_profile.dump_stats(args.profile + ".driver")

    threading.Thread(
        target=benchlib.serve_commands, args=(server, handle, START_TIMEOUT_S, finish), daemon=True, name="driver"
    ).start()
    run_server(server, args.profile)


def run_server(server: Any, profile_path: str | None) -> None:
    """Run the uvicorn server in this thread; with `profile_path`, under cProfile timed by this thread's CPU (not
    waits for the GIL or a CPU), dumped there when it stops."""
    import cProfile

    if profile_path is None:
        server.run()
        return
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    try:
        server.run()
    finally:
        profile.disable()
        profile.dump_stats(profile_path)
