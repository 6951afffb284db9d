"""A value Deribit publishes and the mock has no source for, set through the control plane along a path on the
exchange clock (price_path.py), one path per key: a currency's historical volatility (volatility.py), a yield token's
APR (apr.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.price_path import PricePath, put
from mockexchange.core.deribit.records import Price


class PathFeed:
    """The paths of one value, the state's map named `name` (key -> path); a path set is published as the change
    `name`, its payload (key, its value now)."""

    name: ClassVar[str]

    def __init__(self, state: ExchangeState) -> None:
        self.state = state

    def paths(self) -> dict[str, PricePath]:
        paths: dict[str, PricePath] = getattr(self.state, self.name)
        return paths

    def set_path(self, key: str, points: list[Price]) -> Decimal | None:
        """Set the key's path; answers its value now (None: none yet)."""
        state = self.state
        with state.lock:
            when = state.clock.now()
            now = put(self.paths(), key, points, when).value_at(when)
            state.publish(self.name, None, (key, now))
            return now
