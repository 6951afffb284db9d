"""The Deribit exchange: instruments, index/mark prices and volatility, accounts with per-currency balances and
integer-id subaccounts, trades and the positions they make, and the per-currency account summary.

It is the state behind a derivatives venue (Deribit first), as `kalshi/ledger.py` is behind Kalshi. Every change goes
through a method here, under one lock, and is published as one `Change` (kinds prefixed `derivatives.`) on the bus
while the lock is held. Values that move with the market (floating P&L, margins, greeks) are not stored: they are
computed at read time from the current marks, so a scenario that moves an index moves every position at once.
The arithmetic lives in `derivatives.py`; what the exchange keeps is one `ExchangeState` (exchange_state.py), which
each of its parts takes with the parts it calls: `accounts` (accounts.py), `market` (the instruments and prices,
market.py), `cash_log`, `expiry` (deliveries), `valuation` (the reads that value positions), `deposit_addresses`, `cash`
(deposits, withdrawals, transfers), `trading` (fills), and what the mock has no source for, set through the control
plane: `funding` (perpetuals' funding rates), `historical_volatility`, `apr` (yield tokens') and `platform` (its locks
and announcements). This module makes them and holds them together.

Every number it takes is bounded (docs/admin-api.md, "Bounds"), and so is what they add up to: a wallet's balance and
the amounts it traded since the last reset. So every figure a venue computes from the exchange (P&L, margins, greeks,
account summaries) is finite and a few dozen digits long at most, and a balance plus an 8-place amount is exact in
`Decimal`'s 28 digits. What it keeps of each account's past is bounded per account (wallet_history.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.accounts import Accounts
from mockexchange.core.deribit.apr import Apr
from mockexchange.core.deribit.cash import Cash
from mockexchange.core.deribit.cash_log import CashLog
from mockexchange.core.deribit.deposit_addresses import DepositAddresses
from mockexchange.core.deribit.exchange_state import DEFAULT_VOLATILITY, ExchangeState
from mockexchange.core.deribit.expiry import Expiry
from mockexchange.core.deribit.funding import Funding
from mockexchange.core.deribit.market import DeribitMarket
from mockexchange.core.deribit.mmp_records import MmpFills
from mockexchange.core.deribit.platform import Platform
from mockexchange.core.deribit.trading import DeribitTrading
from mockexchange.core.deribit.valuation import Valuation
from mockexchange.core.deribit.volatility import HistoricalVolatility
from mockexchange.core.deribit.wallet_history import DEFAULT_HISTORY_SIZE
from mockexchange.core.events import EventBus


class DeribitExchange:
    def __init__(
        self,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        rates: d.MarginRates = d.MARGIN_RATES,
        default_volatility: Decimal = DEFAULT_VOLATILITY,
        history_size: int = DEFAULT_HISTORY_SIZE,
    ) -> None:
        if history_size < 1:
            raise ValueError(f"history_size must be 1 or more, not {history_size}")
        self.state = state = ExchangeState(
            clock or SystemClock(), bus or EventBus(), rates, default_volatility, history_size
        )
        # The state's lock, the exchange's: what its commands and reads hold (and a restarting command waits on,
        # core/stepping.py).
        self.lock = state.lock
        self.accounts = Accounts(state)
        self.cash_log = CashLog(state)
        self.expiry = Expiry(state, self.accounts, self.cash_log)
        self.market = DeribitMarket(state, self.expiry)
        self.valuation = Valuation(state, self.accounts, self.market)
        self.deposit_addresses = DepositAddresses(state, self.accounts)
        self.cash = Cash(state, self.accounts, self.expiry, self.cash_log, self.valuation, self.deposit_addresses)
        self.trading = DeribitTrading(state, self.accounts, self.market, self.expiry, self.cash_log)
        # What the mock has no source for, set through the control plane
        self.funding = Funding(state, self.market)
        self.historical_volatility = HistoricalVolatility(state)
        self.apr = Apr(state)
        self.platform = Platform(state)
        # The fills market maker protection counts once a command has made them (mmp.py's `settle`)
        self.mmp_fills = MmpFills(state.bus, lambda: self.state.mmp)

    @contextmanager
    def reading(self) -> Iterator[DeribitExchange]:
        """Hold the exchange still while a venue reads several things that must agree (what has expired by now is
        delivered first, `expire_due`; not by a read beside a long command, which reads the state it began from)."""
        with self.lock:
            if not self.lock.beside_long:
                self.expiry.expire_due()
            yield self

    def holders(self, instrument_name: str) -> set[str]:
        """The users holding a position in the instrument (a long command's footprint, core/stepping.py): a look at
        every position."""
        return {user_id for user_id, _, name in self.state.positions if name == instrument_name}

    def reset(self) -> None:
        with self.lock:
            self.state.clear()
            self.state.publish("reset", None, None)
