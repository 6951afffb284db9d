"""The generated-responses mode of one app: which requests get generated answers, how they are numbered, what was
served (for failure reports and `contract fuzz-client`), and the headers that say so.

The mode is on for the whole app when `Settings.generated_responses` is a seed, and per request with the header
`X-Mockexchange-Generate: SEED` (or `off` for ledger data). Requests are authenticated and checked as in ledger
mode first; only the body of a 200 is generated (`generate.py`). Every generated answer carries
`X-Mockexchange-Generated: seed=S n=N profile=P` (and `page=K` on a continuation page), where N counts that
operation's generated answers from 0: `generate_response(document, operation_id, S, N, query)` gives the body again.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from mockexchange.core.numbers import IntegerError, excerpt, parse_int
from mockexchange.venues.kalshi.errors import KalshiError, param_error
from mockexchange.venues.kalshi.generate import GeneratedCursorError, generate, kalshi_document
from mockexchange.web.answers import json_response

GENERATE_HEADER = "X-Mockexchange-Generate"
GENERATED_HEADER = "X-Mockexchange-Generated"
OFF = frozenset({"off", "ledger"})
SERVED_KEPT = 50  # the answers a failure report can list


@dataclass(frozen=True, slots=True)
class GeneratedAnswer:
    """One generated answer."""

    operation_id: str
    query: str
    seed: int
    n: int
    profile: str
    page: int
    body: dict[str, Any]

    @property
    def tag(self) -> str:
        return f"seed={self.seed} n={self.n} profile={self.profile}" + (f" page={self.page}" if self.page else "")


Listener = Callable[[GeneratedAnswer], None]


class GeneratedResponses:
    """The mode's state in one app; thread-safe (uvicorn serves requests from one loop, tests read from others)."""

    def __init__(self, seed: int | None = None, wire_profile: str = "3.34") -> None:
        self.wire_profile = wire_profile
        self._seed = seed
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._served: deque[GeneratedAnswer] = deque(maxlen=SERVED_KEPT)
        self._listeners: list[Listener] = []

    @property
    def seed(self) -> int | None:
        """The app-wide seed; None: ledger data unless a request asks."""
        return self._seed

    def reset(self, seed: int | None) -> None:
        """Start over under another seed (None: off): numbering from 0, nothing served."""
        with self._lock:
            self._seed = seed
            self._counts.clear()
            self._served.clear()

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every answer from now on; returns the function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def served(self) -> list[GeneratedAnswer]:
        """The latest answers, oldest first."""
        with self._lock:
            return list(self._served)

    def seed_for(self, headers: Mapping[str, str]) -> int | None:
        """The seed a request is answered under: its header's, else the app's; None for ledger data."""
        if GENERATE_HEADER not in headers:  # (the common case: `get` would raise and catch a KeyError to say so)
            return self._seed
        raw = headers[GENERATE_HEADER]
        text = raw.strip()
        if text.lower() in OFF:
            return None
        try:
            return parse_int(text, signs="+-")
        except IntegerError:
            raise KalshiError(
                400,
                {"error": {"code": "bad_request", "message": "bad request"}},
                f"{GENERATE_HEADER} takes an integer seed or 'off', not {excerpt(text)}",
            ) from None

    def respond(self, operation_id: str, seed: int, query: Mapping[str, str]) -> Response:
        with self._lock:
            n = self._counts.get(operation_id, 0)
            self._counts[operation_id] = n + 1
        try:
            generated = generate(kalshi_document(), operation_id, seed, n, query, self.wire_profile)
        except GeneratedCursorError as exc:
            raise param_error(operation_id, "Cursor", "cursor", str(exc)) from None
        multi = getattr(query, "multi_items", None)
        served = GeneratedAnswer(
            operation_id,
            urlencode(multi() if multi else list(query.items())),
            seed,
            n,
            generated.profile,
            generated.page,
            generated.body,
        )
        with self._lock:
            self._served.append(served)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(served)
        return json_response(generated.body, 200, {GENERATED_HEADER: served.tag})

    def failure_note(self, listed: int = 10) -> str:
        """What a failing test should print: the seed, how to reproduce, the latest answers; "" if the mode was
        never used."""
        served = self.served()
        if self._seed is None and not served:
            return ""
        lines = []
        if self._seed is not None:
            lines.append(
                f"generated responses, seed {self._seed}: reproduce with "
                f"@pytest.mark.mockexchange(generated_responses={self._seed})"
            )
        else:
            lines.append(f"generated responses (seeds from the {GENERATE_HEADER} header)")
        if served:
            lines.append(f"answers served, last first ({len(served)} kept):")
            for answer in reversed(served[-listed:]):
                query = f"?{answer.query}" if answer.query else ""
                lines.append(f"  {answer.operation_id}{query}  {GENERATED_HEADER}: {answer.tag}")
        return "\n".join(lines)
