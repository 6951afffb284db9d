"""The perps exchange under hostility: random sequences of exchange actions over four trading places (ann's margined
subaccounts 0 and 1, bob, cy) in two markets, after each of which the exchange must still add up.

The actions: orders over real HTTP with signed requests (good-till-canceled with and without an expiration,
immediate-or-cancel, fill-or-kill, post-only, reduce-only, both self-trade rules, a client order id, an order group),
cancels (one, all), decreases and amends, moves of cash between ann's subaccounts, order groups (made, triggered by
hand or by their limit, reset, their limit changed, deleted), exit triggers on a position; and through the control
plane, as an operator's scripts act: a market maker's resting orders (`place_perp_order` for `mm`), the marks (exit
triggers fire, accounts are liquidated), the exchange clock (orders expire, funding is paid on the hour), pausing
the exchange's trading or a market, a user's fee tier, its notional risk limits and whether margin trading is
enabled for it, the liquidation thresholds, cash moved into and out of the margined instance. About one
value in four is hostile (a wrong JSON type, zero, negative and huge counts, prices off the tick, whole contracts
split, unknown ids, a field missing, another user's order): a refusal must change nothing (the exchange's state and
the margined cash, byte for byte).

Checked after every step (read from the core, under the exchange's lock):
- no book is crossed at rest, and each resting order rests in its market's book at its remaining size;
- no client's write trades in a market that does not trade (the exchange's trading off, or the market inactive);
- per market, the signed positions of every account (the house's backstop too) sum to zero, and the market's open
  interest is the longs' sum;
- money: the margined cash of every account (the house's backstop and insurance fund too), less the positions'
  signed entry cost, plus the fees every fill paid, less the funding every position was paid, is what came into the
  margined instance (the opening transfers, and those in and out on the way). Why it holds: positions.py's rule moves a
  buyer's cash-less-signed-cost by -value and the seller's by +value, a fee moves cash out, a liquidation's fills take
  the same road and its insurance moves cash between two accounts. Funding itself nets to zero but for its rounding:
  a payment is rounded to the micro-dollar, so the payments of one funding time sum to zero within half a
  micro-dollar each;
- each account's cash is what it was given (the transfers in and out, between subaccounts too), plus the P&L its
  fills realized, less their fees, plus the funding its positions were paid, plus what the insurance fund paid it
  (the fund: less all it paid), to the micro-dollar;
- no order rests in a triggered group, and where a market trades whole contracts every order's count and every
  position is whole;
- after a move of the marks or of the clock (which pays funding), every account holding a position in a market it
  moved has a margin ratio above the liquidation threshold (else it was liquidated), is in the liquidation queue
  exactly when its ratio is at or below the queue threshold, and an account a liquidation closed holds no cash below
  zero (the insurance fund paid its deficit);
- the places a step touched read on the wire as the core holds them (GET /margin/balance, /margin/positions,
  /margin/orders), and one book in turn (GET /margin/markets/{ticker}/orderbook) shows the core's levels;
- every answer has a status its operation documents (the perps slice's `responses`, and `ALSO`), never a 500.

Each sequence has a mock of its own, which keeps its state in a file: stopped and started again from it on the way
now and then, and at the end, from its snapshot or by running every command again, the mock must hold the same state
(the snapshot's values) and answer every read of the exchange with the same bytes (invariant_runs.py).

CI's run is derandomized (conftest.py) and must meet each outcome of `MUST_MEET`. A longer hunt (invariant_runs.py):
`HYPOTHESIS_PROFILE=long MOCKEXCHANGE_INVARIANT_STEPS=50 MOCKEXCHANGE_INVARIANT_SHRINK=0 scripts/test
tests/hostile/test_hostile_perps_invariants.py`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hostile_wire import Answer
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule
from invariant_runs import Restarting, World, run_sequences, world_fixture
from perps_http import SLICE, T0, template, whole
from test_hostile_admin_sequences import HOSTILE

from mockexchange.control.errors import ControlError
from mockexchange.core.book import ASK, BID
from mockexchange.core.perps import units
from mockexchange.core.perps.liquidation import HOUSE, INSURANCE_FUND
from mockexchange.core.perps.units import CONTRACT, DOLLAR, MILLION
from mockexchange.server import MockServer

CENT = DOLLAR // 100  # micro-dollars
CENTI_CENTS = 10_000  # an instance transfer's units in a dollar

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

# cy is short of cash: margin refusals, liquidations
DOLLARS = {"ann": 20_000, "bob": 10_000, "cy": 350, "mm": 1_000_000}
PLACES = [("ann", 0), ("ann", 1), ("bob", 0), ("cy", 0)]
MAKER = "mm"  # the market maker the control plane places orders for
ETH, SOL, UNKNOWN = "ETH-PERP", "SOL-PERP", "XRP-PERP"
NO_ORDER = str(uuid.UUID(int=1))
MARKETS = {ETH: {"mark_price": "3000", "fractional_trading_enabled": False}, SOL: {"mark_price": "150"}}
OFFSETS = st.sampled_from([-300, -100, -50, -20, 0, 20, 50, 100, 300])  # basis points of the mark
COUNTS = {ETH: st.sampled_from(["1", "2", "3", "1.5", "10"]), SOL: st.sampled_from(["0.50", "1", "2.25", "10", "40"])}
TIME_IN_FORCE = st.sampled_from(["good_till_canceled", "good_till_canceled", "immediate_or_cancel", "fill_or_kill"])
CLIENT_IDS = st.sampled_from(["c-1", "c-2", "c-3"])
MUST_MEET = ("CreateMarginOrder done", "CreateMarginOrder refused", "a fill", "AmendMarginOrder done",
             "DecreaseMarginOrder done", "CancelMarginOrder done", "set_perp_marks done", "a liquidation",
             "a funding time", "TriggerMarginOrderGroup done", "ResetMarginOrderGroup done",
             "SetCrossMarginExitTrigger done", "a restart from its snapshot",
             "a restart from its commands")  # fmt: skip


# Beside them, what docs/perps.md's known differences say the mock answers: an order naming no market, group or
# subaccount of the user's is 404, as Kalshi's prediction exchange answers one naming no market; a user margin trading
# is not enabled for, 403 (an amend that moves its order too).
ALSO = {"CreateMarginOrder": {403, 404}, "AmendMarginOrder": {403}}


def documented(method: str, path: str) -> tuple[str, set[int]]:
    """A request's operation and the statuses the perps slice documents for it (500 never may answer), and those of
    `ALSO`."""
    operation = SLICE["paths"][template(path)][method.lower()]
    op = operation["operationId"]
    return op, {int(status) for status in operation["responses"]} - {500} | ALSO.get(op, set())


def _maybe_hostile(data: st.DataObject, body: dict[str, Any]) -> dict[str, Any]:
    """The body with one field given a hostile value, or taken away, one time in four; else as it is. (An integer
    decides: Hypothesis draws a `one_of`'s later branches, these, far more often than their share.)"""
    if data.draw(st.integers(0, 3)) != 2:
        return body
    names = sorted(body)
    given = st.sampled_from(names).flatmap(lambda name: HOSTILE.map(lambda value: {**body, name: value}))
    taken = st.sampled_from(names).map(lambda name: {k: v for k, v in body.items() if k != name})
    return data.draw(st.one_of(given, given, taken))


def dollars(micro: int) -> str:
    return str(units.dollars(micro))


class PerpsInvariants(Restarting):
    RESTARTS = 2  # (at most, on the way)

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        mock = self._serve(world.fresh(T0))
        mock.reset()
        mock.set_rate_limit_tier("off")
        mock.advance_clock(seconds=59 * 60)  # (a minute before the first funding time)
        for user, amount in DOLLARS.items():
            mock.create_account(user, balance_cents=amount * 200)  # (half of it stays on the prediction exchange)
            mock.intra_exchange_transfer(user, "event_contract", "margined", amount * CENTI_CENTS)
            mock.create_key(user, public_key_pem=world.keys[user][1], key_id=f"{world.prefix}-{user}")
        # micro-dollars each account's cash was given from outside the exchange's trading (its transfers)
        self.given: Counter[tuple[str, int]] = Counter({(user, 0): amount * DOLLAR for user, amount in DOLLARS.items()})
        mock.create_margin_subaccount("ann")
        mock.margin_subaccount_transfer("ann", str(uuid.UUID(int=0)), 0, 1, 500_000)
        self.given.update({("ann", 0): -500_000 * CENT, ("ann", 1): 500_000 * CENT})
        for ticker, fields in MARKETS.items():
            mock.list_perp_market(ticker, **fields)
        self.orders: list[tuple[str, str]] = []  # (user, order id) of every order placed
        self.groups: list[tuple[str, int, str]] = []  # (user, subaccount, id) of every group made, deleted ones too
        self.makers = 0
        self.touched: set[tuple[str, int]] = set()
        self.turn = 0
        for ticker in MARKETS:  # the maker's ladder; a position a place holds from the start, and an order it rests
            for offset in (-200, -50, -10, 10, 50, 200):
                self._maker(ticker, "bid" if offset < 0 else "ask", "5", self.priced(ticker, offset))
        for i, (user, sub) in enumerate(PLACES):
            made = self.write(user, sub, "POST", "/margin/order_groups/create",
                              json={"contracts_limit": (2, 5, 40, 1)[i], "subaccount": sub})  # fmt: skip
            self.groups.append((user, sub, made.json()["order_group_id"]))
            body = {"ticker": SOL, "client_order_id": f"start-{i}", "side": "bid", "count": "1",
                    "price": self.priced(SOL, -150 - 10 * i), "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "maker", "subaccount": sub,
                    "order_group_id": self.groups[-1][2]}  # fmt: skip
            self._placed(user, self.write(user, sub, "POST", "/margin/orders", json=body))
            side, offset = ("bid", 20) if i % 2 else ("ask", -20)  # (cy: long 1 ETH at 3,006, 7% down liquidates it)
            body = {"ticker": ETH, "client_order_id": f"held-{i}", "side": side, "count": "1",
                    "price": self.priced(ETH, offset), "time_in_force": "immediate_or_cancel",
                    "self_trade_prevention_type": "maker", "subaccount": sub}  # fmt: skip
            self._placed(user, self.write(user, sub, "POST", "/margin/orders", json=body))
        self.liquidated: dict[str, int] = {}
        self.fills = sum(len(kept) for kept in self.state.fills.values())

    def _serve(self, mock: MockServer) -> MockServer:
        self.mock, self.exchange = mock, mock.app.control.perps
        self.state = self.exchange.state
        return mock

    # -- how a step is made and judged -------------------------------------------------------------------------

    def write(self, user: str, sub: int, method: str, path: str, **request: Any) -> Answer:
        """A client's write: a status its operation documents; refused, nothing changed; no trade in a market that
        does not trade (the exchange or the market paused)."""
        before, state = whole(self.mock), self.state
        trading = state.exchange_active and state.trading_active
        quiet = {
            t: len(state.trades.get(t, ())) for t, m in state.markets.items() if not trading or m.status != "active"
        }
        answer = self.world.clients[user].request(method, path, **request)
        assert {t: len(state.trades.get(t, ())) for t in quiet} == quiet, f"{path} traded where trading is off"
        op, statuses = documented(method, f"/trade-api/v2{path}")
        assert answer.status in statuses, (op, answer.status, answer.body)
        refused = answer.status >= 400
        self.world.met[f"{op} {'refused' if refused else 'done'}"] += 1
        if refused:
            assert whole(self.mock) == before, f"{op} refused ({answer.body!r}) but the state changed"
            error = answer.json()
            self.world.codes[f"{op} {answer.status} {error.get('error', error).get('code') or error}"] += 1
        self.touched.add((user, sub))
        return answer

    def control(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """An operator's command through the control plane; refused (`ControlError`), nothing changed."""
        before = whole(self.mock)
        try:
            done = getattr(self.mock, name)(*args, **kwargs)
        except ControlError as exc:
            assert exc.status < 500, (name, exc)
            assert whole(self.mock) == before, f"{name} refused ({exc}) but the state changed"
            self.world.met[f"{name} refused"] += 1
            return None
        self.world.met[f"{name} done"] += 1
        return done

    def read(self, user: str, path: str, **params: Any) -> dict[str, Any]:
        answer = self.world.clients[user].get(path, params=params)
        assert answer.status == 200, (path, params, answer.status, answer.body)
        return answer.json()

    def mark(self, ticker: str) -> int:
        return self.state.markets[ticker].mark

    def priced(self, ticker: str, offset: int) -> str:
        """A price `offset` basis points from the market's mark, on its tick."""
        tick = self.state.markets[ticker].tick
        return str(units.price(max(tick, self.mark(ticker) * (10_000 + offset) // 10_000 // tick * tick)))

    def _placed(self, user: str, answer: Answer) -> None:
        if answer.status == 201:
            self.orders.append((user, answer.json()["order_id"]))

    def _maker(self, ticker: str, side: str, count: str, price: str) -> None:
        self.makers += 1
        self.control("place_perp_order", MAKER, ticker, side, count, price, f"mm-{self.makers}")

    # -- clients' orders ------------------------------------------------------------------------------------------

    @rule(data=st.data(), place=st.sampled_from(PLACES), ticker=st.sampled_from([ETH, ETH, SOL, SOL, UNKNOWN]),
          side=st.sampled_from(["bid", "ask"]), offset=OFFSETS, tif=TIME_IN_FORCE)  # fmt: skip
    def place_order(self, data: st.DataObject, place: tuple[str, int], ticker: str, side: str, offset: int,
                    tif: str) -> None:  # fmt: skip
        user, sub = place
        known = ticker if ticker != UNKNOWN else ETH
        body: dict[str, Any] = {
            "ticker": ticker, "client_order_id": data.draw(CLIENT_IDS), "side": side,
            "count": data.draw(COUNTS[known]), "price": self.priced(known, offset), "time_in_force": tif,
            "self_trade_prevention_type": data.draw(st.sampled_from(["taker_at_cross", "maker"])),
        }  # fmt: skip
        if sub or data.draw(st.booleans()):
            body["subaccount"] = sub
        options = {"good_till_canceled": ["expiration_time", "post_only"], "immediate_or_cancel": ["reduce_only"],
                   "fill_or_kill": ["reduce_only"]}[tif]  # fmt: skip
        if data.draw(st.integers(0, 7)) == 0:
            options = ["expiration_time", "post_only", "reduce_only"]  # some a time in force does not take
        for name in options:
            if data.draw(st.integers(0, 2)) == 0:
                ahead = data.draw(st.sampled_from([5, 30, 600, 0, -10]))
                later = int((self.state.clock.now() + timedelta(seconds=ahead)).timestamp())
                body[name] = later if name == "expiration_time" else True
        if data.draw(st.integers(0, 3)) == 0:
            body["order_group_id"] = data.draw(st.sampled_from([g for *_, g in self.groups]))
        self._placed(user, self.write(user, sub, "POST", "/margin/orders", json=_maybe_hostile(data, body)))

    def _order_of(self, data: st.DataObject, user: str) -> str:
        """One of the user's resting orders mostly; one of its ended ones, another's, or none, one time in five (an
        integer decides, as in `_maybe_hostile`)."""
        rests = self.state.resting.get(user, ())  # (in the order placed: ids are drawn at random, a replay's draws not)
        mine = [oid for owner, oid in self.orders if owner == user]
        resting = [oid for oid in mine if oid in rests]
        if resting and data.draw(st.integers(0, 4)) != 2:
            return data.draw(st.sampled_from(resting))
        others = [oid for owner, oid in self.orders if owner != user]
        return data.draw(st.sampled_from([*mine, *others, NO_ORDER]))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), place=st.sampled_from(PLACES))
    def cancel_order(self, data: st.DataObject, place: tuple[str, int]) -> None:
        user, sub = place
        self.write(user, sub, "DELETE", f"/margin/orders/{self._order_of(data, user)}")

    @rule(place=st.sampled_from(PLACES))
    def cancel_all(self, place: tuple[str, int]) -> None:
        self.write(*place, "DELETE", "/margin/orders")

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), place=st.sampled_from(PLACES), how=st.sampled_from(["reduce_to", "reduce_by"]),
          share=st.sampled_from([2, 1, 3, 4, 0]))  # fmt: skip
    def decrease_order(self, data: st.DataObject, place: tuple[str, int], how: str, share: int) -> None:
        """A decrease by or to a share (in quarters) of what rests, or of a count that splits a contract or is more
        than rests; both kinds at once now and then."""
        user, sub = place
        order = self.state.orders.get(order_id := self._order_of(data, user))
        left = order.remaining if order is not None else 100
        whole = order is not None and not self.state.markets[order.ticker].fractional
        part = left * share // 4 // CONTRACT * CONTRACT if whole else left * share // 4
        count = str(units.contracts(part if share else left + 50))
        both = data.draw(st.integers(0, 5)) == 3
        body = {"reduce_by": count, "reduce_to": "0"} if both else {how: count}
        self.write(user, sub, "POST", f"/margin/orders/{order_id}/decrease", json=_maybe_hostile(data, body))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), place=st.sampled_from(PLACES), offset=OFFSETS, bigger=st.booleans())
    def amend_order(self, data: st.DataObject, place: tuple[str, int], offset: int, bigger: bool) -> None:
        user, sub = place
        order_id = self._order_of(data, user)
        order = self.state.orders.get(order_id)
        ticker, side = (order.ticker, order.side) if order is not None else (SOL, "bid")
        count = units.contracts(order.count + (CONTRACT if bigger else 0)) if order is not None else Decimal(1)
        body = {"ticker": ticker, "side": side, "price": self.priced(ticker, offset), "count": str(count)}
        if data.draw(st.integers(0, 5)) == 0:
            body["side"] = {"bid": "ask", "ask": "bid"}[side]  # an amend may not change the side
        if data.draw(st.booleans()):
            body["updated_client_order_id"] = data.draw(CLIENT_IDS)
        self.write(user, sub, "POST", f"/margin/orders/{order_id}/amend", json=_maybe_hostile(data, body))

    @rule(to_one=st.booleans(), cents=st.sampled_from([1, 25_000, 10**9]))
    def move_between_subaccounts(self, to_one: bool, cents: int) -> None:
        body = {"client_transfer_id": str(uuid.uuid4()), "from_subaccount": 0 if to_one else 1,
                "to_subaccount": 1 if to_one else 0, "amount_cents": cents}  # fmt: skip
        if self.write("ann", 0, "POST", "/portfolio/margin/subaccounts/transfer", json=body).status == 200:
            self.given.update({("ann", 0 if to_one else 1): -cents * CENT, ("ann", 1 if to_one else 0): cents * CENT})
        self.touched.add(("ann", 1))

    # -- order groups and exit triggers ---------------------------------------------------------------------------

    @rule(data=st.data(), how=st.sampled_from(["trigger", "trigger", "reset", "reset", "limit", "delete"]),
          limit=st.sampled_from([1, 3, 50]))  # fmt: skip
    def order_group(self, data: st.DataObject, how: str, limit: int) -> None:
        user, sub, group_id = data.draw(st.sampled_from(self.groups))
        if data.draw(st.integers(0, 5)) == 0:
            user, sub = data.draw(st.sampled_from(PLACES))  # perhaps not the owner
        path = f"/margin/order_groups/{group_id}"
        if how == "delete":
            self.write(user, sub, "DELETE", path)
            return
        self.write(user, sub, "PUT", f"{path}/{how}", json={"contracts_limit": limit} if how == "limit" else {})

    @rule(place=st.sampled_from(PLACES), limit=st.sampled_from([1, 2, 40]))
    def new_order_group(self, place: tuple[str, int], limit: int) -> None:
        made = self.write(*place, "POST", "/margin/order_groups/create",
                          json={"contracts_limit": limit, "subaccount": place[1]})  # fmt: skip
        if made.status == 201:
            self.groups.append((*place, made.json()["order_group_id"]))

    def _holders(self) -> list[tuple[str, int, str]]:
        """(user, subaccount, ticker) of each place's open position."""
        held = self.state.positions
        return [(*place, t) for place in PLACES for t, position in held.get(place, {}).items() if position.size]

    @precondition(lambda self: self._holders())
    @rule(data=st.data(), loss=st.sampled_from([50, 200, 600]), gain=st.sampled_from([50, 300]))
    def exit_trigger(self, data: st.DataObject, loss: int, gain: int) -> None:
        """A bracket on a position (a long's stop below the mark, a short's above), or on none now and then."""
        user, sub, ticker = data.draw(st.sampled_from(self._holders()))
        if data.draw(st.integers(0, 5)) == 0:
            ticker = {ETH: SOL, SOL: ETH}[ticker]
        held = self.state.positions.get((user, sub), {}).get(ticker)
        sign = -1 if held is None or held.size >= 0 else 1
        body = {"kind": "bracket", "stop_loss_price": self.priced(ticker, sign * loss),
                "take_profit_price": self.priced(ticker, -sign * gain)}  # fmt: skip
        self.write(user, sub, "PUT", f"/margin/cross/positions/{ticker}/exit_trigger", params={"subaccount": sub},
                   json=_maybe_hostile(data, body))  # fmt: skip

    # -- the control plane ----------------------------------------------------------------------------------------

    @rule(ticker=st.sampled_from([ETH, SOL]), side=st.sampled_from(["bid", "ask"]),
          offset=st.sampled_from([10, 40, 150]), count=st.sampled_from(["2", "5", "20"]))  # fmt: skip
    def maker_quotes(self, ticker: str, side: str, offset: int, count: str) -> None:
        self._maker(ticker, side, count, self.priced(ticker, -offset if side == "bid" else offset))

    @rule(ticker=st.sampled_from([ETH, ETH, SOL]), move=st.sampled_from([-1500, -1000, -800, -300, -100, 100, 800]),
          index=st.booleans())  # fmt: skip
    def move_the_mark(self, ticker: str, move: int, index: bool) -> None:
        """The marks moved, and the reference price (the index) with them or not: the book's premium over it is
        what funding pays."""
        price = self.priced(ticker, move)
        if self.control("set_perp_marks", ticker, mark_price=price, **({"reference_price": price} if index else {})):
            self._after_the_marks((ticker,))

    @rule(seconds=st.sampled_from([5, 40, 700, 3600]))
    def advance_clock(self, seconds: int) -> None:
        funded = sum(len(rates) for rates in self.state.funding_rates.values())
        self.control("advance_clock", seconds=seconds)
        if sum(len(rates) for rates in self.state.funding_rates.values()) > funded:
            self.world.met["a funding time"] += 1
            self._after_the_marks(tuple(MARKETS))

    @rule(trading=st.sampled_from([False, True, True]))
    def exchange_trading(self, trading: bool) -> None:
        self.control("set_perps_exchange_status", trading_active=trading)

    @rule(ticker=st.sampled_from([ETH, SOL]), status=st.sampled_from(["inactive", "active", "active"]))
    def market_status(self, ticker: str, status: str) -> None:
        self.control("update_perp_market", ticker, status=status)

    @rule(user=st.sampled_from(["ann", "bob", "cy"]), level=st.sampled_from(["account", "default", "market"]),
          limit=st.sampled_from(["2000", "20000", None]))  # fmt: skip
    def notional_limit(self, user: str, level: str, limit: str | None) -> None:
        """Kalshi's notional risk limit set on a user (lowered below what it uses: its newest resting orders are
        cancelled), or taken off."""
        ticker = {"ticker": ETH} if level == "market" else {}
        self.control("set_perps_notional_limit", user, limit=limit, level=level, **ticker)
        self.touched.update((user, sub) for place_user, sub in PLACES if place_user == user)

    @rule(liquidation=st.sampled_from(["1", "1.1", "0.8"]), queue=st.sampled_from(["1.2", "1.5", "1"]))
    def risk_parameters(self, liquidation: str, queue: str) -> None:
        """The thresholds set (a queue's below the liquidation's: refused); none is liquidated until the marks move."""
        self.control("set_perps_risk_parameters", liquidation_margin_ratio_threshold=liquidation,
                     queue_entry_margin_ratio_threshold=queue)  # fmt: skip

    @rule(user=st.sampled_from(["ann", "bob", "cy"]), enabled=st.sampled_from([True, True, False]))
    def margin_enabled(self, user: str, enabled: bool) -> None:
        self.control("set_perps_enabled", user, enabled=enabled)

    @rule(user=st.sampled_from(["ann", "bob", "cy"]), tier=st.sampled_from([0, 1, 2, 7]))
    def fee_tier(self, user: str, tier: int) -> None:
        self.control("set_perps_fee_tier", user, tier=tier)

    @rule(user=st.sampled_from(["ann", "bob", "cy"]), into=st.booleans(), amount=st.sampled_from([100, 5_000, 10**6]))
    def move_the_margined_cash(self, user: str, into: bool, amount: int) -> None:
        """`amount` dollars into or out of the user's margined cash (more than it has: refused)."""
        where = ("event_contract", "margined") if into else ("margined", "event_contract")
        if self.control("intra_exchange_transfer", user, *where, amount * CENTI_CENTS) is not None:
            self.given[(user, 0)] += (1 if into else -1) * amount * DOLLAR
        self.touched.add((user, 0))

    def _every_read(self) -> dict[str, tuple[int, bytes]]:
        """Every read of the exchange: each user's, each place's, each market's, the exchange's (statuses and bytes)."""
        reads = [("bob", path) for path in ("/margin/exchange/status", "/margin/risk_parameters", "/margin/markets",
                                            "/margin/fee_tiers", "/margin/fee_tier_rates")]  # fmt: skip
        for ticker in MARKETS:
            reads += [("bob", path) for path in (
                f"/margin/markets/{ticker}", f"/margin/markets/{ticker}/orderbook",
                f"/margin/trades?ticker={ticker}&limit=1000", f"/margin/funding_rates/estimate?ticker={ticker}",
                f"/margin/funding_rates/historical?ticker={ticker}",
            )]  # fmt: skip
        for user in dict.fromkeys(user for user, _ in PLACES):
            reads += [(user, path) for path in (
                "/margin/balance?compute_available_balance=true", "/margin/risk", "/margin/enabled",
                "/margin/notional_risk_limit", "/account/limits/perps",
                *(f"/margin/funding_history?ticker={t}" for t in MARKETS),
            )]  # fmt: skip
        for user, sub in PLACES:
            at = f"subaccount={sub}"
            reads += [(user, path) for path in (
                f"/margin/positions?{at}", f"/margin/orders?{at}&limit=1000", f"/margin/fills?{at}&limit=1000",
                f"/margin/order_groups?{at}", *(f"/margin/cross/positions/{t}/exit_trigger?{at}" for t in MARKETS),
            )]  # fmt: skip
        return self.world.answers(reads)

    # -- what must hold ---------------------------------------------------------------------------------------------

    def _after_the_marks(self, tickers: tuple[str, ...]) -> None:
        """Every account holding a position in `tickers` is above the liquidation threshold, in the queue exactly
        when at or below the queue's; an account a liquidation closed holds no cash below zero."""
        state = self.state
        with self.exchange.lock:
            for (user, sub), held in sorted(state.positions.items()):
                if user in HOUSE or not any(held.get(t) and held[t].size for t in tickers):
                    continue
                account = self.exchange.account(user, sub)
                ratio = account.equity * MILLION  # over the maintenance margin, in millionths
                assert ratio > state.liquidation_threshold * account.maintenance, (user, sub, account)
                queued = ratio <= state.queue_threshold * account.maintenance
                assert ((user, sub) in state.liquidation_queue) == queued, (user, sub, account)
            for user, kept in state.liquidations.items():
                if len(kept) > self.liquidated.get(user, 0):
                    self.world.met["a liquidation"] += 1
                    for record in kept[self.liquidated.get(user, 0) :]:
                        assert self.exchange.account(user, record.subaccount).cash >= 0, record
                self.liquidated[user] = len(kept)

    @invariant()
    def each_account_is_its_records(self) -> None:
        """An account's cash is what it was given, plus the P&L its fills realized, less their fees, plus the funding
        its positions were paid, plus what the insurance fund paid it (the fund: less all it paid)."""
        state, expected = self.state, Counter(self.given)
        with self.exchange.lock:
            for fill in (fill for kept in state.fills.values() for fill in kept):
                expected[(fill.user_id, fill.subaccount)] += fill.realized_pnl - fill.fee
            for place, held in state.positions.items():
                expected[place] += sum(position.funding for position in held.values())
            for record in (record for kept in state.liquidations.values() for record in kept):
                expected.update(
                    {(record.user_id, record.subaccount): record.deficit, (INSURANCE_FUND, 0): -record.deficit}
                )
            margined = self.mock.app.control.ledger.state.subaccount_state.margined
            cash = Counter({(user, sub): amount for (user, _, sub), amount in margined.items()})  # (user, shard, sub)
        assert {k: v for k, v in cash.items() if v} == {k: v for k, v in expected.items() if v}

    @invariant()
    def the_exchange_adds_up(self) -> None:
        state = self.state
        with self.exchange.lock:
            held: Counter[str] = Counter()
            longs: Counter[str] = Counter()
            signed_cost = funding = 0
            for positions in state.positions.values():
                for ticker, position in positions.items():
                    held[ticker] += position.size
                    longs[ticker] += max(position.size, 0)
                    signed_cost += position.entry_cost if position.size > 0 else -position.entry_cost
                    funding += position.funding
            for ticker, market in state.markets.items():
                assert held[ticker] == 0, f"{ticker}: positions sum to {held[ticker]}"
                assert market.open_interest == longs[ticker], (ticker, market.open_interest, longs[ticker])
            fills = [fill for kept in state.fills.values() for fill in kept]
            self.world.met["a fill"] += len(fills) > self.fills
            self.fills = len(fills)
            fees = sum(fill.fee for fill in fills)
            cash = sum(self.mock.app.control.ledger.state.subaccount_state.margined.values())
            assert cash - signed_cost + fees - funding == sum(self.given.values()), "money was made or lost"
            payments = sum(len(paid) for paid in state.funding_payments.values())
            assert 2 * abs(funding) <= payments, f"funding paid {funding} over {payments} payments"
            for ticker, book in state.books.items():
                bid, ask = book.best(BID), book.best(ASK)
                assert bid is None or ask is None or bid[0] < ask[0], f"{ticker}: bid {bid} meets ask {ask} at rest"
            resting = {oid for ids in state.resting.values() for oid in ids}
            assert resting == {r.order_id for book in state.books.values() for r in book.orders()}
            for order in state.orders.values():  # (where a market trades whole contracts, every count is whole)
                if not state.markets[order.ticker].fractional:
                    assert not (order.count % CONTRACT or order.remaining % CONTRACT), order
            for ticker, position in ((t, p) for held in state.positions.values() for t, p in held.items()):
                assert state.markets[ticker].fractional or not position.size % CONTRACT, (ticker, position)
            for order_id in resting:
                order = state.orders[order_id]
                assert state.books[order.ticker].get(order_id).size == order.remaining > 0, order
                group = state.order_groups.get(order.order_group_id) if order.order_group_id else None
                assert group is None or not group.triggered, (order_id, order.order_group_id)

    @invariant()
    def the_wire_agrees(self) -> None:
        """The places the step touched (one in turn if none) read on the wire as the core holds them, and one book in
        turn shows the core's levels."""
        self.turn += 1
        places = self.touched or {PLACES[self.turn % len(PLACES)]}
        self.touched = set()
        for place in sorted(places):
            self._agrees(*place)
            self._fills_agree(*place)
        ticker = sorted(MARKETS)[self.turn % len(MARKETS)]
        book = self.read("bob", f"/margin/markets/{ticker}/orderbook")["orderbook"]
        shown = [[[str(units.price(p)), str(units.contracts(c))] for p, c in self.state.books[ticker].levels(side)]
                 for side in (BID, ASK)]  # fmt: skip
        assert [book["bids"], book["asks"]] == shown, (ticker, book, shown)

    def _fills_agree(self, user: str, sub: int) -> None:
        """GET /margin/fills, every page: the account's fills, newest first, each as the core keeps it."""
        fills, cursor = [], None
        while True:
            page = self.read(user, "/margin/fills", subaccount=sub, limit=100, **({"cursor": cursor} if cursor else {}))
            fills += page["fills"]
            if not (cursor := page.get("cursor")):
                break
        with self.exchange.lock:
            kept = [f for f in reversed(self.state.fills.get(user, [])) if f.subaccount == sub]
        core = [(f.fill_id, str(units.contracts(f.count)), str(units.price(f.price)), dollars(f.fee),
                 dollars(f.realized_pnl)) for f in kept]  # fmt: skip
        shown = [(f["fill_id"], f["count"], f["price"], f["fees"], f["realized_pnl"]) for f in fills]
        assert shown == core, (user, sub, shown, core)

    def _agrees(self, user: str, sub: int) -> None:
        """The account's balance, positions and resting orders on the wire."""
        balances = self.read(user, "/margin/balance", compute_available_balance="true")["subaccount_balances"]
        balance = next(b for b in balances if b["subaccount"] == sub)
        positions = self.read(user, "/margin/positions", subaccount=sub)["positions"]
        orders = self.read(user, "/margin/orders", subaccount=sub, status="resting", limit=1000)["orders"]
        with self.exchange.lock:
            account = self.exchange.account(user, sub)
            rows = {h.market.ticker: str(units.contracts(h.position.size)) for h in account.held()}
            resting = [self.state.orders[oid] for oid in self.state.resting.get(user, ())]
            core = {o.order_id: str(units.contracts(o.remaining)) for o in resting if o.subaccount == sub}
        assert balance["account_equity"] == dollars(account.equity), (user, sub, balance)
        assert balance["maintenance_margin"] == dollars(account.maintenance), (user, sub, balance)
        paired = Decimal(balance["initial_margin"]) + Decimal(balance["resting_orders_margin"])
        assert paired == units.dollars(account.initial), (user, sub, balance)
        assert balance["available_balance"] == dollars(account.available), (user, sub, balance)
        assert {p["market_ticker"]: p["position"] for p in positions} == rows, (user, sub, positions)
        assert {o["order_id"]: o["remaining_count"] for o in orders} == core, (user, sub, orders)


world = world_fixture(DOLLARS, "perps")


def test_any_sequence_of_perps_orders_and_scripts_keeps_the_exchange_adding_up(world: World) -> None:
    run_sequences(lambda: PerpsInvariants(world), 16, world.met, MUST_MEET, lambda: str(sorted(world.codes.items())))
