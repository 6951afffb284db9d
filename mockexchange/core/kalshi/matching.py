"""An order crossing its market's book: the fills a match would make, checked whole before any of them happens, then
made, both sides, down the one money road (filling.py).

The book plans the match (core/book.py: price-time priority, each match at the resting price, self-trade prevention
by the order's rule, its owner compared by user). Each match is one trade and two fills sharing its id: the incoming
order's (the taker's: it prints the trade, taker fees by the market's schedule) and the resting order's
(the maker's: maker fees, as its order accumulates them, orders.py); the house's scripted liquidity (liquidity.py) is
the maker's side of a match with it, under the house account, so every market's positions sum to zero. Before any
fill is made, the fills are run through copies of what they change (batch_checks.py's bounds, the same words), and the
taker's available cash must cover what the fills cost it and what its remainder will hold if it rests
(`insufficient_balance` otherwise; the control plane's seeded orders never take). A maker order's fill takes its cost
and fee out of what the order holds, gives the rest of that back, and ends the order `executed` once nothing rests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from mockexchange.core.book import BID, Matched, Resting
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.batch_checks import run_bounds, well_within
from mockexchange.core.kalshi.checks import Refusal, Terms
from mockexchange.core.kalshi.fees import FeeRule
from mockexchange.core.kalshi.footprints import trading_footprint
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.orders import BOOK_RULES, CANCELED, EXECUTED, SELF_TRADE_CANCEL, TRADE, Order
from mockexchange.core.kalshi.positions import Cells
from mockexchange.core.kalshi.units import PRICE
from mockexchange.core.stepping import DEEP

if TYPE_CHECKING:
    from mockexchange.core.kalshi.filling import Filling
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.order_upkeep import OrderUpkeep
    from mockexchange.core.order_groups import OrderGroup


@dataclass(slots=True)
class Planned:
    """A match planned and checked: the book's plan, each match's two fills' terms (taker, maker), and the rows the
    check read, by place (user, ticker, subaccount): a fill takes its row from here the first time its place fills
    (nothing moves a row's amounts between the check and the fills), and reads it again after."""

    plan: Matched
    terms: list[tuple[Terms, Terms]]
    rows: dict[tuple[str, str, int], tuple[int | None, Cells]]


class Crossed(NamedTuple):
    """What a cross did for the incoming order: hundredths filled, their YES value (micro-dollars), fees paid."""

    filled: int
    yes_value: int
    fees: int


def yes_terms(buys: bool, count: int, yes_price: int, fee: int) -> Terms:
    """A fill's terms that buy (or sell) YES at `yes_price`: the house's side of a match, a block trade's sides."""
    paid = yes_price if buys else PRICE - yes_price
    return Terms("yes", "buy" if buys else "sell", buys, count, yes_price, paid, yes_price, fee)


def house_terms(resting: Resting, count: int, yes_price: int, fee: int) -> Terms:
    """The house's side of a match with its resting order `resting` (a bid buys YES, an ask sells it)."""
    return yes_terms(resting.side == BID, count, yes_price, fee)


class Matching:
    """Crossing an order with its market's book (module docstring), under the ledger's lock: trading's (trading.py).
    It takes the ledger's state and what it calls of the other parts: the kept orders (order_upkeep.py: a maker's
    order follows its fill), the fills (filling.py: each side of a match written, `fill_of_order`, its trade printed
    once both are, `print_match`, and the ids drawn, `drawn_id`), and an order group's count of what its orders
    matched (`group_matched`, order_groups.py)."""

    def __init__(
        self,
        state: LedgerState,
        kept: OrderUpkeep,
        filling: Filling,
        group_matched: Callable[[Order, int, datetime], None],
    ) -> None:
        self.state = state
        self.kept = kept
        self.fill_of_order = filling.fill_of_order
        self.print_match = filling.print_match
        self.drawn_id = filling.drawn_id
        self.group_matched = group_matched

    def long_cross(
        self, order: Order, market: Market, size: int, yes_price: int | None = None
    ) -> AbstractContextManager[None] | None:
        """Where the cross of `size` hundredths of `order` (at `yes_price`, else its own) runs: long
        (core/stepping.py: the context to run it in) if it may reach more than `DEEP` resting orders, else (None) as
        the command runs."""
        book = market.book
        if book is None or not size:
            return None
        state, side = self.state, order.book_side
        stp = BOOK_RULES[order.self_trade_prevention_type] if order.self_trade_prevention_type is not None else None
        limit = order.yes_price if yes_price is None else yes_price
        groups = state.order_groups
        if book.reach(side, size, limit, stp, DEEP) <= DEEP and not (
            groups and _trips_many(groups, order, book.reached(side, size, limit))
        ):
            return None
        return state.lock.long(trading_footprint(state, [market.ticker], order.user_id))

    def plan_cross(self, order: Order, market: Market, size: int, rule: FeeRule) -> Planned:
        """What crossing `size` hundredths of `order` (at its price) with the book would do, and the terms of each
        fill, changing nothing."""
        book = market.book
        stp = BOOK_RULES[order.self_trade_prevention_type] if order.self_trade_prevention_type is not None else None
        step = self.state.lock.stepper()
        if book is None:
            plan = Matched(left=size)
        else:
            plan = book.plan(order.book_side, size, order.yes_price, order.user_id, stp, step=step)
        terms: list[tuple[Terms, Terms]] = []
        for match in plan.matches:
            if step is not None:
                step()
            maker: Order | None = match.maker.data
            taker_terms = order.terms(match.size, match.price, rule.fee_units(match.size, match.price, True))
            if maker is None:
                made = house_terms(match.maker, match.size, match.price, rule.fee_units(match.size, match.price, False))
            else:
                made = maker.terms(match.size, match.price, maker.maker_fee(match.size))
            terms.append((taker_terms, made))
        return Planned(plan, terms, {})

    def plan_within(self, order: Order, market: Market, planned: Planned, rule: FeeRule, cap: int) -> Planned | None:
        """`planned` cut to what `cap` micro-dollars pay for (the side it buys at each match's price and the taker fee):
        the match planned again for the count the cap affords, in the same order; None if it affords nothing."""
        spent = afford = 0
        for match, (terms, _) in zip(planned.plan.matches, planned.terms, strict=True):
            cost = match.size * terms.paid + terms.fee
            if spent + cost > cap:
                afford += _most_within(cap - spent, match.size, terms.paid, match.price, rule)
                break
            spent += cost
            afford += match.size
        else:
            return planned
        return self.plan_cross(order, market, afford, rule) if afford else None

    def check_cross(
        self, order: Order, account: Account, planned: Planned, holds: int, credit: int, check_cash: bool
    ) -> None:
        """Refuse the cross if a fill would pass a bound, or (`check_cash`) if the taker's available cash, with
        `credit` given back (an amended order's hold), would not cover what the fills cost it and `holds` (what its
        remainder will hold)."""
        state = self.state
        places: list[tuple[str, str, int]] = []
        terms: list[Terms] = []
        taker = (order.user_id, order.ticker, order.subaccount)
        step = state.lock.stepper()
        most = 0  # the most the fills can cost the taker: each its count at the price paid and its fee
        for match, pair in zip(planned.plan.matches, planned.terms, strict=True):
            if step is not None:
                step()
            maker: Order | None = match.maker.data
            owner = (HOUSE, order.ticker, 0) if maker is None else (maker.user_id, order.ticker, maker.subaccount)
            places += (taker, owner)
            terms += pair  # (the taker's terms, then the maker's)
            taken = pair[0]
            most += taken.count * taken.paid + taken.fee
        where = (order.subaccount, order.exchange_index)
        now_cash = account.cash.get(where, 0) + credit
        moved = 0
        if places:
            # Nothing to run through copies if the fills are far within every bound, none of them fills from the
            # taker's own cash, and its cash covers the most they can cost it (closing a position pays in).
            if (
                (not check_cash or now_cash - most - holds >= 0)
                and taker not in places[1::2]
                and well_within(state, places, terms, planned.rows)
            ):
                return
            funds = run_bounds(state, places, terms, numbered=False)
            moved = funds[order.user_id].cash.get(where, 0) - account.cash.get(where, 0)
        if not check_cash:
            return
        after = now_cash + moved - holds
        if after < 0 and after < now_cash - credit:
            raise Refusal(
                f"insufficient balance: the order needs {now_cash - after} micro-dollars of subaccount "
                f"{order.subaccount}'s cash, which has {now_cash - credit} available",
                400,
                "insufficient_balance",
            )

    def make_cross(
        self, order: Order, market: Market, planned: Planned, now: datetime, logged_id: str | int | None = None
    ) -> Crossed:
        """Make a checked cross happen: the book moves, each match's two fills go down the money road, the makers'
        orders follow and the orders self-trade prevention cancelled end. The incoming order's own figures are the
        caller's. `logged_id`: the order's id as the fill log takes it (its UUID integer, if the caller has it)."""
        state = self.state
        book = market.book
        assert book is not None or not planned.plan.steps
        step = state.lock.stepper()
        plan = book.apply(planned.plan, step) if book is not None else planned.plan
        bus = state.bus
        takers = (bus.takers("fill"), bus.takers("position"))
        accounts, rows, fill, drawn_id = state.accounts, planned.rows, self.fill_of_order, self.drawn_id
        account = accounts[order.user_id]
        client_order_id = order.client_order_id or None
        filled = yes_value = fees = 0
        for match, (taker_terms, maker_terms) in zip(plan.matches, planned.terms, strict=True):
            if step is not None:
                step()
            trade_id = drawn_id()
            taker_at = fill(
                account, market, order.subaccount, taker_terms, True, logged_id or order.order_id, client_order_id, now,
                trade_id, takers, rows,
            )  # fmt: skip
            maker: Order | None = match.maker.data
            if maker is None:
                fill(
                    accounts[HOUSE], market, 0, maker_terms, False, match.maker.order_id, None, now, trade_id, takers,
                    rows,
                )  # fmt: skip
                if not match.maker.size and market.house is not None:
                    market.house.pop((match.maker.side, match.maker.price), None)
            else:
                fill(
                    accounts[maker.user_id], market, maker.subaccount, maker_terms, False, maker.order_id,
                    maker.client_order_id or None, now, trade_id, takers, rows,
                )  # fmt: skip
                self._maker_filled(maker, maker_terms, now)
            self.print_match(market, taker_at, taker_terms, now)
            filled += match.size
            yes_value += match.size * match.price
            fees += taker_terms.fee
            order.taker_cost += match.size * taker_terms.paid
        end = self.kept.end
        for cancelled in plan.cancelled:
            if step is not None:
                step()
            end(cancelled.data, CANCELED, now, None, reason=SELF_TRADE_CANCEL)  # (out of the book already)
        order.filled += filled
        order.taker_fees += fees
        if order.order_group_id is not None and filled:
            self.group_matched(order, filled, now)
        return Crossed(filled, yes_value, fees)

    def _maker_filled(self, maker: Order, terms: Terms, now: datetime) -> None:
        """A resting order filled `terms.count` as maker: its figures, its hold, its row's resting count follow; it
        ends `executed` once nothing rests."""
        before = maker.resting_whole
        maker.remaining -= terms.count
        maker.filled += terms.count
        maker.maker_cost += terms.count * terms.paid
        maker.maker_fees += terms.fee
        maker.maker_run += terms.count
        maker.updated = now
        if maker.order_group_id is not None:
            self.group_matched(maker, terms.count, now)
        kept = self.kept
        if not maker.remaining:
            kept.end(maker, EXECUTED, now, None, before, reason=TRADE)
            return
        kept.rest_moved(maker, before, now)
        kept.hold(maker, now)
        kept.changed(maker, TRADE)


def _trips_many(groups: dict[str, OrderGroup], order: Order, reached: Iterable[Resting]) -> bool:
    """Whether the cross may trigger an order group (the order's, or a maker's it reaches) that cancels more than
    `DEEP` orders as it is triggered."""

    def many(group_id: str | None) -> bool:
        group = groups.get(group_id) if group_id is not None else None
        return group is not None and len(group.orders) > DEEP

    return many(order.order_group_id) or any(
        resting.data is not None and many(resting.data.order_group_id) for resting in reached
    )


def _most_within(budget: int, most: int, paid: int, yes_price: int, rule: FeeRule) -> int:
    """The most hundredths (up to `most`) a taker buys at `paid` (price units) with their fee within `budget`
    micro-dollars (the fee never falls as the count grows: a search by halves)."""
    low, high = 0, most
    while low < high:
        mid = (low + high + 1) // 2
        if mid * paid + rule.fee_units(mid, yes_price, True) <= budget:
            low = mid
        else:
            high = mid - 1
    return low
