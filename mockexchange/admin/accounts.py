"""The accounts of every venue as the inspector shows them: `GET /_admin/accounts` (every account, with balances) and
`GET /_admin/accounts/{user_id}` (one account of each venue that has the user), each venue's part its panel's
(admin/panels.py: admin/kalshi/panel.py, admin/deribit/panel.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockexchange.admin.panels import Panel, Schemas
from mockexchange.control import ControlError
from mockexchange.core.numbers import excerpt


class AccountReads:
    """The reads behind the inspector's accounts, over one app's venues' panels."""

    def __init__(self, panels: Iterable[Panel]) -> None:
        self.panels = tuple(panels)
        # GET /_admin/accounts/{user_id}'s query, as JSON Schemas: each panel's parameters (the route checks each
        # value against its own, and the OpenAPI document says them)
        self.query: Schemas = {name: schema for panel in self.panels for name, schema in panel.query.items()}

    def accounts(self) -> dict[str, Any]:
        """Every account of every venue with its balances (each venue's part of the answer is its panel's);
        `truncated`: a venue left accounts out."""
        answer: dict[str, Any] = {}
        truncated = False
        for panel in self.panels:
            part, cut = panel.accounts()
            answer |= part
            truncated = truncated or cut
        return {**answer, "truncated": truncated}

    def account(self, user_id: str, **query: Any) -> dict[str, Any]:
        """One account of each venue that has the user (a user id may name one of each): its keys and balances, its
        positions (Kalshi: GET /portfolio/positions' answer; Deribit: private/get_positions'), its latest fills,
        settlements and transfers, and the points of position and realized P&L per market over exchange time; a Kalshi
        account's subaccounts, transfers between them and between exchange instances, allocation, API keys, historical
        cutoff, FCM desk, and the shown subaccount's resting and ended orders and order groups; a Deribit wallet's open
        and closed orders and the book of an instrument it trades on, its own levels marked. `subaccount`: the Kalshi
        subaccount shown; `wallet`: the Deribit wallet shown (None: the main one); `instrument`: the Deribit instrument
        whose book is shown (None: the first the wallet trades on); a Kalshi perps margin subaccount's margin, positions
        at the mark, resting orders and fills (`margin_subaccount`: the one shown, 0 unless given)."""
        found = {panel.name: panel.account(user_id, query) for panel in self.panels}
        if all(part is None for part in found.values()):
            venues = " or ".join(panel.title for panel in self.panels)
            raise ControlError(f"unknown user_id {excerpt(user_id)}: no {venues} account has it", 404)
        return {"user_id": user_id, **found}

    def user_of(self, venue: str, key_id: str | None) -> str | None:
        """The user whose key (or client id) a request of `venue` (as the journal names it) carried."""
        if key_id is None:
            return None
        for panel in self.panels:
            if venue in panel.labels:
                return panel.user_of(key_id)
        return None
