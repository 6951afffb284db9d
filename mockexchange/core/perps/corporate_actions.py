"""The perps exchange's corporate action notices, as the control plane sets them (SetPerpCorporateAction) on the
exchange clock (records.py's `PerpCorporateAction`). At most `MAX_NOTICES` are
kept (the oldest set first forgotten), so no caller grows memory without bound. Each change is published on the bus
as a `perps.corporate_action` Change."""

from __future__ import annotations

from mockexchange.core.events import Change
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.listing import PerpListing
from mockexchange.core.perps.market_commands import SetPerpCorporateAction
from mockexchange.core.perps.records import PerpCorporateAction
from mockexchange.core.perps.state import PerpsState

MAX_NOTICES = 1_000


class PerpCorporateActions:
    def __init__(self, state: PerpsState, listing: PerpListing) -> None:
        self.state, self.listing = state, listing

    def set(self, notice: SetPerpCorporateAction) -> PerpCorporateAction:
        state = self.state
        with state.lock:
            market = self.listing.market(notice.ticker)
            kept = state.corporate_actions
            before = kept.get(notice.action_id) if notice.action_id is not None else None
            if before is not None and before.market_id != market.market_id:
                raise PerpsError(f"corporate action {notice.action_id!r} is another market's", 409, "conflict")
            action = PerpCorporateAction(notice.action_id or state.new_id(), market.market_id, state.clock.now(),
                                         notice)  # fmt: skip
            kept.pop(action.action_id, None)  # (a change moves it to the newest)
            kept[action.action_id] = action
            while len(kept) > MAX_NOTICES:
                del kept[next(iter(kept))]
            state.bus.publish(Change("perps.corporate_action", None, action))
            return action
