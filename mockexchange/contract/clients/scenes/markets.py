"""The `markets` scene: a client reads what the exchange lists: markets (one event's, walked by cursor), one market,
its order book (and two books at once), its trades (walked by cursor), a series' events (walked by cursor), one
event, a series, the series list and the exchange's status. Every value is compared with what the scene set through
the control plane, read back from the ledger: the market's quotes and sizes from its figures, the book level by level,
the trades from the fills that printed them.

Seeded: two series (`KXMKT`, fee type and multiplier of its own; `KXMKTB`), three events, eight markets (five in
`KXMKT-26`, strikes 1.25 to 5.25, on exchange indexes 0 and 1), the house's book on two of them, four fills (three on
the booked market: YES bought, NO bought, YES sold; one on the thin one), one market paused and one determined (its
settlement timer years long: still determined when read), the exchange's trading switched off with a resume time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.dialects import MarketData
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, Unmet
from mockexchange.core.kalshi.units import PRICE, contracts, price
from mockexchange.server import MockServer

TRADER = "trader"
SERIES, OTHER_SERIES = "KXMKT", "KXMKTB"
EVENT, EVENT_2, OTHER_EVENT = f"{SERIES}-26", f"{SERIES}-27", f"{OTHER_SERIES}-26"
MARKETS = tuple(f"{EVENT}-T{n}" for n in range(1, 6))
BOOKED, THIN, PAUSED, DETERMINED = MARKETS[2], MARKETS[1], MARKETS[3], MARKETS[4]
# (ticker, side, action, count, that side's price) of the trader's fills, in order.
FILLS = (
    (BOOKED, "yes", "buy", "3", "0.45"),
    (BOOKED, "no", "buy", "2", "0.59"),
    (THIN, "yes", "buy", "1", "0.33"),
    (BOOKED, "yes", "sell", "1.5", "0.43"),
)
MARKETS_LIMIT, TRADES_LIMIT, EVENTS_LIMIT = 2, 2, 1
# The 3.2.0 SDK knows no `inactive`: the legacy profile says `closed` of a paused market (docs/known-differences.md).
LEGACY_STATUS = {"inactive": "closed"}


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile))
    try:
        mock.create_account(TRADER, balance_cents=1_000_000)
        keys = {"trader": Key.create(mock, key_dir, "markets-trader", TRADER)}
        mock.set_series(
            SERIES, title="Markets kit", frequency="weekly", category="Economics", tags=["Kit", "Rates"],
            fee_type="quadratic_with_maker_fees", fee_multiplier="0.5",
        )  # fmt: skip
        mock.set_series(OTHER_SERIES, title="Another", category="Politics")
        mock.set_event(EVENT, title="Twenty-six", sub_title="In 2026", collateral_return_type="MECNET")
        mock.set_event(EVENT_2, series_ticker=SERIES, title="Twenty-seven")
        mock.set_event(OTHER_EVENT, title="Elsewhere")
        for n, ticker in enumerate(MARKETS, 1):
            mock.create_market(
                ticker, EVENT, exchange_index=n % 2, strike_type="greater", floor_strike=f"{n}.25",
                settlement_timer_seconds=10**8,
            )  # fmt: skip
        mock.create_market(f"{EVENT_2}-T1", EVENT_2)
        mock.create_market(f"{OTHER_EVENT}-T1", OTHER_EVENT)
        mock.set_book(BOOKED, yes=[["0.40", "10"], ["0.41", "5.5"]], no=[["0.55", "7"], ["0.52", "1.25"]])
        mock.set_book(THIN, yes=[["0.30", "2"]], no=[["0.65", "1"]])
        fills = [mock.fill(TRADER, *fill) for fill in FILLS]
        mock.pause_market(PAUSED)
        mock.determine_market(DETERMINED, "no")
        mock.set_exchange_status(trading_active=False, exchange_estimated_resume_time="2030-01-02T03:04:05Z")
        return Stage(mock, keys, profile, {"fills": fills})
    except BaseException:
        mock.stop()
        raise


def calls(stage: Stage) -> list[SceneCall]:
    return [
        SceneCall("markets", "GetMarkets", {"event_ticker": EVENT, "limit": MARKETS_LIMIT}, "pages", "markets"),
        SceneCall("market", "GetMarket", {"ticker": BOOKED}),
        SceneCall("book", "GetMarketOrderbook", {"ticker": BOOKED}),
        SceneCall("books", "GetMarketOrderbooks", {"tickers": [BOOKED, THIN]}),
        SceneCall("trades", "GetTrades", {"ticker": BOOKED, "limit": TRADES_LIMIT}, "pages", "trades"),
        SceneCall("events", "GetEvents", {"series_ticker": SERIES, "limit": EVENTS_LIMIT}, "pages", "events"),
        SceneCall("event", "GetEvent", {"event_ticker": EVENT}),
        SceneCall("series", "GetSeries", {"series_ticker": SERIES}),
        SceneCall("series_list", "GetSeriesList"),
        SceneCall("status", "GetExchangeStatus"),
    ]


def market_data(j: Judge) -> MarketData:
    assert j.dialect.market_data is not None  # the scene's checks ask only clients that read market data
    return j.dialect.market_data


def record(j: Judge, call: str, envelope: str) -> Any:
    """A single answer's record: under Kalshi's envelope, or the answer itself for a client that unwraps it."""
    answer = j.answer(call)
    if not market_data(j).enveloped:
        return answer
    if not isinstance(answer, dict) or envelope not in answer:
        raise Unmet(f"{call}: no {envelope!r} in the answer: {str(answer)[:200]}")
    return answer[envelope]


def breaks(j: Judge, call: str, operation: str) -> bool:
    """Whether the client is known not to parse this correct answer: then the call must raise as known (a finding)."""
    known = market_data(j).breaks.get(operation)
    if known is not None:
        j.raised(call, *known)
    return known is not None


def market_record(j: Judge, ticker: str) -> SimpleNamespace:
    """What a read of the market must show, from the ledger: an empty side reads as a YES bid of 0 and a YES ask of
    1, no trade as a last price of 0."""
    with j.ledger.reading() as ledger:
        market, stats = ledger.state.markets[ticker], ledger.feed.stats(ticker)
    bid = stats.yes_bid if stats.yes_bid is not None else 0
    ask = stats.yes_ask if stats.yes_ask is not None else PRICE
    return SimpleNamespace(
        ticker=market.ticker, event_ticker=market.event_ticker, status=market.status,
        legacy_status=LEGACY_STATUS.get(market.status, market.status), exchange_index=market.exchange_index,
        result=market.result or "", open_time=market.open_time, close_time=market.close_time,
        floor_strike=market.floor_strike, yes_bid=price(bid), yes_ask=price(ask), no_bid=price(PRICE - ask),
        no_ask=price(PRICE - bid), last_price=price(stats.last_price or 0),
        yes_bid_size=contracts(stats.yes_bid_size), yes_ask_size=contracts(stats.yes_ask_size),
        volume=contracts(stats.volume), open_interest=contracts(stats.open_interest),
    )  # fmt: skip


def markets_listed(j: Judge) -> None:
    if breaks(j, "markets", "GetMarkets"):
        return
    rows = j.listed("markets")
    j.rows("markets", rows, [market_record(j, ticker) for ticker in MARKETS], market_data(j).market)
    j.walked("markets", len(MARKETS), MARKETS_LIMIT)
    statuses = {market_record(j, t).status for t in MARKETS}
    if statuses != {"active", "inactive", "determined"}:
        j.problems.append(f"markets: the scene's statuses are {sorted(statuses)} (the check could not tell them)")


def one_market(j: Judge) -> None:
    if breaks(j, "market", "GetMarket"):
        return
    j.rows("market", [record(j, "market", "market")], [market_record(j, BOOKED)], market_data(j).market)


Levels = list[tuple[Decimal, Decimal]]
Book = tuple[Levels, Levels]  # YES bids and NO bids, [(price, contracts)] lowest price first


def ledger_book(ledger: Any, ticker: str) -> Book:
    """The market's book as Kalshi lists it: YES bids and NO bids (the YES asks at 1 - price), lowest price first."""
    with ledger.reading():
        bids, asks = ledger.feed.book_levels(ticker)
    yes = [(price(p), contracts(size)) for p, size in reversed(bids)]
    no = [(price(PRICE - p), contracts(size)) for p, size in reversed(asks)]
    return yes, no


def client_book(data: MarketData, book: Any) -> Book:
    """A book as the client parsed it, in Decimals."""
    if data.book == "levels":
        sides = [[(Decimal(level["price"]), Decimal(level["quantity"])) for level in book[side] or ()] for side in
                 ("yes", "no")]  # fmt: skip
    else:
        sides = [[(Decimal(p), Decimal(c)) for p, c in book[side] or ()] for side in ("yes_dollars", "no_dollars")]
    return sides[0], sides[1]


def _same_book(j: Judge, what: str, book: Any, ticker: str) -> None:
    want = ledger_book(j.ledger, ticker)
    try:
        got = client_book(market_data(j), book)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        j.problems.append(f"{what}: not a book ({exc!r}): {str(book)[:200]}")
        return
    j.same(f"{what}: levels", shown(got), shown(want))
    if not want[0] or not want[1]:
        j.problems.append(f"{what}: the scene's book has an empty side (the check could not fail)")


def shown(book: Book) -> str:
    """A book as `yes 0.4000x10.00 0.4100x5.50; no 0.5500x7.00` (prices and counts at the wire's places)."""
    return "; ".join(f"{side} " + " ".join(f"{p:.4f}x{c:.2f}" for p, c in levels) for side, levels in
                     zip(("yes", "no"), book, strict=True))  # fmt: skip


def the_book(j: Judge) -> None:
    if breaks(j, "book", "GetMarketOrderbook"):
        return
    data = market_data(j)
    book = record(j, "book", data.book_key)
    _same_book(j, "book", book, BOOKED)
    if data.book_key == "orderbook":  # the 3.2.0 SDK's Orderbook
        if "yes" in book or book.get("true") is not None:
            j.problems.append(f"book: the 3.2.0 SDK now reads the integer levels ({sorted(book)}): a finding gone")
        else:
            j.notes.append(
                "book: its Orderbook calls the integer levels `true` and `false` (its generator read the spec's YAML "
                "keys yes/no as booleans), so it drops them; its yes_dollars/no_dollars hold the book"
            )


def books(j: Judge) -> None:
    answer = j.answer("books")
    listed = answer if not market_data(j).enveloped else (answer or {}).get("orderbooks")
    if not isinstance(listed, list):
        raise Unmet(f"books: no list of books in the answer: {str(answer)[:200]}")
    j.same("books: tickers", [entry.get("ticker") for entry in listed], [BOOKED, THIN])
    for entry in listed:
        book = entry if not market_data(j).enveloped else entry.get(market_data(j).book_key)
        _same_book(j, f"books: {entry.get('ticker')}", book, entry.get("ticker"))


def trade_record(fill: dict[str, Any]) -> SimpleNamespace:
    """The trade a taker's fill printed: its taker took the fill's outcome side (bought YES, or sold it: NO)."""
    side_price = Decimal(fill["price"])
    yes_price = side_price if fill["side"] == "yes" else 1 - side_price
    taker = "yes" if (fill["side"] == "yes") == (fill["action"] == "buy") else "no"
    return SimpleNamespace(
        trade_id=fill["fill_id"], ticker=fill["ticker"], count=Decimal(fill["count"]), yes_price=yes_price,
        no_price=1 - yes_price, taker_side=taker, taker_book_side="bid" if taker == "yes" else "ask",
        created=datetime.fromisoformat(fill["created_time"]),
    )  # fmt: skip


def trades(j: Judge) -> None:
    expected = [trade_record(fill) for fill in reversed(j.facts["fills"]) if fill["ticker"] == BOOKED]
    rows = j.listed("trades")
    j.rows("trades", rows, expected, market_data(j).trade)
    j.same("trades: newest first", [row.get("trade_id") for row in rows], [t.trade_id for t in expected])
    j.walked("trades", len(expected), TRADES_LIMIT)


def _events(j: Judge, tickers: list[str]) -> list[Any]:
    with j.ledger.reading() as ledger:
        return [ledger.state.events[ticker] for ticker in tickers]


def events(j: Judge) -> None:
    with j.ledger.reading() as ledger:
        tickers = sorted(ledger.state.series[SERIES].events)
    j.rows("events", j.listed("events"), _events(j, tickers), market_data(j).event)
    j.walked("events", len(tickers), EVENTS_LIMIT)


def one_event(j: Judge) -> None:
    j.rows("event", [record(j, "event", "event")], _events(j, [EVENT]), market_data(j).event)
    if market_data(j).enveloped:  # the official answer lists the event's markets beside it
        markets = [market.get("ticker") for market in j.answer("event").get("markets") or ()]
        j.same("event: its markets", markets, list(MARKETS))


def _series(j: Judge, tickers: list[str]) -> list[Any]:
    with j.ledger.reading() as ledger:
        return [ledger.state.series[ticker] for ticker in tickers]


def a_series(j: Judge) -> None:
    found = record(j, "series", "series")
    [series] = _series(j, [SERIES])
    j.rows("series", [found], [series], market_data(j).series)
    j.same("series: tags", found.get("tags"), series.tags)


def series_list(j: Judge) -> None:
    listed = record(j, "series_list", "series")
    with j.ledger.reading() as ledger:
        tickers = sorted(ledger.state.series)
    j.rows("series_list", listed, _series(j, tickers), market_data(j).series)


def exchange_status(j: Judge) -> None:
    answer = j.answer("status")
    with j.ledger.reading() as ledger:
        status = ledger.state.exchange.at(ledger.state.clock.now())
        want = {
            "exchange_active": status.exchange_active,
            "trading_active": status.exchange_active and status.trading_active,
            "exchange_estimated_resume_time": status.estimated_resume_time,
        }
    got = {name: answer.get(name) for name in want}
    if got["exchange_estimated_resume_time"]:
        got["exchange_estimated_resume_time"] = datetime.fromisoformat(got["exchange_estimated_resume_time"])
    kept = market_data(j).status  # (the fields the client keeps)
    j.same(f"status: ({', '.join(kept)})", [got[name] for name in kept], [want[name] for name in kept])
    if want["trading_active"]:
        j.problems.append("status: the scene left trading on (the check could not tell the switch)")


MARKETS_SCENE = Scene(
    "markets",
    seed,
    calls,
    (
        Check("markets by event", ("GetMarkets",), markets_listed),
        Check("a market", ("GetMarket",), one_market),
        Check("its book", ("GetMarketOrderbook",), the_book),
        Check("two books", ("GetMarketOrderbooks",), books),
        Check("its trades", ("GetTrades",), trades),
        Check("a series' events", ("GetEvents",), events),
        Check("an event", ("GetEvent",), one_event),
        Check("a series", ("GetSeries",), a_series),
        Check("the series list", ("GetSeriesList",), series_list),
        Check("the exchange's status", ("GetExchangeStatus",), exchange_status),
    ),
)
