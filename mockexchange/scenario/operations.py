"""The scenario operations of one mock: load a scenario, step, play or pause its timeline, say where it stands.

One `Scenarios` per app, beside its `Control`: the admin API (`/_admin/scenario...`) and `MockServer` both answer
through it, so they see the same loaded scenario. A reset of the ledger, from wherever it comes, unloads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mockexchange.control import Control, ControlError, clock_status
from mockexchange.core.clock import ManualClock
from mockexchange.core.events import Change
from mockexchange.scenario import schema
from mockexchange.scenario.grammar import ScenarioGrammar
from mockexchange.scenario.model import Scenario
from mockexchange.scenario.runner import Progress, ScenarioSession

MAX_SPEED = 10**6  # a scenario played a million times faster than real time is a step-through already


class Scenarios:
    def __init__(self, control: Control, grammar: ScenarioGrammar) -> None:
        """`grammar`: the steps and set-up sections a scenario may hold (each venue's and the mock's own: the
        registry's `GRAMMAR`)."""
        self.control = control
        self.grammar = grammar
        self._session: ScenarioSession | None = None
        self._lock = threading.Lock()
        # Told when the loaded scenario moves on by itself (a step of a play, its end): the inspector's feed.
        self.on_change: Callable[[], None] | None = None
        control.parts.bus.subscribe(self._on_change, ("reset",))

    def _on_change(self, change: Change) -> None:
        # Runs under the ledger lock: flag a playing session to stop, never wait for its thread here.
        if change.kind == "reset" and self._session is not None:
            self._session.stop(wait=False)
            self._session = None

    def load_scenario(
        self,
        path: str | None = None,
        document: str | Mapping[str, Any] | None = None,
        reset: bool = True,
        run: bool = False,
        key_dir: str | None = None,
        *,
        read_key_file: schema.KeyFileReader = Path.read_text,
    ) -> dict[str, Any]:
        """Load a scenario (docs/scenarios.md) from a file `path` or an inline YAML/JSON `document`: forget the
        current state unless `reset` is false, apply its set-up, and leave its timeline for `step` (or run it all if
        `run`). Generated keys are answered with their private PEM, also written to `key_dir` when given; Deribit keys
        (`deribit_keys`) with their client id and secret. `read_key_file` reads the scenario's `public_key_file`s
        (the admin API passes one confined to its scenario folders)."""
        if (path is None) == (document is None):
            raise ControlError("give a scenario `path` or an inline `document`, not both")
        if path is not None and (not isinstance(path, str) or not path):
            raise ControlError("path must be a file path")
        if key_dir is not None and (not isinstance(key_dir, str) or not key_dir):
            raise ControlError("key_dir must be a directory path")
        if not isinstance(reset, bool) or not isinstance(run, bool):
            raise ControlError("reset and run must be true or false")
        if document is None:
            assert path is not None  # (one of the two, as checked above)
            scenario = schema.load_file(path, read_key_file, grammar=self.grammar)
        else:
            scenario = schema.load_document(document, read_key_file=read_key_file, grammar=self.grammar)
        return self.load(scenario, reset=reset, run=run, key_dir=key_dir)

    def load(
        self,
        scenario: Scenario,
        *,
        reset: bool = True,
        run: bool = False,
        key_dir: str | Path | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Apply a validated scenario's set-up and make it the loaded one; `run` also plays its timeline at once.
        `progress` is told (operations done, operations in all) after each operation of the load. Answers the
        generated keys and the status."""
        control = self.control
        clock = control.parts.clock
        if scenario.needs_manual_clock and not isinstance(clock, ManualClock):
            raise ControlError(
                "this scenario moves exchange time (start, wait or a burst interval) but the mock runs on the system "
                "clock; run it with a ManualClock (MockServer(clock=ManualClock()), `mockexchange serve --scenario`)",
                409,
            )
        with self._lock:
            previous, self._session = self._session, None
            if previous is not None:
                previous.stop()
            if reset:
                control.reset()
            if scenario.start is not None:
                if reset:
                    assert isinstance(clock, ManualClock)
                    clock.set(scenario.start)  # a fresh ledger: exchange time may start anywhere, earlier included
                else:
                    control.advance_clock(to=scenario.start.isoformat())
            key_folder = None if key_dir is None else Path(key_dir)
            session = ScenarioSession(control, scenario, self.grammar.operations, key_folder, self.grammar.keys)
            session.on_change = self._changed
            if progress is not None:
                total = len(scenario.setup) + (scenario.timeline_operations if run else 0)
                session.report_progress(progress, total)
            session.set_up()
            self._session = session
        try:
            ran = session.run(None) if run else []
        finally:
            session.report_progress(None)  # the load is over: a later step or play is not part of it
        return {**session.status(), **session.keys_made, "ran_steps": len(ran)}

    def step(self, count: int = 1) -> dict[str, Any]:
        """Run the next `count` steps of the loaded scenario's timeline (fewer if fewer are left)."""
        session = self._loaded()
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ControlError("count must be an integer of at least 1")
        if session.playing:
            raise ControlError("the scenario is playing in real time; it cannot be stepped as well", 409)
        ran = session.run(count)
        return {"ran": ran, **session.status()}

    def play_scenario(
        self, speed: float = 1.0, *, sleep: Callable[[float], None] | None = None, block: bool = False
    ) -> dict[str, Any]:
        """Play the rest of the timeline in real time scaled by `speed` (a wait of W seconds takes W/speed wall
        seconds), in a background thread unless `block`; `sleep` replaces the real wait (tests)."""
        session = self._loaded()
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed <= MAX_SPEED:
            raise ControlError(f"speed must be a positive number, at most {MAX_SPEED}")
        session.play(float(speed), sleep=sleep, block=block)
        return session.status()

    def pause_scenario(self) -> dict[str, Any]:
        """Pause a scenario playing in real time after its current step; `step` or `play` goes on from there."""
        session = self._loaded()
        paused = session.pause()
        return {"paused": paused, **session.status()}

    def scenario_status(self) -> dict[str, Any]:
        """The loaded scenario: its file, the next step, steps left, the exchange time."""
        session = self._session
        if session is None:
            return {"loaded": False, **clock_status(self.control.parts.clock)}
        return session.status()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @property
    def session(self) -> ScenarioSession | None:
        return self._session

    def _loaded(self) -> ScenarioSession:
        session = self._session
        if session is None:
            raise ControlError("no scenario is loaded (POST /_admin/scenario, or load_scenario)", 409)
        return session
