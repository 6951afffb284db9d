"""kalshi-sdk follows `user_orders` (the client matrix's `orders` cell of a client with a websocket client): its
`session.subscribe_user_orders()` on a fresh mock of the orders scene's market and house book, then the trader's
orders change one at a time through the control plane (the commands the venue's order routes run): a create that
crosses and rests the rest, a resting create, an amend, a decrease, another user's order filling the first as maker,
a cancel, an immediate-or-cancel order that ends unfilled. After each change the ledger's order and book are read;
the one `UserOrdersMessage` the SDK delivers for it must be that order, field by field in the SDK's own types, and a
resting order's remaining count must be the book's level at its price (each of the trader's orders rests at a price
of its own), an ended order's level gone. The crossing create's figures are also the orders scene's, worked out by
hand, so a wrong ledger fails too. A frame the SDK cannot parse it logs and skips: no message for that change fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.checks import ClientVerdict, compare_rows, start_mock
from mockexchange.contract.clients.dialects import Field
from mockexchange.contract.clients.plans import ClientRunError
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.markets import ledger_book
from mockexchange.contract.clients.scenes.orders import CROSS, CROSS_COST, CROSS_FEES, GTC, HOUSE_BOOK, IOC, MARKET, STP
from mockexchange.contract.clients.sdk_websocket import MESSAGE_TIMEOUT_S, SdkWebsocketRun
from mockexchange.core.clock import unix_ms
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.server import MockServer

TRADER, OTHER = "trader", "other"
# The ledger's order (`_record`) -> the SDK's UserOrdersPayload field, compared in the wire's units.
_WS_ORDER: tuple[Field, ...] = (
    ("order_id", "order_id", "text"),
    ("user_id", "user_id", "text"),
    ("ticker", "ticker", "text"),
    ("status", "status", "text"),
    ("side", "side", "text"),
    ("is_yes", "is_yes", "text"),
    ("outcome_side", "outcome_side", "text"),
    ("book_side", "book_side", "text"),
    ("yes_price", "yes_price", "price"),
    ("filled", "fill_count", "count"),
    ("remaining", "remaining_count", "count"),
    ("initial", "initial_count", "count"),
    ("taker_cost", "taker_fill_cost", "dollars"),
    ("maker_cost", "maker_fill_cost", "dollars"),
    ("taker_fees", "taker_fees", "dollars"),
    ("maker_fees", "maker_fees", "dollars"),
    ("client_order_id", "client_order_id", "text"),
    ("order_group_id", "order_group_id", "text"),
    ("self_trade_prevention_type", "self_trade_prevention_type", "text"),
    ("subaccount", "subaccount_number", "text"),
    ("exchange_index", "exchange_index", "text"),
    ("created_ms", "created_ts_ms", "text"),
    ("updated_ms", "last_updated_ts_ms", "text"),
    ("created_time", "created_time", "time"),
    ("updated_time", "last_update_time", "time"),
)
_AMOUNTS = ("yes_price", "fill_count", "remaining_count", "initial_count", "taker_fill_cost", "taker_fees")


@dataclass(frozen=True)
class OrderChange:
    """One change of the trader's orders: `make(mock, ids)` answers the id of the trader's order it changed (`ids`:
    the orders placed so far, by client_order_id)."""

    what: str
    make: Callable[[MockServer, dict[str, str]], str]


def _place(cid: str, side: str, count: str, at: str, time_in_force: str = GTC) -> Callable[..., str]:
    def place(mock: MockServer, ids: dict[str, str]) -> str:
        placed = mock.place_order(TRADER, MARKET, side, count, at, time_in_force, STP, client_order_id=cid)
        ids[cid] = placed["order_id"]
        return ids[cid]

    return place


def _maker_fill(mock: MockServer, ids: dict[str, str]) -> str:
    """Another user sells one YES at 0.35 or better: it takes the trader's best bid, U-cross's rest at 0.46."""
    mock.place_order(OTHER, MARKET, "ask", "1", "0.35", IOC, STP)
    return ids["U-cross"]


CHANGES = (
    OrderChange("a create crossing the asks (fills 5 at 0.45, rests 2 at 0.46)", _place("U-cross", "bid", "7", "0.46")),
    OrderChange("a resting create (3 at 0.30)", _place("U-rest", "bid", "3", "0.30")),
    OrderChange("an amend (6 at 0.35)", lambda m, ids: m.amend_order(TRADER, ids["U-rest"], MARKET, "bid", "0.35", "6")
                ["order_id"]),
    OrderChange("a decrease by 2", lambda m, ids: m.decrease_order(TRADER, ids["U-rest"], reduce_by="2")["order_id"]),
    OrderChange("another user's order filling U-cross as maker", _maker_fill),
    OrderChange("a cancel", lambda m, ids: m.cancel_user_order(TRADER, ids["U-rest"])["order_id"]),
    OrderChange("an immediate-or-cancel order crossing nothing", _place("U-ioc", "bid", "1", "0.10", IOC)),
)  # fmt: skip
# By hand (scenes/orders.py): the crossing create as its message must show it; U-cross after the maker fill.
CROSSED = {"fill_count": Decimal(CROSS["fill_count"]), "remaining_count": Decimal(CROSS["remaining_count"]),
           "taker_fill_cost": CROSS_COST, "taker_fees": CROSS_FEES}  # fmt: skip
MADE = {"fill_count": Decimal(6), "remaining_count": Decimal(1), "maker_fill_cost": Decimal("0.46")}
BY_HAND = {0: CROSSED, 4: MADE}


def user_orders_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    with start_mock(MockServer()) as mock:
        for user in (TRADER, OTHER):
            mock.create_account(user, balance_cents=10_000)
        key = Key.create(mock, work_dir, "orders-ws-trader", TRADER)
        mock.create_market(MARKET)
        mock.set_book(MARKET, **HOUSE_BOOK)
        plan = {"subscriptions": [{"name": "orders", "channel": "user_orders"}], "expect": len(CHANGES)}
        problems: list[str] = []
        ids: dict[str, str] = {}
        with SdkWebsocketRun(venv, mock, key, plan, work_dir) as client:
            client.subscribed()
            for n, change in enumerate(CHANGES):
                order = _after(mock, change.make(mock, ids))
                try:
                    message = client.wait_for("message", MESSAGE_TIMEOUT_S)
                except ClientRunError:
                    problems.append(f"{change.what}: no UserOrdersMessage within {MESSAGE_TIMEOUT_S:.0f} s")
                    break
                problems += [f"{change.what}: {p}" for p in _judged(message, order, BY_HAND.get(n, {}))]
            report = client.finish()
    frames = [f for f in report.frames_received() if f.get("type") == "user_order"]
    if len(frames) != len(CHANGES):
        problems.append(f"{len(frames)} user_order frames for {len(CHANGES)} changes")
    if problems:
        logged = [r["message"] for r in report.done["logs"] if r["level"] != "DEBUG"]
        return ClientVerdict(
            False, "; ".join(problems[:3]) + (f" (the SDK logged: {logged[0][:300]})" if logged else "")
        )
    return ClientVerdict(
        True,
        f"subscribe_user_orders(): {len(CHANGES)} UserOrdersMessage ({', '.join(c.what for c in CHANGES)}), each "
        "equal to the ledger's order and book after its change",
    )


def _after(mock: MockServer, order_id: str) -> SimpleNamespace:
    """The order as the ledger has it now, in the message's terms, and the book's level at its price."""
    ledger = mock.app.ledger
    with ledger.reading():
        o = ledger.state.all_orders[order_id].copy()
    yes, no = ledger_book(ledger, o.ticker)
    at = price(o.yes_price)
    level = dict(yes).get(at) if o.book_side == "bid" else dict(no).get(Decimal(1) - at)
    return SimpleNamespace(
        order_id=o.order_id, user_id=o.user_id, ticker=o.ticker, status=o.status, side=o.side, is_yes=o.side == "yes",
        outcome_side="yes" if o.buys_yes else "no", book_side=o.book_side, yes_price=at, filled=contracts(o.filled),
        remaining=contracts(o.remaining), initial=contracts(o.initial), taker_cost=dollars(o.taker_cost),
        maker_cost=dollars(o.maker_cost), taker_fees=dollars(o.taker_fees), maker_fees=dollars(o.maker_fees),
        client_order_id=o.client_order_id, order_group_id=o.order_group_id,
        self_trade_prevention_type=o.self_trade_prevention_type, subaccount=o.subaccount,
        exchange_index=o.exchange_index, created_ms=unix_ms(o.created), updated_ms=unix_ms(o.updated),
        created_time=_ms(o.created), updated_time=_ms(o.updated), level=level or Decimal(0),
    )  # fmt: skip


def _ms(when: datetime) -> datetime:
    """A time as the channel writes it: to the millisecond, truncated."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _judged(message: dict[str, Any], order: SimpleNamespace, by_hand: dict[str, Decimal]) -> list[str]:
    """What differs between the SDK's message and the ledger's order (its book level, the figures by hand)."""
    fields = message["fields"]
    problems = [] if message["class"] == "UserOrdersMessage" else [f"a {message['class']}, not a UserOrdersMessage"]
    problems += compare_rows([fields], [order], _WS_ORDER, "3.34")
    untyped = [name for name in _AMOUNTS if message["types"].get(name) != "Decimal"]
    if untyped:
        problems.append(f"{', '.join(untyped)} not Decimal")
    rests = _decimal(fields.get("remaining_count")) if fields.get("status") == "resting" else Decimal(0)
    if rests != order.level:
        problems.append(f"{rests} resting where the book holds {order.level} at {order.yes_price}")
    problems += [
        f"{name} {fields.get(name)} (by hand {want})"
        for name, want in by_hand.items()
        if _decimal(fields.get(name)) != want
    ]
    return problems


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
