"""Trades on the book and the delivery of what expires: the positions and balances they move.

Each wallet's fills are kept in `trades` (its account's newest `history_size`, kept.py); each instrument's trades of
the last 24 hours, once per trade id, in its `tape` (at most `TAPE_SIZE`: the ticker's statistics read them). What a
wallet has traded since the last reset, with what its open orders may still trade, stays within `MAX_TRADED`
(`check_traded`): a bound per wallet, so one account that trades without end is refused alone.
"""

from __future__ import annotations

from collections import deque
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from decimal import Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import MAX_AMOUNT, MAX_FEE, MAX_TRADED, SMALLEST, ZERO, BookError, _price, bounded
from mockexchange.core.deribit.records import Delivery, PositionState, Price, Trade, _Listing
from mockexchange.core.deribit.wallets import _balance_after
from mockexchange.core.stepping import DEEP, Footprint, MustStep

DAY = timedelta(hours=24)  # what an instrument's tape keeps (the ticker's statistics are the last 24 hours')
TAPE_SIZE = 10_000  # trades an instrument's tape keeps at most, every account's (the statistics' bound)


class Trading:
    """Trades and expiry: a part of `DerivativesBook`, whose positions and balances they move."""

    def apply_trade(
        self,
        user_id: str,
        instrument_name: str,
        direction: str,
        amount: Decimal,
        price: Decimal,
        *,
        subaccount_id: int | None = None,
        fee: Decimal = ZERO,
        order_id: str | None = None,
        liquidity: str = "T",
        order_type: str = "limit",
        label: str = "",
        match: tuple[str, int] | None = None,
        reserved: bool = False,
    ) -> Trade:
        """A fill of `amount` (USD for inverse futures, coin otherwise) at `price` for the user's (sub)account.
        The instrument is listed if new; the fee, in the settlement currency, comes off the balance. `match` is the
        trade id and sequence of the other side of a match (a maker's fill shares the taker's: one trade, two
        fills); None draws new ones. `label`: the label of the order that traded, which the trade carries.
        `reserved`: the fill of an open order, whose amount `check_traded` counted when the order was placed (a
        crossing's)."""
        if direction not in ("buy", "sell"):
            raise BookError("direction must be 'buy' or 'sell'")
        bounded(amount, "amount", SMALLEST, MAX_AMOUNT)
        _price(price, "price")
        bounded(fee, "fee", -MAX_FEE, MAX_FEE)
        with self.lock:
            self.expire_due()
            wallet = self.wallet(user_id, subaccount_id)
            instrument = self.list_instrument(instrument_name)
            listing = self._listings[instrument.instrument_name]
            now = self.clock.now()
            step = instrument.min_trade_amount
            if amount < step or amount % step != ZERO:
                raise BookError(f"amount must be a multiple of {step} for {instrument.instrument_name}")
            expiration = instrument.expiration
            if expiration is not None and now >= expiration:
                raise BookError(f"{instrument.instrument_name} has expired", status=409)
            index = self._index.get(instrument.price_index)
            index_value = index.value if index is not None else None
            key = (user_id, wallet.id, instrument.instrument_name)
            held = self._positions.get(key)
            try:
                result = d.trade(
                    instrument, held.position if held else d.Position(), direction, amount, price,
                    index_price=index_value,
                )  # fmt: skip
            except ValueError as error:
                raise BookError(str(error)) from None
            if not reserved:
                self.check_traded(wallet.id, amount)
            currency = instrument.settlement_currency
            wallet.balances[currency] = _balance_after(wallet, currency, result.cash - fee)
            self.traded[wallet.id] = self.traded.get(wallet.id, ZERO) + amount
            wallet.fees_paid[currency] = wallet.fees_paid.get(currency, ZERO) + fee
            listing.last_price = price
            fresh = match is None  # a new trade id: the taker's side, or a seeded fill (a maker's shares it)
            if match is None:
                listing.trade_seq += 1
                match = (str(self._draw_trade_id()), listing.trade_seq)
            state = PositionState(user_id, wallet.id, instrument.instrument_name, result.position, now)
            self._positions[key] = self._wallet_positions.setdefault(wallet.id, {})[key[2]] = state
            trade = Trade(
                trade_id=match[0],
                trade_seq=match[1],
                order_id=order_id or f"{instrument.base_currency}-{listing.trade_seq}",
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
                mark_price=self._mark_or_none(instrument.instrument_name),
                profit_loss=result.realized,
                post_size=result.position.size,
                volatility=self.volatility(instrument.instrument_name) if instrument.kind == "option" else None,
                liquidity=liquidity,
                order_type=order_type,
                label=label,
            )
            self.trades.add(user_id, wallet.id, trade, self.history_size)
            if fresh:
                self._on_tape(trade)
            opening = (held.position.size if held else ZERO) * (1 if direction == "buy" else -1) >= ZERO
            self._log(
                wallet, user_id, currency, "trade", result.cash - fee, cashflow=result.cash, commission=fee,
                details=_trade_details(trade, instrument.kind, "open" if opening else "close"),
            )  # fmt: skip
            self._publish("trade", user_id, trade)
            self._publish("position", user_id, state)
            return trade

    def check_traded(self, wallet_id: int, amount: Decimal, freed: Decimal = ZERO) -> None:
        """Refuse what could take the wallet's amounts traded since the last reset, with what its open orders may still
        trade, past `MAX_TRADED`: an order (or an edit to `amount` left, `freed` the remaining it replaces) or a fill
        of `amount`. Every sum of one wallet's sizes (its positions, P&L, margins, summary) stays finite and short."""
        reserved = ZERO if self.orders is None else self.orders.reserved.get(wallet_id, ZERO)
        traded = self.traded.get(wallet_id, ZERO)
        if traded + reserved - freed + amount > MAX_TRADED:
            raise BookError(
                f"amount {amount:f} would take the amounts traded by account {wallet_id} ({traded:f}, and "
                f"{reserved - freed:f} its open orders may trade) past {MAX_TRADED}, what one account trades between "
                "resets",
                status=409,
            )

    def _on_tape(self, trade: Trade) -> None:
        """Keep the trade on its instrument's tape: the trades of the last 24 hours, the newest `TAPE_SIZE`."""
        tape = self.tape.setdefault(trade.instrument_name, deque())
        tape.append(trade)
        since = trade.timestamp - DAY
        while tape and (len(tape) > TAPE_SIZE or tape[0].timestamp < since):
            tape.popleft()

    def tape_since(self, instrument_name: str, since: datetime) -> list[Trade]:
        """The instrument's trades at `since` or later that its tape keeps, newest first."""
        found = []
        for trade in reversed(self.tape.get(instrument_name, ())):
            if trade.timestamp < since:
                break
            found.append(trade)
        return found

    # -- expiry ---------------------------------------------------------------------------------------------------

    def expire_due(self) -> list[Delivery]:
        """Deliver every future and option whose expiration the book's clock has passed and that is not delivered
        yet, in expiration order: each open position closes at the delivery price (the settlement price set for the
        instrument, else its index price now, which is the index in force at the expiry: every change to the book
        delivers what is due first), its P&L (futures) or its value (options) moves into the balance, and a
        `Delivery` is kept and published. Perpetuals never expire. Called on every read (`reading`), before every
        change that depends on it, and when the clock is moved; cheap when nothing is due."""
        with self.lock:
            due_at = self._next_expiry
            if due_at is None:
                return []
            now = self.clock.now()
            if now < due_at:
                return []
            due = []
            for listing in self._listings.values():
                expiration = listing.instrument.expiration
                if listing.delivered or listing.instrument.is_perpetual or expiration is None:
                    continue
                if expiration <= now:
                    due.append(listing)
            due.sort(key=lambda listing: (listing.instrument.expiration, listing.instrument.instrument_name))
            with self._delivering([listing.instrument.instrument_name for listing in due]):
                made = [delivery for listing in due for delivery in self._deliver(listing)]
            pending = [
                listing.instrument.expiration
                for listing in self._listings.values()
                if not listing.delivered and not listing.instrument.is_perpetual
                and listing.instrument.expiration is not None
            ]  # fmt: skip
            self._next_expiry = min(pending, default=None)
            return made

    def _delivering(self, names: list[str]) -> AbstractContextManager[None]:
        """Where the deliveries of `names` run: long (core/stepping.py) past `DEEP` orders and positions to end,
        over those instruments and every account with an order or a position there; inline on an event loop, run
        again where they may (`MustStep`: nothing delivered yet)."""
        kept = self.orders
        books = [kept.books.get(name) for name in names] if kept is not None else []
        work = sum(len(book) for book in books if book is not None)
        holders = {user for user, _, name in self._positions if name in names}
        if work + len(holders) <= DEEP:
            return nullcontext()
        if self.lock.on_loop:
            raise MustStep()
        owners = {kept.orders[r.order_id].user_id for book in books if book is not None for r in book.orders()}
        return self.lock.long(Footprint.of(holders | owners, names), fresh=False)

    def _deliver(self, listing: _Listing) -> list[Delivery]:
        instrument = listing.instrument
        name = instrument.instrument_name
        expiration = instrument.expiration
        assert expiration is not None
        listing.delivered = True
        step = self.lock.step if self.lock.running_long else None
        ending = self.orders.expire(name, expiration, self.history_size, step) if self.orders is not None else ()
        for order in ending:
            self._publish("order", order.user_id, order)  # resting orders end with the instrument
        index = self._index.get(instrument.price_index)
        if listing.settlement_price is not None:
            price = listing.settlement_price.value
        elif index is not None:
            price = index.value
        elif listing.last_price is not None and instrument.kind == "future":
            price = listing.last_price
        else:
            return []  # no price to deliver at, so never traded: nothing open
        listing.settlement_price = Price(price, expiration)
        index_value = index.value if index is not None else price
        if instrument.kind == "option":
            strike = instrument.strike or ZERO
            intrinsic = max(ZERO, price - strike) if instrument.option_type == "call" else max(ZERO, strike - price)
            value = intrinsic / price if instrument.is_inverse else intrinsic
        made = []
        for key, state in list(self._positions.items()):
            position = state.position
            if key[2] != name or position.size == ZERO:
                continue
            if step is not None:
                step()
            if instrument.kind == "future":
                mark = price
                realized = d.profit_loss(instrument, position.size, position.average_price, price)
                cash = realized
            else:
                mark = value
                realized = position.size * (value - position.average_price)
                cash = position.size * value
            wallet = self.wallet(state.user_id, state.account_id)
            currency = instrument.settlement_currency
            wallet.balances[currency] = wallet.balance(currency) + cash  # owed at expiry: never refused
            closed = d.Position(realized_profit_loss=position.realized_profit_loss + realized)
            flat = PositionState(state.user_id, state.account_id, name, closed, expiration)
            self._positions[key] = self._wallet_positions[state.account_id][name] = flat
            delivery = Delivery(
                state.user_id, state.account_id, name, currency, expiration, position.size, price, index_value, mark,
                realized, cash,
            )  # fmt: skip
            self.deliveries.append(delivery)
            made.append(delivery)
            self._log(wallet, state.user_id, currency, "delivery", cash, details=(
                ("instrument_name", name), ("kind", instrument.kind),
                ("side", "close sell" if position.size > ZERO else "close buy"), ("amount", abs(position.size)),
                ("price", price), ("position", ZERO), ("mark_price", mark), ("index_price", index_value),
                ("settlement_price", price),
            ))  # fmt: skip
            self._publish("delivery", state.user_id, delivery)
            self._publish("position", state.user_id, flat)
        return made

    def _mark_or_none(self, name: str) -> Decimal | None:
        try:
            return self.mark_price(name)
        except BookError:
            return None


def _trade_details(trade: Trade, kind: str, opening: str) -> tuple[tuple[str, object], ...]:
    """What a trade's log entry adds: Deribit's `side` is `open buy`, `close sell` and so on."""
    return (
        ("instrument_name", trade.instrument_name), ("kind", kind), ("side", f"{opening} {trade.direction}"),
        ("amount", trade.amount), ("price", trade.price), ("position", trade.post_size),
        ("trade_id", trade.trade_id), ("order_id", trade.order_id), ("mark_price", trade.mark_price),
        ("index_price", trade.index_price),
    )  # fmt: skip
