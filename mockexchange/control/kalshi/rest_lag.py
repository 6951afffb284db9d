"""The REST lag operations of the control plane: read it, change it at run time.

Kalshi's REST portfolio reads (positions, FCM positions, balance, fills, settlements) answer with the state of `ms`
milliseconds ago on the exchange clock, as production lags fills by about a second, while the websocket stays
immediate. The admin API's `GET|POST /_admin/rest_lag` and the Python API's `rest_lag()` and `set_rest_lag(ms)`; the
change is a command (`core/kalshi/lag_commands.py`'s `SetRestLag`), the start value `Settings.rest_lag_ms`. The state
of the past is `core`'s (versions.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.core.kalshi.lag_commands import SetRestLag
from mockexchange.core.kalshi.ledger import Ledger

_MS = timedelta(milliseconds=1)


def rest_lag(ledger: Ledger) -> dict[str, Any]:
    """The REST lag in ms, and the exchange time Kalshi's lagged REST reads answer as of now (null: no lag)."""
    with ledger.reading():
        as_of = ledger.as_of()
        return {
            "ms": ledger.lag // _MS,
            "as_of": None if as_of is None else as_of.isoformat(),
            "exchange_time": ledger.state.clock.now().isoformat(),
        }


def set_rest_lag(ledger: Ledger, lag: SetRestLag) -> dict[str, Any]:
    """`SetRestLag`'s handler: the lag set, and what `rest_lag` reads then."""
    ledger.set_lag(lag.ms * _MS)
    return rest_lag(ledger)
