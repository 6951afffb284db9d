"""What a perps route needs from the rest of the mock: the perps exchange, Kalshi's venue context (its keys sign the
perps exchange's requests: the same users; its error shape is the perps exchange's), and the runner of a client's
writes (the control plane's, behind a protocol: the venue does not know it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.venues.kalshi.context import KalshiCommands, KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError, exchange_refusal, internal_error


@dataclass(slots=True)
class PerpsContext:
    exchange: PerpsExchange
    kalshi: KalshiContext
    commands: KalshiCommands | None = None  # (a perps command's refusal is the exchange's `PerpsError`)


def refused(exc: PerpsError) -> KalshiError:
    """The exchange's refusal in Kalshi's exchange shape, its code and the reason in the diagnosis header."""
    if exc.status >= 500:
        return internal_error(f"the command was refused with {exc.status}: {exc}")
    return exchange_refusal(exc.status, exc.code, str(exc))


def execute(ctx: PerpsContext, command: Any) -> Any:
    """What a typed command's handler answers, run as the control plane runs it (a state file keeps it)."""
    if ctx.commands is None:
        raise internal_error("this mock's perps venue was built without the control plane's commands")
    try:
        return ctx.commands.execute(command)
    except PerpsError as exc:
        raise refused(exc) from None
