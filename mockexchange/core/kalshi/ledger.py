"""The ledger: accounts and subaccounts, events and markets, orders, fills and the positions and cash they make.

What it holds is one `LedgerState` (ledger_state.py); its parts, made here, each own one idea over that state and take
the steps of the others they call: `catalogue` (series, events, markets, fees), `lifecycle` (the markets' and the
exchange's statuses and their schedule), `trading` (orders), `filling` (fills), `subaccounts`, `groups` (order groups),
`liquidity` (the house's levels), `feed` (market stats and trades), `fcm` (the FCM desk), `communications` (RFQs and
quotes, their timers on the lifecycle's schedule), `rfq_batches` (RFQ batches and batch quotes, likewise),
`rfq_makers` (makers that quote RFQs by a rule), `prices` (CF Benchmarks' and Pyth's values), `multivariate`
(collections and their combo markets, settled from their legs), and what the exchange is told from outside:
`milestones` (and their live data), `structured_targets`, `incentive_programs`, `weather` (each city's weather index),
`announcements` (the exchange's).
Its own methods open accounts, move cash in and out (`transfer`), and serve lagged reads; `reading()` holds it still
for a venue's read.

Every change goes through a part's method or the ledger's, under one lock, and is published as one `Change` on the bus
while the lock is held; reads take the same lock, so a reader never sees half a fill. Amounts are integers in fixed
units (units.py: hundredths of a contract, ten-thousandths of a dollar for prices, micro-dollars), taken in and handed
out as Decimals; what a fill or a settlement does to a position is positions.py's, and nowhere else.

What amounts add up to is bounded too (docs/admin-api.md, "Bounds"): a command that would take a position's volume or
resting contracts, the contracts an account filled or rests, or a subaccount's cash past its bound is refused whole,
so every figure a venue renders, sums over many positions included, fits its wire type (int32 contracts and int64 cents
in the legacy profile, centi-cents on its websocket). Every bound is one account's (or one position's): what one
account does never refuses another's. What an account's orders leave behind is bounded too: it keeps its resting
orders and its `kept_ended` most recent ended ones (order_upkeep.py), so a flood of orders keeps memory flat.

Lagged reads (`set_lag`, `as_of`): while a lag is set, the ledger keeps the changes of the last lag (core/versions.py)
to what a venue's lagged reads show: every market position row, every account's cash and `updated` times, every
market's last price; fills and settlements are append-only, so their lists are cut at the time instead. A lagged read
asks `as_of()` (now minus the lag, on the exchange clock) and reads `positions.page(..., as_of=)`,
`account_as_of`, `last_price_as_of`. With no lag (the default) nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.events import Change, EventBus
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.announcements import Announcements
from mockexchange.core.kalshi.block_trades import EXPIRE_DUE, BlockTrading
from mockexchange.core.kalshi.catalogue import FEE_DUE, Catalogue
from mockexchange.core.kalshi.checks import (
    MAX_BALANCE,
    MAX_SUBTRADERS,
    LedgerError,
    check_cash,
)
from mockexchange.core.kalshi.communications import (
    CONFIRM_DUE,
    CONFIRM_WINDOW,
    EXECUTE_DUE,
    EXECUTION_DELAY,
    Communications,
)
from mockexchange.core.kalshi.fcm import FcmDesk
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.filling import Filling
from mockexchange.core.kalshi.incentive_programs import IncentivePrograms
from mockexchange.core.kalshi.ledger_state import LedgerState
from mockexchange.core.kalshi.lifecycle import MarketLifecycle
from mockexchange.core.kalshi.liquidity import Liquidity
from mockexchange.core.kalshi.market_feed import LedgerFeed
from mockexchange.core.kalshi.matching import Matching
from mockexchange.core.kalshi.milestones import Milestones
from mockexchange.core.kalshi.multivariate import Multivariate
from mockexchange.core.kalshi.order_groups import OrderGroups
from mockexchange.core.kalshi.order_upkeep import KEPT_ENDED, OrderUpkeep
from mockexchange.core.kalshi.price_feeds import PriceFeeds
from mockexchange.core.kalshi.rfq_batches import (
    BATCH_CONFIRM_DUE,
    BATCH_EXECUTE_DUE,
    BATCH_LAPSE_DUE,
    RfqBatches,
)
from mockexchange.core.kalshi.rfq_execution import QuoteExecution
from mockexchange.core.kalshi.rfq_makers import MAKER_CONFIRM_DUE, MAKER_QUOTE_DUE, RfqMakers
from mockexchange.core.kalshi.structured_targets import StructuredTargets
from mockexchange.core.kalshi.subaccounts import Subaccounts
from mockexchange.core.kalshi.trading import Trading
from mockexchange.core.kalshi.transfers import _TRANSITIONS, Transfer
from mockexchange.core.kalshi.units import UnitError, contracts, dollar_units
from mockexchange.core.kalshi.weather_index import WeatherIndex
from mockexchange.core.versions import ABSENT


class Ledger:
    def __init__(
        self,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        fee_schedule: QuadraticFee | None = None,
        ids: Callable[[], str] | None = None,
        kept_ended: int = KEPT_ENDED,
        rfq_timers: tuple[timedelta, timedelta] = (CONFIRM_WINDOW, EXECUTION_DELAY),
    ) -> None:
        new_id: Callable[[], str] = ids or IdFactory()
        self.state = state = LedgerState(
            clock or SystemClock(),
            bus or EventBus(),
            fee_schedule or QuadraticFee(),
            new_id,
            new_id.derived("markets") if isinstance(new_id, IdFactory) else new_id,
            kept_ended,
        )
        # Its parts, each over the state, taking the steps of the others it calls (none reaches another through the
        # ledger): what each owns is its module's.
        self.feed = feed = LedgerFeed(state)  # the market data channels' reads (market_feed.py)
        self.fcm = fcm = FcmDesk(state, self.open_account)  # the FCM members' desk (fcm.py)
        kept = OrderUpkeep(state, fcm.rest_moved)  # what every change to an order keeps up, and its end
        self.lifecycle = lifecycle = MarketLifecycle(
            state, kept.expire, kept.clear_book, kept.cancel_on_pause, fcm.executed_moved
        )  # the markets' and the exchange's statuses, and their schedule
        run_due = lifecycle.run_due_now
        self.liquidity = Liquidity(state, run_due)  # the house's levels
        self.catalogue = catalogue = Catalogue(state, run_due, lifecycle.schedule_listing)  # series, events, markets
        lifecycle.timers[FEE_DUE] = catalogue.fee_change_due  # (a fee change in force at its time)
        # multivariate collections and their combo markets, which settle from their legs
        self.multivariate = multivariate = Multivariate(state, run_due, catalogue, lifecycle)
        lifecycle.on_close.append(multivariate.leg_closed)
        lifecycle.on_outcome.append(multivariate.leg_moved)
        self.subaccounts = subaccounts = Subaccounts(state)  # numbered subaccounts, moves of cash inside an account
        self.groups = groups = OrderGroups(state, run_due, subaccounts.known, kept.end)
        self.filling = filling = Filling(
            state, catalogue, lifecycle.due_until, feed.print_trade, fcm.executed_moved
        )  # fills: one, a batch, a match's sides
        self.block_trades = BlockTrading(
            state, run_due, catalogue, filling, subaccounts.known
        )  # block trade proposals, executed off the book
        lifecycle.timers[EXPIRE_DUE] = self.block_trades.expire_due
        self.trading = trading = Trading(
            state, Matching(state, kept, filling, groups.group_matched), kept, catalogue, run_due, subaccounts.known,
            groups, fcm.order_refusal,
        )  # fmt: skip
        execution = QuoteExecution(state, trading.submit_order, trading.cancel_order, catalogue.fee_rule_for)
        self.communications = communications = Communications(
            state, run_due, subaccounts.known, catalogue.fee_rule_for, execution, *rfq_timers
        )  # RFQs and quotes; their timers and a market's close come through the lifecycle's schedule
        self.rfq_batches = batches = RfqBatches(state, run_due, communications, execution, catalogue.fee_rule_for)
        lifecycle.timers.update({CONFIRM_DUE: communications.confirm_due, EXECUTE_DUE: communications.execute_due,
                                 BATCH_CONFIRM_DUE: batches.confirm_due, BATCH_EXECUTE_DUE: batches.execute_due,
                                 BATCH_LAPSE_DUE: batches.lapse_due})  # fmt: skip
        lifecycle.on_close.extend((communications.market_closed, batches.market_closed))
        self.rfq_makers = makers = RfqMakers(
            state, communications.create_quote, communications.confirm_quote, catalogue.fee_rule_for
        )  # makers that quote RFQs by a rule, on the same schedule
        lifecycle.timers.update({MAKER_QUOTE_DUE: makers.quote_due, MAKER_CONFIRM_DUE: makers.confirm_due})
        self.prices = PriceFeeds(state)  # CF Benchmarks' and Pyth's values, for the price channels
        # what the exchange is told from outside: milestones and their live data, structured targets, incentive
        # programs, the weather index, the exchange's announcements
        self.milestones = Milestones(state)
        self.structured_targets = StructuredTargets(state)
        self.incentive_programs = IncentivePrograms(state)
        self.weather = WeatherIndex(state)
        self.announcements = Announcements(state)

    @property
    def contracts_filled(self) -> Decimal:
        """Contracts filled since the last reset, over every account (each account's bound counts its own)."""
        return contracts(sum(account.filled for account in self.state.accounts.values()))

    @property
    def contracts_resting(self) -> Decimal:
        """Whole contracts resting now, over every account (each account's bound counts its own)."""
        return Decimal(sum(account.resting for account in self.state.accounts.values()))

    def reading(self) -> Reading:
        """Hold the ledger still while a venue reads several things that must agree (every lifecycle transition due
        by now made first): `with ledger.reading() as ledger:`."""
        return Reading(self)

    # -- set-up -------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        state = self.state
        with state.lock:
            state.clear()
            state.bus.publish(Change("reset", None, None))

    def open_account(
        self,
        user_id: str,
        *,
        balance: Decimal = Decimal(0),
        fcm_member: bool = False,
        subtrader_of: str | None = None,
    ) -> Account:
        state = self.state
        if not isinstance(user_id, str) or not user_id.strip():
            raise LedgerError("user_id must be a non-empty string")
        if user_id == HOUSE:
            raise LedgerError(f"{HOUSE!r} is the house's account (it holds the scripted liquidity): choose another id")
        if not isinstance(balance, Decimal) or not balance.is_finite() or abs(balance) > MAX_BALANCE:
            raise LedgerError(f"an opening balance is a Decimal from -{MAX_BALANCE} to {MAX_BALANCE} dollars")
        try:
            opening = dollar_units(balance, "an opening balance")
        except UnitError as exc:
            raise LedgerError(str(exc)) from None
        with state.lock:
            if user_id in state.accounts:
                raise LedgerError(f"account {user_id!r} already exists", status=409)
            parent = None
            if subtrader_of is not None:
                parent = state.accounts.get(subtrader_of)
                if parent is None or not parent.fcm_member:
                    raise LedgerError(f"subtrader_of {subtrader_of!r} is not an FCM member account")
                if len(parent.subtraders) >= MAX_SUBTRADERS:
                    raise LedgerError(f"{subtrader_of!r} has {MAX_SUBTRADERS} subtraders, the most the mock keeps")
            account = Account(user_id, fcm_member=fcm_member, subtrader_of=subtrader_of)
            now = state.clock.now()
            if state.history.keeping:
                state.history.record("accounts", user_id, ABSENT, now)
            account.move_cash(0, 0, opening, now)
            state.user_data_updated = now
            state.accounts[user_id] = account
            if parent is not None:
                parent.subtraders.append(user_id)
            state.bus.publish(Change("account", user_id, account))
            return account

    # -- lagged reads ---------------------------------------------------------------------------------------------

    @property
    def lag(self) -> timedelta:
        """How far behind the exchange clock lagged reads answer; zero: they answer now."""
        return self.state.history.window or timedelta(0)

    def set_lag(self, lag: timedelta) -> None:
        """Lagged reads answer as of `lag` ago from now on (zero: as of now, and the history is dropped). Raised at run
        time, reads answer as of `history.exact_from` until the history covers the new lag."""
        state = self.state
        with state.lock:
            if state.history.window is None and lag > timedelta(0):
                # The history begins now: fills and settlements made so far show in every lagged read, as the
                # positions and cash they made do. (No lag begins none: a restart's lag of 0 seals nothing.)
                for index in (state.fill_index, state.settlements):
                    index.seal()
            state.history.keep(lag if lag > timedelta(0) else None, state.clock.now())

    def as_of(self) -> datetime | None:
        """The time a lagged read answers as of: now minus the lag (never before the last record the history dropped,
        versions.py); None when there is no lag (read the current state)."""
        state = self.state
        history = state.history
        if history.window is None:
            return None
        with state.lock:
            now = state.clock.now()
            history.prune(now)
            when = now - history.window
            exact = history.exact_from
            return exact if exact is not None and exact > when else when

    def user_data_as_of(self) -> datetime:
        """When the users' data (balances, positions, fills, orders) last changed as the portfolio reads show it: its
        last change (now, if none ever did), no later than the time lagged reads answer as of."""
        state = self.state
        with state.lock:
            found = state.user_data_updated or state.clock.now()
        lagged = self.as_of()
        return lagged if lagged is not None and lagged < found else found

    def account_as_of(self, user_id: str, when: datetime | None) -> Account:
        """The account's cash and `updated` times as of `when` (None: now). An account not open yet at `when` has no
        cash, and its opening time as `updated`. The answer is a snapshot when `when` is given; do not change it."""
        state = self.state
        account = state.account(user_id)
        found = None if when is None else state.history.then("accounts", user_id, when)
        if found is None:
            return account
        opened, before = found
        return Account(user_id, updated={0: opened}) if before is ABSENT else before

    def last_price_as_of(self, ticker: str, when: datetime | None) -> Decimal | None:
        """The market's last YES price as of `when` (None: now)."""
        state = self.state
        found = None if when is None else state.history.then("prices", ticker, when)
        return state.markets[ticker].last_yes_price if found is None else found[1]

    def prices_changed_since(self, when: datetime | None) -> Mapping[str, Decimal | None]:
        """The last YES price as of `when` of every market whose last price changed since (the others' is their
        `last_yes_price`); empty for None. For a read over many markets: one look-up each."""
        return {} if when is None else self.state.history.changed("prices", when)

    # -- cash transfers -------------------------------------------------------------------------------------------

    def transfer(self, seed: SeedTransfer) -> Transfer:
        """Record a deposit or withdrawal (`SeedTransfer`), or move an existing one to a new status; cash moves while it
        is applied."""
        user_id, kind, status, transfer_id = seed.user_id, seed.kind, seed.status, seed.id
        state = self.state
        with state.lock:
            account = state.account(user_id)
            now = state.clock.now()
            existing = state.transfers.get(transfer_id) if transfer_id else None
            if existing is not None:
                if existing.user_id != user_id or existing.kind != kind:
                    raise LedgerError(f"{transfer_id!r} is a {existing.kind} of {existing.user_id!r}", status=409)
                if status == existing.status:
                    return existing
                if status not in _TRANSITIONS[existing.status]:
                    raise LedgerError(f"a {existing.status} {kind} cannot become {status}", status=409)
                moved = existing.cash_effect if status == "applied" else -existing.cash_effect
                if status == "applied" or existing.status == "applied":
                    check_cash(account, 0, 0, moved)
                    state.move_cash(account, 0, 0, moved, now)
                existing.status = status
                existing.finalized = now
                state.bus.publish(Change(kind, user_id, existing))
                return existing
            if status == "returned":
                raise LedgerError("a new transfer cannot start out returned; apply it, then return it")
            record = Transfer(
                id=transfer_id or state.new_id(),
                user_id=user_id,
                kind=kind,
                type=seed.type,
                amount_cents=seed.amount_cents,
                fee_cents=seed.fee_cents,
                status=status,
                created=now,
                finalized=None if status == "pending" else now,
            )
            if status == "applied":
                check_cash(account, 0, 0, record.cash_effect)
            state.transfers[record.id] = record
            (state.deposits if kind == "deposit" else state.withdrawals).add(user_id, now, record)
            if status == "applied":
                state.move_cash(account, 0, 0, record.cash_effect, now)
            state.bus.publish(Change(kind, user_id, record))
            return record


class Reading:
    """`Ledger.reading()`: its lock held, every transition due made first. A class, not a generator's context manager:
    every read of a venue takes one, and a generator's costs it several times as much."""

    __slots__ = ("ledger",)

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def __enter__(self) -> Ledger:
        ledger = self.ledger
        ledger.lifecycle.run_due()
        ledger.state.lock.__enter__()
        return ledger

    def __exit__(self, *exc: object) -> None:
        self.ledger.state.lock.__exit__(*exc)
