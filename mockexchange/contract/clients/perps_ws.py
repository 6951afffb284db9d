"""The client matrix's `perps-ws` cell: kalshi-sdk 22.4.0's perps websocket client (`kalshi.perps.PerpsWebSocket`,
unmodified, run by scripts/kalshi/kalshi_sdk_perps_ws.py) on a fresh mock, subscribed through its typed helpers to a
perps market's `orderbook_delta` (the snapshot and deltas its own book keeper applies), `ticker`, `trade`, and the
watched user's `fill` and `user_orders`, on one connection and one run of the client, while the exchange trades step
by step on a manual exchange clock (a second a step): the watcher's own orders (a buy taking part of the maker's best
ask, one sweeping two levels, a resting bid, its cancel) and the maker's through the control plane (`place_perp_order`:
a sell into the watcher's bid), then a move of the marks.

Each typed message the SDK parsed is compared, field by field in its own types (Decimals for prices, counts and
money), with the perps exchange's state (core/perps) read after its step, in the core's units: each trade with the
market's new trades; each fill with the watcher's new fills (its `post_position` the watcher's position summed through
it, the last equal to its position); each user order with the watcher's order as the step left it; the step's deltas,
summed by level, with the book before and after it (the watcher's own naming its order, a worked-out reason); each
ticker with the market: one when the book moves (the book after the step, the stats before its trades), one after
each trade (its price and size, the volume and open interest through it), one when the marks move, the step's last
equal to the market, its marks and book after the step. How many messages of each a step brings is worked out by
hand (`PerpStep`): one missing, or one the SDK logged and skipped, fails the step. The book the SDK's keeper holds must
equal the exchange's when subscribed and after every step, and the book's `seq` count its frames without a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import ClientVerdict, start_mock
from mockexchange.contract.clients.plans import ClientRunError
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.sdk_market_ws import differences
from mockexchange.contract.clients.sdk_websocket import MESSAGE_TIMEOUT_S, SdkWebsocketRun, WsReport
from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.core.perps import units
from mockexchange.core.perps.markets import PerpMark, PerpMarket
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.records import PerpFill, PerpTrade
from mockexchange.server import MockServer
from mockexchange.server.addresses import ws_url
from mockexchange.venues.perps.websocket import WS_PATH

SCRIPT = "kalshi_sdk_perps_ws.py"
BTC = "BTC-PERP"
WATCHER, MAKER = "perps-watcher", "perps-maker"  # the SDK's key is the watcher's
FUNDED_CENTI_CENTS = 10_000_000_000  # $1,000,000 of margin cash each
T0 = datetime(2026, 11, 2, 15, 0, 10, tzinfo=UTC)
GTC, IOC = "good_till_canceled", "immediate_or_cancel"
RESTING = (("ask", "1.00", "100000.5"), ("ask", "0.50", "100001"), ("bid", "1.00", "99000"))  # the maker's
Levels = dict[tuple[str, int], int]  # (side, price units) -> hundredths resting


def _place(user: str, cid: str, side: str, count: str, price: str, time_in_force: str) -> Callable[..., str | None]:
    def place(mock: MockServer, ids: dict[str, str]) -> str | None:
        placed = mock.place_perp_order(user, ticker=BTC, side=side, count=count, price=price,
                                       time_in_force=time_in_force, client_order_id=cid)  # fmt: skip
        ids[cid] = placed["order_id"]
        return placed["order_id"] if user == WATCHER else ids["W-rest"]  # (the maker's sells into the watcher's bid)

    return place


def _cancel(mock: MockServer, ids: dict[str, str]) -> str | None:
    return mock.cancel_perp_order(WATCHER, order_id=ids["W-rest"])["order_id"]


def _marks(mock: MockServer, ids: dict[str, str]) -> str | None:
    mock.set_perp_marks(BTC, mark_price="101000", reference_price="100990")
    return None


@dataclass(frozen=True)
class PerpStep:
    """A change of the exchange; `make(mock, ids)` answers the id of the watcher's order it changed (None: none).
    By hand: the messages it brings to the watcher, and whether the watcher's order moved the book (its deltas then
    name it, with `reason`, the order's last_update_reason as the book moved: "" none)."""

    what: str
    make: Callable[[MockServer, dict[str, str]], str | None]
    levels: int  # orderbook_delta messages: one per level moved
    tickers: int  # one when the book moves, one after each trade, one when the marks move
    trades: int
    fills: int  # the watcher's
    orders: int  # user_order messages of the watcher's
    caused: bool = False
    reason: str = ""

    @property
    def messages(self) -> int:
        return self.levels + self.tickers + self.trades + self.fills + self.orders


STEPS = (
    PerpStep("the watcher buys 0.40 at 100000.5, part of the maker's best ask",
             _place(WATCHER, "W-take", "bid", "0.40", "100000.5", IOC), 1, 2, 1, 1, 1, True),
    PerpStep("the watcher buys 1.00 up to 100001: the ask's rest (0.60) and 0.40 at 100001",
             _place(WATCHER, "W-sweep", "bid", "1.00", "100001", IOC), 2, 3, 2, 2, 1, True),
    PerpStep("the watcher bids 0.50 at 99500, resting",
             _place(WATCHER, "W-rest", "bid", "0.50", "99500", GTC), 1, 1, 0, 0, 1, True),
    PerpStep("the maker sells 0.20 at 99500, into the watcher's bid",
             _place(MAKER, "M-sell", "ask", "0.20", "99500", IOC), 1, 2, 1, 1, 1),
    PerpStep("the watcher cancels the rest of its bid", _cancel, 1, 1, 0, 0, 1, True, "Decrease"),
    PerpStep("the marks move: 101000, the reference 100990", _marks, 0, 1, 0, 0, 0),
)  # fmt: skip
# The book's last: the SDK drops a frame that arrives while it awaits a command's reply, as the snapshot following
# the subscribe's would while the next subscribe waits
SUBSCRIPTIONS = ("ticker", "trade", "fill", "user_orders", "orderbook_delta")
PLAN = {
    "subscriptions": [{"name": channel, "channel": channel, "tickers": [BTC]} for channel in SUBSCRIPTIONS],
    "expect": 1 + sum(step.messages for step in STEPS),  # the snapshot, then every step's
}


@dataclass
class ExchangeMoment:
    """What the exchange holds of the market and the watcher at one moment (copies, read under its lock)."""

    at: datetime
    market: PerpMarket
    book: Levels
    trades: list[PerpTrade]  # the market's, oldest first
    volume_24h: tuple[int, int]
    fills: list[PerpFill]  # the watcher's, oldest first
    position: int  # the watcher's, hundredths
    orders: dict[str, PerpOrder]  # the watcher's, by id


def held(mock: MockServer) -> ExchangeMoment:
    perps = mock.app.control.perps
    state = perps.state
    with perps.lock:
        market = copy(state.markets[BTC])
        book = state.books[BTC]
        levels: Levels = {(side, price): size for side in (BID, ASK) for price, size in book.levels(side)}
        position = state.positions.get((WATCHER, 0), {}).get(BTC)
        return ExchangeMoment(
            state.clock.now(), market, levels, list(state.trades[BTC]), perps.volume_24h(market),
            list(state.fills.get(WATCHER, [])), 0 if position is None else position.size,
            {order.order_id: copy(order) for order in state.user_orders.get(WATCHER, [])},
        )  # fmt: skip


@dataclass
class PerpSeen:
    """One step: the exchange before and after it, the watcher's order it changed, and what the SDK printed."""

    step: PerpStep
    before: ExchangeMoment
    after: ExchangeMoment
    order_id: str | None
    events: list[dict[str, Any]]  # messages and books, as printed

    def messages(self, subscription: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == "message" and e["subscription"] == subscription]

    def book(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == "book"][-1:]


@dataclass
class PerpWatched:
    start: ExchangeMoment
    snapshot: list[dict[str, Any]]  # the snapshot's message and book
    seen: list[PerpSeen]
    report: WsReport


def watch(venv: Path, work_dir: Path) -> PerpWatched:
    """The SDK's subscriptions through the steps, on a fresh mock of their own."""
    with start_mock(MockServer(clock=ManualClock(T0))) as mock:
        for user in (WATCHER, MAKER):
            mock.create_account(user, balance_cents=200_000_000)
            mock.intra_exchange_transfer(user, "event_contract", "margined", FUNDED_CENTI_CENTS)
        key = Key.create(mock, work_dir, "perps-ws-watcher", WATCHER)
        mock.list_perp_market(BTC, "100000", tick_size="0.5", contract_size="0.001")
        for n, (side, count, price) in enumerate(RESTING):
            mock.place_perp_order(MAKER, ticker=BTC, side=side, count=count, price=price, client_order_id=f"M-{n}")
        start, seen, ids = held(mock), [], dict[str, str]()
        address = f"{ws_url(mock.base_url)}{WS_PATH}"
        with SdkWebsocketRun(venv, mock, key, PLAN, work_dir, SCRIPT, address) as client:
            client.subscribed()
            snapshot = _events(client, 1, 1)
            for step in STEPS:
                mock.advance_clock(seconds=1)
                before = held(mock)
                order_id = step.make(mock, ids)
                after = held(mock)
                try:
                    events = _events(client, step.messages, step.levels)
                except ClientRunError:
                    seen.append(PerpSeen(step, before, after, order_id, []))
                    break
                seen.append(PerpSeen(step, before, after, order_id, events))
            report = client.finish()
    return PerpWatched(start, snapshot, seen, report)


def _events(client: SdkWebsocketRun, messages: int, books: int) -> list[dict[str, Any]]:
    """The next `messages` typed messages and the books printed after the last of the `books` book messages among
    them (the keeper's book after them)."""
    first = len(client.events)
    for _ in range(messages):
        client.wait_for("message", MESSAGE_TIMEOUT_S)
    while sum(e["event"] == "book" for e in client.events[first:]) < books:
        client.wait_for("book", MESSAGE_TIMEOUT_S)
    return client.events[first:]


# -- the verdict ------------------------------------------------------------------------------------------------------


def perps_ws_problems(watched: PerpWatched) -> list[str]:
    """What the SDK's typed messages and book say that the exchange's state does not, step by step."""
    problems = _book_problems("the snapshot", watched.snapshot, watched.start.book)
    [snapshot] = [e for e in watched.snapshot if e["event"] == "message"] or [{}]
    if snapshot.get("class") != "MarginOrderbookSnapshotMessage":
        problems.append(f"the first book message: a {snapshot.get('class')}, not a MarginOrderbookSnapshotMessage")
    for n, seen in enumerate(watched.seen, 1):
        problems += [f"step {n} ({seen.step.what}): {problem}" for problem in _step_problems(seen)]
    if len(watched.seen) < len(STEPS):
        problems.append(f"{len(watched.seen)} of {len(STEPS)} steps brought their messages")
    frames = [f for f in watched.report.frames_received() if f.get("type") in MESSAGE_TYPES]
    if len(frames) != PLAN["expect"]:
        problems.append(f"{len(frames)} data frames arrived for {PLAN['expect']} typed messages")
    seqs = [f.get("seq") for f in frames if f["type"].startswith("orderbook")]
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(f"orderbook seq {seqs}: not 1, 2, ... without a gap")
    return problems


MESSAGE_TYPES = ("orderbook_snapshot", "orderbook_delta", "ticker", "trade", "fill", "user_order")


def _step_problems(seen: PerpSeen) -> list[str]:
    step, before, after = seen.step, seen.before, seen.after
    if not seen.events:
        return [f"not the {step.messages} messages worked out by hand within {MESSAGE_TIMEOUT_S:.0f} s"]
    counts = {name: len(seen.messages(name)) for name in SUBSCRIPTIONS}
    want = {"ticker": step.tickers, "trade": step.trades, "fill": step.fills, "user_orders": step.orders,
            "orderbook_delta": step.levels}  # fmt: skip
    problems = [] if counts == want else [f"messages {counts}, by hand {want}"]
    trades = after.trades[len(before.trades) :]
    for message, trade in zip(seen.messages("trade"), trades, strict=False):
        problems += _trade_problems(message, trade)
    fills = after.fills[len(before.fills) :]
    for message, fill in zip(seen.messages("fill"), fills, strict=False):
        problems += _fill_problems(message, fill, after)
    for message in seen.messages("user_orders"):
        problems += _order_problems(message, after.orders.get(seen.order_id or ""))
    problems += _delta_problems(seen)
    for n, message in enumerate(seen.messages("ticker")):
        problems += _ticker_problems(message, seen, n)
    if step.levels:
        problems += _book_problems("the book after it", seen.book(), after.book)
    return problems


def _trade_problems(message: dict[str, Any], trade: PerpTrade) -> list[str]:
    want = {"trade_id": trade.trade_id, "market_ticker": trade.ticker, "taker_side": trade.taker_side,
            "ts_ms": unix_ms(trade.created)}  # fmt: skip
    amounts = {"price": units.price(trade.price), "count": units.contracts(trade.count)}
    return differences(message, "MarginTradeMessage", trade.trade_id, want, amounts)


def _fill_problems(message: dict[str, Any], fill: PerpFill, after: ExchangeMoment) -> list[str]:
    """A fill as the exchange keeps it; its `post_position` the watcher's fills summed through it (the watcher starts
    flat), the last one's the watcher's position after the step."""
    through = after.fills[: after.fills.index(fill) + 1]
    position = sum(f.count if f.side == "bid" else -f.count for f in through)
    problems = [] if fill is not after.fills[-1] or position == after.position else [
        f"the watcher's fills sum to {position}, its position is {after.position}"
    ]  # fmt: skip
    want = {"trade_id": fill.trade_id, "order_id": fill.order_id, "market_ticker": fill.ticker,
            "is_taker": fill.is_taker, "side": fill.side, "ts_ms": unix_ms(fill.created),
            "order_source": fill.source, "client_order_id": after.orders[fill.order_id].client_order_id,
            "subaccount": fill.subaccount}  # fmt: skip
    amounts = {"price": units.price(fill.price), "count": units.contracts(fill.count),
               "fee_cost": units.dollars(fill.fee), "post_position": units.contracts(position)}  # fmt: skip
    return problems + differences(message, "MarginFillMessage", fill.fill_id, want, amounts)


def _order_problems(message: dict[str, Any], order: PerpOrder | None) -> list[str]:
    if order is None:
        return [f"a user_order of {message['fields'].get('order_id')}, not of the watcher's order the step changed"]
    expiration = None if order.expiration is None else unix_ms(order.expiration)
    want = {"order_id": order.order_id, "user_id": order.user_id, "client_order_id": order.client_order_id,
            "ticker": order.ticker, "side": order.side, "created_ts_ms": unix_ms(order.created),
            "last_updated_ts_ms": unix_ms(order.updated), "order_source": order.source,
            "self_trade_prevention_type": order.self_trade_prevention_type, "order_group_id": order.order_group_id,
            "expiration_ts_ms": expiration, "subaccount_number": order.subaccount}  # fmt: skip
    amounts = {"price": units.price(order.price), "fill_count": units.contracts(order.filled),
               "remaining_count": units.contracts(order.remaining)}  # fmt: skip
    problems = differences(message, "MarginUserOrderMessage", order.client_order_id, want, amounts)
    reason = message["extra"].get("last_update_reason", "")  # (beyond the SDK's model: kept as extra)
    if reason != order.last_update_reason:
        problems.append(f"user_order {order.client_order_id} last_update_reason: the SDK {reason!r}, the exchange "
                        f"{order.last_update_reason!r}")  # fmt: skip
    return problems


def _delta_problems(seen: PerpSeen) -> list[str]:
    """The step's deltas, summed by level, move the book from what it held before to what it holds after; each at
    the step's time, the watcher's own naming its order (its client id, subaccount and reason then)."""
    moved: Levels = {}
    problems = []
    order = seen.after.orders.get(seen.order_id or "")
    for message in seen.messages("orderbook_delta"):
        fields = message["fields"]
        named = f"{fields.get('side')} {fields.get('price')}"
        caused = seen.step.caused and order is not None
        want = {"market_ticker": BTC, "ts_ms": unix_ms(seen.after.at), "subaccount": 0 if caused else None,
                "client_order_id": order.client_order_id if caused and order else None,
                "last_update_reason": (seen.step.reason or None) if caused else None}  # fmt: skip
        problems += differences(message, "MarginOrderbookDeltaMessage", named, want, {})
        if message["types"].get("price") != "Decimal" or message["types"].get("delta") != "Decimal":
            problems.append(f"delta {named}: price {message['types'].get('price')}, delta "
                            f"{message['types'].get('delta')}, not Decimals")  # fmt: skip
            continue
        level = (fields["side"], _units(fields["price"], units.PRICE))
        moved[level] = moved.get(level, 0) + _units(fields["delta"], units.CONTRACT)
    want_moved = {level: seen.after.book.get(level, 0) - seen.before.book.get(level, 0)
                  for level in seen.before.book.keys() | seen.after.book.keys()}  # fmt: skip
    want_moved = {level: size for level, size in want_moved.items() if size}
    if moved != want_moved:
        problems.append(f"the deltas move the levels {_shown(moved)}, the exchange's book {_shown(want_moved)}")
    return problems


def _units(text: str, scale: int) -> int:
    return int(Decimal(text) * scale)


def _shown(levels: Levels) -> str:
    return ", ".join(f"{side} {units.price(p)}: {units.contracts(size)}" for (side, p), size in sorted(levels.items()))


def _book_problems(when: str, events: list[dict[str, Any]], book: Levels) -> list[str]:
    """The last book the SDK's keeper printed equals the exchange's."""
    shown = [e for e in events if e["event"] == "book"]
    if not shown:
        return [f"{when}: the SDK printed no book"]
    last = shown[-1]
    kept: Levels = {
        (side, _units(p, units.PRICE)): _units(c, units.CONTRACT) for side in (BID, ASK) for p, c in last[side]
    }
    return [] if kept == book else [f"{when}: the SDK's book {_shown(kept)}, the exchange's {_shown(book)}"]


def _ticker_problems(message: dict[str, Any], seen: PerpSeen, nth: int) -> list[str]:
    """A step's tickers: first the book's (if it moved: the book after the step, the stats before its trades), then
    one after each of its trades (the stats through it), then the marks' (the market as the step left it)."""
    before, after = seen.before, seen.after
    trades_in = len(before.trades) + nth + (0 if seen.step.levels else 1)
    trades_in = min(trades_in, len(after.trades))
    market = after.market
    last = after.trades[trades_in - 1] if trades_in else None
    through = after.trades[:trades_in]
    volume = sum(trade.count for trade in through)
    interest = last.open_interest if last is not None else 0
    want: dict[str, Any] = {"market_ticker": BTC, "ts_ms": unix_ms(after.at)}
    # (the clock moves a second a step: every trade is of the last 24 hours, the day's volume all of it)
    amounts: dict[str, Any] = {
        "price": units.price(last.price if last else 0), "last_trade_size": units.contracts(last.count if last else 0),
        "volume": units.contracts(volume), "volume_24h": units.contracts(volume),
        "volume_notional_value": units.dollars(sum(units.notional(t.count, t.price) for t in through)),
        "open_interest": units.contracts(interest),
        "open_interest_notional_value": units.dollars(units.notional(interest, market.mark)),
    }  # fmt: skip
    for side in (BID, ASK):
        best = max if side == BID else min
        prices = [p for (s, p) in after.book if s == side]
        at = best(prices) if prices else None
        amounts[side] = units.price(at or 0)
        amounts[f"{side}_size"] = units.contracts(after.book[(side, at)] if at is not None else 0)
    if nth == len(seen.messages("ticker")) - 1:  # the step's last: the market as the exchange holds it
        day, notional = after.volume_24h
        amounts |= {"volume": units.contracts(market.volume), "open_interest": units.contracts(market.open_interest),
                    "volume_notional_value": units.dollars(market.volume_notional), "volume_24h": units.contracts(day),
                    "volume_24h_notional_value": units.dollars(notional)}  # fmt: skip
    problems = differences(message, "MarginTickerMessage", f"ticker {nth + 1}", want, amounts)
    for name, mark in (("reference_price", market.reference), ("settlement_mark_price", market.settlement_mark),
                       ("liquidation_mark_price", market.liquidation_mark)):  # fmt: skip
        problems += _mark_problems(message, name, mark)
    return problems


def _mark_problems(message: dict[str, Any], name: str, mark: PerpMark) -> list[str]:
    shown = message["fields"].get(name) or {}
    want = {"price": str(units.price(mark.price)), "ts_ms": unix_ms(mark.at)}
    got = {"price": shown.get("price") and str(Decimal(shown["price"]).quantize(Decimal("0.0001"))),
           "ts_ms": shown.get("ts_ms")}  # fmt: skip
    return [] if got == want else [f"ticker {name}: the SDK {shown}, the exchange {want}"]


def perps_ws_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """The `perps-ws` cell of kalshi-sdk's row, from a fresh mock of its own."""
    watched = watch(venv, work_dir)
    problems = perps_ws_problems(watched)
    said = "PerpsWebSocket's subscribe_orderbook_delta, subscribe_ticker, subscribe_trade, subscribe_fill and "
    said += "subscribe_user_orders while the exchange trades"
    if problems:
        logged = [r["message"] for r in watched.report.done["logs"] if r["level"] not in ("DEBUG", "INFO")]
        shown = f" (the SDK logged: {logged[0][:300]})" if logged else ""
        return ClientVerdict(False, f"{said}: " + "; ".join(problems[:3]) + shown)
    total = {name: sum(getattr(step, name) for step in STEPS) for name in ("levels", "tickers", "trades", "fills")}
    return ClientVerdict(
        True,
        f"{said}: the snapshot and {total['levels']} deltas (seq without a gap, the SDK's book equal to the "
        f"exchange's after each of {len(STEPS)} steps), {total['tickers']} tickers, {total['trades']} trades, "
        f"{total['fills']} fills and {sum(step.orders for step in STEPS)} user orders, each equal to the exchange's "
        "state after its step",
    )
