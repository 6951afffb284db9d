"""Running a scenario: set-up at load, then the timeline one step at a time, played at a speed or stepped by hand.

Every operation goes through `Control` (the admin API's operations), the clock included (`Control.advance_clock`).
Time model: steps run in order and take no exchange time; only `wait` steps (and a burst's `interval`) move the
exchange clock, which is a `ManualClock`. Stepped (`step`), a wait moves the clock at once; played (`play`), it first
sleeps wait/speed wall seconds. A step that fails is not consumed: the session keeps it as the next step and records
the error.

Which scenario is loaded is kept by `operations.Scenarios`, one per app.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mockexchange.control import ControlError, clock_status
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.values import Refused
from mockexchange.scenario.model import Op, Scenario

if TYPE_CHECKING:
    from mockexchange.control import Control
    from mockexchange.control.registration import ScenarioKeys

C = TypeVar("C", bound=Command)
Pace = Callable[[float, bool], None]  # (seconds, pausable): waits them out; raises _Stopped when stopped
# Told (operations done, operations in all) after each operation: a set-up entry, a step, one fill of a burst.
Progress = Callable[[int, int], None]
_JOIN_TIMEOUT_S = 10.0


class _Stopped(Exception):
    """The session was stopped (reset, another scenario loaded) while a step was pacing."""


class ScenarioSession:
    def __init__(
        self,
        control: Control,
        scenario: Scenario,
        operations: Mapping[str, str],
        key_dir: Path | None,
        keys: Mapping[str, ScenarioKeys] | None = None,
    ) -> None:
        """`operations`: the `Control` method of each set-up kind that is no command when read (a file's series,
        events and markets, kept as written; the demo generator's entries), each venue's (grammar.py); `keys`: how
        each venue's set-up kind of key is made (its registration's), the keys made listed by its answer's field."""
        self.control = control
        self.scenario = scenario
        self.operations = operations
        self.key_dir = key_dir
        self.key_kinds = dict(keys or {})
        # The keys made, by the field a load's answer lists them in ("keys": Kalshi's; "deribit_keys": each client id
        # and secret of `deribit.accounts[].keys[]`).
        self.keys_made: dict[str, list[dict[str, Any]]] = {made.answer: [] for made in self.key_kinds.values()}
        self.next_step = 0
        self.error: str | None = None
        self.speed: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # A play's pause: asked (`pause`), it ends the play before its next step; `_wake` ends a wait step's pacing at
        # once (set by a pause or a stop), so a pause never waits out a long wait.
        self._pause = threading.Event()
        self._wake = threading.Event()
        self._player: threading.Thread | None = None
        self._progress: Progress | None = None
        # Told after each step of the timeline and when a play ends (the inspector's feed); must not block.
        self.on_change: Callable[[], None] | None = None
        self._operations_done = 0
        self._operations_total = 0

    def report_progress(self, progress: Progress | None, total: int = 0) -> None:
        """Tell `progress` (done, `total`) after each operation from now on; None stops telling."""
        self._progress, self._operations_total, self._operations_done = progress, total, 0

    def _done_one(self) -> None:
        if self._progress is not None:
            self._operations_done += 1
            self._progress(self._operations_done, self._operations_total)

    # -- set-up ------------------------------------------------------------------------------------------------------

    def set_up(self) -> None:
        keys_of: Counter[tuple[str, str]] = Counter()  # a user's keys of a kind so far: the next one's index
        for op in self.scenario.setup:
            if (key := self.key_kinds.get(op.kind)) is not None:
                user = (op.kind, op.args["user_id"])
                self.keys_made[key.answer].append(key.make(self, op, keys_of[user]))
                keys_of[user] += 1
            elif op.command is not None:  # made of its fields when the file was read
                self.answered(op, op.command)
            else:
                self._origin(op, functools.partial(getattr(self.control, self.operations[op.kind]), **op.args))
            self._done_one()

    def answered(self, op: Op, command: Command) -> dict[str, Any]:
        """What the command answers in plain values (`Control.answer`); its refusal named by the operation's origin."""
        return self._origin(op, functools.partial(self.control.answer, command))

    def changed_command(self, op: Op, command: C, **changes: Any) -> C:
        """The operation's command with `changes`; one it does not take refused, named by the operation's origin."""
        try:
            return dataclasses.replace(command, **changes)
        except Refused as exc:
            raise ControlError(f"{op.origin}: {exc}") from None

    def _origin(self, op: Op, call: Callable[[], Any]) -> Any:
        """What `call` answers; its refusal named by the operation's origin."""
        try:
            return call()
        except ControlError as exc:
            raise ControlError(f"{op.origin}: {exc}", exc.status) from None

    # -- the timeline ------------------------------------------------------------------------------------------------

    @property
    def steps_left(self) -> int:
        return len(self.scenario.steps) - self.next_step

    @property
    def playing(self) -> bool:
        return self._player is not None and self._player.is_alive()

    def run(self, count: int | None, pace: Pace | None = None) -> list[dict[str, Any]]:
        """Run the next `count` steps (all that are left if None); stops at the first failure, which it raises."""
        ran: list[dict[str, Any]] = []
        paused = self._pause.is_set if pace is not None else lambda: False  # a pause ends a play, not a step
        while (count is None or len(ran) < count) and not self._stop.is_set() and not paused():
            with self._lock:
                if self.next_step >= len(self.scenario.steps):
                    break
                op = self.scenario.steps[self.next_step]
                try:
                    result = self._run_step(op, pace)
                except ControlError as exc:
                    self.error = f"{op.origin}: {exc}"
                    raise ControlError(self.error, exc.status) from None
                except _Stopped:
                    break
                self.error = None
                ran.append({"step": self.next_step, "kind": op.kind, "line": op.origin.line, "result": result})
                self.next_step += 1
            self._changed()
        return ran

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _run_step(self, op: Op, pace: Pace | None) -> dict[str, Any]:
        if op.kind == "burst":
            return self._burst(op.args, pace)  # counts its fills one by one
        if op.kind == "wait":
            result = self._wait(op.args["seconds"], pace, pausable=True)
        else:
            assert op.command is not None  # (every other step is a command, made when the file was read)
            result = self.control.answer(op.command)
        self._done_one()
        return result

    def _wait(self, seconds: float, pace: Pace | None, pausable: bool = False) -> dict[str, Any]:
        """A wait step (`pausable`: a pause ends its pacing, and the step stays next) or a burst's interval (a pause
        waits for the burst to end: its fills so far are made)."""
        if pace is not None:
            pace(seconds, pausable)
        if self._stop.is_set() or (pausable and pace is not None and self._pause.is_set()):
            raise _Stopped
        return self.control.advance_clock(seconds=seconds)

    def _burst(self, burst: dict[str, Any], pace: Pace | None) -> dict[str, Any]:
        """`fills` fills in one market from a seeded generator: the same seed gives the same fills."""
        rng = random.Random(burst["seed"])
        low, high = burst["price"]
        smallest, largest = burst["count"]
        extra = {k: burst[k] for k in ("event_ticker", "subaccount") if k in burst}
        for i in range(burst["fills"]):
            if i and burst["interval"]:
                self._wait(burst["interval"], pace)
            elif self._stop.is_set():
                raise _Stopped
            user_id, side, action = rng.choice(burst["users"]), rng.choice(burst["sides"]), rng.choice(burst["actions"])
            count, price = Decimal(rng.randint(smallest, largest)), Decimal(rng.randint(low, high)).scaleb(-2)
            self.control.answer(
                SeedFill(user_id, burst["ticker"], side, action, count, price, is_taker=burst["is_taker"], **extra)
            )
            self._done_one()
        return {"ticker": burst["ticker"], "fills": burst["fills"]}

    # -- playing in real time ----------------------------------------------------------------------------------------

    def play(self, speed: float, *, sleep: Callable[[float], None] | None = None, block: bool = False) -> None:
        """Run the rest of the timeline, each wait taking wait/speed wall seconds (`sleep`, default an interruptible
        wait); in a background thread unless `block`."""
        if self.playing:
            raise ControlError("the scenario is already playing", 409)

        def pace(seconds: float, pausable: bool) -> None:
            woken = self._wake if pausable else self._stop
            if sleep is not None:
                sleep(seconds / speed)
            elif woken.wait(min(seconds / speed, threading.TIMEOUT_MAX)):  # past it, wait() raises
                raise _Stopped

        def play() -> None:
            try:
                with contextlib.suppress(ControlError):  # kept in `error`, shown by the status
                    self.run(None, pace)
            finally:
                self._changed()  # the feed reads the status after its window: the thread has ended by then

        self.speed = speed
        self._pause.clear()
        self._wake.clear()
        if block:
            play()
            return
        self._player = threading.Thread(target=play, daemon=True, name="mockexchange-scenario")
        self._player.start()

    def pause(self) -> bool:
        """Ask a play in progress to stop before its next step; a wait step it is pacing ends at once and stays next
        (a burst ends first: its fills are made). The timeline stays where it stopped, to step or play again; the
        play's thread ends soon after (`playing`, `pausing` in the status). False if it was not playing."""
        if not self.playing:
            return False
        self._pause.set()
        self._wake.set()
        return True

    def stop(self, wait: bool = True) -> None:
        """Stop a play in progress; `wait` for its thread (never under the ledger lock: it may be waiting on it)."""
        self._stop.set()
        self._wake.set()
        player = self._player
        if wait and player is not None and player is not threading.current_thread():
            player.join(timeout=_JOIN_TIMEOUT_S)

    def status(self) -> dict[str, Any]:
        steps = self.scenario.steps
        upcoming = steps[self.next_step] if self.next_step < len(steps) else None
        return {
            "loaded": True,
            "scenario": self.scenario.name,
            "file": self.scenario.source,
            "accounts": self.scenario.count("account"),
            "markets": self.scenario.count("market"),
            "positions": self.scenario.count("position"),
            "next_step": self.next_step,
            "next": None if upcoming is None else f"{upcoming.origin}: {upcoming.kind}",
            "steps_total": len(steps),
            "steps_left": self.steps_left,
            "playing": self.playing,
            "pausing": self.playing and self._pause.is_set(),
            "speed": self.speed,
            "error": self.error,
            **clock_status(self.control.parts.clock),
        }
