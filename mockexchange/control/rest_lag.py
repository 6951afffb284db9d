"""The REST lag operations of the control plane: read it, change it at run time.

Kalshi's REST portfolio reads (positions, FCM positions, balance, fills, settlements) answer with the state of `ms`
milliseconds ago on the exchange clock, as production lags fills by about a second, while the websocket stays
immediate. `Control` inherits them (the admin API's `GET|POST /_admin/rest_lag`, the Python API's `rest_lag()` and
`set_rest_lag(ms)`); the start value is `Settings.rest_lag_ms`. The state of the past is `core`'s (versions.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.control.values import integer
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.settings import MAX_REST_LAG_MS

_MS = timedelta(milliseconds=1)


class RestLagOperations:
    ledger: Ledger

    def rest_lag(self) -> dict[str, Any]:
        """The REST lag in ms, and the exchange time Kalshi's lagged REST reads answer as of now (null: no lag)."""
        with self.ledger.reading():
            as_of = self.ledger.as_of()
            return {
                "ms": self.ledger.lag // _MS,
                "as_of": None if as_of is None else as_of.isoformat(),
                "exchange_time": self.ledger.state.clock.now().isoformat(),
            }

    def set_rest_lag(self, ms: int) -> dict[str, Any]:
        """Make Kalshi's REST portfolio reads answer as of `ms` milliseconds ago on the exchange clock (0: now).

        Positions, FCM positions, balance, fills and settlements lag; the websocket does not. Set at run time, reads
        show the state of the moment it was set until that moment is `ms` old; raised, they go back no further than
        the changes the smaller lag had kept (`as_of` says how far they go)."""
        ms = integer(ms, "ms", 0, MAX_REST_LAG_MS)
        self.ledger.set_lag(ms * _MS)
        return self.rest_lag()
