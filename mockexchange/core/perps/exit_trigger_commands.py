"""A perps position's exit trigger commands, declared once (core/commands.py): a trigger set (a stop-loss /
take-profit bracket or a trailing stop, on the cross slot of a subaccount's position or on the isolated slot), a
bracket's legs updated, and triggers cancelled (one bracket, or a slot's of a kind). The venue's exit trigger routes,
the admin API, the Python API, scenarios and the state file build them; exit_triggers.py takes them. Prices are in
ten-thousandths of a dollar, a count in hundredths of a contract (units.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.perps.order_commands import SUBACCOUNT
from mockexchange.core.perps.units import CONTRACT, COUNT, PRICE_KIND
from mockexchange.core.values import TEXT, Choice, Integer, Refused, Text

BRACKET, TRAILING = "bracket", "trailing"
KINDS = (BRACKET, TRAILING)
CROSS, ISOLATED = "cross", "isolated"  # a position's trigger slots (docs/perps.md: the mock has no isolated margin)
SLOTS = (CROSS, ISOLATED)
TRAIL_BPS = Integer(1, 9_999)
CLIENT_TRIGGER_ID = Text(64)


@dataclass(frozen=True, slots=True)
class OnPerpPosition(UserCommand):
    """A command on the triggers of the user's position in a market."""

    ticker: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class OnPerpExitTrigger(OnPerpPosition):
    """A command on one cross bracket, by its id."""

    trigger_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)


@dataclass(frozen=True, slots=True)
class SetPerpExitTrigger(OnPerpPosition):
    """Set an exit trigger: a bracket (`stop_loss_price` and/or `take_profit_price`) or a trailing stop (one of
    `trail_amount`, `trail_bps`). Without `count` or `anchor_order_id` it replaces the slot's trigger of its kind over
    the whole position; with one (cross brackets only, `client_trigger_id` required) it adds a bracket: `count` whole
    contracts, or following the fills of `anchor_order_id`."""

    name: ClassVar[str] = "set_perp_exit_trigger"
    subaccount: int = value(SUBACCOUNT, 0)
    slot: str = value(Choice(SLOTS), CROSS)
    kind: str = value(Choice(KINDS), BRACKET)
    stop_loss_price: int | None = value(PRICE_KIND, None)
    take_profit_price: int | None = value(PRICE_KIND, None)
    trail_amount: int | None = value(PRICE_KIND, None)
    trail_bps: int | None = value(TRAIL_BPS, None)
    count: int | None = value(COUNT, None)
    anchor_order_id: str | None = value(TEXT, None)
    client_trigger_id: str | None = value(CLIENT_TRIGGER_ID, None)

    def check(self) -> None:
        legs = self.stop_loss_price is not None or self.take_profit_price is not None
        trails = (self.trail_amount is not None) + (self.trail_bps is not None)
        if self.kind == BRACKET:
            if trails:
                raise Refused("trail_amount and trail_bps are a trailing stop's: not a bracket's")
            if not legs:
                raise Refused("a bracket needs stop_loss_price or take_profit_price (cancel with DELETE)")
        else:
            if legs:
                raise Refused("stop_loss_price and take_profit_price are a bracket's: not a trailing stop's")
            if trails != 1:
                raise Refused("a trailing stop needs exactly one of trail_amount and trail_bps")
            if self.count is not None or self.anchor_order_id is not None:
                raise Refused("count and anchor_order_id are a bracket's: a trailing stop covers the whole position")
        if self.slot == ISOLATED and (self.count, self.anchor_order_id, self.client_trigger_id) != (None,) * 3:
            raise Refused("an isolated trigger covers the whole position: no count, anchor_order_id or "
                          "client_trigger_id")  # fmt: skip
        if self.slot == ISOLATED and self.subaccount:
            raise Refused("the isolated slot is the primary subaccount's")
        if self.count is not None and self.anchor_order_id is not None:
            raise Refused("count and anchor_order_id exclude each other")
        if self.count is not None and self.count % CONTRACT:
            raise Refused("count must be a whole number of contracts")
        if self.appends != (self.client_trigger_id is not None):
            raise Refused("client_trigger_id is required on a count or anchor_order_id create, and taken on no other")

    @property
    def appends(self) -> bool:
        """It adds a bracket beside the others (a count or an anchor), rather than replacing the slot's."""
        return self.count is not None or self.anchor_order_id is not None


@dataclass(frozen=True, slots=True)
class UpdatePerpExitTrigger(OnPerpExitTrigger):
    """New leg prices for one cross bracket (a leg omitted is cleared; at least one is needed)."""

    name: ClassVar[str] = "update_perp_exit_trigger"
    stop_loss_price: int | None = value(PRICE_KIND, None)
    take_profit_price: int | None = value(PRICE_KIND, None)

    def check(self) -> None:
        if self.stop_loss_price is None and self.take_profit_price is None:
            raise Refused("give stop_loss_price or take_profit_price (cancel with DELETE)")


@dataclass(frozen=True, slots=True)
class CancelPerpExitTrigger(OnPerpExitTrigger):
    """Cancel one cross bracket."""

    name: ClassVar[str] = "cancel_perp_exit_trigger"


@dataclass(frozen=True, slots=True)
class CancelPerpExitTriggers(OnPerpPosition):
    """Cancel a slot's live triggers (of one kind, if given); nothing live is no refusal."""

    name: ClassVar[str] = "cancel_perp_exit_triggers"
    subaccount: int = value(SUBACCOUNT, 0)
    slot: str = value(Choice(SLOTS), CROSS)
    kind: str | None = value(Choice(KINDS), None)
