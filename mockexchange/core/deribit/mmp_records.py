"""What Deribit's market maker protection keeps (mmp.py): each wallet's configurations by index and MMP group, the
interval each is counting, what is frozen and until when; and `MmpFills`, the fills of the command running, noted off
the exchange's bus for mmp.py's `settle` to count once the command has made them.

A key is (wallet id, index name, MMP group): the group None is the orders' (orders placed with `mmp: true`), a named
one a mass quote group's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.events import Change, EventBus

MmpKey = tuple[int, str, str | None]  # (wallet id, index name, MMP group: None for the orders')
TRADE = "derivatives.trade"  # (exchange_state.publish's kind of a fill)


@dataclass(frozen=True, slots=True)
class MmpConfig:
    """One configuration (`private/set_mmp_config`): its interval and frozen time in seconds (frozen time 0: until
    `private/reset_mmp`), its limits (None: not set), and the id Deribit numbers it by."""

    wallet_id: int
    index_name: str
    mmp_group: str | None
    interval: int
    frozen_time: int
    quantity_limit: Decimal | None
    delta_limit: Decimal | None
    vega_limit: Decimal | None
    max_quote_quantity: Decimal | None
    id: int

    @property
    def key(self) -> MmpKey:
        return self.wallet_id, self.index_name, self.mmp_group


@dataclass(slots=True)
class MmpWindow:
    """The interval being counted: it began at its first fill; its quantity (coins, both directions added), its net
    delta (coins) and net vega (USD per volatility point)."""

    started: datetime
    quantity: Decimal = ZERO
    delta: Decimal = ZERO
    vega: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class MmpTriggered:
    """A trigger, as `user.mmp_trigger.{index_name}` tells it: `frozen_until` None until a reset."""

    user_id: str
    wallet_id: int
    index_name: str
    mmp_group: str | None
    frozen_until: datetime | None


@dataclass(eq=False)
class MmpState:
    configs: dict[MmpKey, MmpConfig] = field(default_factory=dict)
    windows: dict[MmpKey, MmpWindow] = field(default_factory=dict)
    frozen: dict[MmpKey, datetime | None] = field(default_factory=dict)  # until (None: until a reset)
    next_id: int = 1

    def clear(self) -> None:
        self.configs.clear()
        self.windows.clear()
        self.frozen.clear()

    def is_frozen(self, key: MmpKey, now: datetime) -> bool:
        """Frozen now: until a reset, or until a time not yet reached on the exchange clock."""
        if key not in self.frozen:
            return False
        until = self.frozen[key]
        return until is None or now < until


class MmpFills:
    """The fills published while any configuration exists, kept until `take` (mmp.py's `settle`, after each command
    that may fill): cheap when no wallet has configured market maker protection."""

    def __init__(self, bus: EventBus, state: Callable[[], MmpState]) -> None:
        self._state = state  # (read at each fill: a snapshot read back replaces the exchange's)
        self._seen: list[DeribitTrade] = []
        bus.subscribe(self._note, (TRADE,))

    def _note(self, change: Change) -> None:
        if self._state().configs and isinstance(change.payload, DeribitTrade):
            self._seen.append(change.payload)

    def take(self) -> list[DeribitTrade]:
        seen, self._seen = self._seen, []
        return seen
