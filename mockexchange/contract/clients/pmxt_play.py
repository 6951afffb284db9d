"""pmxt (its unified prediction-market API over Kalshi: scripts/kalshi/pmxt_client.py) against the mock's legacy
profile, the profile whose integer fields its Kalshi positions read: the client matrix's `markets`, `balance`,
`positions-pages`, `fills` and `orders` cells of its row, from one run of the client on a fresh mock of their own.

Seeded, on a manual exchange clock on the hour (the candles' grid): two markets of one event; the house's levels on
the first (YES bids 0.40 x10 and 0.38 x5, NO bids 0.55 x5 and 0.52 x8); the trader's fills (3 YES of the first at 0.45,
a minute in; 2 NO of the second at 0.30, ten minutes later) and a YES bid of 4 at 0.20 resting on the second. pmxt
places a YES bid of 2 at 0.15 on the second and cancels the seeded one, then reads the markets, both outcomes' books
of the first, its trades and its hourly candles, the balance, the positions, the trader's trades and open orders.

Each value pmxt parsed is compared with the ledger's own records, read after the run (the clock stands still), in
pmxt's own terms: an outcome's bid and ask are the YES (or NO) side's best prices, a book's asks the other side's
bids at one less their price, a trade's and a fill's side `buy` for YES, a position's size the legacy whole
contracts (NO negative) and its `unrealized_pnl` the market exposure, a candle without a trade the mean of the YES
bid's and ask's. What pmxt cannot parse of a correct answer is a finding about the client, named in the cell: its
`Order` needs an `amount` it reads from a `count` no Kalshi order has (every order read raises `TypeError`; the
order is placed or cancelled all the same, which the ledger shows), and its balance's `total` is the
`portfolio_value` (the positions' value alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import ClientVerdict, one_run_verdicts, start_mock
from mockexchange.contract.clients.libraries import PMXT
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.units import PRICE, contracts, price
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.candlesticks import MAX_CANDLES, market_candles

TRADER, SERIES, EVENT = "trader", "KXPMX", "KXPMX-26"
A, B = f"{EVENT}-A", f"{EVENT}-B"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WINDOW = (T0 - timedelta(hours=1), T0 + timedelta(hours=1))
COLUMNS = ("markets", "balance", "positions-pages", "fills", "orders")
PLACED = (B, "yes", "buy", Decimal(2), Decimal("0.15"))  # pmxt's order: a YES bid of 2 at 0.15
ORDER_FINDING = (
    "a finding about pmxt: its Order needs an `amount` it reads from a `count` no Kalshi order has (3.2.0's and "
    "3.34's have initial_count, fill_count and remaining_count), so every order read raises TypeError"
)
BALANCE_FINDING = "pmxt's `total` is Kalshi's portfolio_value (the positions' value alone), so its `locked` is negative"
NOT_PMXT = "pmxt's unified API has no such read"
NA = {
    **dict.fromkeys(("fcm", "resting-value", "fcm-desk", "transfers", "settlements", "filters"), NOT_PMXT),
    **dict.fromkeys(("account", "subaccounts", "historical", "rfqs", "exchange-data", "live-data"), NOT_PMXT),
    **dict.fromkeys(("perps", "perps-ws"), "pmxt has no client of Kalshi's perps exchange"),
    **dict.fromkeys(("websocket", "orderbook-ws", "market-ws"), "pmxt's Kalshi websocket address is fixed to "
                    "Kalshi's hosts: no setting points it at another"),
    "legacy-profile": "the whole row runs on --profile legacy (pmxt's positions read its integer fields)",
}  # fmt: skip
# Its reads swallow what they cannot read (a balance whose body is not JSON answers `total` None, no error), so a run
# against generated answers could never show as broken: the column would read clean whatever pmxt made of them
NOT_YET = {
    "generated": "not played: pmxt swallows an answer it cannot read (a balance whose body is not JSON answers total "
    "None, without an error), so no run could show as broken"
}


@dataclass
class Staged:
    """A started, seeded mock, the trader's key, and what the seed made (its fills, the resting order's id)."""

    mock: MockServer
    keys: dict[str, Key]
    fills: list[dict[str, Any]] = field(default_factory=list)
    resting: str = ""


def seed(work_dir: Path) -> Staged:
    clock = ManualClock(T0)
    mock = start_mock(MockServer(profile="legacy", clock=clock))
    try:
        mock.set_series(SERIES, title="Pmxt kit")
        mock.set_event(EVENT, series_ticker=SERIES, title="Twenty-six")
        mock.create_market(A, EVENT, title="Alpha")
        mock.create_market(B, EVENT, title="Beta")
        mock.create_account(TRADER, balance_cents=100_000)
        staged = Staged(mock, {TRADER: Key.create(mock, work_dir, "pmxt-trader", TRADER)})
        mock.set_book(A, yes=[["0.40", "10"], ["0.38", "5"]], no=[["0.55", "5"], ["0.52", "8"]])
        for seconds, fill in ((60, (A, "yes", "buy", "3", "0.45")), (600, (B, "no", "buy", "2", "0.30"))):
            clock.advance(seconds)
            staged.fills.append(mock.fill(TRADER, *fill))
        staged.resting = mock.place_order(TRADER, B, "bid", "4", "0.20", "good_till_canceled", "taker_at_cross")[
            "order_id"
        ]
        return staged
    except BaseException:
        mock.stop()
        raise


def calls(staged: Staged) -> list[dict[str, Any]]:
    window = {"resolution": "1h", "start": WINDOW[0].isoformat(), "end": WINDOW[1].isoformat()}
    place = {"market_id": B, "outcome_id": B, "side": "buy", "order_type": "limit", "amount": 2, "price": 0.15}
    made = [  # the writes first: the ledger after the run is what every read saw
        ("create", "create_order", place),
        ("cancel", "cancel_order", {"order_id": staged.resting}),
        ("markets", "fetch_markets", {}),
        ("book", "fetch_order_book", {"outcome_id": A}),
        ("book_no", "fetch_order_book", {"outcome_id": f"{A}-NO"}),
        ("trades", "fetch_trades", {"outcome_id": A}),
        ("ohlcv", "fetch_ohlcv", {"outcome_id": A, **window}),
        ("balance", "fetch_balance", {}),
        ("positions", "fetch_positions", {}),
        ("my_trades", "fetch_my_trades", {}),
        ("open", "fetch_open_orders", {}),
    ]
    return [{"id": name, "op": "call", "method": method, "args": args} for name, method, args in made]


class PmxtJudging:
    """What one run found wrong, by column."""

    def __init__(self, outcomes: dict[str, dict[str, Any]]) -> None:
        self.outcomes = outcomes
        self.problems: dict[str, list[str]] = {column: [] for column in COLUMNS}

    def result(self, column: str, call: str) -> Any:
        outcome = self.outcomes.get(call, {})
        if not outcome.get("ok"):
            self.problems[column].append(f"{call}: pmxt raised {outcome.get('error', {}).get('message', '?')[:200]}")
            return None
        return outcome["result"]

    def same(self, column: str, what: str, got: Any, want: Any) -> None:
        if not _alike(got, want):
            self.problems[column].append(f"{what}: pmxt {got!r}, the ledger {want!r}")


def _alike(got: Any, want: Any) -> bool:
    """Equal, a number of pmxt's within a billionth of the ledger's Decimal (pmxt computes in floats)."""
    if isinstance(want, Decimal):
        return isinstance(got, int | float) and math.isclose(got, float(want), abs_tol=1e-9)
    if isinstance(want, list | tuple):
        return isinstance(got, list | tuple) and len(got) == len(want) and all(map(_alike, got, want))
    return bool(got == want)


def _ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def _cents(amount: Decimal) -> Decimal:
    """A dollar amount as the legacy integer cents say it (cut toward zero), in dollars."""
    return Decimal(int(amount * 100)) / 100


def _yes_price(fill: dict[str, Any]) -> Decimal:
    side_price = Decimal(fill["price"])
    return side_price if fill["side"] == "yes" else 1 - side_price


def _quotes(j: PmxtJudging, ledger: Any) -> None:
    """Each market's outcomes' best prices and figures (an empty side: a YES bid of 0, a YES ask of 1)."""
    got = {m.get("market_id"): m for m in j.result("markets", "markets") or []}
    j.same("markets", "markets listed", sorted(got), sorted(ledger.state.markets))
    for ticker in sorted(ledger.state.markets):
        market, stats, row = ledger.state.markets[ticker], ledger.feed.stats(ticker), got.get(ticker, {})
        bid = stats.yes_bid if stats.yes_bid is not None else 0
        ask = stats.yes_ask if stats.yes_ask is not None else PRICE
        quotes = [price(bid), price(ask), price(PRICE - ask), price(PRICE - bid)]
        shown = [(row.get(side) or {}).get("metadata", {}).get(n) for side in ("yes", "no") for n in ("bid", "ask")]
        j.same("markets", f"{ticker}: (yes bid, yes ask, no bid, no ask)", shown, quotes)
        figures = [market.title, market.event_ticker, contracts(stats.volume), contracts(stats.open_interest)]
        names = ("title", "event_id", "volume", "open_interest")
        j.same("markets", f"{ticker}: ({', '.join(names)})", [row.get(n) for n in names], figures)


def _books(j: PmxtJudging, ledger: Any) -> None:
    """Both outcomes' books of the first market: a side's bids, and its asks the other side's bids at 1 less."""
    bids, asks = ledger.feed.book_levels(A, None)  # YES bids best first; YES asks (NO bids at 1 less) best first
    yes_bids = [[price(p), contracts(s)] for p, s in bids]
    no_bids = [[price(PRICE - p), contracts(s)] for p, s in asks]
    yes_asks = [[price(p), contracts(s)] for p, s in asks]
    no_asks = [[price(PRICE - p), contracts(s)] for p, s in bids]
    for call, want in (("book", (yes_bids, yes_asks)), ("book_no", (no_bids, no_asks))):
        book = j.result("markets", call) or {}
        for side, levels in zip(("bids", "asks"), want, strict=True):
            got = [[level.get("price"), level.get("size")] for level in book.get(side) or ()]
            j.same("markets", f"{call}: {side}", got, levels)


def _trades_and_candles(j: PmxtJudging, ledger: Any, fills: list[dict[str, Any]]) -> None:
    want = [(f["fill_id"], _ms(datetime.fromisoformat(f["created_time"])), _yes_price(f), Decimal(f["count"]),
             "buy" if (f["side"] == "yes") == (f["action"] == "buy") else "sell")
            for f in reversed(fills) if f["ticker"] == A]  # fmt: skip
    names = ("id", "timestamp", "price", "amount", "side")
    got = [[t.get(n) for n in names] for t in j.result("markets", "trades") or []]
    j.same("markets", "trades (id, ms, price, amount, side)", got, want)
    query = {"start_ts": int(WINDOW[0].timestamp()), "end_ts": int(WINDOW[1].timestamp()), "period_interval": 60}
    candles = market_candles(ledger, ledger.state.markets[A], query, MAX_CANDLES)
    want_candles = [[c.end_period_ts * 1000, *_ohlc(c), contracts(c.volume)] for c in candles]
    fields = ("timestamp", "open", "high", "low", "close", "volume")
    got_candles = [[c.get(n) for n in fields] for c in j.result("markets", "ohlcv") or []]
    j.same("markets", "candles (ms, open, high, low, close, volume)", got_candles, want_candles)
    if not any(c.volume for c in candles) or all(c.volume for c in candles):
        j.problems["markets"].append("the seed's candles do not hold both a trade and none (the check could not fail)")


def _ohlc(candle: Any) -> list[Decimal]:
    """A candle's prices as pmxt reads them: the trades', else the mean of the YES bid's and ask's."""
    names = ("open", "high", "low", "close")
    if candle.price is not None:
        return [price(getattr(candle.price, n)) for n in names]
    return [(price(getattr(candle.bid, n)) + price(getattr(candle.ask, n))) / 2 for n in names]


def _portfolio(j: PmxtJudging, ledger: Any, fills: list[dict[str, Any]]) -> None:
    balance = (j.result("balance", "balance") or [{}])[0]
    cash = _cents(ledger.state.accounts[TRADER].balance(0, 0))
    j.same("balance", "(currency, available: the cents)", [balance.get("currency"), balance.get("available")],
           ["USD", cash])  # fmt: skip
    rows = [row.snapshot() for row in ledger.state.positions.all_rows() if row.user_id == TRADER and row.position]
    want = sorted([r.ticker, Decimal(int(r.position)), _cents(r.market_exposure)] for r in rows)
    read = j.result("positions-pages", "positions") or []
    got = sorted([p.get("market_id"), p.get("size"), p.get("unrealized_pnl")] for p in read)
    j.same("positions-pages", "positions (market, whole size, unrealized_pnl: the exposure's cents)", got, want)
    if len({row[1] > 0 for row in want}) < 2:
        j.problems["positions-pages"].append("the seed holds no YES and NO position both (the check could not fail)")
    mine = [[f["fill_id"], f["order_id"], _ms(datetime.fromisoformat(f["created_time"])), _yes_price(f),
             Decimal(f["count"]), "buy" if f["side"] == "yes" else "sell"] for f in reversed(fills)]  # fmt: skip
    names = ("id", "order_id", "timestamp", "price", "amount", "side")
    got_fills = [[t.get(n) for n in names] for t in j.result("fills", "my_trades") or []]
    j.same("fills", "my trades (id, order, ms, yes price, amount, side)", got_fills, mine)


def _orders(j: PmxtJudging, ledger: Any, resting: str) -> None:
    """What pmxt's order calls did, as the ledger shows it (pmxt parses none of their answers: a finding)."""
    orders = [o for o in ledger.state.all_orders.values() if o.user_id == TRADER]
    placed = [o for o in orders if o.order_id != resting and o.ticker == PLACED[0]]
    terms = [(o.ticker, o.side, o.action, contracts(o.initial), price(o.yes_price), o.status) for o in placed]
    if terms != [(*PLACED, "resting")]:
        j.problems["orders"].append(f"the ledger holds {terms!r} for what create_order placed: {PLACED!r}, resting")
    cancelled = next((o.status for o in orders if o.order_id == resting), None)
    if cancelled != "canceled":
        j.problems["orders"].append(f"the order cancel_order named is {cancelled!r} in the ledger, not canceled")
    for call in ("open", "create", "cancel"):
        error = j.outcomes.get(call, {}).get("error") or {}
        if error.get("type") != "TypeError" or "amount" not in error.get("message", ""):
            j.problems["orders"].append(f"{call}: not the known finding ({error or 'it parsed'}): look again")


def judge(staged: Staged, outcomes: dict[str, dict[str, Any]]) -> PmxtJudging:
    judged = PmxtJudging(outcomes)
    ledger = staged.mock.app.ledger
    with ledger.reading():
        _quotes(judged, ledger)
        _books(judged, ledger)
        _trades_and_candles(judged, ledger, staged.fills)
        _portfolio(judged, ledger, staged.fills)
        _orders(judged, ledger, staged.resting)
    return judged


SAID = {
    "markets": "fetch_markets, fetch_order_book (YES and NO), fetch_trades and fetch_ohlcv (1h) of a market",
    "balance": f"fetch_balance's available cash ({BALANCE_FINDING})",
    "positions-pages": "fetch_positions (one page: pmxt pages nothing), a YES and a NO position",
    "fills": "fetch_my_trades, a YES and a NO fill",
    "orders": f"create_order and cancel_order, as the ledger shows them ({ORDER_FINDING})",
}


def play(work_dir: Path) -> PmxtJudging:
    """One run of pmxt against a fresh legacy mock, judged column by column."""
    staged = seed(work_dir)
    try:
        return judge(staged, run_plan(PMXT, staged, calls(staged), work_dir))
    finally:
        staged.mock.stop()


def pmxt_verdicts(names: list[str], work_dir: Path) -> dict[str, ClientVerdict]:
    """The columns of pmxt's row it plays (`COLUMNS`), from one run."""
    return one_run_verdicts(names, COLUMNS, lambda: play(work_dir).problems, SAID)
