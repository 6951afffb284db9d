"""A Kalshi account's orders on the control plane: placed (one or a batch), cancelled (one, a batch, all), amended and
decreased, as Kalshi's v2 order API words them (`side` bid or ask on the YES book, `count` and `price` decimal strings
as the wire writes them, `expiration_time` Unix seconds); an order of the legacy API (venues/kalshi/legacy_orders.py)
names its `side` yes or no with an `action` buy or sell (its `price` still the YES price), and may be a market order
(`order_type`) and cap what it buys (`buy_max_cost`, dollars). The venue's order routes run these commands for their
clients (venues/kalshi/commands.py), so a state file keeps every order a client placed; the Python API and the admin
API's callers may run them too.

Each answers what the command did, in plain values (`done_json`): the order's id, client order id and status, what it
filled by this command (`filled`, their YES value `fill_value` and `fees`, dollars), what rests (`remaining`), what it
took off what rested (`reduced`), and `ts_ms`, the exchange clock's milliseconds. A venue, which renders Kalshi's answer
itself, runs the command's `own` form and gets the ledger's `Done` (commands.py). A refusal is the ledger's (its Kalshi
code kept, control/errors.py); an item of a batch refused answers its refusal in its place (`error`: status, code,
message) and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError, ledger_call
from mockexchange.control.values import (
    amount,
    boolean,
    check_exchange_time,
    choice,
    decimal,
    integer,
    optional_integer,
    optional_text,
    shown,
    text,
)
from mockexchange.core.clock import unix_ms
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT, LedgerError, Refusal
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.orders import LIMIT, MAX_BATCH, ORDER_TYPES, SELF_TRADE_TYPES, TIME_IN_FORCE, Done
from mockexchange.core.kalshi.positions import ACTIONS, SIDES
from mockexchange.core.kalshi.trading import KEEP
from mockexchange.core.kalshi.units import CONTRACT, COUNT_PLACES, contracts, dollar_units, dollars
from mockexchange.core.money import MAX_CENTS, MAX_COUNT, MoneyError, parse_price_units, parse_scaled, plain

BOOK_SIDES = {"bid": ("yes", "buy"), "ask": ("yes", "sell")}  # Kalshi's v2 side, as the legacy side and action
LONG_BATCH = 20  # orders a batch holds before it runs as one long command
LATEST = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp())


def done_json(done: Done) -> dict[str, Any]:
    order = done.order
    return {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "user_id": order.user_id,
        "ticker": order.ticker,
        "status": order.status,
        "filled": plain(contracts(done.filled)),
        "fill_value": plain(dollars(done.yes_value)),
        "fees": plain(dollars(done.fees)),
        "remaining": plain(contracts(order.remaining)),
        "reduced": plain(contracts(done.reduced)),
        "ts_ms": unix_ms(done.when),
    }


_COUNT_WORDS = f"at most 2 places, at most {MAX_COUNT} contracts"
_MOST_COUNT = int(MAX_COUNT) * CONTRACT  # hundredths


def _count(value: Any, name: str, least: int = 1) -> int:
    """A count of contracts as the wire writes it ("10", "10.50"), in hundredths; at least `least` hundredths."""
    count = amount(parse_scaled, value, name, COUNT_PLACES, _COUNT_WORDS)
    if not least <= count <= _MOST_COUNT:
        raise ControlError(f"{name} must be from {contracts(least)} to {MAX_COUNT} contracts, not {shown(value)}")
    return count


def _sides(side: Any, action: Any) -> tuple[str, str]:
    """The legacy side and action an order names: the v2 `side` (bid or ask) alone, or a legacy side with its
    `action`."""
    if action is None:
        return BOOK_SIDES[choice(side, "side", BOOK_SIDES)]
    return choice(side, "side", SIDES), choice(action, "action", ACTIONS)


def _cap(value: Any) -> int | None:
    """`buy_max_cost` in dollars (None: no cap), in micro-dollars."""
    if value is None:
        return None
    most = Decimal(MAX_CENTS) / 100
    cap = decimal(value, "buy_max_cost", 2, f"0.01 to {most} dollars, at most 2 places")
    if not Decimal("0.01") <= cap <= most:
        raise ControlError(f"buy_max_cost must be from 0.01 to {most} dollars, not {shown(value)}")
    return dollar_units(cap)


def _yes_price(value: Any) -> int:
    try:
        return parse_price_units(value, "price")
    except MoneyError as exc:
        raise ControlError(str(exc)) from Refusal(str(exc), 400, "invalid_price")


def _expiration(value: Any, name: str = "expiration_time") -> datetime | None:
    """Unix seconds as the exchange's time (None: none given)."""
    seconds = optional_integer(value, name, 0, LATEST)
    if seconds is None:
        return None
    return check_exchange_time(datetime.fromtimestamp(seconds, UTC), name)


def _each(command: Callable[..., Done], *args: Any, **fields: Any) -> Done:
    """One item of a batch, run as its own command would run (inside the batch's: the state file keeps the batch)."""
    try:
        return command(*args, **fields)
    except TypeError as exc:
        raise ControlError(f"an item of a batch takes {command.__name__}'s fields: {exc}") from None


def _refused(call: Callable[[], Done]) -> Done | dict[str, Any]:
    """An item of a batch: what it did, or its refusal in its place."""
    try:
        return call()
    except ControlError as exc:
        cause = exc.__cause__
        code = getattr(cause, "code", None) if isinstance(cause, LedgerError) else None
        return {"error": {"status": exc.status, "code": code, "message": str(exc)}}


def batch_json(answer: dict[str, list[Done | dict[str, Any]]]) -> dict[str, Any]:
    """A batch's answer in plain values: each item's `done_json`, or its refusal."""
    return {"orders": [done_json(item) if isinstance(item, Done) else item for item in answer["orders"]]}


class OrderOperations:
    """Mixed into `Control`, which owns the ledger they act on."""

    ledger: Ledger

    @command(answer=done_json)
    def place_order(
        self,
        user_id: str,
        ticker: str,
        side: str,
        count: str,
        price: str | None,
        time_in_force: str,
        self_trade_prevention_type: str,
        client_order_id: str | None = None,
        expiration_time: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        cancel_order_on_pause: bool = False,
        subaccount: int = 0,
        order_group_id: str | None = None,
        exchange_index: int | None = None,
        fcm_bound: bool = False,
        action: str | None = None,
        order_type: str = LIMIT,
        buy_max_cost: str | None = None,
    ) -> Done:
        """An order of the user's (Kalshi's CreateOrderV2Request, or the legacy CreateOrderRequest with `action`): it
        crosses the book, then rests, ends, or is refused whole. `fcm_bound`: placed through an FCM member's key bound
        to the subtrader (its daily cap). `price` None: a market order's, which takes at any price."""
        legacy_side, legacy_action = _sides(side, action)
        return ledger_call(
            self.ledger.submit_order,
            text(user_id, "user_id"),
            text(ticker, "ticker"),
            legacy_side,
            legacy_action,
            _count(count, "count"),
            None if price is None else _yes_price(price),
            subaccount=integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT),
            client_order_id=optional_text(client_order_id, "client_order_id") or "",
            time_in_force=choice(time_in_force, "time_in_force", TIME_IN_FORCE),
            expiration_time=_expiration(expiration_time),
            post_only=boolean(post_only, "post_only"),
            reduce_only=boolean(reduce_only, "reduce_only"),
            self_trade_prevention_type=choice(
                self_trade_prevention_type, "self_trade_prevention_type", SELF_TRADE_TYPES
            ),
            cancel_order_on_pause=boolean(cancel_order_on_pause, "cancel_order_on_pause"),
            order_group_id=optional_text(order_group_id, "order_group_id"),
            exchange_index=optional_integer(exchange_index, "exchange_index", -1, MAX_EXCHANGE_INDEX),
            fcm_bound=boolean(fcm_bound, "fcm_bound"),
            order_type=choice(order_type, "order_type", ORDER_TYPES),
            buy_max_cost=_cap(buy_max_cost),
        )

    @command(answer=batch_json)
    def place_orders(self, user_id: str, orders: list[dict[str, Any]], fcm_bound: bool = False) -> dict[str, Any]:
        """A batch of the user's orders (each `place_order`'s fields), placed in turn; each answers itself or its
        refusal."""
        if not isinstance(orders, list) or len(orders) > MAX_BATCH:
            raise ControlError(f"orders must be a list of at most {MAX_BATCH} orders")
        made = []
        with self._batch_hold(user_id, orders):
            for i, item in enumerate(orders):
                if not isinstance(item, dict):
                    raise ControlError(f"orders[{i}] must be an object of place_order's fields")
                fields = {k: v for k, v in item.items() if k not in ("user_id", "fcm_bound")}
                made.append(_refused(lambda fields=fields: _each(_PLACE, self, user_id, fcm_bound=fcm_bound, **fields)))
        return {"orders": made}

    def _batch_hold(self, user_id: Any, orders: list[Any]) -> AbstractContextManager[object]:
        """A batch of more than `LONG_BATCH` orders is one long command (core/stepping.py) over the markets it names:
        the reads of other accounts and markets go on beside it. A smaller one holds nothing: each order is its own."""
        if len(orders) <= LONG_BATCH or not isinstance(user_id, str):
            return nullcontext()
        tickers = {item["ticker"] for item in orders if isinstance(item, dict) and isinstance(item.get("ticker"), str)}
        ledger = self.ledger
        return ledger.lock.holding_long(lambda: ledger.trading_footprint(tickers, user_id))

    @command(answer=done_json)
    def cancel_user_order(
        self, user_id: str, order_id: str, subaccount: int = 0, exchange_index: int | None = None,
        market_ticker: str | None = None,
    ) -> Done:  # fmt: skip
        """Cancel a resting order of the user's subaccount (Kalshi's CancelOrderV2: `exchange_index` -1 or omitted
        with `market_ticker` routes by the market)."""
        user_id, order_id = text(user_id, "user_id"), text(order_id, "order_id")
        subaccount = integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT)
        index = self._route(exchange_index, market_ticker)
        return ledger_call(self.ledger.cancel_order, order_id, user_id, subaccount, exchange_index=index)

    @command(answer=batch_json)
    def cancel_user_orders(self, user_id: str, orders: list[dict[str, Any]]) -> dict[str, Any]:
        """A batch of cancels (each `cancel_user_order`'s fields but the user); each answers itself or its refusal."""
        if not isinstance(orders, list) or len(orders) > MAX_BATCH:
            raise ControlError(f"orders must be a list of at most {MAX_BATCH} cancels")
        done = []
        for i, item in enumerate(orders):
            if not isinstance(item, dict):
                raise ControlError(f"orders[{i}] must be an object of cancel_user_order's fields")
            fields = {k: v for k, v in item.items() if k != "user_id"}
            done.append(_refused(lambda fields=fields: _each(_CANCEL, self, user_id, **fields)))
        return {"orders": done}

    @command(answer=batch_json)
    def cancel_all_orders(self, user_id: str, subaccount: int | None = None) -> dict[str, Any]:
        """Cancel every resting order of the user (of one subaccount, if given)."""
        user_id = text(user_id, "user_id")
        subaccount = optional_integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT)
        return {"orders": ledger_call(self.ledger.cancel_orders, user_id, subaccount)}

    @command(answer=done_json)
    def amend_order(
        self, user_id: str, order_id: str, ticker: str, side: str, price: str, count: str, subaccount: int = 0,
        client_order_id: str | None = None, updated_client_order_id: str | None = None,
        expiration_time: int | None = None, exchange_index: int | None = None, action: str | None = None,
    ) -> Done:  # fmt: skip
        """Change a resting order's price, total count (filled plus what is to rest) or expiration (Unix seconds; 0:
        none; omitted: as it is): Kalshi's AmendOrderV2 (the legacy AmendOrder with `action`)."""
        sides = _sides(side, action)
        when = _expiration(expiration_time)
        kept: Any = None if expiration_time == 0 else KEEP if when is None else when
        return ledger_call(
            self.ledger.amend_order, text(order_id, "order_id"), text(user_id, "user_id"),
            integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT), text(ticker, "ticker"), *sides,
            _yes_price(price), _count(count, "count"),
            client_order_id=optional_text(client_order_id, "client_order_id"),
            updated_client_order_id=optional_text(updated_client_order_id, "updated_client_order_id"),
            expiration_time=kept, exchange_index=self._route(exchange_index, ticker),
        )  # fmt: skip

    @command(answer=done_json)
    def decrease_order(
        self, user_id: str, order_id: str, subaccount: int = 0, reduce_by: str | None = None,
        reduce_to: str | None = None, exchange_index: int | None = None, market_ticker: str | None = None,
    ) -> Done:  # fmt: skip
        """Make a resting order smaller, by or to a count (exactly one): Kalshi's DecreaseOrderV2."""
        by = None if reduce_by is None else _count(reduce_by, "reduce_by")
        to = None if reduce_to is None else _count(reduce_to, "reduce_to", 0)
        return ledger_call(
            self.ledger.decrease_order, text(order_id, "order_id"), text(user_id, "user_id"),
            integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT), by, to,
            exchange_index=self._route(exchange_index, market_ticker),
        )  # fmt: skip

    def _route(self, exchange_index: Any, market_ticker: Any) -> int:
        """The exchange index a request names for an order: as given, else its market's (`market_ticker`), else 0;
        -1 asks for the market's."""
        index = optional_integer(exchange_index, "exchange_index", -1, MAX_EXCHANGE_INDEX)
        ticker = optional_text(market_ticker, "market_ticker")
        if index is not None and index >= 0:
            return index
        if ticker is None:
            if index == -1:
                raise ControlError("exchange_index -1 routes by the market: give market_ticker")
            return 0
        market = self.ledger.markets.get(ticker)
        if market is None:
            raise ControlError(f"no market {ticker!r}", 404) from Refusal(f"no market {ticker!r}", 404, "not_found")
        return market.exchange_index


# A batch's items run as the order commands' own forms (their `Done`: the batch's answer makes them plain).
_PLACE = OrderOperations.place_order.own  # type: ignore[attr-defined]
_CANCEL = OrderOperations.cancel_user_order.own  # type: ignore[attr-defined]
