"""What a client reads of its past on Deribit: its trades (`private/get_user_trades_by_currency`, `_by_instrument`
and their `_and_time` forms), its deposits, withdrawals and transfers (`private/get_deposits`, `get_withdrawals`,
`get_transfers`) and the deliveries of its futures and options at expiry (`private/get_settlement_history_by_currency`,
`_by_instrument`). Each reads the Deribit exchange under its lock and renders with `history_render`.

Trades page as Deribit pages them: `count` (default 10, at most 1000) trades, bounded by trade ids (`start_id`,
`end_id`), per-instrument sequence numbers (`start_seq`, `end_seq`) or times (`start_timestamp`, `end_timestamp`), all
inclusive; `has_more` says whether more matched than were sent. `sorting` `asc` or `desc` orders by trade id;
`default` (or none) is newest first, except that a start bound without its end bound reads from the start onwards
(oldest first), as Deribit's "returned from the earliest". Without `historical`, the trades of the last 24 hours of
exchange time (Deribit's recent trades); with `historical: true`, every one the account keeps (its newest, up to the
mock's `deribit_history_size`). Deposits, withdrawals and transfers page by `offset` and
`count`, newest first; settlements by `continuation`, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.market import DeribitMarket
from mockexchange.core.deribit.records import CashMove, Delivery, DeribitTrade
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.core.numbers import INT64_MAX, NotAnInteger, OutOfRange, parse_int
from mockexchange.core.values import Choice, Integer
from mockexchange.venues.deribit import history_render as render
from mockexchange.venues.deribit.errors import invalid_param
from mockexchange.venues.deribit.methods import (
    ORDER_KIND,
    Method,
    RpcCall,
    listed_instrument,
    subaccount_of,
    wallet_of,
    wallet_user,
)
from mockexchange.venues.deribit.params import BOOLEAN, INTEGER

SORTING = Choice(("asc", "desc", "default"))
SETTLEMENT_TYPE = Choice(("settlement", "delivery", "bankruptcy"))
MAX_COUNT = 1000
COUNT, OFFSET = Integer(1, MAX_COUNT), Integer(0, INT64_MAX)
RECENT_TRADES = timedelta(hours=24)  # Deribit's recent trades: what a read without `historical` serves
CONTINUATION_PREFIX = "d"  # a settlement page's continuation: "d" and the index of the next (older) delivery


def count_param(call: RpcCall, default: int) -> int:
    return call.params.read("count", COUNT, default, reason="must be between 1 and 1000")


def offset_param(call: RpcCall) -> int:
    said = "offset must be 0 or more, not {value}"
    return call.params.read("offset", OFFSET, 0, reason="must be non-negative", said=said)


def _trade_id(call: RpcCall, name: str) -> int | None:
    """A trade id bound: an integer, or a string of one (Deribit's `"ETH-15"` form: the number after the last `-`)."""
    value = call.params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        digits = value.rsplit("-", 1)[-1]
        try:
            return parse_int(digits)
        except (NotAnInteger, OutOfRange):
            raise invalid_param(name, "invalid trade id", f"{name} {value[:40]!r} is not a trade id") from None
    return call.params.read(name, INTEGER)


def history_wallet(call: RpcCall) -> tuple[str, Wallet]:
    subaccount_id = subaccount_of(call)
    return wallet_user(call), wallet_of(call, subaccount_id)


# -- trades -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TradeBounds:
    """What a read of trades asks for (a user's or the public's): `count` of them, in trade id order (`ascending`) or
    the other way, within every bound given: ids or per-instrument sequence numbers (`start`, `end`), times in ms, a
    currency and kind. All inclusive."""

    count: int
    ascending: bool
    by_instrument: bool  # `start` and `end` are sequence numbers (else trade ids)
    start: int | None = None
    end: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    currency: str | None = None
    kind: str | None = None

    def page(self, trades: Iterable[DeribitTrade], market: DeribitMarket) -> tuple[list[DeribitTrade], bool]:
        """The first `count` of `trades` (walked in the order asked) within the bounds, and whether more were."""
        start, end, start_ms, end_ms, currency, kind = (
            self.start, self.end, self.start_ms, self.end_ms, self.currency, self.kind
        )  # fmt: skip
        kinds: dict[str, tuple[str, str]] = {}
        chosen: list[DeribitTrade] = []
        for trade in trades:
            if currency is not None or kind not in (None, "any"):
                facts = kinds.get(trade.instrument_name)
                if facts is None:
                    instrument = market.instrument(trade.instrument_name)
                    facts = kinds[trade.instrument_name] = (instrument.settlement_currency, instrument.kind)
                if currency is not None and facts[0] != currency:
                    continue
                if kind not in (None, "any") and facts[1] != kind:
                    continue  # spot and combos match nothing: the mock trades neither
            if start_ms is not None or end_ms is not None:
                at = unix_ms(trade.timestamp)
                if (start_ms is not None and at < start_ms) or (end_ms is not None and at > end_ms):
                    continue
            if start is not None or end is not None:
                where = trade.trade_seq if self.by_instrument else int(trade.trade_id)
                if (start is not None and where < start) or (end is not None and where > end):
                    continue
            chosen.append(trade)
            if len(chosen) > self.count:
                break
        return chosen[: self.count], len(chosen) > self.count


def trade_bounds(
    call: RpcCall, *, by_instrument: bool, by_time: bool, then: Callable[[], object] = tuple
) -> TradeBounds:
    """A read of trades' bounds from its params, in Deribit's words: `count` (default 10, at most 1000), `sorting`,
    `start_timestamp`/`end_timestamp` (the `_and_time` forms need one), by instrument `start_seq`/`end_seq`, by
    currency `currency` (required), `kind`, `start_id`/`end_id`; `then` reads what a method adds, in its place."""
    params = call.params
    count = count_param(call, 10)
    sorting = params.read("sorting", SORTING)
    then()
    start_ms, end_ms = params.read("start_timestamp", INTEGER), params.read("end_timestamp", INTEGER)
    if by_time and start_ms is None and end_ms is None:
        raise invalid_param("end_timestamp", "must be present", "give start_timestamp, end_timestamp or both")
    start = end = None  # id or sequence bounds
    currency = kind = None
    if by_instrument:
        if not by_time:
            start, end = params.read("start_seq", INTEGER), params.read("end_seq", INTEGER)
    else:
        currency = params.currency(allow_any=False, required=True)
        kind = params.read("kind", ORDER_KIND)
        if not by_time:
            start, end = _trade_id(call, "start_id"), _trade_id(call, "end_id")
    if sorting in ("asc", "desc"):
        ascending = sorting == "asc"
    else:  # a start without its end: from the start onwards
        ascending = (start is not None and end is None) or (start_ms is not None and end_ms is None)
    return TradeBounds(count, ascending, by_instrument, start, end, start_ms, end_ms, currency, kind)


def _trades(call: RpcCall, *, by_instrument: bool, by_time: bool) -> Any:
    historical = False

    def read_historical() -> None:
        nonlocal historical
        historical = call.params.read("historical", BOOLEAN, False)

    bounds = trade_bounds(call, by_instrument=by_instrument, by_time=by_time, then=read_historical)
    exchange = call.ctx.exchange
    with exchange.reading():
        name = listed_instrument(call) if by_instrument else None
        user, wallet = history_wallet(call)
        recent = None if historical else exchange.state.clock.now() - RECENT_TRADES
        # The exchange keeps a wallet's trades in trade id order: walk them in the order asked, up to one past the page.
        kept = exchange.state.trades.of_wallet(wallet.id)
        mine = (
            trade
            for trade in (kept if bounds.ascending else reversed(kept))
            if trade.user_id == user and (recent is None or trade.timestamp >= recent)
            and (name is None or trade.instrument_name == name)
        )  # fmt: skip
        chosen, more = bounds.page(mine, exchange.market)
        rows = [render.user_trade(trade, exchange.market.instrument(trade.instrument_name)) for trade in chosen]
    return {"trades": rows, "has_more": more}


# -- deposits, withdrawals, transfers --------------------------------------------------------------------------------


def _page(call: RpcCall, rows: list[Any], render_row: Callable[[Any], Any]) -> Any:
    offset, count = offset_param(call), count_param(call, 10)
    newest_first = rows[::-1]
    return {"count": len(rows), "data": [render_row(row) for row in newest_first[offset : offset + count]]}


def _cash(call: RpcCall, kind: str) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    exchange = call.ctx.exchange
    with exchange.reading():
        user, wallet = history_wallet(call)
        moves: Iterable[CashMove] = exchange.state.cash_moves.of_wallet(wallet.id)
        found = [move for move in moves if move.kind == kind and move.user_id == user and move.currency == currency]
        render_row = render.deposit if kind == "deposit" else render.withdrawal
        return _page(call, found, render_row)


def private_get_transfers(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    exchange = call.ctx.exchange
    with exchange.reading():
        user, wallet = history_wallet(call)
        found = [
            made
            for made in exchange.state.wallet_transfers.of_wallet(wallet.id)
            if made.currency == currency and wallet.id in (made.from_account, made.to_account)
            and user in (made.user_id, made.receiver)
        ]  # fmt: skip
        return _page(call, found, lambda made: render.transfer(made, wallet.id, exchange.accounts.username_of))


# -- settlements ------------------------------------------------------------------------------------------------------


def _continuation(call: RpcCall) -> int | None:
    value = call.params.get("continuation")
    if value is None or value == "none":
        return None
    if isinstance(value, str) and value.startswith(CONTINUATION_PREFIX):
        try:
            return parse_int(value[len(CONTINUATION_PREFIX) :], 0)
        except (NotAnInteger, OutOfRange):
            pass
    raise invalid_param("continuation", "invalid continuation", "continuation must be one a previous page gave")


def settlement_page(
    call: RpcCall,
    *,
    by_instrument: bool,
    source: Callable[[], tuple[Sequence[Any], Callable[[Any], bool]]],
    row: Callable[[Any], Any],
) -> Any:
    """A page of settlements, newest first, by `continuation` (`"d"` and the index of the next, older, record): from
    the records `source` gives (read under the exchange's lock, in the order made) with what it takes of them, those
    of the instrument or currency named, no later than `search_start_timestamp`, each rendered by `row`; the mock
    makes only deliveries (`type` `settlement` or `bankruptcy` finds none)."""
    params = call.params
    kind = params.read("type", SETTLEMENT_TYPE, reason="invalid settlement type")
    count = count_param(call, 20)
    latest = params.read("search_start_timestamp", INTEGER)
    before = _continuation(call)
    currency = None if by_instrument else params.currency(allow_any=False, required=True)
    exchange = call.ctx.exchange
    with exchange.reading():
        name = listed_instrument(call) if by_instrument else None
        made, takes = source()
        end = len(made) if before is None else min(before, len(made))
        rows: list[dict[str, Any]] = []
        next_index = None
        for index in range(end - 1, -1, -1):  # newest first
            record = made[index]
            if kind not in (None, "delivery") or (name is not None and record.instrument_name != name):
                continue
            if currency not in (None, record.currency) or (latest is not None and unix_ms(record.timestamp) > latest):
                continue
            if not takes(record):
                continue
            if len(rows) == count:
                next_index = index + 1
                break
            rows.append(row(record))
        continuation = None if next_index is None else f"{CONTINUATION_PREFIX}{next_index}"
        return {"settlements": rows, "continuation": continuation}


def _settlements(call: RpcCall, *, by_instrument: bool) -> Any:
    def wallets() -> tuple[list[Delivery], Callable[[Delivery], bool]]:
        user, wallet = history_wallet(call)
        return call.ctx.exchange.state.deliveries, lambda made: made.user_id == user and made.account_id == wallet.id

    return settlement_page(call, by_instrument=by_instrument, source=wallets, row=render.delivery)


def _read(read: Callable[..., Any], scope: str, **how: Any) -> Method:
    """The method that reads history by `read`, as `how` asks."""
    return Method(partial(read, **how), scope)


METHODS: dict[str, Method] = {
    "private/get_user_trades_by_currency": _read(_trades, "trade:read", by_instrument=False, by_time=False),
    "private/get_user_trades_by_currency_and_time": _read(_trades, "trade:read", by_instrument=False, by_time=True),
    "private/get_user_trades_by_instrument": _read(_trades, "trade:read", by_instrument=True, by_time=False),
    "private/get_user_trades_by_instrument_and_time": _read(_trades, "trade:read", by_instrument=True, by_time=True),
    "private/get_deposits": _read(_cash, "wallet:read", kind="deposit"),
    "private/get_withdrawals": _read(_cash, "wallet:read", kind="withdrawal"),
    "private/get_transfers": Method(private_get_transfers, "wallet:read"),
    "private/get_settlement_history_by_currency": _read(_settlements, "trade:read", by_instrument=False),
    "private/get_settlement_history_by_instrument": _read(_settlements, "trade:read", by_instrument=True),
}
