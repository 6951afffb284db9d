"""An exit trigger as the perps exchange keeps it (the spec's ExitTrigger): its position slot, kind and legs, the
side it protects, what it closed, and its status and why (exit_triggers.py moves it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# ExitTriggerStatus: pending_on_entry and active are live; the rest end it
PENDING, ACTIVE, FILLED, FAILED, CANCELED = "pending_on_entry", "active", "filled", "failed", "canceled"
LIVE = (PENDING, ACTIVE)
# ExitTriggerReason
USER_CANCELED, POSITION_CLOSED, ENTRY_NOT_FILLED = "user_canceled", "position_closed", "entry_not_filled"
ORDER_REJECTED, POSITION_FLIPPED = "order_rejected", "position_flipped"
# ExitTriggerLeg (a trailing stop fires as a stop-loss)
STOP_LOSS, TAKE_PROFIT = "stop_loss", "take_profit"


@dataclass(slots=True)
class PerpExitTrigger:
    trigger_id: str
    user_id: str
    subaccount: int
    ticker: str
    slot: str  # cross or isolated (exit_trigger_commands.py)
    kind: str  # bracket or trailing
    long: bool  # the side of the position it protects (an anchored one's: its order's)
    appended: bool  # made with a count or an anchor (beside others); else the slot's over the whole position
    created: datetime
    updated: datetime
    count: int = 0  # hundredths it closes when it fires (0: the whole position; anchored: its order's fills)
    filled: int = 0  # hundredths closed so far
    status: str = ACTIVE
    reason: str | None = None
    stop_loss: int | None = None  # price units
    take_profit: int | None = None
    trail_amount: int | None = None  # price units
    trail_bps: int | None = None
    watermark: int | None = None  # price units: the best mark seen since it was set (a trailing stop's)
    triggered_leg: str | None = None
    triggered_order_id: str | None = None
    anchor_order_id: str | None = None
    client_trigger_id: str | None = None
