"""What a client most likely did wrong when its Kalshi signature does not verify, and how much CPU finding it may take.

Finding the mistake means verifying the signature against several wrong messages (the query string signed, the
prefix left out, ...): eight verifications more than the refusal itself. Anyone can send bad signatures, so the
diagnoses share a budget of CPU time, a token bucket counted in seconds of CPU rather than in requests (a key's cost
varies a hundredfold with its size and exponent): `rate` seconds per second on average, in bursts of up to `burst`,
and one diagnosis at a time. A bad signature beyond the budget is refused all the same, with the plain diagnosis and
a word that its mistakes were not tried. The venue runs `DiagnosisBudget.diagnose` in a worker thread, off the event
loop; the budget's clocks measure the mock's own CPU and the time it refills over, not exchange time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import unquote

from mockexchange.auth.kalshi.signature import API_PREFIX, Suspect, verifies

DEFAULT_RATE = 0.05  # seconds of CPU per second: 5% of one core
DEFAULT_BURST = 0.1  # seconds of CPU at once, after a quiet spell
UNTRIED = " (its common mistakes were not tried: too many bad signatures at once)"


def diagnose(suspect: Suspect) -> str:
    """Find which common mistake produces this signature, so the user is told what to fix."""
    key, signature, ts, method, raw_path = suspect.key, suspect.signature, suspect.ts, suspect.method, suspect.raw_path
    expected = suspect.expected
    candidates = [
        (f"{ts}{method}{raw_path}?{suspect.query}", "signed the query string; sign the path without it"),
        (f"{ts}{method}{raw_path.removeprefix(API_PREFIX)}", f"signed path lacks {API_PREFIX}; sign the full path"),
        (f"{ts}{method.lower()}{raw_path}", "signed the method in lower case; sign it upper case"),
        (f"{ts}{method}{unquote(raw_path)}", "signed the percent-decoded path; sign the path as sent"),
        (f"{ts}{method}{raw_path}/", "signed the path with a trailing slash"),
        (f"{ts}{raw_path}{method}", "signed path before method; the order is timestamp + METHOD + path"),
    ]
    if len(ts) > 3:
        candidates.append(
            (f"{ts[:-3]}{method}{raw_path}", "signed the timestamp in seconds; sign the milliseconds sent")
        )
    for message, why in candidates:
        if message != expected and verifies(key, signature, message, "pss-any-salt"):
            return why
    if key.key_type == "rsa" and verifies(key, signature, expected, "pkcs1v15"):
        return "signed with PKCS#1 v1.5 padding; use RSA-PSS"
    return suspect.plain_diagnosis()


class DiagnosisBudget:
    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        monotonic: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.thread_time,
    ) -> None:
        self.rate, self.burst = rate, burst
        self._monotonic, self._cpu = monotonic, cpu
        self._left = burst  # seconds of CPU the next diagnoses may take; below zero after a costly one
        self._at = monotonic()
        self._running = False
        self._lock = threading.Lock()

    def reserve(self) -> bool:
        """Whether a diagnosis may start now; if so it is marked running until `diagnose` ends."""
        with self._lock:
            now = self._monotonic()
            self._left = min(self.burst, self._left + (now - self._at) * self.rate)
            self._at = now
            if self._running or self._left <= 0:
                return False
            self._running = True
            return True

    def diagnose(self, suspect: Suspect) -> str:
        """The diagnosis of a suspect `reserve` let through; the CPU it took is charged to the budget."""
        started = self._cpu()
        try:
            return diagnose(suspect)
        finally:
            with self._lock:
                self._left -= self._cpu() - started
                self._running = False

    @staticmethod
    def declined(suspect: Suspect) -> str:
        """What is said of a suspect beyond the budget."""
        return suspect.plain_diagnosis() + UNTRIED
