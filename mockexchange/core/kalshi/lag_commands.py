"""The REST lag, declared once (core/commands.py): Kalshi's REST portfolio reads answer as of `ms` milliseconds ago on
the exchange clock (the ledger's `set_lag`; what lags and how is docs/misbehaving.md's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.values import Integer
from mockexchange.settings import MAX_REST_LAG_MS


@dataclass(frozen=True, slots=True)
class SetRestLag(Command):
    """Make Kalshi's REST portfolio reads answer as of `ms` milliseconds ago on the exchange clock (0: now).

    Positions, FCM positions, balance, fills and settlements lag; the websocket does not. Set at run time, reads show
    the state of the moment it was set until that moment is `ms` old; raised, they go back no further than the changes
    the smaller lag had kept (`as_of` says how far they go)."""

    name: ClassVar[str] = "set_rest_lag"
    kept: ClassVar[bool] = False  # (the lag a mock starts with is its setting, Settings.rest_lag_ms)
    ms: int = value(Integer(0, MAX_REST_LAG_MS))
