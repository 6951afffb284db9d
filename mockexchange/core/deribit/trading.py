"""Trades on the exchange: the positions and balances they move.

Each wallet's fills are kept in `trades` (its account's newest `history_size`, wallet_history.py); each instrument's
newest `INSTRUMENT_TRADES_SIZE` trades, once per trade id (the taker's side), in `instrument_trades` (its public trades
and the ticker's statistics of the last 24 hours read them), and rolled up into its candles as they happen
(candles.py), which outlive the trades kept. What a wallet has traded since the last reset, with what its open orders
may still trade, stays within `MAX_TRADED` (`check_traded`): a bound per wallet, so one account that trades without end
is refused alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.accounts import Accounts
from mockexchange.core.deribit.bounds import (
    MAX_AMOUNT,
    MAX_FEE,
    MAX_TRADED,
    SMALLEST,
    ZERO,
    ExchangeError,
    _price,
    bounded,
)
from mockexchange.core.deribit.candles import roll
from mockexchange.core.deribit.cash_log import CashLog
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.expiry import Expiry
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.market import DeribitMarket
from mockexchange.core.deribit.records import DeribitFill, DeribitTrade, PositionState, _Listing
from mockexchange.core.deribit.wallets import _balance_after
from mockexchange.core.money import plain

DAY = timedelta(hours=24)  # the ticker's statistics are the last 24 hours'
INSTRUMENT_TRADES_SIZE = 10_000  # trades kept of an instrument, its newest, every account's


class DeribitTrading:
    """Fills on the exchange's instruments, each moving a wallet's position and balance."""

    def __init__(
        self, state: ExchangeState, accounts: Accounts, market: DeribitMarket, expiry: Expiry, log: CashLog
    ) -> None:
        self.state = state
        self.accounts = accounts
        self.market = market
        self.expiry = expiry
        self.log = log

    def apply_trade(
        self, fill: DeribitFill, *, match: tuple[str, int] | None = None, reserved: bool = False
    ) -> DeribitTrade:
        """The fill of `amount` at `price` for the user's (sub)account (`DeribitFill`). The instrument is listed if new;
        the fee, in the settlement currency, comes off the balance. `match` is the trade id and sequence of the other
        side of a match (a maker's fill shares the taker's: one trade, two fills); None draws new ones. `reserved`: the
        fill of an open order, whose amount `check_traded` counted when the order was placed (a crossing's)."""
        user_id, direction, amount, price, fee = fill.user_id, fill.direction, fill.amount, fill.price, fill.fee
        bounded(amount, "amount", SMALLEST, MAX_AMOUNT)
        _price(price, "price")
        bounded(fee, "fee", -MAX_FEE, MAX_FEE)
        with self.state.lock:
            self.expiry.expire_due()
            wallet = self.accounts.wallet(user_id, fill.subaccount_id)
            instrument = self.market.list_instrument(fill.instrument_name)
            listing = self.state.listings[instrument.instrument_name]
            now = self.state.clock.now()
            index_value = self.market.index_or_none(instrument.price_index)
            key = (user_id, wallet.id, instrument.instrument_name)
            held = self.state.positions.get(key)
            result = _outcome(fill, instrument, held.position if held else d.Position(), index_value, now)
            if not reserved:
                self.check_traded(wallet.id, amount)
            currency = instrument.settlement_currency
            wallet.balances[currency] = _balance_after(wallet, currency, result.cash - fee)
            self.state.traded[wallet.id] = self.state.traded.get(wallet.id, ZERO) + amount
            wallet.fees_paid[currency] = wallet.fees_paid.get(currency, ZERO) + fee
            fresh = match is None  # a new trade id: the taker's side, or a seeded fill (a maker's shares it)
            if match is None:
                listing.trade_seq += 1
                listing.tick_direction = _tick_direction(listing, price)
                match = (str(self.state.draw_trade_id()), listing.trade_seq)
            listing.last_price = price
            state = PositionState(user_id, wallet.id, instrument.instrument_name, result.position, now)
            self.state.positions[key] = self.state.wallet_positions.setdefault(wallet.id, {})[key[2]] = state
            trade = DeribitTrade(
                trade_id=match[0],
                trade_seq=match[1],
                order_id=fill.order_id or f"{instrument.base_currency}-{listing.trade_seq}",
                user_id=user_id,
                account_id=wallet.id,
                instrument_name=instrument.instrument_name,
                direction=direction,
                amount=amount,
                price=price,
                fee=fee,
                fee_currency=currency,
                timestamp=now,
                index_price=index_value,
                mark_price=self.market.mark_or_none(instrument.instrument_name),
                profit_loss=result.realized,
                post_size=result.position.size,
                volatility=self.market.volatility(instrument.instrument_name) if instrument.kind == "option" else None,
                liquidity=fill.liquidity,
                order_type=fill.order_type,
                label=fill.label,
                tick_direction=listing.tick_direction,
            )
            self.state.trades.add(user_id, wallet.id, trade, self.state.history_size)
            if fresh:
                self._keep_instrument_trade(trade, instrument)
            opening = (held.position.size if held else ZERO) * (1 if direction == "buy" else -1) >= ZERO
            self.log.log(
                wallet, user_id, currency, "trade", result.cash - fee, cashflow=result.cash, commission=fee,
                details=_trade_details(trade, instrument.kind, "open" if opening else "close"),
            )  # fmt: skip
            self.state.publish("trade", user_id, trade)
            self.state.publish("position", user_id, state)
            return trade

    def check_trades(
        self, fills: Sequence[DeribitFill], *, reserved: bool = False, step: Callable[[], None] | None = None
    ) -> None:
        """Refuse, as `apply_trade` would, the first of `fills` that would be refused once those before it were made;
        nothing changes (called under the lock). A command of several trades checks them all before it makes one, so
        that it makes all or none: a move of positions (position_moves.py), an order's crossing (matching.py: its
        fills `reserved`, as open orders' are, their fees worked out: a bound they would pass is a conflict with what
        is held, 409). `step`: a long command's, after each fill."""
        positions: dict[tuple[int, str], d.Position] = {}
        moved: dict[tuple[int, str], Decimal] = {}  # cash, by wallet and currency
        traded: dict[int, Decimal] = {}
        now, status = self.state.clock.now(), 409 if reserved else 400
        for fill in fills:
            wallet = self.accounts.wallet(fill.user_id, fill.subaccount_id)
            instrument = self.market.instrument(fill.instrument_name)
            name, currency = instrument.instrument_name, instrument.settlement_currency
            held = self.state.positions.get((fill.user_id, wallet.id, name))
            before = positions.get((wallet.id, name)) or (held.position if held else d.Position())
            result = _outcome(fill, instrument, before, self.market.index_or_none(instrument.price_index), now)
            if not reserved:
                traded[wallet.id] = traded.get(wallet.id, ZERO) + fill.amount
                self.check_traded(wallet.id, traded[wallet.id])
            if abs(fill.fee) > MAX_FEE:
                said = f"a trade's fee of {plain(fill.fee)} {currency} would pass {MAX_FEE}, the most one trade pays"
                raise ExchangeError(said, status=status)
            moved[wallet.id, currency] = moved.get((wallet.id, currency), ZERO) + result.cash - fill.fee
            _balance_after(wallet, currency, moved[wallet.id, currency], status)
            positions[wallet.id, name] = result.position
            if step is not None:
                step()

    def check_traded(self, wallet_id: int, amount: Decimal, freed: Decimal = ZERO) -> None:
        """Refuse what could take the wallet's amounts traded since the last reset, with what its open orders may still
        trade, past `MAX_TRADED`: an order (or an edit to `amount` left, `freed` the remaining it replaces) or a fill
        of `amount`. Every sum of one wallet's sizes (its positions, P&L, margins, summary) stays finite and short."""
        reserved = ZERO if self.state.orders is None else self.state.orders.reserved.get(wallet_id, ZERO)
        traded = self.state.traded.get(wallet_id, ZERO)
        if traded + reserved - freed + amount > MAX_TRADED:
            raise ExchangeError(
                f"amount {amount:f} would take the amounts traded by account {wallet_id} ({plain(traded)}, and "
                f"{plain(reserved - freed)} its open orders may trade) past {MAX_TRADED}, what one account trades "
                "between resets",
                status=409,
            )

    def _keep_instrument_trade(self, trade: DeribitTrade, instrument: Instrument) -> None:
        """Keep the trade among its instrument's newest `INSTRUMENT_TRADES_SIZE`, and in its candles."""
        name = trade.instrument_name
        trades = self.state.instrument_trades.get(name)
        if trades is None:
            trades = self.state.instrument_trades[name] = deque(maxlen=INSTRUMENT_TRADES_SIZE)
        trades.append(trade)
        amount, price = trade.amount, trade.price
        if instrument.is_inverse and instrument.kind == "future":  # amounts in USD
            volume, cost = amount / price, amount
        else:
            volume, cost = amount, amount * price
        roll(self.state.candles.setdefault(name, []), unix_ms(trade.timestamp), price, volume, cost)

    def instrument_trades_since(self, instrument_name: str, since: datetime) -> list[DeribitTrade]:
        """The instrument's trades at `since` or later that are kept, newest first."""
        found = []
        for trade in reversed(self.state.instrument_trades.get(instrument_name, ())):
            if trade.timestamp < since:
                break
            found.append(trade)
        return found


def _outcome(
    fill: DeribitFill, instrument: Instrument, held: d.Position, index_value: Decimal | None, now: datetime
) -> d.TradeResult:
    """What `fill` makes of the position `held` in `instrument`; refused if its amount is off the instrument's step
    or the instrument has expired."""
    step = instrument.min_trade_amount
    if fill.amount < step or fill.amount % step != ZERO:
        raise ExchangeError(f"amount must be a multiple of {step} for {instrument.instrument_name}")
    expiration = instrument.expiration
    if expiration is not None and now >= expiration:
        raise ExchangeError(f"{instrument.instrument_name} has expired", status=409)
    try:
        return d.trade(instrument, held, fill.direction, fill.amount, fill.price, index_price=index_value)
    except ValueError as error:
        raise ExchangeError(str(error)) from None


def _tick_direction(listing: _Listing, price: Decimal) -> int:
    """Deribit's tick of a new trade at `price` against the instrument's previous one (0 for its first)."""
    last = listing.last_price
    if last is None or price > last:
        return 0
    if price < last:
        return 2
    return 1 if listing.tick_direction in (0, 1) else 3


def _trade_details(trade: DeribitTrade, kind: str, opening: str) -> tuple[tuple[str, object], ...]:
    """What a trade's log entry adds: Deribit's `side` is `open buy`, `close sell` and so on."""
    return (
        ("instrument_name", trade.instrument_name), ("kind", kind), ("side", f"{opening} {trade.direction}"),
        ("amount", trade.amount), ("price", trade.price), ("position", trade.post_size),
        ("trade_id", trade.trade_id), ("order_id", trade.order_id), ("mark_price", trade.mark_price),
        ("index_price", trade.index_price),
    )  # fmt: skip
