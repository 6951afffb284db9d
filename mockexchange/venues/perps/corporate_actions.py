"""GET /margin/corporate_actions (public): the corporate action notices the control plane set (core/perps/
corporate_actions.py), of one market (`ticker` or `market_id`) or all, oldest set first; each a MarginCorporateAction,
its type's terms object only (none for a cancelled notice)."""

from __future__ import annotations

from typing import Any

from mockexchange.core.perps.market_commands import CORPORATE_ACTION_TERMS, SetPerpCorporateAction
from mockexchange.core.perps.records import PerpCorporateAction
from mockexchange.venues.kalshi.params import TICKER, Param, Query, parse_query
from mockexchange.venues.kalshi.render import Row, omitempty, rfc3339
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext

MARKET_ID = Param("market_id", "MarketId")
# Each type's terms object (its name on the wire)
TERMS_OBJECT = {"cash_dividend": "cash", "special_dividend": "cash", "stock_split": "split",
                "final_settlement": "final_settlement", "ticker_change": "ticker_change"}  # fmt: skip
PRICES = frozenset({"cash_per_share", "cash_per_contract", "settlement_price_per_share",
                    "settlement_price_per_contract"})  # fmt: skip


def corporate_actions(ctx: PerpsContext, key: Any, query: Query) -> dict[str, Any]:
    asked = parse_query("GetMarginCorporateActions", (TICKER, MARKET_ID), query)
    ticker, market_id = asked["ticker"], asked["market_id"]
    kept = ctx.exchange.state.corporate_actions.values()
    return {
        "corporate_actions": [
            notice(action) for action in kept
            if ticker in (None, action.terms.ticker) and market_id in (None, action.market_id)
        ]
    }  # fmt: skip


def notice(action: PerpCorporateAction) -> Row:
    """A MarginCorporateAction."""
    terms = action.terms
    row: Row = {
        "id": action.action_id, "market_id": action.market_id, "market_ticker": terms.ticker, "type": terms.type,
        "status": terms.status, "updated_ts": rfc3339(action.updated),
    }  # fmt: skip
    omitempty(row, "execution_time", None if terms.execution_time is None else rfc3339(terms.execution_time))
    name = TERMS_OBJECT.get(terms.type)
    if name is not None and terms.status != "cancelled":
        row[name] = _terms(terms)
    return row


def _terms(terms: SetPerpCorporateAction) -> Row:
    row: Row = {}
    for field in CORPORATE_ACTION_TERMS[terms.type]:
        given = getattr(terms, field)
        omitempty(row, field, render.price(given) if field in PRICES and given is not None else given)
    return row
