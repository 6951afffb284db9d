"""Kalshi's orders under hostility: random sequences of exchange actions over four trading places (ann's subaccounts 0
and 1, bob, cy) in three markets and more listed on the way, after each of which the whole ledger must still add up.

The actions: orders of every kind over real HTTP with signed requests (good-till-canceled with and without an
expiration, immediate-or-cancel, fill-or-kill, post-only, reduce-only, both self-trade rules, cancel on pause, a
client order id, a batch), cancels (one, a batch, all), amends and decreases, a move of cash between ann's
subaccounts, order groups (made, named by orders that match or rest, triggered by hand or by their limit, reset,
their limit changed, deleted); and through the control plane, as an operator's scripts act: the house's scripted
liquidity (`set_book`), scripted fills, the exchange clock (orders expire, determined markets pay out), pausing and
resuming a market or the exchange's trading, closing, determining and settling markets, listing new ones, changing a
series' fee schedule, deposits and withdrawals. About one value in four is hostile (a wrong JSON type, zero,
negative and huge counts, prices off the market's levels, non-ASCII digits, unknown ids, a field missing, another
user's order): a refusal must change nothing (the state file's snapshot is the same byte for byte).

Why the writes go over HTTP and the invariants are read from the core: the hostile values only mean something on the
wire (the body reader turns them into refusals before the core sees an integer), and a request costs about a
millisecond and a half here; the sums need the house's account and every holder's figures to the micro-dollar,
which no client can read, and read under the ledger's lock in microseconds. The wire is then compared with the core
for the places the step touched (balance, positions, fills, resting orders, the FCM member's resting order value,
the books), each read answering 200 or a status its operation documents.

Checked after every step:
- no book is crossed at rest: per market, the best YES bid is below the best YES ask (order_sums.py);
- no client's write trades in a market that does not trade (paused, closed, or the exchange's trading off);
- per market, the signed positions (YES +, NO -) of every account and of the house, which holds the scripted
  liquidity, sum to zero, but for what scripted fills bought from outside the mock's accounts (`Outside`: a scripted
  fill states one side of a trade; its counterparty is kept by the test); the market's YES and NO contracts held
  (its open interest) are its rows';
- the money model's conservation. In micro-dollars: the sum over every holder (the accounts' subaccounts, the house,
  the scripted fills' counterparty) of its cash, available and held by its resting orders, plus the fees it paid
  (its rows' `fees_paid`), plus a dollar for each YES/NO pair still open (in a market not yet paid out: the YES
  contracts held there, which equal the NO contracts held since positions sum to zero), equals the opening balances
  plus applied deposits less applied withdrawals (with their fees). Why it holds: a match of `c` at YES price `p` is
  two fills (positions.py) in which the buyer of YES pays `c p` to open or is paid `c (1 - p)` to close NO, and the
  buyer of NO pays `c (1 - p)` to open or is paid `c p` to close YES: a trade that opens `c` pairs takes exactly `c`
  dollars of cash, one that closes `c` pairs gives them back, one that passes contracts from one holder to another
  moves cash between them; a fee moves cash into `fees_paid`; a hold moves cash into the order and back.
  Settlement turns pairs into cash: the market's winners are paid a dollar a contract (positions.settle), and the
  pairs of a finalized market are no longer counted (the counterparty's winning contracts are paid by this sum);
- no balance below zero: no step but the control plane's facts (a scripted fill, a withdrawal, a deposit whose fee
  passes its amount: the mock takes them as given) takes a subaccount's available cash below zero, or lowers it while
  it is there (the house, whose cash pays for the contracts its liquidity takes, is no client's);
- every position (the house's too) is the signed sum of its fills, and its fees paid the sum of theirs, in the core
  and on the wire (GET /portfolio/fills against GET /portfolio/positions);
- no order rests in a triggered group (a trigger, by hand or by the limit, ended them; a new one is refused);
- holds: each resting order holds its value plus the maker fees still to pay (orders.py), rests in its book at its
  size, and the rows' `resting_orders_count` and the ledger's total are its whole contracts; on the wire, the FCM
  member's `total_resting_order_value` is what its resting orders (GET /portfolio/orders) are worth;
- every read answers 200 or a status its operation documents (Kalshi's 3.34.0 spec), or the 400 every read gives a
  query parameter that does not bind (docs/known-differences.md); every write a documented status, or the 404 of an
  order naming no market (known-differences, "Orders").

Each sequence has a mock of its own, which keeps its state in a file: stopped and started again from it once on the
way now and then, and at the end, from its snapshot or by running every command again, the mock must hold the same
state (the snapshot's values) and answer every place's, user's and market's reads with the same bytes
(invariant_runs.py).

Not driven here: seeded orders (`create_order`: they hold no cash and pay what they fill when they fill, so their
owner's balance may go below zero in another account's step, as known-differences says), FCM subtraders, markets on
another exchange index.

CI's run is derandomized (conftest.py) and must meet each outcome of `MUST_MEET`. A longer hunt:
`HYPOTHESIS_PROFILE=long MOCKEXCHANGE_INVARIANT_STEPS=50 scripts/test tests/hostile/test_hostile_order_invariants.py`
(300 random sequences from a printed seed; `MOCKEXCHANGE_INVARIANT_EXAMPLES` sets the number before the profile's
tenfold).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import quote

import pytest
from hostile_wire import Answer
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule
from invariant_runs import World, run_sequences, world_fixture
from kalshi_sequences import HOUSE_BOOK, KalshiSequence, maybe_hostile
from order_sums import (
    available,
    signed_count,
)

from mockexchange.core.book import ASK, BID
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.units import CENT, count_units, price_units

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
OPENING_CENTS = {"ann": 30_000, "bob": 20_000, "cy": 2_000}  # cy is short of cash: insufficient balance is met
PLACES = [("ann", 0), ("ann", 1), ("bob", 0), ("cy", 0)]
MAKER_SERIES = "KXINVM"  # quadratic_with_maker_fees: maker fills pay fees, and resting orders hold them
FIRST_MARKETS = {"KXINV-26NOV-A": {}, "KXINV-26NOV-B": {"price_level_structure": "deci_cent"},
                 "KXINVM-26NOV-C": {"settlement_timer_seconds": 30}}  # fmt: skip
MORE_MARKETS = ["KXINV-26DEC-D", "KXINVM-26DEC-E", "KXINV-26DEC-F"]  # listed by a rule, as markets end
UNKNOWN_TICKER = "KXNONE-26NOV-Z"
PREFIX = "/trade-api/v2"

# Statuses each operation documents (Kalshi's OpenAPI 3.34.0, `responses`), beside 500, which never may answer.
DOCUMENTED = {
    "GetBalance": {200, 401}, "GetPositions": {200, 400, 401}, "GetFills": {200, 400, 401},
    "GetOrders": {200, 400, 401}, "GetOrder": {200, 401, 404}, "GetOrderQueuePosition": {200, 401, 404},
    "GetOrderQueuePositions": {200, 400, 401}, "GetPortfolioRestingOrderTotalValue": {200, 401},
    "GetMarketOrderbook": {200, 401, 404}, "GetSettlements": {200, 400, 401},
    "CreateOrderV2": {201, 400, 401, 403, 409, 429, 503}, "BatchCreateOrdersV2": {201, 400, 401, 403},
    "CancelOrderV2": {200, 401, 404}, "BatchCancelOrdersV2": {200, 400, 401, 403}, "CancelAllOrders": {204, 401, 429},
    "AmendOrderV2": {200, 400, 401, 403, 404, 503}, "DecreaseOrderV2": {200, 400, 401, 404},
    "ApplySubaccountTransfer": {200, 400, 401},
    "CreateOrderGroup": {201, 400, 401}, "DeleteOrderGroup": {200, 400, 401, 404},
    "ResetOrderGroup": {200, 400, 401, 404}, "TriggerOrderGroup": {200, 400, 401, 404},
    "UpdateOrderGroupLimit": {200, 400, 401, 404},
}  # fmt: skip
# And those docs/known-differences.md says the mock answers beside them ("Orders": the codes of a refusal), and an
# amend naming another order's client_order_id (409, as a create: the kit's `StatusRule`s, schema/refinements.py).
# (An order into a triggered group is 409 `order_group_triggered`: CreateOrderV2 documents 409.)
for _op, _also in {"CreateOrderV2": {404}, "BatchCreateOrdersV2": {404}, "AmendOrderV2": {409}}.items():
    DOCUMENTED[_op] |= _also

PRICES = st.sampled_from(["0.30", "0.38", "0.40", "0.42", "0.45", "0.46", "0.50", "0.55", "0.60", "0.01", "0.99",
                          "0.305", "0.4550"])  # fmt: skip  # the last two: levels of a deci_cent market only
COUNTS = st.one_of(st.sampled_from(["1", "2", "5", "10", "0.50", "2.25", "40"]), st.integers(1, 30).map(str))
TIME_IN_FORCE = st.sampled_from(["good_till_canceled", "good_till_canceled", "immediate_or_cancel", "fill_or_kill"])
CLIENT_IDS = st.sampled_from(["c-1", "c-2", "c-3", "c-4"])
QUERY_HOSTILE = st.sampled_from(["", "-1", "0", "１２", "٣", "1e3", "abc", "9" * 30, "1.5", "\u00a01", "resting,x",
                                 "%00", "x" * 300, "KXINV-26NOV-A\u0000"])  # fmt: skip
# What CI's run must meet, or it proves little.
MUST_MEET = ("CreateOrderV2 done", "CreateOrderV2 refused", "an order filled", "AmendOrderV2 done",
             "DecreaseOrderV2 done", "CancelOrderV2 done", "set_book refused", "fill done", "settle done",
             "withdrawal done", "CreateOrderGroup done", "an order into a group", "TriggerOrderGroup done",
             "ResetOrderGroup done", "a restart from its snapshot", "a restart from its commands")  # fmt: skip


def _expiry(now: datetime) -> st.SearchStrategy[int]:
    """Unix seconds: mostly to come (some within a clock step), some past."""
    return st.sampled_from([5, 30, 90, 600, 0, -10]).map(
        lambda ahead: int((now + timedelta(seconds=ahead)).timestamp())
    )


@st.composite
def order_bodies(draw: st.DrawFn, tickers: list[str], now: datetime) -> dict[str, Any]:
    """A CreateOrderV2Request: its options mostly those its time in force takes (one in eight not), one in four made
    hostile."""
    tif = draw(TIME_IN_FORCE)
    body: dict[str, Any] = {
        "ticker": draw(st.sampled_from([*tickers, UNKNOWN_TICKER])), "side": draw(st.sampled_from(["bid", "ask"])),
        "count": draw(COUNTS), "price": draw(PRICES), "time_in_force": tif,
        "self_trade_prevention_type": draw(st.sampled_from(["taker_at_cross", "maker"])),
    }  # fmt: skip
    options = {"good_till_canceled": ["expiration_time", "post_only", "cancel_order_on_pause"],
               "immediate_or_cancel": ["reduce_only"], "fill_or_kill": []}[tif]  # fmt: skip
    if draw(st.integers(0, 7)) == 0:
        options = ["expiration_time", "post_only", "reduce_only"]  # some a time in force does not take
    for name in options:
        if draw(st.integers(0, 2)) == 0:
            body[name] = draw(_expiry(now)) if name == "expiration_time" else True
    if draw(st.booleans()):
        body["client_order_id"] = draw(CLIENT_IDS)
    return draw(maybe_hostile(body))


class OrderInvariants(KalshiSequence):
    DOCUMENTED = DOCUMENTED

    def __init__(self, world: World) -> None:
        super().__init__(world)
        mock = self.open_mock(T0, OPENING_CENTS, MAKER_SERIES, fcm="ann")
        for ticker, fields in FIRST_MARKETS.items():
            mock.create_market(ticker, **fields)
            mock.set_book(ticker, **HOUSE_BOOK)
        self.spare = list(MORE_MARKETS)
        self.orders: list[tuple[str, str]] = []  # (user, order id) of every order placed
        self.groups: list[str] = []  # every order group made, deleted ones too
        self.transfers = 1
        self.turn = 0
        self.cash = {place: available(self.ledger, place) for place in PLACES}
        for i, (user, sub) in enumerate(PLACES):  # orders resting from the start, for the cancels, amends, decreases
            for ticker, side, price in (("KXINV-26NOV-A", "bid", f"0.3{i + 5}"), ("KXINVM-26NOV-C", "ask", "0.52")):
                body = {"ticker": ticker, "side": side, "count": "3", "price": price, "subaccount": sub,
                        "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker",
                        "expiration_time": int((T0 + timedelta(seconds=90 * (i + 1))).timestamp())}  # fmt: skip
                self._placed(
                    user, self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body)
                )

        for (user, sub), limit in zip(PLACES, (2, 5, 40, 1), strict=True):  # a group a place, for orders to name
            body = {"contracts_limit": limit, "subaccount": sub}
            made = self.write(user, sub, "CreateOrderGroup", "POST", "/portfolio/order_groups/create", json=body)
            self.groups.append(made.json()["order_group_id"])
            body = {"ticker": "KXINV-26NOV-A", "side": "bid", "count": "1", "price": "0.30", "subaccount": sub,
                    "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker",
                    "order_group_id": self.groups[-1]}  # fmt: skip  # resting in it, for a trigger to end
            self._placed(user, self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body))

    # -- clients' orders ------------------------------------------------------------------------------------------

    def _placed(self, user: str, answer: Answer) -> None:
        if answer.status == 201:
            self.orders.append((user, answer.json()["order_id"]))

    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def place_order(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        body = data.draw(order_bodies(self.tickers(), self.ledger.state.clock.now()))
        if sub and "subaccount" not in body:
            body["subaccount"] = sub
        answer = self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body)
        self._placed(user, answer)
        if answer.status == 201 and Decimal(answer.json()["fill_count"]):
            self.world.met["an order filled"] += 1

    @rule(data=st.data(), place=st.sampled_from(PLACES), side=st.sampled_from(["bid", "ask"]),
          through=st.sampled_from([0, 1, 5]), count=COUNTS)  # fmt: skip
    def place_a_crossing_order(self, data: st.DataObject, place: tuple[str, int], side: str, through: int,
                               count: str) -> None:  # fmt: skip
        """A valid order at the best price of the other side of a book, or `through` cents past it (post-only
        sometimes, which is refused)."""
        user, sub = place
        books = [(t, self.ledger.state.markets[t].book) for t in self.trading()]
        books = [(t, b.best(ASK if side == "bid" else BID)) for t, b in books if b is not None]
        books = [(t, best[0]) for t, best in books if best is not None]
        if not books:
            return
        ticker, at = data.draw(st.sampled_from(books))
        at = min(at + 100 * through, 9_900) if side == "bid" else max(at - 100 * through, 100)
        body = {"ticker": ticker, "side": side, "count": count, "price": f"{Decimal(at).scaleb(-4):f}",
                "subaccount": sub, "time_in_force": data.draw(TIME_IN_FORCE),
                "self_trade_prevention_type": data.draw(st.sampled_from(["taker_at_cross", "maker"]))}  # fmt: skip
        if body["time_in_force"] == "good_till_canceled" and data.draw(st.integers(0, 3)) == 0:
            body["post_only"] = True  # refused: it would cross
        answer = self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body)
        self._placed(user, answer)
        if answer.status == 201 and Decimal(answer.json()["fill_count"]):
            self.world.met["an order filled"] += 1

    @rule(data=st.data(), place=st.sampled_from(PLACES), side=st.sampled_from(["bid", "ask"]),
          expires=st.sampled_from([None, None, 30, 600]), count=COUNTS)  # fmt: skip
    def rest_an_order(self, data: st.DataObject, place: tuple[str, int], side: str, expires: int | None,
                      count: str) -> None:  # fmt: skip
        """A valid order inside the house's spread or behind it, that rests (unless it meets a client's)."""
        user, sub = place
        price = data.draw(st.sampled_from(["0.30", "0.36", "0.39"] if side == "bid" else ["0.46", "0.51", "0.60"]))
        body = {"ticker": data.draw(st.sampled_from(self.trading() or self.tickers())), "side": side, "count": count,
                "price": price, "time_in_force": "good_till_canceled", "subaccount": sub,
                "self_trade_prevention_type": data.draw(st.sampled_from(["taker_at_cross", "maker"])),
                "cancel_order_on_pause": data.draw(st.booleans())}  # fmt: skip
        if expires is not None:
            body["expiration_time"] = int((self.ledger.state.clock.now() + timedelta(seconds=expires)).timestamp())
        self._placed(user, self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body))

    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def place_a_batch(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        bodies = data.draw(
            st.lists(order_bodies(self.tickers(), self.ledger.state.clock.now()), min_size=1, max_size=3)
        )
        for body in bodies:
            body.setdefault("subaccount", sub)
        answer = self.write(user, sub, "BatchCreateOrdersV2", "POST", "/portfolio/events/orders/batched",
                            json={"orders": bodies})  # fmt: skip
        if answer.status == 201:
            for item in answer.json()["orders"]:
                if item.get("order_id"):
                    self.orders.append((user, item["order_id"]))

    def _order_id(self, data: st.DataObject, place: tuple[str, int]) -> str:
        """Mostly an order resting in the place; else one of the user's that ended, another user's, an unknown id or
        a hostile one (a path's segment, its characters escaped)."""
        user, sub = place
        resting = [oid for oid, o in self.ledger.state.orders.items() if (o.user_id, o.subaccount) == place]
        own = [oid for owner, oid in self.orders if owner == user]
        others = [oid for owner, oid in self.orders if owner != user]
        choices = [st.sampled_from(found) for found in (own, others) if found]
        choices.append(st.sampled_from(["nope", str(uuid.UUID(int=7)), quote("€\u0000/..", safe=""), "1" * 200]))
        if resting:  # first: the simplest draw (and twice as likely as the others together)
            choices = [st.sampled_from(resting)] * (2 * len(choices)) + choices
        return data.draw(st.one_of(*choices))

    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def cancel(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        order_id = self._order_id(data, place)
        self.write(user, sub, "CancelOrderV2", "DELETE", f"/portfolio/events/orders/{order_id}",
                   params={"subaccount": sub})  # fmt: skip

    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def cancel_a_batch(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        items = [
            {"order_id": self._order_id(data, place), "subaccount": sub} for _ in range(data.draw(st.integers(1, 3)))
        ]
        self.write(user, sub, "BatchCancelOrdersV2", "DELETE", "/portfolio/events/orders/batched",
                   json={"orders": items})  # fmt: skip

    @rule(place=st.sampled_from(PLACES), whole=st.booleans())
    def cancel_all(self, place: tuple[str, int], whole: bool) -> None:
        user, sub = place
        self.write(user, sub, "CancelAllOrders", "DELETE", "/portfolio/events/orders",
                   params={} if whole else {"subaccount": sub})  # fmt: skip
        if whole:
            self.touched.update(p for p in PLACES if p[0] == user)

    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def amend(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        order_id = self._order_id(data, place)
        order = self.ledger.state.all_orders.get(order_id)
        ticker = order.ticker if order is not None else UNKNOWN_TICKER
        side = order.book_side if order is not None else "bid"
        body = data.draw(st.fixed_dictionaries(
            {"ticker": st.just(ticker), "side": st.just(side), "price": PRICES, "count": COUNTS},
            optional={"expiration_time": _expiry(self.ledger.state.clock.now()),
                      "updated_client_order_id": CLIENT_IDS},
        ).flatmap(maybe_hostile))  # fmt: skip
        self.write(user, sub, "AmendOrderV2", "POST", f"/portfolio/events/orders/{order_id}/amend",
                   params={"subaccount": sub}, json=body)  # fmt: skip

    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def decrease(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        order_id = self._order_id(data, place)
        body = data.draw(st.one_of(
            st.builds(lambda c: {"reduce_by": c}, COUNTS), st.builds(lambda c: {"reduce_to": c}, COUNTS | st.just("0")),
            st.just({"reduce_by": "1", "reduce_to": "1"}),
        ).flatmap(maybe_hostile))  # fmt: skip
        self.write(user, sub, "DecreaseOrderV2", "POST", f"/portfolio/events/orders/{order_id}/decrease",
                   params={"subaccount": sub}, json=body)  # fmt: skip

    def _client_orders(self) -> list[Order]:
        """The clients' resting orders, in the order they were placed (their ids are random: never sorted by them)."""
        return [order for order in self.ledger.state.orders.values() if order.user_id != HOUSE]

    @precondition(lambda self: self._client_orders())
    @rule(data=st.data(), price=st.sampled_from(["0.38", "0.42", "0.46", "0.50", "0.33"]), more=COUNTS,
          expires=st.sampled_from([None, None, 0, 45]))  # fmt: skip
    def amend_a_resting_order(self, data: st.DataObject, price: str, more: str, expires: int | None) -> None:
        """A valid amend: a new price (crossing or not), a new total count (what filled and more), an expiration."""
        order = data.draw(st.sampled_from(self._client_orders()))
        body: dict[str, Any] = {"ticker": order.ticker, "side": order.book_side, "price": price,
                                "count": f"{Decimal(order.filled).scaleb(-2) + Decimal(more):f}"}  # fmt: skip
        if expires is not None:  # 0: no expiration from now on
            later = self.ledger.state.clock.now() + timedelta(seconds=expires)
            body["expiration_time"] = int(later.timestamp()) if expires else 0
        self.write(order.user_id, order.subaccount, "AmendOrderV2", "POST",
                   f"/portfolio/events/orders/{order.order_id}/amend", params={"subaccount": order.subaccount},
                   json=body)  # fmt: skip

    @precondition(lambda self: self._client_orders())
    @rule(
        data=st.data(), how=st.sampled_from(["reduce_by", "reduce_to"]), count=st.sampled_from(["1", "0.50", "0", "2"])
    )
    def decrease_or_cancel_a_resting_order(self, data: st.DataObject, how: str, count: str) -> None:
        order = data.draw(st.sampled_from(self._client_orders()))
        path = f"/portfolio/events/orders/{order.order_id}"
        place = (order.user_id, order.subaccount)
        if count == "0" and how == "reduce_by":
            self.write(*place, "CancelOrderV2", "DELETE", path, params={"subaccount": order.subaccount})
        else:
            self.write(*place, "DecreaseOrderV2", "POST", f"{path}/decrease", params={"subaccount": order.subaccount},
                       json={how: count})  # fmt: skip

    @rule(data=st.data(), to_one=st.booleans(), cents=st.sampled_from([1, 250, 5_000, 10**9]))
    def move_cash_between_subaccounts(self, data: st.DataObject, to_one: bool, cents: int) -> None:
        self.transfers += 1
        body = data.draw(maybe_hostile({
            "client_transfer_id": str(uuid.UUID(int=self.transfers)), "from_subaccount": 0 if to_one else 1,
            "to_subaccount": 1 if to_one else 0, "amount_cents": cents}))  # fmt: skip
        self.write("ann", 0, "ApplySubaccountTransfer", "POST", "/portfolio/subaccounts/transfer", json=body)
        self.touched.add(("ann", 1))

    # -- the operator's scripts -----------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        yes=st.lists(st.tuples(st.sampled_from(["0.30", "0.35", "0.40", "0.44", "0.48", "0.52"]),
                               st.sampled_from(["1", "5", "12.50", "30"])), max_size=3, unique_by=lambda t: t[0]),
        no=st.lists(st.tuples(st.sampled_from(["0.40", "0.45", "0.50", "0.54", "0.58", "0.62"]),
                              st.sampled_from(["1", "5", "12.50", "30"])), max_size=3, unique_by=lambda t: t[0]),
        which=st.sampled_from(["both", "yes", "no"]),
    )  # fmt: skip
    def set_book(self, data: st.DataObject, yes: list, no: list, which: str) -> None:
        ticker = data.draw(st.sampled_from(self.tickers()))
        sides = {"yes": [list(x) for x in yes], "no": [list(x) for x in no]}
        chosen = sides if which == "both" else {which: sides[which]}
        self.control("set_book", ticker, **chosen)

    @rule(
        data=st.data(), place=st.sampled_from(PLACES), side=st.sampled_from(["yes", "no"]),
        action=st.sampled_from(["buy", "sell"]), count=st.sampled_from(["1", "3", "0.50", "10"]),
        price=st.sampled_from(["0.25", "0.5", "0.61", "0.9"]),
    )  # fmt: skip
    def scripted_fill(self, data: st.DataObject, place: tuple[str, int], side: str, action: str, count: str,
                      price: str) -> None:  # fmt: skip
        ticker = data.draw(st.sampled_from(self.tickers()))
        user, sub = place
        if self.control("fill", user, ticker, side, action, count, price, subaccount=sub) is None:
            return
        paid = price_units(Decimal(price))
        buys = signed_count(side, action, 1) > 0
        self.outside.take_other_side(
            ticker, buys, count_units(Decimal(count)), paid if side == "yes" else 10_000 - paid
        )
        self.fact = True
        self.touched.add(place)

    @rule(series=st.sampled_from(["KXINV", MAKER_SERIES]), multiplier=st.sampled_from(["1", "2", "0.5"]),
          fee_type=st.sampled_from(["quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees",
                                    "flat"]))  # fmt: skip
    def change_a_fee_schedule(self, series: str, fee_type: str, multiplier: str) -> None:
        """The series' schedule changes under resting orders (each keeps the maker schedule it began to rest under)."""
        self.control("set_series", series, fee_type=fee_type, fee_multiplier=multiplier)

    @rule(seconds=st.sampled_from([1, 6, 31, 95, 301, 700]))
    def advance_clock(self, seconds: int) -> None:
        self.control("advance_clock", seconds=seconds)

    def _refused_while_closed(self, ticker: str) -> None:
        """An order in a market that does not trade now: refused, nothing changed."""
        body = {"ticker": ticker, "side": "bid", "count": "1", "price": "0.45", "time_in_force": "immediate_or_cancel",
                "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
        answer = self.write("bob", 0, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body)
        assert answer.status == 409, answer.body

    @precondition(lambda self: self.trading())
    @rule(data=st.data(), resume=st.sampled_from([True, True, True, False]))
    def pause_a_market(self, data: st.DataObject, resume: bool) -> None:
        """A pause ends the orders that asked; mostly resumed at once (which clears the book), else left paused."""
        ticker = data.draw(st.sampled_from(self.trading()))
        self.control("pause_market", ticker)
        self._refused_while_closed(ticker)
        if resume:
            self.control("resume_market", ticker)

    @precondition(lambda self: any(m.status == "inactive" for m in self.ledger.state.markets.values()))
    @rule(data=st.data())
    def resume_a_market(self, data: st.DataObject) -> None:
        ticker = data.draw(st.sampled_from(self.tickers()))  # a market not paused: refused
        self.control("resume_market", ticker)

    @precondition(lambda self: self.exchange_trades())
    @rule(resume=st.sampled_from([True, True, True, False]))
    def pause_the_exchanges_trading(self, resume: bool) -> None:
        self.control("set_exchange_status", trading_active=False)
        self._refused_while_closed(self.tickers()[0])
        if resume:
            self.control("set_exchange_status", trading_active=True)

    @precondition(lambda self: not self.exchange_trades())
    @rule()
    def resume_the_exchanges_trading(self) -> None:
        self.control("set_exchange_status", trading_active=True)

    @precondition(lambda self: len(self.trading()) > 2)
    @rule(data=st.data(), how=st.sampled_from(["close", "determine", "settle"]), result=st.sampled_from(["yes", "no"]))
    def end_a_market(self, data: st.DataObject, how: str, result: str) -> None:
        ticker = data.draw(st.sampled_from(self.tickers()))
        if how == "close":
            self.control("close_market", ticker)
        else:
            self.control("determine_market" if how == "determine" else "settle", ticker, result)

    @rule(user=st.sampled_from(sorted(OPENING_CENTS)), deposit=st.booleans(),
          cents=st.sampled_from([1, 1_000, 50_000]), fee=st.sampled_from([0, 25]))  # fmt: skip
    def deposit_or_withdraw(self, user: str, deposit: bool, cents: int, fee: int) -> None:
        kind = "deposit" if deposit else "withdrawal"
        if self.control(kind, user, cents, fee_cents=fee) is None:
            return
        self.external += (cents - fee if deposit else -(cents + fee)) * CENT
        self.fact = True  # a deposit whose fee passes its amount takes cash too
        self.touched.add((user, 0))

    @rule(data=st.data(), user=st.sampled_from(sorted(OPENING_CENTS)))
    def hostile_read(self, data: st.DataObject, user: str) -> None:
        value = data.draw(QUERY_HOSTILE)
        segment = quote(value or "x", safe="")
        op, path, params = data.draw(st.sampled_from([
            ("GetOrders", "/portfolio/orders", {"status": value}),
            ("GetOrders", "/portfolio/orders", {"limit": value}),
            ("GetOrders", "/portfolio/orders", {"cursor": value}),
            ("GetOrders", "/portfolio/orders", {"min_ts": value}),
            ("GetOrder", f"/portfolio/orders/{segment}", {}),
            ("GetOrderQueuePosition", f"/portfolio/orders/{segment}/queue_position", {}),
            ("GetOrderQueuePositions", "/portfolio/orders/queue_positions", {"market_tickers": value}),
            ("GetFills", "/portfolio/fills", {"limit": value}),
            ("GetPositions", "/portfolio/positions", {"count_filter": value}),
            ("GetSettlements", "/portfolio/settlements", {"cursor": value}),
            ("GetBalance", "/portfolio/balance", {"subaccount": value}),
            ("GetMarketOrderbook", f"/markets/{segment}/orderbook", {}),
        ]))  # fmt: skip
        before = self._state()
        self.read(user, op, path, **params)
        assert self._state() == before, f"{op} {params} changed the state"

    # -- order groups -------------------------------------------------------------------------------------------

    def _group(self, data: st.DataObject) -> tuple[tuple[str, int], str]:
        """Mostly a live group and its owner's place; else a place and another's group, a deleted one, an unknown or
        a hostile id (a path's segment, its characters escaped). Drawn by position, not id: ids are random."""
        live = list(self.ledger.state.order_groups.values())  # in the order made
        place = data.draw(st.sampled_from(PLACES))
        if live and data.draw(st.integers(0, 3)):
            group = live[data.draw(st.integers(0, len(live) - 1))]
            return (group.user_id, group.subaccount), group.group_id
        ids = [*self.groups, str(uuid.UUID(int=9)), quote("€\u0000/..", safe=""), "g" * 200]
        return place, ids[data.draw(st.integers(0, len(ids) - 1))]

    @rule(data=st.data(), place=st.sampled_from(PLACES), limit=st.sampled_from([1, 2, 5, 40]))
    def create_a_group(self, data: st.DataObject, place: tuple[str, int], limit: int) -> None:
        user, sub = place
        body = data.draw(maybe_hostile({"contracts_limit": limit, "subaccount": sub}))
        answer = self.write(user, sub, "CreateOrderGroup", "POST", "/portfolio/order_groups/create", json=body)
        if answer.status == 201:
            self.groups.append(answer.json()["order_group_id"])

    @rule(data=st.data(), side=st.sampled_from(["bid", "ask"]), count=COUNTS, crossing=st.booleans(),
          owner=st.sampled_from([True, True, True, False]))  # fmt: skip
    def place_an_order_into_a_group(self, data: st.DataObject, side: str, count: str, crossing: bool,
                                    owner: bool) -> None:  # fmt: skip
        """A good-till-canceled order naming a live group, placed by its owner (else by any place: refused unless
        it is the owner): at the house's best price (it matches, and the group counts it) or inside the spread (it
        rests, and the group's trigger ends it)."""
        live = list(self.ledger.state.order_groups.values())  # in the order made (drawn by position: ids are random)
        if not live:
            return
        group = live[data.draw(st.integers(0, len(live) - 1))]
        user, sub = (group.user_id, group.subaccount) if owner else data.draw(st.sampled_from(PLACES))
        price = ("0.45" if side == "bid" else "0.40") if crossing else ("0.39" if side == "bid" else "0.46")
        body = {"ticker": data.draw(st.sampled_from(self.trading() or self.tickers())), "side": side, "count": count,
                "price": price, "time_in_force": "good_till_canceled", "subaccount": sub,
                "self_trade_prevention_type": "maker", "order_group_id": group.group_id}  # fmt: skip
        answer = self.write(user, sub, "CreateOrderV2", "POST", "/portfolio/events/orders", json=body)
        self._placed(user, answer)
        if answer.status == 201:
            self.world.met["an order into a group"] += 1

    @rule(data=st.data(), how=st.sampled_from(["trigger", "trigger", "reset", "reset", "limit", "delete"]),
          limit=st.sampled_from([1, 3, 1_000_000, 0, 1_000_001]))  # fmt: skip
    def change_a_group(self, data: st.DataObject, how: str, limit: int) -> None:
        (user, sub), group_id = self._group(data)
        path, query = f"/portfolio/order_groups/{group_id}", {"subaccount": sub}
        if how == "delete":
            self.write(user, sub, "DeleteOrderGroup", "DELETE", path, params=query)
            return
        op = {"trigger": "TriggerOrderGroup", "reset": "ResetOrderGroup", "limit": "UpdateOrderGroupLimit"}[how]
        body = {"contracts_limit": limit} if how == "limit" else {}
        self.write(user, sub, op, "PUT", f"{path}/{how}", params=query, json=body)

    def _every_read(self) -> dict[str, tuple[int, bytes]]:
        """Each user's reads, each place's, each market's and the exchange's (statuses and bytes)."""
        reads = self.market_reads()
        reads += [(user, path) for user in OPENING_CENTS for path in (
            "/portfolio/balance", "/portfolio/orders/queue_positions", "/portfolio/deposits", "/portfolio/withdrawals",
        )]  # fmt: skip
        for user, sub in PLACES:
            reads += [(user, f"{path}?subaccount={sub}&limit=1000") for path in (
                "/portfolio/positions", "/portfolio/fills", "/portfolio/orders", "/portfolio/settlements",
                "/portfolio/order_groups",
            )]  # fmt: skip
        return self.world.answers(reads)

    # -- what must hold after every step --------------------------------------------------------------------------

    @invariant()
    def the_ledger_adds_up(self) -> None:
        with self.ledger.reading() as ledger:  # a triggered group's orders were cancelled, and no new one rests
            for order in ledger.state.orders.values():
                group = ledger.state.order_groups.get(order.order_group_id) if order.order_group_id else None
                assert group is None or not group.triggered, (order.order_id, order.order_group_id)
        self.check_sums()

    @invariant()
    def the_wire_agrees(self) -> None:
        """The places the step touched (one in turn if none) read on the wire as the core holds them, and one book in
        turn shows the core's levels (the core's are checked uncrossed after every step)."""
        self.turn += 1
        places = self.touched or {PLACES[self.turn % len(PLACES)]}
        self.touched = set()
        for place in sorted(places):
            self._agrees(place)
        tickers = self.tickers()
        ticker = tickers[self.turn % len(tickers)]
        book = self.read_ok("bob", "GetMarketOrderbook", f"/markets/{ticker}/orderbook")["orderbook_fp"]
        shown = [{(price_units(Decimal(p)), count_units(Decimal(c))) for p, c in book[side]}
                 for side in ("yes_dollars", "no_dollars")]  # fmt: skip
        with self.ledger.reading() as ledger:
            levels = ledger.feed.book_levels(ticker)
        assert shown == [set(levels[0]), {(10_000 - p, c) for p, c in levels[1]}], (ticker, book, levels)

    def _agrees(self, place: tuple[str, int]) -> None:
        self.place_agrees(place)
        user = place[0]
        if user == "ann":  # an FCM member: its resting orders' value (with no subtraders, its own)
            total = self.read_ok(
                user, "GetPortfolioRestingOrderTotalValue", "/portfolio/summary/total_resting_order_value"
            )
            every = self.read_all(user, "GetOrders", "/portfolio/orders", "orders", status="resting")
            paid = {"bid": "yes_price_dollars", "ask": "no_price_dollars"}  # the price of the side each buys
            worth = sum(
                (Decimal(o["remaining_count_fp"]) * Decimal(o[paid[o["book_side"]]]) for o in every), Decimal(0)
            )
            assert total["total_resting_order_value"] == int((worth * 100).to_integral_value(ROUND_DOWN)), (
                total,
                worth,
            )


world = world_fixture(OPENING_CENTS, "inv")


def test_any_sequence_of_orders_and_scripts_keeps_the_ledger_adding_up(world):
    run_sequences(lambda: OrderInvariants(world), 30, world.met, MUST_MEET)
