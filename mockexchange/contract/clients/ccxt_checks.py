"""ccxt (its `deribit` class, and ccxt.pro's) against the mock's Deribit venue: the portfolio it is read against and
how what ccxt parsed is judged against the Deribit exchange. Used by the client matrix's ccxt row, whose plays
tests/clients/ccxt_played.py holds to values worked by hand.

Every value is judged twice: the wire's JSON number, read as a Decimal, must equal the book's Decimal exactly (the
renderer writes the Decimal's digits), and ccxt's parsed value must equal that number as a float (ccxt parses JSON
into floats, so that is as exact as it gets). Unified symbols are worked out from the instruments' facts, not read
from ccxt. The book is read directly, never through the renderers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.ccxt_run import CcxtRun, run_rest
from mockexchange.contract.clients.checks import ClientVerdict
from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.core.deribit.records import CashMove, DeribitTrade
from mockexchange.core.deribit.views import PositionView
from mockexchange.server import MockServer
from mockexchange.venues.deribit.render import POSITION, PRICE, SUMMARY

TRADER = "trader"
OTHER = "other"  # trades the same instruments: none of it may reach the trader
POSITIONS_PATH = "/api/v2/private/get_positions"
POSITION_PATH = "/api/v2/private/get_position"
SUMMARIES_PATH = "/api/v2/private/get_account_summaries"
TRADES_PATHS = {
    "currency": "/api/v2/private/get_user_trades_by_currency",
    "currency_and_time": "/api/v2/private/get_user_trades_by_currency_and_time",
    "instrument": "/api/v2/private/get_user_trades_by_instrument",
}
DEPOSITS_PATH = "/api/v2/private/get_deposits"
WITHDRAWALS_PATH = "/api/v2/private/get_withdrawals"
HELD = ("perpetual", "future", "option", "linear")
AGREES = "equal to the mock's records"  # a check's reason when the client's answer agrees with what the mock holds
# ccxt.pro 4.5.90's watch_balance subscribes one channel per code in options['currencies'].
PORTFOLIO_CHANNELS = ("user.portfolio.BTC", "user.portfolio.ETH", "user.portfolio.SOL", "user.portfolio.USDC")


@dataclass
class Seeded:
    mock: MockServer
    client_id: str
    client_secret: str
    names: dict[str, str]  # role -> instrument name: the HELD roles, and `flat` (listed, never traded)

    def plan(self, calls: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        """A plan for scripts/deribit/ccxt_client.py against this mock with the trader's key."""
        return {
            "rest_url": self.mock.deribit_url,
            "ws_url": self.mock.deribit_ws_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "calls": calls,
            **extra,
        }


def deribit_mock() -> MockServer:
    """A mock whose exchange time stands still: an option's Black-76 mark (which decays with the time to expiry) is
    then the same when the mock answers ccxt and when the book is read. Signatures use the wall clock."""
    return MockServer(clock=ManualClock())


def listed_name(mock: MockServer, kind: str, settlement: str, **want: Any) -> str:
    """A listed instrument of a fresh mock with these facts (its defaults hold one of each role)."""
    for item in mock.exchange.market.instruments():
        if (item.kind, item.settlement_currency) == (kind, settlement) and all(
            getattr(item, name) == value for name, value in want.items()
        ):
            return item.instrument_name
    raise AssertionError(f"no listed {kind} settled in {settlement} with {want}")


def seed(mock: MockServer) -> Seeded:
    """A trader long BTC-PERPETUAL (bought 25000 USD, sold 5000 at a profit), short 12000 USD of an ETH future, long
    1.5 BTC calls and long 0.25 BTC of the USDC linear perpetual; another user trades too. The indexes move after
    the fills, so every position has a floating P&L."""
    mock.create_deribit_account(TRADER, balances={"BTC": "10", "ETH": "100", "USDC": "100000"})
    mock.create_deribit_account(OTHER, balances={"BTC": "10"})
    key = mock.create_deribit_key(TRADER)
    names = {
        "perpetual": "BTC-PERPETUAL",
        "future": listed_name(mock, "future", "ETH", is_perpetual=False),
        "option": listed_name(mock, "option", "BTC", strike=Decimal(60000), option_type="call"),
        "linear": listed_name(mock, "future", "USDC", is_perpetual=True, base_currency="BTC"),
        "flat": listed_name(mock, "future", "BTC", is_perpetual=False),
    }
    mock.deribit_fill(TRADER, names["perpetual"], "buy", "25000", "58000.5", fee="0.00012")
    mock.deribit_fill(TRADER, names["perpetual"], "sell", "5000", "59000")
    mock.deribit_fill(TRADER, names["future"], "sell", "12000", "3050.25")
    mock.deribit_fill(TRADER, names["option"], "buy", "1.5", "0.0425")
    mock.deribit_fill(TRADER, names["linear"], "buy", "0.25", "59500")
    mock.deribit_fill(OTHER, names["perpetual"], "sell", "1000", "60000")
    mock.set_index_price("btc_usd", "61234.5")
    mock.set_index_price("btc_usdc", "61230")
    mock.set_index_price("eth_usd", "2987.65")
    return Seeded(mock, key["client_id"], key["client_secret"], names)


# -- judging --------------------------------------------------------------------------------------------------------


def unified_symbol(mock: MockServer, name: str) -> str:
    """ccxt's unified symbol, from the instrument's facts: BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]."""
    item = mock.exchange.market.instrument(name)
    symbol = f"{item.base_currency}/{item.counter_currency}:{item.settlement_currency}"
    if item.expiration is not None and not item.is_perpetual:
        symbol += "-" + item.expiration.strftime("%y%m%d")
    if item.kind == "option" and item.strike is not None:
        symbol += f"-{item.strike.normalize():f}-{'C' if item.option_type == 'call' else 'P'}"
    return symbol


def book_view(mock: MockServer, name: str, user: str = TRADER) -> PositionView:
    with mock.exchange.reading():
        return mock.exchange.valuation.position(user, name)


def wire_result(outcome: dict[str, Any], path: str) -> Any:
    """The `result` of the one response ccxt received from `path` in this call, numbers read as Decimals."""
    bodies = [r["body"] for r in outcome["requests"] if r["path"] == path]
    if len(bodies) != 1:
        raise AssertionError(f"{len(bodies)} responses from {path}: {[r['path'] for r in outcome['requests']]}")
    return json.loads(bodies[0], parse_float=Decimal, parse_int=Decimal)["result"]


def at(value: Decimal, places: int) -> Decimal:
    """The book's figure at the decimal places Deribit sends for it (half away from zero)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _close(a: Any, b: float) -> bool:
    return isinstance(a, float) and abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def position_problems(mock: MockServer, parsed: dict[str, Any], wire: dict[str, Any]) -> list[str]:
    """ccxt's position equals the book's, through the wire; the differences found."""
    name = wire["instrument_name"]
    view = book_view(mock, name)
    item = mock.exchange.market.instrument(name)
    problems = []
    size_currency = None if view.size_currency is None else at(view.size_currency, POSITION)
    liquidation = view.estimated_liquidation_price
    liquidation_at = None if liquidation is None else at(liquidation, PRICE)
    figures = {  # at the places Deribit sends them
        "average_price": at(view.average_price, PRICE),
        "mark_price": at(view.mark_price, PRICE),
        "floating_profit_loss": at(view.floating_profit_loss, POSITION),
        "realized_profit_loss": at(view.realized_profit_loss, POSITION),
        "initial_margin": at(view.initial_margin, POSITION),
        "maintenance_margin": at(view.maintenance_margin, POSITION),
    }
    exact: dict[str, object] = {
        "size": view.size,
        "direction": view.direction,
        **figures,
        "size_currency": size_currency,
        "estimated_liquidation_price": liquidation_at,
    }
    for field, value in exact.items():
        if wire.get(field) != value:
            problems.append(f"{name} wire {field}: {wire.get(field)!r}, book {value!r}")
    want: dict[str, Any] = {
        "symbol": unified_symbol(mock, name),
        "side": "long" if view.direction == "buy" else "short",  # ccxt: anything but 'buy' is short, 'zero' too
        "contracts": float(view.size),
        "contractSize": float(item.contract_size),
        "entryPrice": float(figures["average_price"]),
        "markPrice": float(figures["mark_price"]),
        "unrealizedPnl": float(figures["floating_profit_loss"]),
        "realizedPnl": float(figures["realized_profit_loss"]),
        "initialMargin": float(figures["initial_margin"]),
        "maintenanceMargin": float(figures["maintenance_margin"]),
        "notional": None if size_currency is None else float(abs(size_currency)),
        "leverage": view.leverage,
        "liquidationPrice": None if liquidation_at is None else float(liquidation_at),
    }
    if view.size_currency is None and view.size > 0:
        # No size_currency (an option): ccxt's safe_position derives a notional, for an inverse market
        # contracts x contractSize / markPrice, in its own Precise arithmetic.
        derived = float(view.size * item.contract_size / figures["mark_price"])
        if not _close(parsed.get("notional"), derived):
            problems.append(f"{name} ccxt derived notional: {parsed.get('notional')!r}, book {derived!r}")
        del want["notional"]
    for field, value in want.items():
        if parsed.get(field) != value:
            problems.append(f"{name} ccxt {field}: {parsed.get(field)!r}, book {value!r}")
    return problems


def positions_problems(seeded: Seeded, outcome: dict[str, Any], names: list[str]) -> list[str]:
    """A fetch_positions answer holds exactly `names`, each equal to the mock's records."""
    if not outcome["ok"]:
        return [f"raised {outcome['error']['type']}: {outcome['error']['message'][:200]}"]
    wire = {row["instrument_name"]: row for row in wire_result(outcome, POSITIONS_PATH)}
    parsed = {p["info"]["instrument_name"]: p for p in outcome["result"]}
    if sorted(parsed) != sorted(names) or sorted(wire) != sorted(names):
        return [f"positions {sorted(parsed)} (wire {sorted(wire)}), book {sorted(names)}"]
    return [problem for name in names for problem in position_problems(seeded.mock, parsed[name], wire[name])]


def balance_problems(mock: MockServer, outcome: dict[str, Any], codes: list[str]) -> list[str]:
    """A fetch_balance answer: per currency free = available_funds, used = maintenance_margin, total = equity."""
    if not outcome["ok"]:
        return [f"raised {outcome['error']['type']}: {outcome['error']['message'][:200]}"]
    wire = {row["currency"]: row for row in wire_result(outcome, SUMMARIES_PATH)["summaries"]}
    problems = [] if sorted(wire) == sorted(codes) else [f"summaries {sorted(wire)}, book {sorted(codes)}"]
    for code in codes:
        with mock.exchange.reading():
            summary = mock.exchange.valuation.account_summary(TRADER, code)
        book = {
            "free": at(summary.available_funds, SUMMARY), "used": at(summary.maintenance_margin, SUMMARY),
            "total": at(summary.equity, SUMMARY),
        }  # fmt: skip
        names = {"free": "available_funds", "used": "maintenance_margin", "total": "equity"}
        for unified, value in book.items():
            on_wire = wire.get(code, {}).get(names[unified])
            if on_wire != value:
                problems.append(f"{code} wire {names[unified]}: {on_wire!r}, book {value!r}")
            got = outcome["result"].get(code, {}).get(unified)
            if got != float(value):
                problems.append(f"{code} ccxt {unified}: {got!r}, book {float(value)!r}")
    return problems


def trade_problems(
    mock: MockServer, got: dict[str, Any], trade: DeribitTrade, wire: dict[str, Any] | None = None
) -> list[str]:
    """ccxt's parsed trade equals the book's (and, given, the wire's row carries the book's exact Decimals)."""
    item = mock.exchange.market.instrument(trade.instrument_name)
    want = {
        "id": trade.trade_id,
        "order": trade.order_id,
        "symbol": unified_symbol(mock, trade.instrument_name),
        "side": trade.direction,
        "price": float(trade.price),
        "amount": float(trade.amount),
        "timestamp": unix_ms(trade.timestamp),
        "fee": {"cost": float(trade.fee), "currency": trade.fee_currency},
    }
    problems = [f"trade {trade.trade_id} {k}: {got.get(k)!r}, book {v!r}" for k, v in want.items() if got.get(k) != v]
    # ccxt's cost: amount / price on an inverse market (settled in its base coin: ccxt divides for options too),
    # amount x price on a linear one
    cost = trade.amount / trade.price if item.is_inverse else trade.amount * trade.price
    if not _close(got.get("cost"), float(cost)):
        problems.append(f"trade {trade.trade_id} cost: {got.get('cost')!r}, book {float(cost)!r}")
    if wire is not None:
        exact = {"amount": trade.amount, "price": trade.price, "fee": trade.fee, "trade_seq": trade.trade_seq}
        for k, v in exact.items():
            if wire.get(k) != v:
                problems.append(f"trade {trade.trade_id} wire {k}: {wire.get(k)!r}, book {v!r}")
    return problems


def my_trades_problems(mock: MockServer, outcome: dict[str, Any], path: str, want: list[DeribitTrade]) -> list[str]:
    """A fetch_my_trades answer holds exactly the trades `want` (by id), each equal to the mock's records, through the
    wire."""
    if not outcome["ok"]:
        return [f"raised {outcome['error']['type']}: {outcome['error']['message'][:200]}"]
    wire = {row["trade_id"]: row for row in wire_result(outcome, path)["trades"]}
    parsed = {t["id"]: t for t in outcome["result"]}
    ids = sorted(t.trade_id for t in want)
    if sorted(parsed) != ids or sorted(wire) != ids:
        return [f"trades {sorted(parsed)} (wire {sorted(wire)}), book {ids}"]
    return [problem for t in want for problem in trade_problems(mock, parsed[t.trade_id], t, wire[t.trade_id])]


def transactions_problems(mock: MockServer, outcome: dict[str, Any], path: str, want: list[CashMove]) -> list[str]:
    """A fetch_deposits / fetch_withdrawals answer: each of the book's moves, through the wire, as ccxt parses it."""
    if not outcome["ok"]:
        return [f"raised {outcome['error']['type']}: {outcome['error']['message'][:200]}"]
    wire = wire_result(outcome, path)
    parsed = outcome["result"]
    if wire["count"] != len(want) or len(parsed) != len(want):
        return [f"{len(parsed)} parsed, wire count {wire['count']}, book {len(want)}"]
    problems = []
    by_txid = {t.get("txid"): t for t in parsed}
    rows = {row["transaction_id"]: row for row in wire["data"]}
    for move in want:
        got, row = by_txid.get(move.transaction_id), rows.get(move.transaction_id)
        if got is None or row is None:
            problems.append(f"{move.kind} {move.transaction_id[:12]} missing")
            continue
        if row["amount"] != move.amount or row.get("fee", Decimal(0)) != move.fee:
            problems.append(f"{move.kind} wire amount/fee: {row['amount']!r}/{row.get('fee')!r}, book {move.amount}")
        expected = {
            "id": str(move.id) if move.kind == "withdrawal" else None,
            "type": move.kind,
            "amount": float(move.amount),
            "currency": move.currency,
            "status": "ok",
            "timestamp": unix_ms(move.created),
            "address": move.address,
            "fee": {"cost": float(move.fee), "currency": move.currency} if move.kind == "withdrawal" else None,
        }
        problems += [f"{move.kind} {k}: {got.get(k)!r}, book {v!r}" for k, v in expected.items() if got.get(k) != v]
    return problems


@dataclass
class WatchRun:
    subscribed: dict[str, Any]  # the script's `subscribed` event
    done: dict[str, Any]  # its `done` event
    trade_id: str  # the trader's fill made once subscribed
    diagnosis: str


# The fills of `watch_a_fill` by the perpetual they are on: (amount, price) of another user's, then (amount, price,
# fee) of the trader's. BTC-PERPETUAL is sized in USD, its fee in BTC; the USDC perpetual in BTC, its fee in USDC.
WATCHED_FILLS = {
    "perpetual": (("700", "61000"), ("3000", "61100.5", "0.0000125")),
    "linear": (("0.07", "61000"), ("0.3", "61100.5", "0.55")),
}


def watch_a_fill(
    seeded: Seeded, work_dir: Path, via: Callable[..., dict[str, Any]] | None = None, role: str = "perpetual"
) -> WatchRun:
    """ccxt.pro subscribes (watch_my_trades, watch_balance); once the mock has acknowledged every channel, another
    user fills the perpetual (`role`: BTC-PERPETUAL, or `linear`: the USDC one), then the trader does. The script
    waits for one trade and one balance. `via`: the trader's plan through another of ccxt's classes (ccxt_coinbase.py's
    `via_coinbase`, on Coinbase's USDC perpetual); default Deribit's."""
    mock, perpetual = seeded.mock, seeded.names[role]
    other, mine = WATCHED_FILLS[role]
    watch = {"trades": 1, "portfolio": 1}
    planned = seeded.plan([], watch=watch) if via is None else via(mock, [], user=TRADER, watch=watch)
    with CcxtRun(planned, work_dir) as run:
        run.rest()
        subscribed = run.subscribed()
        mock.deribit_fill(OTHER, perpetual, "buy", *other)  # someone else's: must not arrive
        made = mock.deribit_fill(TRADER, perpetual, "buy", *mine[:2], fee=mine[2])
        done = run.finish()
        return WatchRun(subscribed, done, made["trade_id"], run.diagnosis())


def deribit_balance(balance: dict[str, Any], code: str, summary: Any) -> tuple[Any, dict[str, float]]:
    """ccxt.pro deribit's figures of `code` and what they must be: ccxt.pro 4.5.90 keeps a whole parsed balance under
    the currency (handle_balance: `self.balance[code] = self.parse_balance(data)`), so the figures sit one level down
    (balance['BTC']['BTC']['free']); free is the available funds, used the maintenance margin, total the equity."""
    book = {"free": float(at(summary.available_funds, SUMMARY)), "used": float(at(summary.maintenance_margin, SUMMARY)),
            "total": float(at(summary.equity, SUMMARY))}  # fmt: skip
    return balance.get(code, {}).get(code), book


@dataclass(frozen=True)
class FillWatch:
    """How one of ccxt's classes watches a fill: the channels it subscribes, how it authenticates, and where its
    balance keeps a currency's figures (`deribit_balance`'s shape)."""

    channels: frozenset[str]
    grant_type: str
    figures: Callable[[dict[str, Any], str, Any], tuple[Any, dict[str, float]]]


DERIBIT_FILL_WATCH = FillWatch(
    frozenset({"user.trades.any.any.raw", *PORTFOLIO_CHANNELS}), "client_signature", deribit_balance
)


def watch_problems(seeded: Seeded, watched: WatchRun, how: FillWatch = DERIBIT_FILL_WATCH) -> list[str]:
    """ccxt.pro's parsed trade and balance equal the book's trade and account summary after the fill."""
    mock, done = seeded.mock, watched.done
    problems = [f"error reply: {error}" for error in done["errors"]]
    if done["reason"] != "count":
        problems.append("the trade and the balance did not both arrive in time")
    if set(watched.subscribed["channels"]) != how.channels:
        problems.append(f"subscribed {watched.subscribed['channels']}")
    auth = [m for m in done["sent"] if m.get("method") == "public/auth"]
    if len(auth) != 1 or auth[0]["params"].get("grant_type") != how.grant_type:
        problems.append(f"authenticated with {auth}")
    trade = next(t for t in mock.exchange.state.trades if t.trade_id == watched.trade_id)
    if [t["id"] for t in done["my_trades"]] != [trade.trade_id]:
        return [*problems, f"trades {[t['id'] for t in done['my_trades']]}, book {[trade.trade_id]}"]
    problems += trade_problems(mock, done["my_trades"][0], trade)
    with mock.exchange.reading():
        summary = mock.exchange.valuation.account_summary(TRADER, trade.fee_currency)
    code = trade.fee_currency
    figures, book = how.figures(done["balance"], code, summary)
    if figures != book:
        problems.append(f"balance {code}: {figures}, book {book}")
    return problems


# -- the client matrix's ccxt row -----------------------------------------------------------------------------------

NA_REASONS = {
    "fcm": "Deribit has no FCM",
    "perps": "Kalshi's perps exchange: ccxt's Deribit is not a client of it",
    "perps-ws": "Kalshi's perps exchange's websocket: ccxt's Deribit is not a client of it",
    "settlements": "ccxt has no unified method for Deribit's settlement history (only the raw private API)",
    "resting-value": "Kalshi's resting order value: no Deribit counterpart",
    "legacy-profile": "Kalshi's legacy wire profile",
    "generated": "the generated-responses mode answers Kalshi's wire only",
    "account": "Kalshi's AccountApi and ApiKeysApi: ccxt has no unified methods for Deribit's keys and limits",
    "subaccounts": "Kalshi's subaccounts, instance transfers and target allocation (Deribit's are not in this column)",
    "historical": "Kalshi's historical API (a cutoff): Deribit has none",
    "fcm-desk": "Deribit has no FCM",
    "rfqs": "Kalshi's RFQs, quotes and block trades: ccxt has no unified methods for Deribit's block RFQs",
    "exchange-data": "Kalshi's schedule, fee changes, event data, historical markets, search and combos",
    "live-data": "Kalshi's milestones, live data, weather index, structured targets and incentive programs",
}
# What the mock's Deribit venue does not serve yet for a column of ccxt's row: nothing since its books and orders
# (ccxt_trading.py plays them).
NOT_YET_REASONS: dict[str, str] = {}


def ccxt_verdicts(names: list[str], work_dir: Path) -> dict[str, ClientVerdict]:
    """The capabilities ccxt reads over REST (`positions-pages`, `filters`, `balance`), judged in one run of the
    script against a fresh seeded mock, and `websocket` (ccxt.pro) in another."""
    verdicts = {}
    if "websocket" in names:
        (work_dir / "ws").mkdir()
        with deribit_mock() as mock:
            seeded = seed(mock)
            problems = watch_problems(seeded, watch_a_fill(seeded, work_dir / "ws"))
        watched = "ccxt.pro watch_my_trades and watch_balance (client_signature auth) get a fill made once subscribed"
        verdicts["websocket"] = ClientVerdict(not problems, f"{watched}: " + ("; ".join(problems[:3]) or AGREES))
    if "fills" in names or "transfers" in names:
        (work_dir / "history").mkdir()
        verdicts |= _history_verdicts([name for name in names if name in ("fills", "transfers")], work_dir / "history")
    if not {"positions-pages", "filters", "balance"} & set(names):
        return verdicts
    with deribit_mock() as mock:
        seeded = seed(mock)
        calls: list[dict[str, Any]] = [
            {"id": "positions", "method": "fetch_positions"},
            {"id": "position", "method": "fetch_position", "args": [unified_symbol(mock, seeded.names["future"])]},
            {"id": "flat", "method": "fetch_position", "args": [unified_symbol(mock, seeded.names["flat"])]},
            {"id": "bad-secret", "method": "fetch_positions", "secret": "not-the-secret"},
            {"id": "btc-futures", "method": "fetch_positions",
             "kwargs": {"params": {"currency": "BTC", "kind": "future"}}},
            {"id": "eth", "method": "fetch_positions", "kwargs": {"params": {"currency": "ETH"}}},
            {"id": "balance", "method": "fetch_balance"},
        ]  # fmt: skip
        outcomes = run_rest(seeded.plan(calls), work_dir)
        held = [seeded.names[role] for role in HELD]
        judged: dict[str, list[str]] = {}
        positions = positions_problems(seeded, outcomes["positions"], held)
        one = outcomes["position"]
        if one["ok"]:
            positions += position_problems(mock, one["result"], wire_result(one, POSITION_PATH))
        else:
            positions.append(f"fetch_position raised {one['error']['type']}")
        flat = outcomes["flat"]
        if not flat["ok"] or flat["result"].get("contracts") != 0.0:
            positions.append(f"fetch_position of a flat instrument: {flat.get('result') or flat.get('error')}")
        bad = outcomes["bad-secret"]
        if bad["ok"] or bad["error"]["type"] != "AuthenticationError":
            positions.append(f"a bad secret gave {bad.get('error', {}).get('type', 'no error')}")
        judged["positions-pages"] = positions
        judged["filters"] = positions_problems(seeded, outcomes["btc-futures"], [seeded.names["perpetual"]])
        judged["filters"] += positions_problems(seeded, outcomes["eth"], [seeded.names["future"]])
        judged["balance"] = balance_problems(mock, outcomes["balance"], ["BTC", "ETH", "USDC"])
    said = {
        "positions-pages": "fetch_positions (4 kinds), fetch_position (held and flat), a bad secret's "
        "AuthenticationError; Deribit does not page positions",
        "filters": "fetch_positions by currency and kind",
        "balance": "fetch_balance (get_account_summaries: BTC, ETH, USDC)",
    }
    return verdicts | {
        name: ClientVerdict(not judged[name], f"{said[name]}: " + ("; ".join(judged[name][:3]) or AGREES))
        for name in names
        if name in judged
    }


def _history_verdicts(names: list[str], work_dir: Path) -> dict[str, ClientVerdict]:
    """`fills`: fetch_my_trades by currency, by symbol, since a time and with a limit; `transfers`: fetch_deposits
    and fetch_withdrawals after the admin API moved cash. One run of the script against a fresh seeded mock."""
    with deribit_mock() as mock:
        seeded = seed(mock)
        mock.deribit_deposit(TRADER, "BTC", "1.25")
        mock.deribit_deposit(TRADER, "BTC", "0.5")
        mock.deribit_withdraw(TRADER, "BTC", "0.3", fee="0.0001", address="bc1qmockwithdrawal")
        mock.deribit_deposit(TRADER, "ETH", "2")
        perpetual = seeded.names["perpetual"]
        since = unix_ms(mock.exchange.state.clock.now())
        calls: list[dict[str, Any]] = [
            {"id": "btc", "method": "fetch_my_trades"},
            {"id": "symbol", "method": "fetch_my_trades", "args": [unified_symbol(mock, perpetual)]},
            {"id": "since", "method": "fetch_my_trades", "args": [None, since]},
            {"id": "limit", "method": "fetch_my_trades", "args": [unified_symbol(mock, perpetual), None, 1]},
            {"id": "deposits", "method": "fetch_deposits", "args": ["BTC"]},
            {"id": "withdrawals", "method": "fetch_withdrawals", "args": ["BTC"]},
            {"id": "eth-deposits", "method": "fetch_deposits", "args": ["ETH"]},
        ]
        outcomes = run_rest(seeded.plan(calls), work_dir)
        wallet_id = mock.exchange.accounts.wallet(TRADER).id
        mine = [t for t in mock.exchange.state.trades if t.user_id == TRADER and t.account_id == wallet_id]
        btc = [t for t in mine if mock.exchange.market.instrument(t.instrument_name).settlement_currency == "BTC"]
        perp = [t for t in mine if t.instrument_name == perpetual]
        judged = {
            "fills": my_trades_problems(mock, outcomes["btc"], TRADES_PATHS["currency"], btc)
            + my_trades_problems(mock, outcomes["symbol"], TRADES_PATHS["instrument"], perp)
            + my_trades_problems(mock, outcomes["since"], TRADES_PATHS["currency_and_time"], btc)
            + my_trades_problems(mock, outcomes["limit"], TRADES_PATHS["instrument"], perp[-1:]),
        }
        moves = [m for m in mock.exchange.state.cash_moves if m.user_id == TRADER]
        judged["transfers"] = (
            transactions_problems(mock, outcomes["deposits"], DEPOSITS_PATH,
                                  [m for m in moves if m.kind == "deposit" and m.currency == "BTC"])
            + transactions_problems(mock, outcomes["withdrawals"], WITHDRAWALS_PATH,
                                    [m for m in moves if m.kind == "withdrawal"])
            + transactions_problems(mock, outcomes["eth-deposits"], DEPOSITS_PATH,
                                    [m for m in moves if m.currency == "ETH"])
        )  # fmt: skip
    said = {
        "fills": "fetch_my_trades by currency, by symbol, since a time, with a limit (get_user_trades_by_*)",
        "transfers": "fetch_deposits and fetch_withdrawals (BTC, ETH) after the admin API's deposits and withdrawal",
    }
    return {
        name: ClientVerdict(not judged[name], f"{said[name]}: " + ("; ".join(judged[name][:3]) or AGREES))
        for name in names
    }
