"""Derivatives position arithmetic: fills -> position, P&L, size in coin, margins, leverage, Black-76 greeks.

Pure functions on `Decimal`, no state. Units (docs/deribit.md, "Position arithmetic", has every formula worked out):

- `size` is signed (negative = short). Inverse futures: USD. Linear futures and all options: the base coin.
- Prices: inverse futures in USD, inverse options in the coin, linear instruments in USDC.
- P&L, margins and option values are in the settlement currency: the coin for inverse instruments, USDC for linear ones.

Fills (Deribit's rules for `average_price`):

- adding to a position (or opening one) averages the price: inverse futures by the harmonic mean weighted by USD size
  (so that one `size * (1/avg - 1/mark)` equals the sum over the fills), everything else by the size-weighted mean;
- reducing leaves `average_price` unchanged and realizes `closed * (1/avg - 1/price)` (inverse futures) or
  `closed * (price - avg)` (the rest), `closed` signed like the position;
- closing resets `average_price` to 0; a fill larger than the position closes it and opens the rest at the fill price.

Balance effect of a fill (fees apart): futures move their realized P&L into the balance at once (Deribit does so at
the daily settlement: the mock has no sessions); options move their premium (`-signed amount * price`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Literal

from mockexchange.core.clock import unix_us
from mockexchange.core.deribit.instruments import Instrument, OptionType

ZERO = Decimal(0)
ONE = Decimal(1)
TWO = Decimal(2)
HALF = Decimal("0.5")
Direction = Literal["buy", "sell", "zero"]

# Black-76 runs at 50 significant digits so that its outputs, rounded to the caller's 28, are exact to the last
# place that matters for money (the normal CDF below is good to well under 1e-30).
_PRECISION = 50
_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494")
# |x| beyond this: N(x) is 0 or 1 to within 2e-33, and n(x) is 0 to within 3e-32. Cutting n(x) there too keeps greeks
# a few dozen digits long: exp(-x^2/2) of a far-out d1 is a valid Decimal with up to a million zeros after the point.
_CDF_CUTOFF = Decimal(12)
with localcontext() as _ctx:  # what every density divides by, made once (at the 50 digits of Black-76)
    _ctx.prec = _PRECISION
    _ROOT_TAU = (TWO * _PI).sqrt()
_SERIES_END = Decimal(10) ** -(_PRECISION + 5)  # the CDF's series stops at a term this small against its sum
_SECONDS_PER_YEAR = 365 * 24 * 3600  # time to expiry in years of 365 days, as Deribit's greeks count it
_MICROS = 1_000_000
# Option valuations remembered: a book summary of every option listed, a position read's and a liquidation estimate's
# of each option held (about 1.2 kB each with its key: 5 MB when full).
_VALUED = 4096


# -- fills -> position --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Position:
    size: Decimal = ZERO
    average_price: Decimal = ZERO  # 0 when flat
    average_price_usd: Decimal = ZERO  # options: the mean of each fill's price in USD (coin price x index)
    realized_profit_loss: Decimal = ZERO  # settlement currency, since the position was first opened

    @property
    def direction(self) -> Direction:
        return direction_of(self.size)


@dataclass(frozen=True, slots=True)
class TradeResult:
    position: Position
    realized: Decimal  # P&L this fill realized, settlement currency
    cash: Decimal  # what this fill moves into (+) or out of (-) the balance, fees apart


def direction_of(size: Decimal) -> Direction:
    return "buy" if size > ZERO else "sell" if size < ZERO else "zero"


def signed_amount(direction: str, amount: Decimal) -> Decimal:
    if direction not in ("buy", "sell"):
        raise ValueError(f"direction must be 'buy' or 'sell', not {direction!r}")
    if amount <= ZERO:
        raise ValueError("amount must be positive")
    return amount if direction == "buy" else -amount


def _harmonic(instrument: Instrument) -> bool:
    # Inverse futures' P&L is linear in 1/price, so their entry prices average in 1/price.
    return instrument.is_inverse and instrument.kind == "future"


def _average(instrument: Instrument, held: Decimal, avg: Decimal, added: Decimal, price: Decimal) -> Decimal:
    """The average price after adding `added` at `price` to `held` at `avg` (both sizes > 0)."""
    if held == ZERO:
        return price
    if _harmonic(instrument):
        return (held + added) / (held / avg + added / price)
    return (held * avg + added * price) / (held + added)


def profit_loss(instrument: Instrument, size: Decimal, entry: Decimal, exit: Decimal) -> Decimal:
    """P&L of a signed `size` entered at `entry` and valued at `exit`, in the settlement currency:
    `size * (1/entry - 1/exit)` for inverse futures, `size * (exit - entry)` otherwise."""
    # (unary plus: a short closed at its entry makes -0, which an answer would write as "-0")
    if _harmonic(instrument):
        # The same as size * (1/entry - 1/exit), with a single division: exact whenever the result is.
        return +(size * (exit - entry) / (entry * exit))
    return +(size * (exit - entry))


def usd_price(instrument: Instrument, price: Decimal, index_price: Decimal | None) -> Decimal:
    """A price in USD: inverse options are priced in the coin, everything else already in USD or USDC."""
    if instrument.is_inverse and instrument.kind == "option":
        if index_price is None:
            raise ValueError("an inverse option's USD price needs the index price")
        return price * index_price
    return price


def trade(
    instrument: Instrument,
    position: Position,
    direction: str,
    amount: Decimal,
    price: Decimal,
    *,
    index_price: Decimal | None = None,
) -> TradeResult:
    """Apply a fill of `amount` (in `size` units) at `price` to a position. `index_price` is needed for inverse
    options (to keep `average_price_usd`)."""
    if price <= ZERO:
        raise ValueError("price must be positive")
    delta = signed_amount(direction, amount)
    fill_usd = usd_price(instrument, price, index_price)
    size, avg, avg_usd = position.size, position.average_price, position.average_price_usd
    realized = ZERO
    remaining = delta
    if size != ZERO and (size > ZERO) != (delta > ZERO):
        closed = min(abs(size), abs(delta))
        closed_signed = closed if size > ZERO else -closed
        realized = profit_loss(instrument, closed_signed, avg, price)
        size -= closed_signed
        remaining = delta + closed_signed
        if size == ZERO:
            avg = avg_usd = ZERO
    if remaining != ZERO:
        avg = _average(instrument, abs(size), avg, abs(remaining), price)
        avg_usd = (abs(size) * avg_usd + abs(remaining) * fill_usd) / (abs(size) + abs(remaining))
        size += remaining
    cash = realized if instrument.kind == "future" else -delta * price
    new = Position(size, avg, avg_usd, position.realized_profit_loss + realized)
    return TradeResult(new, realized, cash)


def position_from_fills(
    instrument: Instrument, fills: list[tuple[str, Decimal, Decimal]], index_price: Decimal | None = None
) -> Position:
    """The position a sequence of (direction, amount, price) fills makes, from flat."""
    position = Position()
    for direction, amount, price in fills:
        position = trade(instrument, position, direction, amount, price, index_price=index_price).position
    return position


# -- valuation ----------------------------------------------------------------------------------------------------


def floating_profit_loss(instrument: Instrument, position: Position, mark_price: Decimal) -> Decimal:
    """Unrealized P&L at the mark, settlement currency: `size * (1/avg - 1/mark)` for inverse futures (a long
    gains when the mark rises), `size * (mark - avg)` for linear futures and for options."""
    if position.size == ZERO:
        return ZERO
    return profit_loss(instrument, position.size, position.average_price, mark_price)


def floating_profit_loss_usd(
    instrument: Instrument, position: Position, mark_price: Decimal, index_price: Decimal
) -> Decimal:
    """Options: unrealized P&L in USD, `size * (mark in USD - average_price_usd)`."""
    if position.size == ZERO:
        return ZERO
    return position.size * (usd_price(instrument, mark_price, index_price) - position.average_price_usd)


def size_currency(instrument: Instrument, size: Decimal, mark_price: Decimal) -> Decimal:
    """The size in the base coin: inverse futures `size / mark`; linear futures and options are sized in it."""
    if _harmonic(instrument):
        return size / mark_price
    return size


def option_value(position: Position, mark_price: Decimal) -> Decimal:
    """What an option position is worth at the mark, settlement currency (negative for a short)."""
    return position.size * mark_price


# -- margins and leverage (the mock's simple rule, not Deribit's risk engine) -------------------------------------


@dataclass(frozen=True, slots=True)
class MarginRates:
    """The mock's margin rule (a simplification: documented rates, no portfolio margining, no order margin).

    Futures: a fraction of the notional, rising with the position's size in coin by `future_step_per_coin`, capped at
    100%. Short options: Deribit's standard-margin shape, per coin of size, as a fraction of the index; long options
    need none (their premium is paid).
    """

    future_initial: Decimal = Decimal("0.02")
    future_maintenance: Decimal = Decimal("0.01")
    future_step_per_coin: Decimal = Decimal("0.00005")  # +0.005% of notional per coin held, on both rates
    option_initial: Decimal = Decimal("0.15")  # less how far out of the money, as a fraction of the index...
    option_initial_floor: Decimal = Decimal("0.10")  # ...but not below this
    option_maintenance: Decimal = Decimal("0.075")


MARGIN_RATES = MarginRates()


@dataclass(frozen=True, slots=True)
class Margins:
    initial_margin: Decimal
    maintenance_margin: Decimal


def future_margin_rates(size_in_coin: Decimal, rates: MarginRates = MARGIN_RATES) -> tuple[Decimal, Decimal]:
    """(initial, maintenance) fractions of notional for a futures position of that many coins."""
    step = abs(size_in_coin) * rates.future_step_per_coin
    return min(rates.future_initial + step, ONE), min(rates.future_maintenance + step, ONE)


def out_of_the_money(instrument: Instrument, index_price: Decimal) -> Decimal:
    """How far an option is out of the money, in USD: calls `max(K - S, 0)`, puts `max(S - K, 0)`."""
    assert instrument.strike is not None
    gap = instrument.strike - index_price if instrument.option_type == "call" else index_price - instrument.strike
    return max(gap, ZERO)


def margins(
    instrument: Instrument,
    size: Decimal,
    mark_price: Decimal,
    index_price: Decimal,
    rates: MarginRates = MARGIN_RATES,
) -> Margins:
    """Initial and maintenance margin of a position, settlement currency.

    Futures: `notional * rate(|size in coin|)`, notional `|size| / mark` (inverse, coin) or `|size| * mark` (linear).
    Short options, per coin of |size|: initial `max(0.15 - OTM/S, 0.10) + mark`, maintenance `0.075 + mark`
    (inverse, in coin); linear: `max(0.15*S - OTM, 0.10*S) + mark` and `0.075*S + mark` (USDC); S the index price.
    """
    if size == ZERO or (instrument.kind == "option" and size > ZERO):
        return Margins(ZERO, ZERO)
    if instrument.kind == "future":
        coins = abs(size_currency(instrument, size, mark_price))
        notional = coins if instrument.is_inverse else coins * mark_price
        initial_rate, maintenance_rate = future_margin_rates(coins, rates)
        return Margins(notional * initial_rate, notional * maintenance_rate)
    otm = out_of_the_money(instrument, index_price)
    if instrument.is_inverse:
        initial = max(rates.option_initial - otm / index_price, rates.option_initial_floor) + mark_price
        maintenance = rates.option_maintenance + mark_price
    else:
        initial = max(rates.option_initial * index_price - otm, rates.option_initial_floor * index_price) + mark_price
        maintenance = rates.option_maintenance * index_price + mark_price
    return Margins(abs(size) * initial, abs(size) * maintenance)


def estimated_liquidation_price(
    instrument: Instrument,
    size: Decimal,
    mark_price: Decimal,
    equity: Decimal,
    maintenance_margin: Decimal,
    rates: MarginRates = MARGIN_RATES,
) -> Decimal:
    """A futures position's estimated liquidation price under the mock's simple (segregated, standard) margin model:
    the price of this instrument at which the wallet's equity in the settlement currency falls to its maintenance
    margin, every other position held at its current value and margin, this position's maintenance rate held at its
    current value: its mark times `estimated_liquidation_ratio` of this future alone. `equity` and
    `maintenance_margin` are the wallet's totals in that currency at `mark_price`, this position included.

    With S the signed size, M the mark, r the maintenance rate and C = equity - (maintenance - this position's):
    inverse `P = (S + r|S|) / (C + S/M)` (from `equity + S(1/M - 1/P) = other maintenance + r|S|/P`), linear
    `P = (S M - C) / (S - r|S|)` (from `equity + S(P - M) = other maintenance + r|S|P`).
    The mark itself when the wallet is at or under its maintenance margin already; 0 when flat, and when no positive
    price liquidates it (an inverse short whose collateral covers it at any price, a linear long covered down to 0).
    """
    if instrument.kind != "future":
        raise ValueError(f"{instrument.instrument_name} is not a future")
    ratio = estimated_liquidation_ratio([(instrument, size, mark_price)], equity, maintenance_margin, rates)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        price = ratio * mark_price
    return +price


def estimated_liquidation_ratio(
    futures: Sequence[tuple[Instrument, Decimal, Decimal]],
    equity: Decimal,
    maintenance_margin: Decimal,
    rates: MarginRates = MARGIN_RATES,
) -> Decimal:
    """The factor `x` by which the marks of `futures` ((instrument, signed size, mark) of futures settled in one
    currency, so all inverse or all linear) would have to move together for the wallet's equity in that currency to
    fall to its maintenance margin, every other position held, each future's maintenance rate held: Deribit's
    "estimated liquidation ratio", which times a future's mark gives its estimated liquidation price.

    With C = equity - (maintenance - the futures' own maintenance) and each P = x M: inverse
    `x = sum((S + r|S|) / M) / (C + sum(S / M))`, linear `x = (sum(S M) - C) / sum((S - r|S|) M)`.
    1 when the wallet is at or under its maintenance margin already; 0 with no open future, and when no positive
    factor liquidates it."""
    moving = [(instrument, size, mark) for instrument, size, mark in futures if size != ZERO]
    if not moving:
        return ZERO
    if equity <= maintenance_margin:
        return ONE
    if len({instrument.is_inverse for instrument, _, _ in moving}) > 1:
        raise ValueError("inverse and linear futures settle in different currencies")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        futures_maintenance = sum((margins(i, s, m, m, rates).maintenance_margin for i, s, m in moving), ZERO)
        cushion = equity - (maintenance_margin - futures_maintenance)
        held = [(s, m, future_margin_rates(size_currency(i, s, m), rates)[1]) for i, s, m in moving]
        if moving[0][0].is_inverse:
            numerator = sum(((s + r * abs(s)) / m for s, m, r in held), ZERO)
            denominator = cushion + sum((s / m for s, m, _ in held), ZERO)
        else:
            numerator = sum((s * m for s, m, _ in held), ZERO) - cushion
            denominator = sum(((s - r * abs(s)) * m for s, m, r in held), ZERO)
        ratio = numerator / denominator if denominator != ZERO else ZERO
    return +ratio if ratio > ZERO else ZERO


def liquidation_ratios(
    futures: Sequence[tuple[Instrument, Decimal, Decimal]],
    indexes: Iterable[str],
    equity: Decimal,
    maintenance_margin: Decimal,
    rates: MarginRates = MARGIN_RATES,
) -> tuple[Decimal, dict[str, Decimal]]:
    """An account summary's `estimated_liquidation_ratio` (every future of the currency moving together) and its
    `_map` (each index of `indexes`: its futures moving, the others held; 0 for an index with none open)."""
    whole = estimated_liquidation_ratio(futures, equity, maintenance_margin, rates)
    per_index = {
        index: estimated_liquidation_ratio(
            [held for held in futures if held[0].price_index == index], equity, maintenance_margin, rates
        )
        for index in sorted(indexes)
    }
    return whole, per_index


def leverage(instrument: Instrument, size: Decimal, mark_price: Decimal, rates: MarginRates = MARGIN_RATES) -> int:
    """Futures: the leverage the initial margin allows, `1 / initial rate` to the nearest integer (Deribit reports an
    integer: its example of 10.65 BTC on 0.3198 BTC initial margin says 33). 50 at the mock's default rates for a
    flat or small position, 40 at 100 coins."""
    initial_rate, _ = future_margin_rates(size_currency(instrument, size, mark_price), rates)
    return int((ONE / initial_rate).to_integral_value(rounding=ROUND_HALF_UP))


# -- Black-76 -----------------------------------------------------------------------------------------------------


def normal_pdf(x: Decimal) -> Decimal:
    if abs(x) > _CDF_CUTOFF:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        value = (-(x * x) / TWO).exp() / _ROOT_TAU
    return +value


def normal_cdf(x: Decimal, density: Decimal | None = None) -> Decimal:
    """N(x), by the series N(x) = 1/2 + n(x) * sum x^(2k+1) / (1*3*...*(2k+1)) (all terms of one sign, so no
    cancellation), at 50 digits; good to far below 1e-12 for every x. `density`: n(x), when the caller has it."""
    if x > _CDF_CUTOFF:
        return ONE
    if x < -_CDF_CUTOFF:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        ax = abs(x)
        term = ax
        total = ax
        k = 1
        square = ax * ax
        while term > _SERIES_END * total:
            term = term * square / (2 * k + 1)
            total += term
            k += 1
        upper = HALF + (normal_pdf(ax) if density is None else density) * total
        value = upper if x >= ZERO else ONE - upper
    return +value


@dataclass(frozen=True, slots=True)
class Black76:
    """Black-76 on a forward: the price in the forward's unit and the analytic greeks in raw units."""

    price: Decimal
    delta: Decimal  # dP/dF
    gamma: Decimal  # d2P/dF2
    vega: Decimal  # dP/dsigma, per 1.00 (100 volatility points)
    theta: Decimal  # dP/dt as calendar time passes, per year (so usually negative)


def black76(
    forward: Decimal,
    strike: Decimal,
    years: Decimal,
    volatility: Decimal,
    option_type: OptionType,
    rate: Decimal = ZERO,
) -> Black76:
    """Black-76: d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt T), d2 = d1 - sigma sqrt T, D = exp(-rT);
    call = D (F N(d1) - K N(d2)), put = D (K N(-d2) - F N(-d1)). At or after expiry: the intrinsic value."""
    if forward <= ZERO or strike <= ZERO:
        raise ValueError("forward and strike must be positive")
    if volatility <= ZERO:
        raise ValueError("volatility must be positive")
    if option_type not in ("call", "put"):
        raise ValueError(f"option_type must be 'call' or 'put', not {option_type!r}")
    call = option_type == "call"
    if years <= ZERO:
        intrinsic = max(forward - strike, ZERO) if call else max(strike - forward, ZERO)
        in_the_money = intrinsic > ZERO
        delta = (ONE if call else -ONE) if in_the_money else ZERO
        return Black76(intrinsic, delta, ZERO, ZERO, ZERO)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        root_t = years.sqrt()
        spread = volatility * root_t
        d1 = ((forward / strike).ln() + volatility * volatility * years / TWO) / spread
        d2 = d1 - spread
        discount = (-rate * years).exp() if rate else ONE
        density = normal_pdf(d1)  # n(d1) = n(-d1): the series of N(d1) or N(-d1) and the greeks share it
        if call:
            forward_weight = normal_cdf(d1, density)
            price = discount * (forward * forward_weight - strike * normal_cdf(d2))
            delta = discount * forward_weight
        else:
            forward_weight = normal_cdf(-d1, density)
            price = discount * (strike * normal_cdf(-d2) - forward * forward_weight)
            delta = -discount * forward_weight
        gamma = discount * density / (forward * spread)
        vega = discount * forward * density * root_t
        theta = rate * price - discount * forward * density * volatility / (TWO * root_t)
    return Black76(+price, +delta, +gamma, +vega, +theta)


def years_to_expiry(instrument: Instrument, now: datetime) -> Decimal:
    """Time left, in years of 365 days, from the clock's `now`; 0 once expired. Integer microseconds, no floats."""
    if instrument.is_perpetual:
        raise ValueError(f"{instrument.instrument_name} does not expire")
    # (`expiration - now` in whole microseconds: its second, as `Instrument.expiration` floors it, less now's)
    micros = instrument.expiration_timestamp // 1000 * _MICROS - unix_us(now)
    if micros <= 0:
        return ZERO
    return Decimal(micros) / Decimal(_SECONDS_PER_YEAR * _MICROS)


@dataclass(frozen=True, slots=True)
class OptionGreeks:
    """One option contract (1 coin) as Deribit quotes it: the mark in the instrument's price currency (the coin for
    inverse options, USDC for linear ones), delta in coin, gamma per USD of underlying, vega in USD per volatility
    point (1%), theta in USD per day."""

    mark_price: Decimal
    price_usd: Decimal
    delta: Decimal
    gamma: Decimal
    vega: Decimal
    theta: Decimal


@lru_cache(maxsize=_VALUED)
def option_greeks(
    instrument: Instrument, underlying_price: Decimal, years: Decimal, volatility: Decimal
) -> OptionGreeks:
    """Black-76 on the underlying price (the mock takes the index as the forward: no basis, no rates).

    Remembered (the last `_VALUED` valuations): a pure function of its arguments, so every read that shows an option's
    mark or greeks (its ticker, a position, a book summary, the mark channel, a margin) values it once for one set of
    inputs, and again as soon as any moves: the index, the volatility, or the clock (`years`, to the microsecond)."""
    if instrument.kind != "option" or instrument.strike is None or instrument.option_type is None:
        raise ValueError(f"{instrument.instrument_name} is not an option")
    b = black76(underlying_price, instrument.strike, years, volatility, instrument.option_type)
    # An inverse option is priced in the coin: its USD value divided by the underlying price.
    mark = b.price / underlying_price if instrument.is_inverse else b.price
    return OptionGreeks(mark, b.price, b.delta, b.gamma, b.vega / 100, b.theta / 365)


def option_mark(instrument: Instrument, underlying_price: Decimal, years: Decimal, volatility: Decimal) -> Decimal:
    """`option_greeks(...).mark_price` (remembered with them)."""
    return option_greeks(instrument, underlying_price, years, volatility).mark_price
