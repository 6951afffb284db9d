"""The values worked by hand in the client matrix's ccxt plays, checked on the runs the matrix's ccxt rows make
(tests/clients/test_client_matrix.py's ccxt rows test): each play is recorded as a row runs it (`recorded`), its
cell's verdict is the shared judging's (mockexchange/contract/clients/ccxt_*.py), and the checks here hold it to the
numbers worked by hand and show each judging failing on a value changed. A play runs once for both.

ccxt 4.5.90 and ccxt.pro, unmodified from PyPI in their own venv:
- trading on the mock's Deribit venue (ccxt_trading.py's `play_orders` and `watch_orders`): `create_order` (a limit
  that rests, and one that crosses another account's resting order and fills at its price, paying the taker fee),
  `edit_order`, `cancel_order`, `fetch_closed_orders`, `fetch_order_trades`, `cancel_all_orders` over REST, and
  ccxt.pro's `watch_orders` and `watch_my_trades` following an order another account's order fills;
- `watch_order_book` (book.{instrument}.100ms) following orders placed and cancelled after its subscription was
  acknowledged (`watch_book`): every level equals the mock's book;
- the market data over REST in one run (`play_markets`): `fetch_order_book` and `fetch_ticker`, `fetch_tickers`,
  `fetch_ohlcv`, `fetch_trades`, `fetch_option_chain`, `fetch_funding_rate` and its history,
  `fetch_volatility_history` and `fetch_status`;
- the public channels (ccxt_market_ws.py's `watch_market`): `watch_trades`, `watch_ohlcv` and `watch_ticker` while
  another account takes resting asks over two minutes;
- `fetch_positions`, `fetch_position`, `fetch_balance` and a bad secret's `AuthenticationError` in one run over REST
  (ccxt_checks.py's `ccxt_verdicts`), on a trader long BTC-PERPETUAL, short an ETH future, long a BTC call and long
  the USDC linear perpetual, the indexes moved after the fills (`seed`): every value equal to the Deribit exchange's
  twice (the wire's JSON number, read as a Decimal, equals the book's Decimal exactly; ccxt's parsed float equals
  that number as a float, as exact as ccxt can be);
- ccxt.pro's `watch_my_trades` and `watch_balance` receiving a fill made once subscribed (ccxt_checks.py's
  `watch_a_fill`);
- `coinbaseinternational` against the Coinbase dialect (ccxt_coinbase.py's `play`): a CDP JWT, public/auth's
  coinbase_cdp grant over the websocket, the markets, the balance, an order placed and cancelled, the positions.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from mockexchange.contract.clients import ccxt_checks, ccxt_coinbase, ccxt_market_ws, ccxt_trading
from mockexchange.contract.clients.ccxt_checks import (
    HELD,
    PORTFOLIO_CHANNELS,
    POSITION_PATH,
    POSITIONS_PATH,
    TRADER,
    Seeded,
    WatchRun,
    at,
    balance_problems,
    book_view,
    position_problems,
    positions_problems,
    unified_symbol,
    wire_result,
)
from mockexchange.contract.clients.ccxt_coinbase import CoinbasePlay
from mockexchange.contract.clients.ccxt_feeds import feeds_problems
from mockexchange.contract.clients.ccxt_market_data import market_data_problems
from mockexchange.contract.clients.ccxt_market_ws import PublicChannelsWatch, market_ws_problems
from mockexchange.contract.clients.ccxt_trading import (
    BOOK_UNTIL,
    MarketsPlay,
    OrdersPlay,
    OrdersWatch,
    book_ws_problems,
    markets_problems,
    orders_problems,
    watch_problems,
)

PERP = "BTC-PERPETUAL"
PERP_SYMBOL = "BTC/USD:BTC"  # BTC-PERPETUAL's unified symbol
# The plays the ccxt rows make, by the module that makes each (its cells call them there).
PLAYS = {
    "play_orders": ccxt_trading,
    "watch_orders": ccxt_trading,
    "watch_book": ccxt_trading,
    "play_markets": ccxt_trading,
    "watch_market": ccxt_market_ws,
    "watch_a_fill": ccxt_checks,
    "seed": ccxt_checks,  # the portfolio of each of ccxt_checks.py's runs (`websocket`, the history, the REST reads)
    "run_rest": ccxt_checks,  # (what it answers, with the plan it was given: `_rest_run` below)
    "play": ccxt_coinbase,
}
MADE = dict.fromkeys(PLAYS, 1) | {"seed": 3, "run_rest": 2}  # how many times the rows make each


def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Each play's results, by its name, as the matrix's rows make them from now on."""
    made: dict[str, list[Any]] = {name: [] for name in PLAYS}
    for name, module in PLAYS.items():
        monkeypatch.setattr(module, name, _recording(getattr(module, name), made[name], with_plan=name == "run_rest"))
    return made


def _recording(play: Callable[..., Any], into: list[Any], with_plan: bool) -> Callable[..., Any]:
    def recording(*args: Any, **kwargs: Any) -> Any:
        result = play(*args, **kwargs)
        if "via" not in kwargs:  # (a watch the Coinbase row makes through coinbaseinternational: its cells judge it)
            into.append((args[0], result) if with_plan else result)
        return result

    return recording


def check_every_play(made: dict[str, list[Any]]) -> None:
    """Each play made as often as the rows make it, and each held to its values worked by hand."""
    assert {name: len(results) for name, results in made.items()} == MADE
    seeded, outcomes = _rest_run(made)
    positions_hold(seeded, outcomes)
    balance_holds(seeded, outcomes)
    bad_secret_holds(outcomes)
    orders_hold(made["play_orders"][0])
    watched_orders_hold(made["watch_orders"][0])
    book_ws_holds(*made["watch_book"][0])
    markets_hold(made["play_markets"][0])
    market_ws_holds(made["watch_market"][0])
    fill_watch_holds(made["watch_a_fill"][0])
    coinbase_holds(made["play"][0])


def _rest_run(made: dict[str, list[Any]]) -> tuple[Seeded, dict[str, dict[str, Any]]]:
    """The REST reads' run (`positions-pages`, `filters`, `balance`) and the portfolio it read, by its key."""
    ((plan, outcomes),) = [(plan, outcomes) for plan, outcomes in made["run_rest"] if "bad-secret" in outcomes]
    (seeded,) = [seeded for seeded in made["seed"] if seeded.client_id == plan["client_id"]]
    return seeded, outcomes


# -- REST reads -------------------------------------------------------------------------------------------------------


def positions_hold(seeded: Seeded, outcomes: dict[str, dict[str, Any]]) -> None:
    mock, names = seeded.mock, seeded.names
    # Every position, each one equal to the mock's records; load_markets first, as ccxt does.
    everything = outcomes["positions"]
    assert everything["ok"], everything
    assert [r["path"] for r in everything["requests"]] == [
        "/api/v2/public/get_currencies",
        "/api/v2/public/get_instruments",
        "/api/v2/private/get_positions",
    ]
    assert everything["requests"][1]["query"] == {} and everything["requests"][2]["query"] == {}
    held = sorted(names[role] for role in HELD)
    problems = positions_problems(seeded, everything, held)
    assert not problems, "\n".join(problems)
    wire = {row["instrument_name"]: row for row in wire_result(everything, POSITIONS_PATH)}
    parsed = {p["info"]["instrument_name"]: p for p in everything["result"]}
    assert {name: parsed[name]["side"] for name in held} == {
        names["perpetual"]: "long",
        names["future"]: "short",
        names["option"]: "long",
        names["linear"]: "long",
    }
    # Worked by hand: 25000 bought, 5000 sold, USD contracts; the ETH future sold 12000 USD; the call bought 1.5 BTC.
    assert parsed[names["perpetual"]]["contracts"] == 20000.0
    assert parsed[names["future"]]["contracts"] == -12000.0
    assert parsed[names["option"]]["contracts"] == 1.5
    assert "size_currency" not in wire[names["option"]]  # options carry none; ccxt derives its notional
    assert book_view(mock, names["perpetual"]).realized_profit_loss > 0  # the sell at 59000 made a profit

    # ccxt passes currency and kind through; the mock keeps the BTC-settled futures only (not the USDC perpetual).
    btc = outcomes["btc-futures"]
    assert btc["requests"][-1]["query"] == {"currency": "BTC", "kind": "future"}
    assert [p["info"]["instrument_name"] for p in btc["result"]] == [names["perpetual"]]
    assert btc["result"][0] == parsed[names["perpetual"]]

    one = outcomes["position"]  # the ETH future's
    assert one["requests"][-1]["path"] == POSITION_PATH
    assert one["requests"][-1]["query"] == {"instrument_name": names["future"]}
    assert not position_problems(mock, one["result"], wire_result(one, POSITION_PATH))
    assert one["result"] == parsed[names["future"]]

    # A flat instrument answers a zero position (Deribit's way), which ccxt calls 'short'.
    flat = outcomes["flat"]["result"]
    assert flat["contracts"] == 0.0 and flat["info"]["direction"] == "zero" and flat["side"] == "short"
    assert flat["symbol"] == unified_symbol(mock, names["flat"])


def balance_holds(seeded: Seeded, outcomes: dict[str, dict[str, Any]]) -> None:
    mock = seeded.mock
    outcome = outcomes["balance"]
    assert outcome["ok"], outcome
    assert outcome["requests"][-1]["path"] == "/api/v2/private/get_account_summaries"
    problems = balance_problems(mock, outcome, ["BTC", "ETH", "USDC"])
    assert not problems, "\n".join(problems)
    # By hand: ccxt's free = available_funds, used = maintenance_margin, total = equity.
    with mock.exchange.reading():
        eth = mock.exchange.valuation.account_summary(TRADER, "ETH")
    assert outcome["result"]["ETH"] == {  # at the 8 places Deribit sends a summary's amounts
        "free": float(at(eth.available_funds, 8)),
        "used": float(at(eth.maintenance_margin, 8)),
        "total": float(at(eth.equity, 8)),
    }
    with mock.exchange.reading():
        btc = mock.exchange.valuation.account_summary(TRADER, "BTC")
    assert btc.initial_margin > 0 and btc.equity != btc.balance  # positions moved it: not a bare deposit


def bad_secret_holds(outcomes: dict[str, dict[str, Any]]) -> None:
    bad = outcomes["bad-secret"]
    assert not bad["ok"] and bad["error"]["type"] == "AuthenticationError", bad
    assert "ExchangeError" in bad["error"]["mro"]
    request = bad["requests"][-1]
    assert request["path"] == "/api/v2/private/get_positions" and request["status"] == 401, request
    assert json.loads(request["body"])["error"]["code"] == 13009
    assert outcomes["positions"]["ok"] and len(outcomes["positions"]["result"]) == 4  # the right secret's


# -- trading ----------------------------------------------------------------------------------------------------------


def orders_hold(played: OrdersPlay) -> None:
    assert orders_problems(played) == []
    outcomes = played.outcomes
    requests = {call: outcomes[call]["requests"][-1] for call in outcomes}
    assert requests["rest"]["path"] == "/api/v2/private/buy" and requests["edit"]["path"] == "/api/v2/private/edit"
    assert requests["cancel"]["path"] == "/api/v2/private/cancel"
    assert requests["all"]["path"] == "/api/v2/private/cancel_all_by_instrument"
    assert requests["closed"]["path"] == "/api/v2/private/get_order_history_by_instrument"
    assert requests["trades"]["path"] == "/api/v2/private/get_user_trades_by_order"
    assert (played.orders["rest"]["order_state"], played.orders["edit"]["order_state"]) == ("cancelled", "cancelled")
    edited = outcomes["edit"]["result"]
    assert (edited["id"], edited["price"], edited["amount"], edited["status"]) == ("seed-1", 48500.0, 200.0, "open")
    assert played.orders["edit"]["replaced"] is True
    # The crossing buy filled at the resting ask's price, the taker paying 0.05% of 20 USD / 61000 in BTC.
    cross = outcomes["cross"]["result"]
    (trade,) = played.trades[played.ids["cross"]]
    assert (trade["price"], trade["amount"], trade["liquidity"]) == (61000, 20, "T")
    assert trade["fee"] == Decimal("1.6E-7") and cross["status"] == "closed" and cross["average"] == 61000.0
    assert cross["fee"] == {"cost": "0.00000016", "currency": "BTC"}  # ccxt keeps an order's fee as text
    # fetch_closed_orders: only orders that filled something (seed-2 was cancelled unfilled).
    assert {row["order_id"] for row in played.closed} == {played.ids["cross"], "seed-3"}
    # fetch_order_trades: seed-3's one fill, alice's side of it (the maker's: no fee on a future).
    (parsed,) = outcomes["trades"]["result"]
    assert (parsed["side"], parsed["price"], parsed["amount"], parsed["takerOrMaker"]) == (
        "sell",
        63000.0,
        20.0,
        "maker",
    )
    # cancel_all_orders: the two orders still open on the instrument (rest and seed-1), counted by the wire.
    assert json.loads(requests["all"]["body"])["result"] == 2
    # The judging can fail: a client that read the crossing order's price wrong is named by field.
    wrong = copy.deepcopy(played)
    wrong.outcomes["cross"]["result"]["price"] = 61000.5
    assert orders_problems(wrong) == [f"order {played.ids['cross']} price: ccxt 61000.5, the book 61000.0"]


def watched_orders_hold(watched: OrdersWatch) -> None:
    assert watch_problems(watched) == []
    missed = OrdersWatch({**watched.done, "my_trades": []}, watched.channels, watched.orders, watched.trades)
    assert watch_problems(missed) == ["watch_my_trades saw 0 trades, the book 1"]
    assert "user.orders.any.any.raw" in watched.channels
    latest = {order["id"]: order for order in watched.done["orders"]}
    resting, mine = watched.orders
    assert (latest[resting]["filled"], latest[resting]["remaining"], latest[resting]["status"]) == (40.0, 60.0, "open")
    assert (latest[mine]["status"], latest[mine]["price"]) == ("open", 60000.0)
    (parsed,) = watched.done["my_trades"]
    assert (parsed["side"], parsed["price"], parsed["amount"], parsed["takerOrMaker"]) == (
        "sell",
        61000.0,
        40.0,
        "maker",
    )


def book_ws_holds(done: dict[str, Any], channels: list[str], wire: dict[str, Any]) -> None:
    """Every level ccxt parsed equals the mock's book: the wire's JSON number read as a Decimal equals the book's,
    and ccxt's float equals that number."""
    assert book_ws_problems(done, wire) == []
    assert channels == [f"book.{PERP}.100ms"]
    assert done["book"]["bids"] == BOOK_UNTIL["bids"] and done["book"]["asks"] == BOOK_UNTIL["asks"]
    frames = [m["params"]["data"] for m in done["received"] if m.get("method") == "subscription"]
    assert frames[0]["type"] == "snapshot" and [f["type"] for f in frames[1:]] == ["change"] * 4
    assert frames[-1]["change_id"] == wire["change_id"]
    assert book_ws_problems({**done, "book": {"bids": [], "asks": []}}, wire)[0].startswith("watch_order_book's book")


# -- market data over REST --------------------------------------------------------------------------------------------


def markets_hold(played: MarketsPlay) -> None:
    """Every value ccxt parsed equals what the exchange keeps (ccxt_trading.py's, ccxt_market_data.py's and
    ccxt_feeds.py's judging), a few worked by hand; each judging names a value changed."""
    assert markets_problems(played) == []
    assert played.flagged == []  # every answer met the kit's slice as the journal judged it
    for check in (_book_and_ticker, _tickers, _ohlcv, _trades, _option_chain, _funding, _volatility, _status):
        check(played)


def _spoiled(played: MarketsPlay, call: str, change: Callable[[Any], None]) -> list[str]:
    """The market data and feeds judging of the play with one value ccxt parsed changed."""
    outcomes = copy.deepcopy(played.outcomes)
    change(outcomes[call]["result"])
    return market_data_problems(outcomes, played.kept) + feeds_problems(outcomes, played.feeds)


def _book_and_ticker(played: MarketsPlay) -> None:
    outcomes, wire = played.outcomes, played.wire
    book, top, ticker = outcomes["book"], outcomes["top"], outcomes["ticker"]
    assert book["requests"][-1]["path"] == "/api/v2/public/get_order_book"
    assert top["requests"][-1]["query"]["depth"] == "1"
    assert wire["bids"] == [[49990, 100], [Decimal("49980.5"), 50]] and wire["asks"] == [[Decimal("50010.5"), 70]]
    assert book["result"]["bids"] == [[49990.0, 100.0], [49980.5, 50.0]] and book["result"]["asks"] == [[50010.5, 70.0]]
    assert ticker["result"]["bid"] == 49990.0 and ticker["result"]["bidVolume"] == 100.0
    assert ticker["result"]["ask"] == 50010.5 and ticker["result"]["askVolume"] == 70.0
    assert ticker["result"]["last"] == 49950.0  # the perpetual's last trade
    lost = copy.deepcopy(outcomes)
    lost["book"]["result"]["bids"][0][1] = 99.0  # a client that lost an amount is named
    named = markets_problems(MarketsPlay(lost, wire, played.kept, played.feeds, []))
    assert named[0].startswith("fetch_order_book: ccxt [[49990.0, 99.0]")
    # an answer the journal found breaking the kit's slice is named too
    broke = 'public/ticker: result: "best_bid_price" is a required property'
    named = markets_problems(MarketsPlay(outcomes, wire, played.kept, played.feeds, [broke]))
    assert named == [f"the answer breaks the slice: {broke}"]


def _tickers(played: MarketsPlay) -> None:
    outcome = played.outcomes["tickers"]
    assert outcome["requests"][-1]["query"] == {"currency": "BTC"}
    tickers = outcome["result"]
    assert len(tickers) == len(played.kept.summaries) > 3  # every BTC instrument listed and not expired
    perp = tickers[PERP_SYMBOL]
    # by hand: 1000 USD at 50000, 2000 at 50100.5, 500 at 49950, in BTC: 0.02 + 0.03991976 + 0.01001001
    assert (perp["high"], perp["low"], perp["last"], perp["bid"], perp["ask"]) == (50100.5, 49950.0, 49950.0,
                                                                                    49990.0, 50010.5)  # fmt: skip
    assert perp["baseVolume"] == 0.06992977 and perp["quoteVolume"] == 3500.0
    problems = _spoiled(played, "tickers", lambda result: result[PERP_SYMBOL].update(last=50000.0))
    assert problems == ["BTC-PERPETUAL ccxt last: 50000.0, kept 49950.00000000"]


def _ohlcv(played: MarketsPlay) -> None:
    one, five = played.outcomes["ohlcv-1m"], played.outcomes["ohlcv-5m"]
    assert one["requests"][-1]["query"]["resolution"] == "1" and five["requests"][-1]["query"]["resolution"] == "5"
    candles = one["result"]
    start = candles[0][0]
    assert start % 300_000 == 0 and [c[0] - start for c in candles] == [m * 60_000 for m in range(6)]
    assert candles[0][1:] == [50000.0, 50100.5, 50000.0, 50100.5, 0.05991976]  # the first minute's two trades
    assert candles[1][1:] == [50100.5] * 4 + [0.0]  # a minute with no trade: the close before it
    assert candles[2][1:] == [49950.0] * 4 + [0.01001001]
    assert five["result"] == [[start, 50000.0, 50100.5, 49950.0, 49950.0, 0.06992977], [start + 300_000, *[49950.0] * 4,
                                                                                          0.0]]  # fmt: skip
    problems = _spoiled(played, "ohlcv-1m", lambda result: result[2].__setitem__(5, 0.01))
    kept = [49950.0] * 4 + [0.01001001]
    assert problems == [f"fetch_ohlcv 1m {start + 120_000} ccxt {[*kept[:4], 0.01]}, kept {kept}"]


def _trades(played: MarketsPlay) -> None:
    latest, since = played.outcomes["trades"], played.outcomes["trades-since"]
    assert latest["requests"][-1]["path"] == "/api/v2/public/get_last_trades_by_instrument"
    assert since["requests"][-1]["path"] == "/api/v2/public/get_last_trades_by_instrument_and_time"
    assert since["requests"][-1]["query"]["count"] == "2" and "end_timestamp" not in since["requests"][-1]["query"]
    assert [(t["side"], t["amount"], t["price"]) for t in latest["result"]] == [
        ("buy", 1000.0, 50000.0), ("sell", 2000.0, 50100.5), ("buy", 500.0, 49950.0)
    ]  # fmt: skip
    assert [t["id"] for t in since["result"]] == [t["id"] for t in latest["result"][1:]]
    assert latest["result"][0]["cost"] == 0.02  # 1000 USD at 50000, in BTC
    problems = _spoiled(played, "trades", lambda result: result[1].update(side="buy"))
    assert problems == [f"trade {latest['result'][1]['id']} ccxt side: 'buy', kept 'sell'"]


def _option_chain(played: MarketsPlay) -> None:
    chain = played.outcomes["chain"]
    assert chain["requests"][-1]["query"] == {"currency": "BTC", "kind": "option"}
    options = [item for item in played.kept.summaries if item.instrument.kind == "option"]
    assert len(chain["result"]) == len(options) > 1
    symbol = played.kept.symbols[played.kept.option]
    traded = chain["result"][symbol]
    assert (traded["bidPrice"], traded["askPrice"], traded["midPrice"], traded["lastPrice"]) == (0.04, 0.05, 0.045,
                                                                                                  0.045)  # fmt: skip
    assert traded["openInterest"] == 0.5 and traded["underlyingPrice"] == 61234.5 and traded["currency"] == "BTC"
    problems = _spoiled(played, "chain", lambda result: result[symbol].update(openInterest=5.0))
    assert problems == [f"{played.kept.option} ccxt openInterest: 5.0, kept 0.5"]


def _funding(played: MarketsPlay) -> None:
    rate, history = played.outcomes["funding"], played.outcomes["funding-history"]
    query = rate["requests"][-1]["query"]  # ccxt's last 8 hours by its own clock
    assert int(query["end_timestamp"]) - int(query["start_timestamp"]) == 8 * 3_600_000
    assert rate["result"]["symbol"] == PERP_SYMBOL and isinstance(rate["result"]["fundingRate"], float)
    # by hand, each whole hour H-6h .. H: 0.0001 for 8 hours from H-10h, -0.0002 from H-3h; the index 60000, then
    # 61000 from H-2h. The 8 hours to H-6h hold 4 at 0.0001: 0.00005; to H: 5 at 0.0001 and 3 at -0.0002
    rows = history["result"]
    hour = rows[0]["timestamp"]
    assert [r["timestamp"] - hour for r in rows] == [h * 3_600_000 for h in range(7)] and hour % 3_600_000 == 0
    assert [r["fundingRate"] for r in rows] == [5e-05, 6.25e-05, 7.5e-05, 8.75e-05, 6.25e-05, 2.5e-05, -1.25e-05]
    assert [r["indexPrice"] for r in rows] == [60000.0] * 4 + [61000.0] * 3
    problems = _spoiled(played, "funding-history", lambda result: result[6].update(fundingRate=-1.2e-05))
    assert problems == [f"funding {hour + 6 * 3_600_000} rate ccxt -1.2e-05, kept -0.0000125000000000"]
    problems = _spoiled(played, "funding", lambda result: result.update(fundingRate=0.0))
    assert len(problems) == 1 and problems[0].startswith("fetch_funding_rate ccxt 0.0, kept ")


def _volatility(played: MarketsPlay) -> None:
    points = played.outcomes["volatility"]["result"]
    assert [p["volatility"] for p in points] == [50.0, 55.25, 52.5]
    assert [p["timestamp"] - points[-1]["timestamp"] for p in points] == [-7_200_000, -3_600_000, 0]
    problems = _spoiled(played, "volatility", lambda result: result[1].update(volatility=55.0))
    assert problems == [f"volatility {points[1]['timestamp']} ccxt 55.0, kept 55.25000000"]


def _status(played: MarketsPlay) -> None:
    status = played.outcomes["status"]["result"]
    assert status["status"] == "maintenance"  # locked in btc_usd, not in the other indices with a price: partial
    assert status["info"]["result"] == {"locked": "partial", "locked_indices": ["btc_usd"]}
    problems = _spoiled(played, "status", lambda result: result.update(status="ok"))
    assert problems == ["fetch_status 'ok', kept 'maintenance' (locked partial)"]


# -- the public channels and a user's fill over ccxt.pro --------------------------------------------------------------


def market_ws_holds(watched: PublicChannelsWatch) -> None:
    """Every trade, candle and ticker field ccxt parsed equals what the mock keeps
    (public/get_last_trades_by_instrument, public/get_tradingview_chart_data, public/ticker), and a wrong value is
    named by the check."""
    assert market_ws_problems(watched) == []
    assert watched.channels == [f"trades.{PERP}.100ms", f"chart.trades.{PERP}.1", f"ticker.{PERP}.100ms"]
    done = watched.done
    assert [(t["side"], t["price"], t["amount"]) for t in done["trades"]] == [
        ("buy", 60010.0, 40.0), ("buy", 60020.0, 20.0), ("buy", 60030.0, 10.0)
    ]  # fmt: skip
    (first, second) = done["ohlcv"]
    assert second[0] - first[0] == 60_000 and first[1:5] == [60010.0] * 4 and second[1:5] == [60020.0, 60030.0,
                                                                                          60020.0, 60030.0]  # fmt: skip
    assert watched.chart["volume"][0] == Decimal("0.00066656")  # 40 USD at 60010, in BTC to 8 places
    ticker = done["ticker"]
    assert (ticker["last"], ticker["bid"], ticker["ask"]) == (60030.0, 59990.0, 60040.0)
    assert ticker["quoteVolume"] == 70.0  # USD traded today
    # A client that parsed a wrong value is named, method by method.
    for path, value, named in (
        (("trades", 1, "price"), 60021.0, "watch_trades' trade"),
        (("ohlcv", 0, 4), 60011.0, "watch_ohlcv's candles"),
        (("ticker", "bidVolume"), 49.0, "watch_ticker's bidVolume"),
    ):
        wrong = copy.deepcopy(watched)
        held = wrong.done
        for step in path[:-1]:
            held = held[step]
        held[path[-1]] = value
        assert market_ws_problems(wrong)[0].startswith(named)


def fill_watch_holds(watched: WatchRun) -> None:
    """ccxt.pro authenticates with client_signature and subscribes `user.trades.any.any.raw` and
    `user.portfolio.{BTC,ETH,SOL,USDC}`; only then another user and the trader fill. watch_my_trades answers exactly
    the trader's fill (its judging against the book and the account summary is the matrix's `websocket` cell's)."""
    # By hand: 3000 USD of BTC-PERPETUAL at 61100.5, a fee of 0.0000125 BTC; inverse, so the cost is 3000 / 61100.5 BTC.
    [got] = watched.done["my_trades"]
    assert (got["symbol"], got["side"], got["amount"], got["price"]) == ("BTC/USD:BTC", "buy", 3000.0, 61100.5)
    assert got["fee"] == {"cost": 0.0000125, "currency": "BTC"}
    assert got["cost"] == pytest.approx(3000 / 61100.5, rel=1e-12)
    notified = [m for m in watched.done["received"] if m.get("params", {}).get("channel", "").startswith("user.")]
    # Each portfolio channel's first, once subscribed (of ccxt's four currencies, those the mock lists: not SOL), then
    # the trader's fill: its trade and its BTC portfolio. The other user's fill sent nothing.
    firsts = [channel for channel in PORTFOLIO_CHANNELS if not channel.endswith(".SOL")]
    channels = [m["params"]["channel"] for m in notified]
    assert sorted(channels) == sorted([*firsts, "user.trades.any.any.raw", "user.portfolio.BTC"])
    for message in notified:
        channel, data = message["params"]["channel"], message["params"]["data"]
        assert channel == "user.trades.any.any.raw" or data["currency"] == channel.rsplit(".", 1)[1], message


# -- Coinbase's Deribit-powered API -----------------------------------------------------------------------------------


def coinbase_holds(played: CoinbasePlay) -> None:
    """coinbaseinternational signs a CDP JWT with the key the admin API drew, authenticates with public/auth's
    coinbase_cdp grant over the websocket, loads the markets, fetches the balance, places and cancels an order and
    fetches the open orders, positions and its fills."""
    assert ccxt_coinbase.problems(played) == []
    auth = played.received[0]["result"]  # the first reply on the socket: public/auth's
    assert set(auth) == {"access_token", "expires_in", "scope", "token_type"} and auth["token_type"] == "bearer"
    assert auth["scope"] == (
        "wallet:user:read wallet:accounts:read wallet:transactions:read wallet:buys:create wallet:sells:create"
    )
    requests = [request["path"] for request in played.outcomes["markets"]["requests"]]
    assert requests == ["/coinbase/api/v2/public/get_currencies", "/coinbase/api/v2/public/get_instruments"]
    # ccxt's own REST public/auth fails before sending (TypeError in its sign): no request reached the mock.
    assert played.outcomes["rest_balance"]["error"]["type"] == "TypeError"
    order = played.outcomes["order"]["result"]
    assert (order["symbol"], order["side"], order["price"], order["status"]) == (
        ccxt_coinbase.SYMBOL, "buy", 50000.0, "open",
    )  # fmt: skip
    # fetch_my_trades_ws: the trader's one fill, worked by hand (0.25 bought at 59500, ccxt's cost 0.25 x 59500)
    (mine,) = played.outcomes["my_trades"]["result"]
    got = (mine["symbol"], mine["side"], mine["amount"], mine["price"], mine["cost"])
    assert got == (ccxt_coinbase.SYMBOL, "buy", 0.25, 59500.0, 14875.0), got
    # The judging can fail: a position ccxt read at another size is named, and a fill at another price.
    played.outcomes["positions"]["result"][0]["contracts"] = 1
    assert ccxt_coinbase.problems(played)[0].startswith("position: ccxt BTC/USDC:USDC 1")
    mine["price"] = 1.0
    assert any(problem.startswith("my_trades: trade ") and " price: 1.0" in problem
               for problem in ccxt_coinbase.problems(played))  # fmt: skip
