"""The time-ordered portfolio lists: GET /portfolio/fills, /settlements, /deposits and /withdrawals.

Each is newest first, keyset-paged over the ledger's (time, sequence) index, with `cursor` always in the answer
(empty on the last page). Fills and settlements answer as of the ledger's lagged time, as positions do (a REST lag,
`Settings.rest_lag_ms`); deposits and withdrawals are not lagged. Fills and settlements never change once made, so
each is rendered once per profile and served from the context's render cache (fragments.py); a transfer's status
changes, so transfers are rendered on every read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.archive import TRADES
from mockexchange.core.kept_index import KeptIndex
from mockexchange.core.stepping import Footprint, scanning
from mockexchange.core.time_index import TimeIndex
from mockexchange.venues.kalshi import cursors, render
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.params import (
    CURSOR,
    EXCHANGE_INDEX,
    LIMIT,
    MAX_TS,
    MIN_TS,
    SINGLE_EVENT_TICKER,
    SUBACCOUNT,
    TICKER,
    TRANSFER_LIMIT,
    Param,
    listed,
    parse_query,
)

GET_FILLS = "GetFills"
GET_SETTLEMENTS = "GetSettlements"
GET_DEPOSITS = "GetDeposits"
GET_WITHDRAWALS = "GetWithdrawals"

FILLS_PARAMS = [
    Param("ticker", "Ticker", listed(100)),
    Param("order_id", "OrderId"),
    MIN_TS,
    MAX_TS,
    LIMIT,
    CURSOR,
    SUBACCOUNT,
    EXCHANGE_INDEX,
]
SETTLEMENTS_PARAMS = [LIMIT, CURSOR, TICKER, SINGLE_EVENT_TICKER, MIN_TS, MAX_TS, SUBACCOUNT]
TRANSFERS_PARAMS = [TRANSFER_LIMIT, CURSOR]


@overload
def _all(first: Callable[[Any], bool], /, *tests: Callable[[Any], bool] | None) -> Callable[[Any], bool]: ...
@overload
def _all(*tests: Callable[[Any], bool] | None) -> Callable[[Any], bool] | None: ...
def _all(*tests: Callable[[Any], bool] | None) -> Callable[[Any], bool] | None:
    chosen = [t for t in tests if t is not None]
    return (lambda record: all(t(record) for t in chosen)) if chosen else None


def _equals(attribute: str, value: Any) -> Callable[[Any], bool] | None:
    return None if value is None else (lambda record: getattr(record, attribute) == value)


_Bounds = tuple[int | None, int | None]  # Unix microseconds: from, and before (None: no bound)


@dataclass(frozen=True, slots=True)
class Listing:
    """What one page of a time-ordered list is read by: `page` answers `{name: [...], "cursor": "..."}`."""

    operation: str
    index: TimeIndex | KeptIndex
    owner: Any  # the index's key of the records listed (a user id; the public trades': a ticker, or "")
    values: dict[str, Any]  # the query's, parsed (`limit` and `cursor`, and the filters the cursor carries)
    keep: Callable[[Any], bool] | None  # the records kept (None: every one)
    render: Callable[[Any], dict[str, Any]]
    name: str  # the answer's list
    lagged: bool = False  # as of the ledger's lagged time (a REST lag), as positions are
    # The render cache's kind for these records (records that never change): each is rendered once, and the whole
    # page is kept until the index changes (its JSON as an `orjson.Fragment`).
    cached: str | None = None
    # The times the page keeps to (the historical cutoff's split, core/kalshi/archive.py), or what reads them with
    # the page.
    bounds: _Bounds | Callable[[], _Bounds] = (None, None)
    lenient: bool = False  # a cursor the mock never issued starts from the first page (cursors.decode_param)
    # What a long read of it (a filter passing over many records) holds still (None: the owner's account).
    footprint: Callable[[], Footprint] | None = None


def page(ctx: KalshiContext, listing: Listing) -> Any:
    """One page of `listing`. A page that passes over more than `DEEP` records its `keep` refuses is read long, in a
    worker thread (core/stepping.py's `scanning`): call it without the ledger's lock held."""
    operation, index, owner = listing.operation, listing.index, listing.owner
    values, keep = listing.values, listing.keep
    filters = {"op": operation, "owner": owner, **{k: v for k, v in values.items() if k not in ("cursor", "limit")}}
    before = cursors.decode_times(operation, values["cursor"], filters, lenient=listing.lenient)  # (time, sequence)

    def read(step: Callable[[], None] | None) -> Any:
        with ctx.ledger.state.lock:  # (what was due made first, below: not inside a long read over the caller alone)
            times = listing.bounds() if callable(listing.bounds) else listing.bounds
            as_of = ctx.ledger.as_of() if listing.lagged else None
            if (cached := listing.cached) is not None:
                pages = ctx.renders.pages(cached, ctx.profile.name)
                shape = (tuple(filters.items()), values["limit"], before, times)  # all that shapes the answer
                if (answer := pages.get(index, (index.version, as_of), shape)) is not None:
                    return answer
            kept = keep if step is None or keep is None else _stepping(keep, step)
            found, more = index.page(
                owner, values["limit"], before=before, min_ts=values.get("min_ts"), max_ts=values.get("max_ts"),
                keep=kept, as_of=as_of, from_us=times[0], until_us=times[1],
            )  # fmt: skip
            cursor = cursors.encode((str(found[-1][0][0]), str(found[-1][0][1])), filters) if more else ""
            if cached is None:
                return {listing.name: [listing.render(record) for _, record in found], "cursor": cursor}
            rows = ctx.renders.of(cached, ctx.profile.name).bind(index).records(found, listing.render)
            return pages.put(shape, {listing.name: rows, "cursor": cursor})

    ctx.ledger.lifecycle.run_due()
    footprint = listing.footprint or (lambda: Footprint.of((owner,)))
    return read(None) if keep is None else scanning(ctx.ledger.state.lock, footprint, read)


def _stepping(keep: Callable[[Any], bool], step: Callable[[], None]) -> Callable[[Any], bool]:
    """`keep`, with `step` called at each record it refuses (what a page costs beyond its limit)."""

    def kept(record: Any) -> bool:
        if keep(record):
            return True
        step()
        return False

    return kept


def get_fills(ctx: KalshiContext, key: ApiKey, query) -> Any:
    values = parse_query(GET_FILLS, FILLS_PARAMS, query)
    values["subaccount"] = subaccount_for(key, values["subaccount"])  # omitted: every subaccount
    tickers = frozenset(values["ticker"]) if values["ticker"] else None
    keep = _all(
        (lambda f: f.ticker in tickers) if tickers else None,
        _equals("order_id", values["order_id"]),
        _equals("subaccount", values["subaccount"]),
        _equals("exchange_index", values["exchange_index"]),
    )
    # Fills before the historical cutoff are /historical/fills' (a profile without the historical API has none).
    since = ctx.ledger.state.archive.cutoff_us(TRADES) if ctx.profile.historical else None
    return page(ctx, Listing(
        GET_FILLS, ctx.ledger.state.fill_index, key.user_id, values, keep, ctx.profile.fill, "fills", lagged=True,
        cached="fills", bounds=(since, None),
    ))  # fmt: skip


def get_settlements(ctx: KalshiContext, key: ApiKey, query) -> Any:
    values = parse_query(GET_SETTLEMENTS, SETTLEMENTS_PARAMS, query)
    values["subaccount"] = subaccount_for(key, values["subaccount"])  # omitted: every subaccount
    keep = _all(
        _equals("ticker", values["ticker"]),
        _equals("event_ticker", values["event_ticker"]),
        _equals("subaccount", values["subaccount"]),
    )
    ledger = ctx.ledger
    return page(ctx, Listing(
        GET_SETTLEMENTS, ledger.state.settlements, key.user_id, values, keep, ctx.profile.settlement, "settlements",
        lagged=True, cached="settlements",
    ))  # fmt: skip


def get_deposits(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query(GET_DEPOSITS, TRANSFERS_PARAMS, query)
    return page(
        ctx, Listing(GET_DEPOSITS, ctx.ledger.state.deposits, key.user_id, values, None, render.transfer, "deposits")
    )


def get_withdrawals(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query(GET_WITHDRAWALS, TRANSFERS_PARAMS, query)
    withdrawals = ctx.ledger.state.withdrawals
    return page(ctx, Listing(GET_WITHDRAWALS, withdrawals, key.user_id, values, None, render.transfer, "withdrawals"))
