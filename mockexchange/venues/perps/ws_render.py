"""The perps websocket's messages (`msg`), each as perps_asyncapi.yaml's payload schema names and types its fields:
prices in dollars of 4 places, counts of 2, money of 6, times in milliseconds since the epoch, a field the schema
leaves optional omitted when the exchange has nothing for it. The same numbers REST renders (render.py)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from mockexchange.core.book import LevelChange
from mockexchange.core.clock import unix_ms
from mockexchange.core.perps.book_changes import BookCause, PerpBookMoved
from mockexchange.core.perps.funding import PerpFundingEstimate
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.records import PerpCorporateAction, PerpFill, PerpTrade
from mockexchange.venues.kalshi.render import omitempty
from mockexchange.venues.perps.render import count, funding_rate, money, price

Msg = dict[str, Any]


def levels(book: list[tuple[int, int]]) -> list[list[str]]:
    """A snapshot side: [price, count] pairs, best first."""
    return [[price(at), count(size)] for at, size in book]


def snapshot(ticker: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> Msg:
    """An orderbook_snapshot's msg (a side with no level is left out, as the schema allows)."""
    msg: Msg = {"market_ticker": ticker}
    omitempty(msg, "bid", levels(bids) or None)
    omitempty(msg, "ask", levels(asks) or None)
    return msg


def delta(moved: PerpBookMoved, level: LevelChange, cause: BookCause | None) -> Msg:
    """An orderbook_delta's msg; `cause` given for the user whose order made it (its client id, subaccount and
    reason)."""
    msg: Msg = {
        "market_ticker": moved.ticker, "price": price(level.price), "delta": count(level.after - level.before),
        "side": level.side,
    }  # fmt: skip
    if cause is not None:
        omitempty(msg, "last_update_reason", cause.reason or None)
        msg["client_order_id"] = cause.client_order_id
    msg["ts_ms"] = unix_ms(moved.at)
    if cause is not None:
        msg["subaccount"] = cause.subaccount
    return msg


def trade(t: PerpTrade) -> Msg:
    return {
        "trade_id": t.trade_id, "market_ticker": t.ticker, "price": price(t.price), "count": count(t.count),
        "taker_side": t.taker_side, "ts_ms": unix_ms(t.created),
    }  # fmt: skip


def post_position(f: PerpFill) -> int:
    """The position after the fill (hundredths, signed). Its entry size is the position's after it where the fill only
    adds (the same sign as the fill's direction), before it where it reduces (positions.py)."""
    signed = f.count if f.side == "bid" else -f.count
    return f.entry_size if (f.entry_size > 0) == (signed > 0) else f.entry_size + signed


def fill(f: PerpFill, client_ids: Callable[[str], str | None]) -> Msg:
    """A fill's msg, its order's client id (`client_ids`: by order id) beside it."""
    msg: Msg = {"trade_id": f.trade_id, "order_id": f.order_id}
    omitempty(msg, "client_order_id", client_ids(f.order_id))
    return msg | {
        "market_ticker": f.ticker, "is_taker": f.is_taker, "side": f.side, "ts_ms": unix_ms(f.created),
        "price": price(f.price), "count": count(f.count), "fee_cost": money(f.fee),
        "post_position": count(post_position(f)), "subaccount": f.subaccount, "order_source": f.source,
    }  # fmt: skip


def user_order(o: PerpOrder) -> Msg:
    msg: Msg = {
        "order_id": o.order_id, "user_id": o.user_id, "client_order_id": o.client_order_id, "ticker": o.ticker,
        "side": o.side, "price": price(o.price), "fill_count": count(o.filled), "remaining_count": count(o.remaining),
        "self_trade_prevention_type": o.self_trade_prevention_type,
    }  # fmt: skip
    omitempty(msg, "order_group_id", o.order_group_id)
    omitempty(msg, "expiration_ts_ms", None if o.expiration is None else unix_ms(o.expiration))
    msg |= {"created_ts_ms": unix_ms(o.created), "last_updated_ts_ms": unix_ms(o.updated)}
    omitempty(msg, "last_update_reason", o.last_update_reason or None)
    return msg | {"subaccount_number": o.subaccount, "order_source": o.source}


# The fields a ticker shows of the market's REST row (render.market), in the schema's order; a price, bid or ask
# REST leaves out (none yet) is "0.0000" here, where the schema requires it.
TICKER_FIELDS = (
    "price", "bid", "ask", "bid_size_fp", "ask_size_fp", "volume", "volume_notional_value_dollars", "volume_24h",
    "volume_24h_notional_value_dollars", "open_interest", "open_interest_notional_value_dollars", "reference_price",
    "settlement_mark_price", "liquidation_mark_price",
)  # fmt: skip
NO_PRICE = price(0)


def ticker(row: Msg, last_trade: PerpTrade | None) -> Msg:
    """A ticker's msg but its `ts_ms` (what it shows: compared to tell whether it moved), from the market's REST row
    and its last trade."""
    msg: Msg = {"market_ticker": row["ticker"]}
    for name in TICKER_FIELDS:
        msg[name] = row.get(name, NO_PRICE)
    msg["last_trade_size_fp"] = count(last_trade.count if last_trade is not None else 0)
    return msg


def funding(estimate: PerpFundingEstimate) -> Msg:
    """A ticker's `funding_rate`: the in-progress period's rate now (core/perps/funding.py's estimate)."""
    return {"rate": funding_rate(estimate.rate), "next_funding_time_ms": unix_ms(estimate.next_funding),
            "ts_ms": unix_ms(estimate.computed)}  # fmt: skip


# The notice types the `corporate_actions` channel's schema has (the others are REST's alone)
NOTICE_TYPES = frozenset({"stock_split", "final_settlement", "ticker_change"})


def corporate_action(action: PerpCorporateAction, mark: int | None) -> Msg:
    """A corporate_actions_delta's msg: the notice as it stands (no status: the schema has none; a ticker change's
    `market_ticker` its new ticker, as the spec says), its terms but for a cancelled one's. A split's marks are the
    market's mark now (`mark`) and that times ratio_old / ratio_new, rounded down to the price unit; a final settlement
    without its price per contract (the schema requires it) has no terms."""
    terms = action.terms
    ticker = terms.new_ticker if terms.type == "ticker_change" and terms.new_ticker else terms.ticker  # (the spec's)
    notice: Msg = {"id": action.action_id, "market_id": action.market_id, "market_ticker": ticker,
                   "type": terms.type, "ts_ms": unix_ms(action.updated)}  # fmt: skip
    if terms.status == "cancelled":
        return {"corporate_action": notice}
    if terms.type == "stock_split" and terms.ratio_old and terms.ratio_new:
        ratio = Fraction(Decimal(terms.ratio_old)) / Fraction(Decimal(terms.ratio_new))
        before = mark or 0
        marks = {"pre_split_mark_price": price(before), "post_split_mark_price": price(int(before * ratio))}
        notice["split"] = {"ratio_old": terms.ratio_old, "ratio_new": terms.ratio_new} | marks
    elif terms.type == "final_settlement" and terms.settlement_price_per_contract is not None:
        notice["final_settlement"] = {"settlement_price_per_contract": price(terms.settlement_price_per_contract)}
    elif terms.type == "ticker_change":
        notice["ticker_change"] = {"old_ticker": terms.old_ticker, "new_ticker": terms.new_ticker}
    return {"corporate_action": notice}
