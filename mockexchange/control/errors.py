"""The one error every control-plane operation raises: a message and the HTTP status the admin API answers with; and
the one way an operation turns a core's refusal into it, keeping the core's as its cause (the Kalshi ledger's code,
the Deribit book's reason and param, for a venue to answer in its own words)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.faults import FaultError
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.values import Refused


class ControlError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def core_call(method: Callable[..., Any], *args: Any) -> Any:
    """A core's answer (a typed command's handler, `Control.run`); a refusal of the Kalshi ledger's, the Deribit
    book's, the perps exchange's or the fault rules' a `ControlError` whose cause it is."""
    try:
        return method(*args)
    except (LedgerError, ExchangeError, PerpsError, FaultError) as exc:
        raise ControlError(str(exc), exc.status) from exc


@contextmanager
def refused_values() -> Iterator[None]:
    """A value refused (`Refused`) or a key that cannot be registered as a `ControlError` in the same words (400),
    without the refusal as its cause: what a venue is told is the message alone."""
    try:
        yield
    except (Refused, KeyRegistrationError) as exc:
        raise ControlError(str(exc)) from None
