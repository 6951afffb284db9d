"""The one way a client's write changes state: the typed command its route builds (`read`), run by the control
plane's runner (`execute`: `KalshiContext.commands`; the venue imports no control code), so a state file keeps what a
client did as it keeps what was seeded; and the one answer to a command's refusal, in Kalshi's shape.

Every write (orders, order groups, subaccounts, transfers, netting, the target allocation, API keys, the usage-level
upgrade, the FCM desk) runs through `execute`, in the worker thread its route runs it in where it may take long (a
command may draw a key pair, or wait on the state file).
"""

from __future__ import annotations

from typing import Any, TypeVar

from mockexchange.core import commands
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.values import Refused
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError, exchange_refusal, internal_error

C = TypeVar("C", bound=Command)


def refused(exc: LedgerError) -> KalshiError:
    """A refusal in Kalshi's exchange shape, as captured (`{"error": {"code": "insufficient_balance", "message":
    "insufficient balance", "service": "exchange"}}`), the reason in the diagnosis header; the ledger's code where it
    gave one (`core/kalshi/subaccounts.py`'s `Refusal`), else the status's. A refusal of the mock's own (the state file
    could not keep the command) is a 500."""
    if exc.status >= 500:
        return internal_error(f"the command was refused with {exc.status}: {exc}")
    return exchange_refusal(exc.status, getattr(exc, "code", None), str(exc))


def execute(ctx: KalshiContext, command: Command) -> Any:
    """What a typed command's handler answers (`VenueCommands.execute`); its refusal as Kalshi's error (`refused`)."""
    if ctx.commands is None:
        raise internal_error("this mock's Kalshi venue was built without the control plane's commands")
    try:
        return ctx.commands.execute(command)
    except LedgerError as exc:
        raise refused(exc) from None


def read(cls: type[C], plain: dict[str, Any]) -> C:
    """The typed command of a request's values; a value it does not take as Kalshi's exchange error (its code where
    the value's kind gives one: a price's `invalid_price`), as the ledger refuses it."""
    try:
        return commands.read(cls, plain)
    except Refused as exc:
        raise exchange_refusal(400, exc.code, str(exc)) from None
