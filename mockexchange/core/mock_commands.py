"""The mock's own commands, declared once (core/commands.py): a reset of everything (`Reset`) or of Deribit's state
alone (`ResetDeribit`: its book, credentials and tokens, then its default instruments listed again), and a move of the
exchange clock (`AdvanceClock`). Their handlers are the control plane's, which holds every part they reach (both
cores, the key registries, the rate limits, the fault rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.values import IsoTime, Refused, Seconds

MAX_ADVANCE_SECONDS = 10**9  # one move of the clock: about 31 years


@dataclass(frozen=True, slots=True)
class Reset(Command):
    """Forget every account, key, market and fill (and so the loaded scenario); Deribit's too (its default
    instruments and index prices are listed again)."""

    name: ClassVar[str] = "reset"


@dataclass(frozen=True, slots=True)
class ResetDeribit(Command):
    """Forget Deribit's accounts, credentials, tokens and orders; list its default instruments and index prices again
    (a fresh mock's first command)."""

    name: ClassVar[str] = "reset_deribit"


@dataclass(frozen=True, slots=True)
class AdvanceClock(Command):
    """Move exchange time forward by `seconds`, or `to` an ISO 8601 time (never backwards). A manual clock then stands
    there; the system clock runs on from there (an offset from the wall clock). Futures and options whose expiration
    the clock passes are delivered at once, and Kalshi's markets open, close and settle as their times pass."""

    name: ClassVar[str] = "advance_clock"
    seconds: timedelta | None = value(Seconds(MAX_ADVANCE_SECONDS), None)
    to: datetime | None = value(IsoTime(), None)

    def check(self) -> None:
        if (self.seconds is None) == (self.to is None):
            raise Refused("give `seconds` to advance by or `to` to set, not both")
