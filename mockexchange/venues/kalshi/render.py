"""Kalshi wire rendering: field names, units and decimal places are decided here and nowhere else.

Two generations of shapes:
- today's (spec 3.34.0): `*_dollars` strings (6 places on positions, settlements and fees, 4 on prices and balances),
  `*_fp` counts with 2 places, no integer money.
- legacy (late 2025, what `kalshi_python_sync` 3.2.0 parses): today's fields with 4-place dollars, plus the integer
  twins: cents, whole contracts, and `price` as a JSON number.
`profiles.py` picks one function per record type for each API profile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms, unix_seconds
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.markets import Settlement
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.rows import EventRollup, MarketPosition
from mockexchange.core.kalshi.transfers import Transfer
from mockexchange.core.kalshi.units import contracts, price
from mockexchange.core.money import ZERO, fixed, to_centi_cents, to_cents, to_whole_contracts, truncate
from mockexchange.web.answers import json_number

Row = dict[str, Any]


def rfc3339(when: datetime, timespec: str = "microseconds") -> str:
    """RFC 3339 with `Z`, as Kalshi prints `last_updated_ts`, `created_time`, `settled_time` (with microseconds), a
    delta's `ts` and a ticker's `time` (milliseconds)."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def dollars6(value: Decimal) -> str:
    return fixed(value, 6)


def dollars4(value: Decimal) -> str:
    return fixed(value, 4)


def count_fp(value: Decimal) -> str:
    return fixed(value, 2)


class Texts(dict[int, str]):
    """An amount's text as `write` writes it, kept by the amount in its unit (`texts[units]`; a few thousand, then
    forgotten and written again): an order's answers repeat a few amounts, and one found is a lookup, not a call."""

    __slots__ = ("write",)
    MOST = 1 << 12

    def __init__(self, write: Callable[[int], str]) -> None:
        super().__init__()
        self.write = write

    def __missing__(self, units: int) -> str:
        if len(self) >= self.MOST:
            self.clear()
        text = self[units] = self.write(units)
        return text


count_texts = Texts(lambda units: count_fp(contracts(units)))  # hundredths of a contract, as `count_fp` writes them
price_texts = Texts(lambda units: dollars4(price(units)))  # ten-thousandths of a dollar, as `dollars4` writes them


def omitempty(row: Row, name: str, value: Any) -> None:
    """Kalshi's `omitempty`: a field without a value is left out."""
    if value is not None:
        row[name] = value


# -- positions --------------------------------------------------------------------------------------------------------


def market_position(row: MarketPosition, dollars=dollars6) -> Row:
    return {
        "ticker": row.ticker,
        "exchange_index": row.exchange_index,
        "total_traded_dollars": dollars(row.total_traded),
        "position_fp": count_fp(row.position),
        "market_exposure_dollars": dollars(row.market_exposure),
        "realized_pnl_dollars": dollars(row.realized_pnl),
        "fees_paid_dollars": dollars(row.fees_paid),
        "last_updated_ts": rfc3339(row.last_updated),
    }


def event_position(rollup: EventRollup, dollars=dollars6) -> Row:
    return {
        "event_ticker": rollup.event_ticker,
        "total_cost_dollars": dollars(rollup.total_cost),
        "total_cost_shares_fp": count_fp(rollup.total_cost_shares),
        "event_exposure_dollars": dollars(rollup.event_exposure),
        "realized_pnl_dollars": dollars(rollup.realized_pnl),
        "fees_paid_dollars": dollars(rollup.fees_paid),
    }


def market_position_legacy(row: MarketPosition) -> Row:
    return {
        **market_position(row, dollars4),
        "position": to_whole_contracts(row.position),
        "total_traded": to_cents(row.total_traded),
        "market_exposure": to_cents(row.market_exposure),
        "realized_pnl": to_cents(row.realized_pnl),
        "fees_paid": to_cents(row.fees_paid),
        "resting_orders_count": row.resting_orders_count,
    }


def event_position_legacy(rollup: EventRollup) -> Row:
    return {
        **event_position(rollup, dollars4),
        "total_cost": to_cents(rollup.total_cost),
        "total_cost_shares": to_whole_contracts(rollup.total_cost_shares),
        "event_exposure": to_cents(rollup.event_exposure),
        "realized_pnl": to_cents(rollup.realized_pnl),
        "fees_paid": to_cents(rollup.fees_paid),
    }


# -- fills ------------------------------------------------------------------------------------------------------------


def outcome_side(fill: Fill) -> str:
    """The side a fill positions the user for: buy YES and sell NO -> yes; buy NO and sell YES -> no."""
    return "yes" if (fill.side == "yes") == (fill.action == "buy") else "no"


def book_side(outcome: str) -> str:
    """The same direction in book terms: a YES outcome is a bid, a NO outcome an ask."""
    return "bid" if outcome == "yes" else "ask"


def fill(f: Fill, dollars=dollars6) -> Row:
    outcome = outcome_side(f)
    row: Row = {
        "fill_id": f.fill_id,
        "trade_id": f.fill_id,
        "order_id": f.order_id,
        "ticker": f.ticker,
        "market_ticker": f.ticker,
        "exchange_index": f.exchange_index,
        "side": f.side,
        "action": f.action,
        "outcome_side": outcome,
        "book_side": book_side(outcome),
        "count_fp": count_fp(f.count),
        "yes_price_dollars": dollars4(f.yes_price),
        "no_price_dollars": dollars4(f.no_price),
        "is_taker": f.is_taker,
        "fee_cost": dollars(f.fee),
        "created_time": rfc3339(f.created),
        "ts": unix_seconds(f.created),
        "subaccount_number": f.subaccount,
    }
    omitempty(row, "client_order_id", f.client_order_id)
    return row


def fill_legacy(f: Fill) -> Row:
    return {
        **fill(f, dollars4),
        "count": to_whole_contracts(f.count),
        "price": json_number(f.price),
        "yes_price": to_cents(f.yes_price),
        "no_price": to_cents(f.no_price),
        "yes_price_fixed": dollars4(f.yes_price),
        "no_price_fixed": dollars4(f.no_price),
    }


# -- settlements ------------------------------------------------------------------------------------------------------


def settlement(s: Settlement, dollars=dollars6) -> Row:
    return {
        "ticker": s.ticker,
        "exchange_index": s.exchange_index,
        "event_ticker": s.event_ticker,
        "market_result": s.market_result,
        "yes_count_fp": count_fp(s.yes_count),
        "yes_total_cost_dollars": dollars(s.yes_total_cost),
        "no_count_fp": count_fp(s.no_count),
        "no_total_cost_dollars": dollars(s.no_total_cost),
        "revenue": to_cents(s.revenue),
        "settled_time": rfc3339(s.settled_time),
        "fee_cost": dollars(s.fee_cost),
        "value": 100 if s.market_result == "yes" else 0,
    }


def settlement_legacy(s: Settlement) -> Row:
    return {
        **settlement(s, dollars4),
        "yes_count": to_whole_contracts(s.yes_count),
        "yes_total_cost": to_cents(s.yes_total_cost),
        "no_count": to_whole_contracts(s.no_count),
        "no_total_cost": to_cents(s.no_total_cost),
    }


# -- cash -------------------------------------------------------------------------------------------------------------


def transfer(t: Transfer) -> Row:
    return {
        "id": t.id,
        "status": t.status,
        "type": t.type,
        "amount_cents": t.amount_cents,
        "fee_cents": t.fee_cents,
        "created_ts": unix_seconds(t.created),
        "finalized_ts": unix_seconds(t.finalized) if t.finalized else None,
    }


def balance_dollars(value: Decimal) -> str:
    """Balances print 4 places, truncated, so the integer cents beside them (also truncated) always agree."""
    return dollars4(truncate(value, 4))


def indexed_balances(amounts: dict[int, Decimal]) -> list[Row]:
    return [{"exchange_index": index, "balance": balance_dollars(amount)} for index, amount in sorted(amounts.items())]


def balance(cash: Decimal, portfolio_value: Decimal, updated: datetime, breakdown: dict[int, Decimal] | None) -> Row:
    row: Row = {
        "balance": to_cents(cash),
        "balance_dollars": balance_dollars(cash),
        "portfolio_value": to_cents(portfolio_value),
        "updated_ts": unix_seconds(updated),
    }
    omitempty(row, "balance_breakdown", None if breakdown is None else indexed_balances(breakdown))
    return row


def resting_order_value(orders: list[Order]) -> Row:
    by_index: dict[int, Decimal] = {}
    for order in orders:
        by_index[order.exchange_index] = by_index.get(order.exchange_index, ZERO) + order.value
    total = sum(by_index.values(), ZERO)
    return {"total_resting_order_value": to_cents(total), "resting_order_value_breakdown": indexed_balances(by_index)}


# -- websocket messages (the `msg` of `market_position` and `fill`) ----------------------------------------------------


def position_fee_cost(row: MarketPosition) -> Decimal:
    """The fees carried by the contracts still held: fees paid x contracts held / contracts traded (exact while a
    position only grows; an approximation of average-cost fee accounting once it has been reduced); 0 when flat or
    settled, like the cost."""
    if row.settled or row.volume == ZERO:
        return ZERO
    return row.fees_paid * abs(row.position) / row.volume


def ws_market_position(row: MarketPosition, dollars=dollars6) -> Row:
    return {
        "user_id": row.user_id,
        "market_ticker": row.ticker,
        "position_fp": count_fp(row.position),
        "position_cost_dollars": dollars(row.market_exposure),
        "realized_pnl_dollars": dollars(row.realized_pnl),
        "fees_paid_dollars": dollars(row.fees_paid),
        "position_fee_cost_dollars": dollars(position_fee_cost(row)),
        "volume_fp": count_fp(row.volume),
        "subaccount": row.subaccount,
    }


def ws_market_position_legacy(row: MarketPosition) -> Row:
    """Before 2026-04-02 the message also carried integers: contracts, and money in centi-cents ($1 = 10,000)."""
    return {
        **ws_market_position(row, dollars4),
        "position": to_whole_contracts(row.position),
        "position_cost": to_centi_cents(row.market_exposure),
        "realized_pnl": to_centi_cents(row.realized_pnl),
        "fees_paid": to_centi_cents(row.fees_paid),
        "position_fee_cost": to_centi_cents(position_fee_cost(row)),
        "volume": to_whole_contracts(row.volume),
    }


def ws_fill(f: Fill, dollars=dollars6) -> Row:
    outcome = outcome_side(f)
    row: Row = {
        "trade_id": f.fill_id,
        "order_id": f.order_id,
        "market_ticker": f.ticker,
        "exchange_index": f.exchange_index,
        "is_taker": f.is_taker,
        "side": f.side,
        "yes_price_dollars": dollars4(f.yes_price),
        "count_fp": count_fp(f.count),
        "fee_cost": dollars(f.fee),
        "action": f.action,
        "ts": unix_seconds(f.created),
        "ts_ms": unix_ms(f.created),
        "post_position_fp": count_fp(f.post_position),
        "purchased_side": outcome,  # selling YES buys NO
        "outcome_side": outcome,
        "book_side": book_side(outcome),
        "subaccount": f.subaccount,
    }
    omitempty(row, "client_order_id", f.client_order_id)
    return row


def ws_fill_legacy(f: Fill) -> Row:
    return {
        **ws_fill(f, dollars4),
        "yes_price": to_cents(f.yes_price),
        "count": to_whole_contracts(f.count),
        "post_position": to_whole_contracts(f.post_position),
    }


# -- the legacy twins of a row not made from the ledger ---------------------------------------------------------------

# Legacy integer field -> the 3.34 field it doubles: cents, then whole contracts (the `*_legacy` renderers above).
LEGACY_CENTS_TWINS = {
    "total_traded": "total_traded_dollars",
    "market_exposure": "market_exposure_dollars",
    "realized_pnl": "realized_pnl_dollars",
    "fees_paid": "fees_paid_dollars",
    "total_cost": "total_cost_dollars",
    "event_exposure": "event_exposure_dollars",
    "yes_total_cost": "yes_total_cost_dollars",
    "no_total_cost": "no_total_cost_dollars",
    "yes_price": "yes_price_dollars",
    "no_price": "no_price_dollars",
}
LEGACY_CONTRACT_TWINS = {
    "position": "position_fp",
    "total_cost_shares": "total_cost_shares_fp",
    "count": "count_fp",
    "yes_count": "yes_count_fp",
    "no_count": "no_count_fp",
}


def add_legacy_twins(row: Row, resting_orders_count: int = 0) -> None:
    """Give a 3.34-shaped row (a generated answer, say) the legacy profile's integer twins, derived from its strings
    with the same rounding rules as the `*_legacy` renderers."""
    for twin, source in LEGACY_CENTS_TWINS.items():
        if isinstance(row.get(source), str):
            row[twin] = to_cents(Decimal(row[source]))
    for twin, source in LEGACY_CONTRACT_TWINS.items():
        if isinstance(row.get(source), str):
            row[twin] = to_whole_contracts(Decimal(row[source]))
    if "position_fp" in row:
        row["resting_orders_count"] = resting_orders_count
    if "fill_id" in row and "yes_price_dollars" in row:
        row["yes_price_fixed"] = row["yes_price_dollars"]
        row["no_price_fixed"] = row["no_price_dollars"]
        price = row["yes_price_dollars"] if row.get("side", "yes") == "yes" else row["no_price_dollars"]
        row["price"] = json_number(Decimal(price))
