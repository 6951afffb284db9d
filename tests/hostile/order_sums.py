"""What a Kalshi ledger must add up to after any exchange action, read from the core under its lock, for the order
invariants' sequence test (test_hostile_order_invariants.py, whose docstring states the money model's conservation).

Every amount is an integer in the core's units (core/kalshi/units.py): hundredths of a contract, ten-thousandths of a
dollar for prices, micro-dollars for cash. The only state kept here is what no account of the mock holds: the
counterparty of scripted fills (`Outside`) and the money that came in from outside the accounts (`external`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mockexchange.core.book import ASK, BID
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.orders import RESTING, whole
from mockexchange.core.kalshi.units import PAYOUT, PRICE, count_units

Place = tuple[str, int]  # (user, subaccount)


@dataclass
class Outside:
    """The counterparty of every scripted fill (`POST /_admin/fill`): a fill states one side of a trade, whose other
    side no account of the mock holds. Held here as a holder would be, by the rule of positions.py written again
    (in YES terms: closing what it holds receives the held side's price, opening pays the price of the side bought),
    so that its contracts and cash complete the sums."""

    positions: Counter[str] = field(default_factory=Counter)  # ticker -> hundredths, + YES, - NO
    cash: int = 0  # micro-dollars

    def take_other_side(self, ticker: str, buys_yes: bool, count: int, yes_price: int) -> None:
        """A scripted fill in which an account bought YES (`buys_yes`) or NO: this side buys the other."""
        buys, paid = not buys_yes, (PRICE - yes_price if buys_yes else yes_price)
        held = self.positions[ticker]
        opened = count
        if held and (held > 0) != buys:
            closed = min(abs(held), count)
            self.cash += closed * (PRICE - paid)
            held += closed if held < 0 else -closed
            opened -= closed
        self.cash -= opened * paid
        self.positions[ticker] = held + (opened if buys else -opened)

    def payout(self, ticker: str, result: str) -> int:
        """What its contracts in a finalized market were paid (micro-dollars): by nobody but this sum."""
        held = self.positions[ticker]
        return (max(held, 0) if result == "yes" else max(-held, 0)) * PAYOUT


def signed_count(side: str, action: str, count: int) -> int:
    """A fill's contracts in YES terms: + buying YES or selling NO."""
    return count if (side == "yes") == (action == "buy") else -count


def available(ledger: Ledger, place: Place) -> int:
    """A subaccount's available cash (what no resting order holds), over its exchange indexes."""
    user, sub = place
    return sum(v for (s, _), v in ledger.state.accounts[user].cash.items() if s == sub)


def check_books_uncrossed(ledger: Ledger) -> None:
    for market in ledger.state.markets.values():
        book = market.book
        bid, ask = (book.best(BID), book.best(ASK)) if book is not None else (None, None)
        assert bid is None or ask is None or bid[0] < ask[0], f"{market.ticker}: bid {bid} meets ask {ask} at rest"


def check_positions_sum_to_what_came_from_outside(ledger: Ledger, outside: Outside) -> None:
    """Per market: the accounts' and the house's positions plus the scripted fills' counterparty's sum to zero; the
    market's YES and NO contracts held (its open interest) are its rows'."""
    held: Counter[str] = Counter()
    yes: Counter[str] = Counter()
    no: Counter[str] = Counter()
    for row in ledger.state.positions.all_rows():
        position = ledger.state.positions.cells(row)[0]
        held[row.ticker] += position
        yes[row.ticker] += max(position, 0)
        no[row.ticker] += max(-position, 0)
    for ticker in set(held) | set(outside.positions):
        assert held[ticker] + outside.positions[ticker] == 0, (
            f"{ticker}: the accounts and the house hold {held[ticker]} hundredths (YES +), the scripted fills' "
            f"counterparty {outside.positions[ticker]}"
        )
    for ticker, market in ledger.state.markets.items():
        assert (market.yes_held, market.no_held) == (yes[ticker], no[ticker]), (ticker, yes[ticker], no[ticker])


def money(ledger: Ledger, outside: Outside) -> int:
    """The conserved sum (micro-dollars): every holder's cash, available and held by its resting orders, plus the fees
    it paid, plus a dollar per YES/NO pair open in a market not paid out yet, plus what the scripted fills'
    counterparty holds and was paid."""
    total = outside.cash + sum(order.held for order in ledger.state.orders.values())
    total += sum(sum(account.cash.values()) for account in ledger.state.accounts.values())
    pairs: Counter[str] = Counter()
    for row in ledger.state.positions.all_rows():
        position, _, _, _, fees, _ = ledger.state.positions.cells(row)
        total += fees
        pairs[row.ticker] += max(position, 0)
    for ticker, market in ledger.state.markets.items():
        if market.status == "finalized":
            assert market.result is not None
            total += outside.payout(ticker, market.result)
        else:
            total += (pairs[ticker] + max(outside.positions[ticker], 0)) * PAYOUT
    return total


def check_positions_are_their_fills(ledger: Ledger) -> None:
    """Every row's position (the house's too) is the signed sum of its fills, and its fees paid their fees."""
    fills: Counter[tuple[str, int, str]] = Counter()
    fees: Counter[tuple[str, int, str]] = Counter()
    for f in ledger.state.fills:
        key = (f.user_id, f.subaccount, f.ticker)
        fills[key] += signed_count(f.side, f.action, count_units(f.count))
        fees[key] += int(f.fee.scaleb(6))
    rows = set()
    for row in ledger.state.positions.all_rows():
        key = (row.user_id, row.subaccount, row.ticker)
        rows.add(key)
        cells = ledger.state.positions.cells(row)
        assert (cells[0], cells[4]) == (fills[key], fees[key]), f"{key}: row {cells}, fills {fills[key]} {fees[key]}"
    assert set(fills) <= rows, f"fills without a row: {set(fills) - rows}"


def check_holds(ledger: Ledger) -> None:
    """Each resting order holds what its terms imply (orders.py) and rests in its book at its size; each row's
    resting_orders_count and the ledger's total are the whole contracts its orders rest; the house holds none."""
    resting: Counter[tuple[str, int, str]] = Counter()
    for order_id, order in ledger.state.orders.items():
        assert order.status == RESTING and order.remaining > 0, order
        assert order.held == order.holds(), f"{order_id} holds {order.held}, its terms {order.holds()}"
        on_book = ledger.state.markets[order.ticker].book
        found = on_book.get(order_id) if on_book is not None else None
        assert found is not None and (found.size, found.price) == (order.remaining, order.yes_price), (order, found)
        resting[(order.user_id, order.subaccount, order.ticker)] += whole(order.remaining)
    for market in ledger.state.markets.values():
        for entry in market.book.orders() if market.book is not None else ():
            assert entry.owner == HOUSE or entry.order_id in ledger.state.orders, f"{entry} rests with no resting order"
    for row in ledger.state.positions.all_rows():
        key = (row.user_id, row.subaccount, row.ticker)
        assert row.resting_orders_count == resting.pop(key, 0), f"{key}: {row.resting_orders_count} resting"
    assert not resting, f"orders rest with no position row: {resting}"
    by_account = Counter()
    for o in ledger.state.orders.values():
        by_account[o.user_id] += whole(o.remaining)
    assert {u: a.resting for u, a in ledger.state.accounts.items() if a.resting} == dict(+by_account)
