"""The delivery of what expires: every future and option whose expiration the exchange's clock has passed closes at its
delivery price, its resting orders end, and each position's P&L or value moves into its wallet's balance; the
instrument's delivery, every wallet's together, is kept for the public reads (`InstrumentDelivery`)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.accounts import Accounts
from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.cash_log import CashLog
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.records import Delivery, InstrumentDelivery, PositionState, Price, _Listing
from mockexchange.core.stepping import DEEP, Footprint, MustStep


class Expiry:
    """Delivers what is due: called on every read (the exchange's `reading`), before every change that depends on it,
    and when the clock is moved."""

    def __init__(self, state: ExchangeState, accounts: Accounts, log: CashLog) -> None:
        self.state = state
        self.accounts = accounts
        self.log = log

    def expire_due(self) -> list[Delivery]:
        """Deliver every future and option whose expiration the exchange's clock has passed and that is not delivered
        yet, in expiration order: each open position closes at the delivery price (the settlement price set for the
        instrument, else its index price now, which is the index in force at the expiry: every change to the exchange
        delivers what is due first), its P&L (futures) or its value (options) moves into the balance, and a
        `Delivery` is kept and published; then the instrument itself is published as expired. Perpetuals never expire.
        Cheap when nothing is due."""
        state = self.state
        with state.lock:
            due_at = state.next_expiry
            if due_at is None:
                return []
            now = state.clock.now()
            if now < due_at:
                return []
            due = []
            for listing in state.listings.values():
                expiration = listing.instrument.expiration
                if listing.delivered or listing.instrument.is_perpetual or expiration is None:
                    continue
                if expiration <= now:
                    due.append(listing)
            due.sort(key=lambda listing: (listing.instrument.expiration, listing.instrument.instrument_name))
            made: list[Delivery] = []
            with self._delivering([listing.instrument.instrument_name for listing in due]):
                for listing in due:
                    made += self._deliver(listing)
                    state.publish("expired", None, listing.instrument)  # (the instrument.state channels)
            pending = [
                listing.instrument.expiration
                for listing in state.listings.values()
                if not listing.delivered and not listing.instrument.is_perpetual
                and listing.instrument.expiration is not None
            ]  # fmt: skip
            state.next_expiry = min(pending, default=None)
            return made

    def _delivering(self, names: list[str]) -> AbstractContextManager[None]:
        """Where the deliveries of `names` run: long (core/stepping.py) past `DEEP` orders and positions to end,
        over those instruments and every account with an order or a position there; inline on an event loop, run
        again where they may (`MustStep`: nothing delivered yet)."""
        state = self.state
        kept = state.orders
        books = [kept.books.get(name) for name in names] if kept is not None else []
        work = sum(len(book) for book in books if book is not None)
        holders = {user for user, _, name in state.positions if name in names}
        if work + len(holders) <= DEEP:
            return nullcontext()
        if state.lock.on_loop:
            raise MustStep()
        owners = (
            {kept.orders[r.order_id].user_id for book in books if book is not None for r in book.orders()}
            if kept is not None
            else set()
        )
        return state.lock.long(Footprint.of(holders | owners, names), fresh=False)

    def _deliver(self, listing: _Listing) -> list[Delivery]:
        state = self.state
        instrument = listing.instrument
        name = instrument.instrument_name
        expiration = instrument.expiration
        assert expiration is not None
        listing.delivered = True
        step = state.lock.step if state.lock.running_long else None
        ending = state.orders.expire(name, expiration, state.history_size, step) if state.orders is not None else ()
        for order in ending:
            state.publish("order", order.user_id, order)  # resting orders end with the instrument
        index = state.index_at(instrument.price_index, expiration)  # the index in force when it expired
        if listing.settlement_price is not None:
            price = listing.settlement_price.value
        elif index is not None:
            price = index
        else:  # never traded: every trade needs its index's price, and the index's path keeps the one in force
            return []
        listing.settlement_price = Price(price, expiration)
        index_value = index if index is not None else price
        value = ZERO
        if instrument.kind == "option":
            strike = instrument.strike or ZERO
            intrinsic = max(ZERO, price - strike) if instrument.option_type == "call" else max(ZERO, strike - price)
            value = intrinsic / price if instrument.is_inverse else intrinsic
        made = []
        delivered = realized_all = ZERO
        for key, held in list(state.positions.items()):
            position = held.position
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
            wallet = self.accounts.wallet(held.user_id, held.account_id)
            currency = instrument.settlement_currency
            wallet.balances[currency] = wallet.balance(currency) + cash  # owed at expiry: never refused
            closed = d.Position(realized_profit_loss=position.realized_profit_loss + realized)
            flat = PositionState(held.user_id, held.account_id, name, closed, expiration)
            state.positions[key] = state.wallet_positions[held.account_id][name] = flat
            delivery = Delivery(
                held.user_id, held.account_id, name, currency, expiration, position.size, price, index_value, mark,
                realized, cash,
            )  # fmt: skip
            state.deliveries.append(delivery)
            made.append(delivery)
            delivered += max(position.size, ZERO)
            realized_all += realized
            self.log.log(wallet, held.user_id, currency, "delivery", cash, at=expiration, details=(
                ("instrument_name", name), ("kind", instrument.kind),
                ("side", "close sell" if position.size > ZERO else "close buy"), ("amount", abs(position.size)),
                ("price", price), ("position", ZERO), ("mark_price", mark), ("index_price", index_value),
                ("settlement_price", price),
            ))  # fmt: skip
            state.publish("delivery", held.user_id, delivery)
            state.publish("position", held.user_id, flat)
        state.instrument_deliveries.append(InstrumentDelivery(
            name, instrument.price_index, instrument.settlement_currency, expiration, price, index_value,
            price if instrument.kind == "future" else value, delivered, realized_all,
        ))  # fmt: skip
        return made
