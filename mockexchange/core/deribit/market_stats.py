"""What Deribit's ticker says of one instrument, read from the exchange at one moment (`public/ticker`,
`public/get_order_book`, the `ticker.*` channels): its state, best bid and ask (public_levels.py), mark and index, the
last trade's price, the last 24 hours' statistics, the open interest, the price band, settlement or delivery price,
an option's greeks and volatility, and a perpetual's funding (funding.py); and the part of it a book summary shows
(`public/get_book_summary_by_*`), read for many instruments at once (`summaries`).

The mock's rules where Deribit publishes none (docs/known-differences.md): the price band is the mark 5% either way,
to the tick (never below one tick); the statistics count each trade id once (its price and amount), over the trades
of the last 24 hours by the exchange's clock that are kept of the instrument (its newest 10,000: trading.py); an
option's greeks are Black-76's at the mark's volatility (`rho` from the same model with no interest rate: minus the time
left times the option's USD value, per 1%); the underlying is the index (no basis, no rates: `underlying_index`
"index_price", `interest_rate` 0). Read with the exchange's lock held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.funding import EIGHT_HOURS
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.public_levels import LevelsView, PublicLevels
from mockexchange.core.deribit.trading import DAY

BAND = Decimal("0.05")  # the price band: the mark this share either way
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Stats:
    """The last 24 hours' trades: None throughout when there were none (Deribit sends nulls then)."""

    volume: Decimal | None = None  # in the base currency
    volume_usd: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    price_change: Decimal | None = None  # in percent, from the first trade's price to the last's


@dataclass(frozen=True, slots=True)
class Greeks:
    delta: Decimal
    gamma: Decimal
    vega: Decimal
    theta: Decimal
    rho: Decimal


@dataclass(frozen=True, slots=True)
class Ticker:
    instrument: Instrument
    state: str  # "open", or "delivered" once expired
    timestamp: datetime
    levels: LevelsView
    mark_price: Decimal
    index_price: Decimal
    last_price: Decimal | None
    open_interest: Decimal
    min_price: Decimal
    max_price: Decimal
    settlement_price: Decimal | None  # the last one set (open instruments)
    delivery_price: Decimal | None  # the price it was delivered at (expired ones)
    stats: Stats
    greeks: Greeks | None = None  # options
    mark_iv: Decimal | None = None  # options: the volatility in percent
    # perpetuals: the funding rate in force and what it accrued over the last 8 hours (funding.py)
    funding: tuple[Decimal, Decimal] | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """What a book summary shows of one instrument: its ticker's prices and statistics, no greeks or book."""

    instrument: Instrument
    listed: datetime
    best_bid: Decimal | None
    best_ask: Decimal | None
    mark_price: Decimal
    index_price: Decimal
    last_price: Decimal | None
    open_interest: Decimal
    stats: Stats
    mark_iv: Decimal | None = None  # options: the volatility in percent
    funding: tuple[Decimal, Decimal] | None = None  # perpetuals: as the ticker's


def ticker(exchange: DeribitExchange, levels: PublicLevels, instrument_name: str, depth: int = 0) -> Ticker:
    """The instrument's ticker (and its book to `depth` levels a side); `ExchangeError` if it is not listed or its index
    has no price."""
    listing = exchange.market.listing(instrument_name)
    instrument = listing.instrument
    now = exchange.state.clock.now()
    index = exchange.market.index_price(instrument.price_index)
    mark = exchange.market.mark_price(instrument_name)
    expired = instrument.expiration is not None and now >= instrument.expiration
    settled = listing.settlement_price.value if listing.settlement_price is not None else None
    greeks, mark_iv = _option_figures(exchange, instrument, index, now) if instrument.kind == "option" else (None, None)
    low, high = price_band(instrument, mark)
    return Ticker(
        instrument=instrument,
        state="delivered" if expired else "open",
        timestamp=now,
        levels=levels.view(instrument_name, depth),
        mark_price=mark,
        index_price=index,
        last_price=listing.last_price,
        open_interest=_open_interest(exchange, instrument_name),
        min_price=low,
        max_price=high,
        settlement_price=None if expired else settled,
        delivery_price=settled if expired else None,
        stats=_stats(exchange, instrument, now),
        greeks=greeks,
        mark_iv=mark_iv,
        funding=_funding(exchange, instrument, now),
    )


def summaries(exchange: DeribitExchange, levels: PublicLevels, instruments: Iterable[Instrument]) -> list[Summary]:
    """The instruments' summaries now, the open interest of all of them from one look at every position; an instrument
    whose index has no price yet, which cannot be valued, is left out."""
    market, state = exchange.market, exchange.state
    now = state.clock.now()
    interest: dict[str, Decimal] = {}
    for (_, _, name), held in state.positions.items():
        if held.position.size > ZERO:
            interest[name] = interest.get(name, ZERO) + held.position.size
    found = []
    for instrument in instruments:
        name = instrument.instrument_name
        index = market.index_or_none(instrument.price_index)
        if index is None:
            continue
        listing = state.listings[name]
        bid, ask = levels.best(name)
        option = instrument.kind == "option"
        found.append(Summary(
            instrument, listing.listed, bid, ask, market.mark_of(listing, index), index,
            listing.last_price, interest.get(name, ZERO), _stats(exchange, instrument, now),
            market.volatility_of(listing) * HUNDRED if option else None, _funding(exchange, instrument, now),
        ))  # fmt: skip
    return found


def _funding(exchange: DeribitExchange, instrument: Instrument, now: datetime) -> tuple[Decimal, Decimal] | None:
    if not instrument.is_perpetual:
        return None
    name = instrument.instrument_name
    return exchange.funding.rate(name), exchange.funding.accrued(name, now - EIGHT_HOURS, now)


def price_band(instrument: Instrument, mark: Decimal) -> tuple[Decimal, Decimal]:
    """The lowest and highest price an order may have now: the mark `BAND` either way, on the tick."""
    tick = instrument.tick_size
    low = max(tick, (mark * (1 - BAND) / tick).to_integral_value(ROUND_CEILING) * tick)
    high = max(low, (mark * (1 + BAND) / tick).to_integral_value(ROUND_FLOOR) * tick)
    return low, high


def _open_interest(exchange: DeribitExchange, instrument_name: str) -> Decimal:
    """The long side of every wallet's position (equal to the short side once trades match between accounts)."""
    total = ZERO
    for account in exchange.accounts.all():
        for wallet in account.wallets():
            size = exchange.valuation.position_state(account.user_id, instrument_name, wallet.id).position.size
            total += max(size, ZERO)
    return total


def _stats(exchange: DeribitExchange, instrument: Instrument, now: datetime) -> Stats:
    prices: list[Decimal] = []  # newest first
    volume = volume_usd = ZERO
    for trade in exchange.trading.instrument_trades_since(instrument.instrument_name, now - DAY):  # each trade id once
        prices.append(trade.price)
        if instrument.is_inverse and instrument.kind == "future":  # amounts in USD
            volume += trade.amount / trade.price
            volume_usd += trade.amount
        else:
            volume += trade.amount
            usd_price = trade.price * (trade.index_price or ZERO) if instrument.is_inverse else trade.price
            volume_usd += trade.amount * usd_price
    if not prices:
        return Stats()
    change = (prices[0] - prices[-1]) / prices[-1] * HUNDRED
    return Stats(volume, volume_usd, max(prices), min(prices), change)


def _option_figures(
    exchange: DeribitExchange, instrument: Instrument, index: Decimal, now: datetime
) -> tuple[Greeks, Decimal]:
    volatility = exchange.market.volatility(instrument.instrument_name)
    years = d.years_to_expiry(instrument, now)
    try:
        quoted = d.option_greeks(instrument, index, years, volatility)
    except (ValueError, ArithmeticError) as error:
        raise ExchangeError(f"{instrument.instrument_name} cannot be priced: {error}", status=409) from None
    rho = -years * quoted.price_usd / HUNDRED
    return Greeks(quoted.delta, quoted.gamma, quoted.vega, quoted.theta, rho), volatility * HUNDRED
