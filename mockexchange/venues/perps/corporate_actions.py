"""GET /margin/corporate_actions (public): the corporate action notices the control plane set (core/perps/
corporate_actions.py), of one market (`ticker` or `market_id`) or all: as the spec says, the scheduled ones and those
updated in the last seven days (of the exchange clock), by ex-date (`execution_time`) earliest first, those without
one last, ties by `updated_ts` then id; each a MarginCorporateAction, its type's terms object only (none for a
cancelled notice)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mockexchange.core.perps.market_commands import CORPORATE_ACTION_TERMS, SetPerpCorporateAction
from mockexchange.core.perps.records import PerpCorporateAction
from mockexchange.venues.kalshi.params import TICKER, Param, Query, parse_query
from mockexchange.venues.kalshi.render import Row, omitempty, rfc3339
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext

MARKET_ID = Param("market_id", "MarketId")
RECENT = timedelta(days=7)  # a notice not scheduled shows this long after it was updated
# Each type's terms object (its name on the wire)
TERMS_OBJECT = {"cash_dividend": "cash", "special_dividend": "cash", "stock_split": "split",
                "final_settlement": "final_settlement", "ticker_change": "ticker_change"}  # fmt: skip
PRICES = frozenset({"cash_per_share", "cash_per_contract", "settlement_price_per_share",
                    "settlement_price_per_contract"})  # fmt: skip


def corporate_actions(ctx: PerpsContext, key: Any, query: Query) -> dict[str, Any]:
    asked = parse_query("GetMarginCorporateActions", (TICKER, MARKET_ID), query)
    ticker, market_id = asked["ticker"], asked["market_id"]
    state = ctx.exchange.state
    recent = state.clock.now() - RECENT
    shown = [
        action for action in state.corporate_actions.values()
        if ticker in (None, action.terms.ticker) and market_id in (None, action.market_id)
        and (action.terms.status == "scheduled" or action.updated >= recent)
    ]  # fmt: skip
    return {"corporate_actions": [notice(action) for action in sorted(shown, key=_order)]}


def _order(action: PerpCorporateAction) -> tuple[bool, datetime, datetime, str]:
    """By ex-date, earliest first (none last), then by when it was updated, then by id."""
    ex = action.terms.execution_time
    return (ex is None, ex or action.updated, action.updated, action.action_id)


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
