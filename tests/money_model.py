"""Kalshi's money rules, modelled on their own in exact fractions: the oracle the mock's ledger is tested against
(tests/test_money_model.py). Nothing here reads the package's arithmetic; it is written from what Kalshi and the
mock's documentation say the numbers are:

- docs/kalshi.md, "Position arithmetic": a position is one signed count (YES positive, NO negative: the two sides
  net), `market_exposure` the cost of the contracts held; a fill reduces before it opens; a reduce releases the
  average cost of the contracts it closes (exposure x closed / held, held to the micro-dollar half even; all of it
  when the position closes) and realizes proceeds minus that cost; `total_traded` adds count x the price of the side
  the fill bought (a sell of YES buys NO); settlement pays 1 dollar a winning contract, realizes payout - exposure,
  zeroes the exposure and keeps the count. The sections on /portfolio/positions, /balance, /fills and /settlements
  say what each row holds.
- Kalshi's fees (https://docs.kalshi.com/getting_started/fee_rounding; kalshi.com's fee schedule): the trade fee is
  rate x count x P x (1 - P), rounded up to the centi-cent ($0.0001); 0.07 for takers, 0.0175 for makers on the
  markets that charge makers (0 elsewhere). A member's balance is held to a target precision ($0.0001 for direct
  members, $0.01 for the others): when revenue - trade fee is finer, a rounding fee brings the balance change down
  (toward negative infinity) to that precision, and the fill's fee is trade fee + rounding fee. Rebates (a whole cent
  back once an order's rounding fees pass $0.01) are not modelled.
- The mock charges no rounding fee (docs/known-differences.md): its balance keeps every micro-dollar of revenue -
  trade fee. The model takes the rule as `balance_precision`: Kalshi's for a direct member (`DIRECT_MEMBER`; $0.01
  for the others) or the mock's (`NO_ROUNDING_FEE`), which the differential tests run it with.
- A fill that states its own fee (a scripted fill says what Kalshi charged) pays that fee and no other.
- Cash is held per (subaccount, exchange index): fills and settlements move their market's index, an account's
  opening balance, deposits and withdrawals the primary subaccount's index 0 (docs/kalshi.md, GET /portfolio/balance).

Amounts are `Fraction`s; the model rounds only where Kalshi rounds (the basis released by a reduce, the fees, the
balance's precision). How the wire shows an amount (places, cents, whole contracts) is the renderer's business
(tests/money_wire.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

ZERO = Fraction(0)
ONE = Fraction(1)
MICRO = Fraction(1, 10**6)  # amounts are held to the micro-dollar
CENTI_CENT = Fraction(1, 10**4)  # fees round up to it
TAKER_RATE = Fraction(7, 100)
MAKER_RATE = Fraction(175, 10**4)  # on the markets that charge makers; the mock's default maker rate is 0
DIRECT_MEMBER = CENTI_CENT  # the precision Kalshi holds a direct member's balance to (the 4 places its wire shows)
NO_ROUNDING_FEE = None  # the mock's rule: the balance is not held to a precision, no rounding fee


def half_even(value: Fraction, unit: Fraction) -> Fraction:
    whole, rest = divmod(value, unit)
    if rest * 2 > unit or (rest * 2 == unit and whole % 2):
        whole += 1
    return whole * unit


def round_up(value: Fraction, unit: Fraction) -> Fraction:
    return -((-value) // unit) * unit


def floor_to(value: Fraction, unit: Fraction) -> Fraction:
    return (value // unit) * unit


def toward_zero(value: Fraction, unit: Fraction) -> Fraction:
    return floor_to(value, unit) if value >= 0 else -floor_to(-value, unit)


def yes_terms(side: str, action: str, count: Fraction, price: Fraction) -> tuple[Fraction, Fraction]:
    """The fill as a change of the YES count and the YES price: buying NO at q sells YES at 1 - q."""
    yes_price = price if side == "yes" else 1 - price
    buys_yes = (side == "yes") == (action == "buy")
    return (count if buys_yes else -count), yes_price


def trade_fee(rate: Fraction, count: Fraction, price: Fraction) -> Fraction:
    return round_up(rate * count * price * (1 - price), CENTI_CENT)


def scheduled_fee(
    rate: Fraction, count: Fraction, price: Fraction, revenue: Fraction, balance_precision: Fraction | None
) -> Fraction:
    """The trade fee plus the rounding fee that brings revenue - fee down to the balance's precision (none when the
    balance is not held to one)."""
    fee = trade_fee(rate, count, price)
    if balance_precision is None:
        return fee
    change = revenue - fee
    return fee + (change - floor_to(change, balance_precision))


@dataclass
class Point:
    """A fill or settlement as the admin P&L view lists it: the count and realized P&L after it."""

    time: datetime
    position: Fraction
    realized_pnl: Fraction
    kind: str


@dataclass
class Row:
    """One market position of one subaccount."""

    ticker: str
    event_ticker: str
    exchange_index: int
    updated: datetime
    position: Fraction = ZERO  # + YES, - NO
    market_exposure: Fraction = ZERO
    realized_pnl: Fraction = ZERO
    fees_paid: Fraction = ZERO
    total_traded: Fraction = ZERO
    volume: Fraction = ZERO
    settled: bool = False
    points: list[Point] = field(default_factory=list)

    def trade(self, delta: Fraction, yes_price: Fraction) -> Fraction:
        """A change of `delta` YES contracts at `yes_price`: reduce what is held first, open the rest. Answers the
        cash it moves (paid out negative), before fees."""
        cash = ZERO
        if self.position and (self.position > 0) != (delta > 0):
            held = abs(self.position)
            closing = min(held, abs(delta))
            proceeds = closing * (yes_price if self.position > 0 else 1 - yes_price)
            released = self.market_exposure
            if closing < held:
                released = half_even(self.market_exposure * closing / held, MICRO)
            self.realized_pnl += proceeds - released
            self.market_exposure -= released
            self.position += closing if self.position < 0 else -closing
            cash += proceeds
            delta += closing if delta < 0 else -closing
        if delta:
            cost = abs(delta) * (yes_price if delta > 0 else 1 - yes_price)
            self.market_exposure += cost
            self.position += delta
            cash -= cost
        return cash


@dataclass
class Market:
    ticker: str
    event_ticker: str
    exchange_index: int
    result: str | None = None
    last_yes_price: Fraction | None = None


@dataclass
class Order:
    user: str
    subaccount: int
    ticker: str
    count: Fraction
    open: bool = True


@dataclass
class FillRecord:
    user: str
    subaccount: int
    ticker: str
    exchange_index: int
    side: str
    action: str
    count: Fraction
    price: Fraction
    is_taker: bool
    fee: Fraction
    order_id: str | None  # None: one the exchange drew
    time: datetime
    post_position: Fraction

    @property
    def yes_price(self) -> Fraction:
        return self.price if self.side == "yes" else 1 - self.price


@dataclass
class SettlementRecord:
    user: str
    subaccount: int
    ticker: str
    event_ticker: str
    exchange_index: int
    market_result: str
    yes_count: Fraction
    yes_total_cost: Fraction
    no_count: Fraction
    no_total_cost: Fraction
    revenue: Fraction  # dollars
    fee_cost: Fraction
    time: datetime


@dataclass
class Cash:
    amounts: dict[tuple[int, int], Fraction] = field(default_factory=dict)  # (subaccount, exchange index)
    updated: dict[int, datetime] = field(default_factory=dict)

    def move(self, subaccount: int, exchange_index: int, amount: Fraction, when: datetime) -> None:
        key = (subaccount, exchange_index)
        self.amounts[key] = self.amounts.get(key, ZERO) + amount
        self.updated[subaccount] = when


class Kalshi:
    """Accounts, markets, positions, fills and settlements, changed only by the documented rules."""

    def __init__(
        self, now: datetime, maker_rate: Fraction = ZERO, balance_precision: Fraction | None = DIRECT_MEMBER
    ) -> None:
        self.now = now
        self.maker_rate = maker_rate
        self.balance_precision = balance_precision
        self.accounts: dict[str, Cash] = {}
        self.markets: dict[str, Market] = {}
        self.rows: dict[tuple[str, int, str], Row] = {}
        self.orders: dict[str, Order] = {}
        self.fills: list[FillRecord] = []
        self.settlements: list[SettlementRecord] = []

    def advance(self, seconds: Fraction) -> None:
        self.now += timedelta(microseconds=int(seconds * 10**6))

    def open_account(self, user: str, cents: int) -> None:
        self.accounts[user] = Cash()
        self.accounts[user].move(0, 0, Fraction(cents, 100), self.now)

    def list_market(self, ticker: str, event_ticker: str | None = None, exchange_index: int = 0) -> Market:
        """A market is listed by its first fill or order if nobody listed it: its event is the ticker without its
        last dash-separated part (KXFED-26DEC-T4.00 belongs to KXFED-26DEC), its exchange index 0."""
        if ticker not in self.markets:
            event_ticker = event_ticker or ticker.rsplit("-", 1)[0]
            self.markets[ticker] = Market(ticker, event_ticker, exchange_index)
        return self.markets[ticker]

    def row(self, user: str, subaccount: int, ticker: str, event_ticker: str | None = None) -> Row:
        market = self.list_market(ticker, event_ticker)
        key = (user, subaccount, ticker)
        if key not in self.rows:
            self.rows[key] = Row(ticker, market.event_ticker, market.exchange_index, self.now)
        return self.rows[key]

    def fill(
        self, user: str, subaccount: int, ticker: str, side: str, action: str, count: Fraction, price: Fraction,
        is_taker: bool = True, fee: Fraction | None = None, order_id: str | None = None,
        event_ticker: str | None = None,
    ) -> FillRecord:  # fmt: skip
        row = self.row(user, subaccount, ticker, event_ticker)
        market = self.markets[ticker]
        assert market.result is None, f"{ticker} is settled: it takes no fills"
        delta, yes_price = yes_terms(side, action, count, price)
        revenue = row.trade(delta, yes_price)
        if fee is None:
            rate = TAKER_RATE if is_taker else self.maker_rate
            fee = scheduled_fee(rate, count, price, revenue, self.balance_precision)
        row.total_traded += count * (price if action == "buy" else 1 - price)  # selling one side buys the other
        row.volume += count
        row.fees_paid += fee
        row.updated = self.now
        row.points.append(Point(self.now, row.position, row.realized_pnl, "fill"))
        market.last_yes_price = yes_price
        self.accounts[user].move(subaccount, market.exchange_index, revenue - fee, self.now)
        record = FillRecord(
            user, subaccount, ticker, market.exchange_index, side, action, count, price, is_taker, fee, order_id,
            self.now, row.position,
        )  # fmt: skip
        self.fills.append(record)
        return record

    def settle(self, ticker: str, result: str) -> None:
        """Each winning contract pays 1 dollar; every position of the market is settled and its resting orders are
        cancelled."""
        market = self.markets[ticker]
        market.result = result
        for (user, subaccount, held), row in self.rows.items():
            if held != ticker:
                continue
            long_yes, long_no = row.position > 0, row.position < 0
            wins = (long_yes and result == "yes") or (long_no and result == "no")
            payout = abs(row.position) if wins else ZERO
            self.settlements.append(SettlementRecord(
                user, subaccount, ticker, row.event_ticker, row.exchange_index, result,
                yes_count=row.position if long_yes else ZERO,
                yes_total_cost=row.market_exposure if long_yes else ZERO,
                no_count=-row.position if long_no else ZERO,
                no_total_cost=row.market_exposure if long_no else ZERO,
                revenue=payout, fee_cost=row.fees_paid, time=self.now,
            ))  # fmt: skip
            row.realized_pnl += payout - row.market_exposure
            row.market_exposure = ZERO
            row.settled = True
            row.updated = self.now
            row.points.append(Point(self.now, row.position, row.realized_pnl, "settlement"))
            self.accounts[user].move(subaccount, row.exchange_index, payout, self.now)
        for order in self.orders.values():
            if order.ticker == ticker:
                order.open = False

    def transfer(self, user: str, kind: str, cents: int, fee_cents: int) -> None:
        """An applied deposit credits amount - fee, a withdrawal debits amount + fee."""
        amount = Fraction(cents - fee_cents, 100) if kind == "deposit" else -Fraction(cents + fee_cents, 100)
        self.accounts[user].move(0, 0, amount, self.now)

    def place_order(self, order_id: str, user: str, subaccount: int, ticker: str, count: Fraction) -> None:
        """A resting order (it never matches) lists its market and position row."""
        self.row(user, subaccount, ticker)
        self.orders[order_id] = Order(user, subaccount, ticker, count)

    def cancel_order(self, order_id: str) -> None:
        self.orders[order_id].open = False

    # -- what the reads derive -----------------------------------------------------------------------------------

    def resting_orders_count(self, user: str, subaccount: int, ticker: str) -> int:
        """Each open order's contracts, in whole contracts rounded up."""
        return sum(
            -((-order.count) // 1)
            for order in self.orders.values()
            if order.open and (order.user, order.subaccount, order.ticker) == (user, subaccount, ticker)
        )

    def rows_of(self, user: str, subaccount: int) -> list[Row]:
        """The subaccount's rows in the order positions are listed: by event, then ticker."""
        rows = [row for (u, s, _), row in self.rows.items() if (u, s) == (user, subaccount)]
        return sorted(rows, key=lambda row: (row.event_ticker, row.ticker))

    def portfolio_value(self, user: str, subaccount: int) -> Fraction:
        """Open positions at their market's last traded price of the side held (at cost before any trade)."""
        value = ZERO
        for row in self.rows_of(user, subaccount):
            last = self.markets[row.ticker].last_yes_price
            if row.settled:
                continue
            if last is None or not row.position:
                value += row.market_exposure
            else:
                value += abs(row.position) * (last if row.position > 0 else 1 - last)
        return value

    def cash(self, user: str, subaccount: int) -> dict[int, Fraction]:
        """Cash per exchange index, index 0 always there."""
        found = {0: ZERO}
        for (sub, index), amount in self.accounts[user].amounts.items():
            if sub == subaccount:
                found[index] = found.get(index, ZERO) + amount
        return dict(sorted(found.items()))

    def updated(self, user: str, subaccount: int) -> datetime:
        """The subaccount's last cash movement; one that has had none answers the primary's (docs are silent)."""
        updated = self.accounts[user].updated
        return updated.get(subaccount, updated[0])
