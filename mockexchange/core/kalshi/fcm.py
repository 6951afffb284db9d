"""An FCM member's desk (`FcmDesk`, held by the ledger as `ledger.fcm`): subtraders made by suffix, each subtrader's
event-contract daily cap and blocked categories, the member's error account, and position transfers from one of its
subtraders to a subtrader under that error account.

Caps and blocked categories are stored here, where the order path checks them (`order_refusal`). What a subtrader's
cap counts (`utilization`) is kept as it changes, never read back from its fills or orders: each fill's premium and
each settlement's revenue are added to the New York day they happen on (`executed`), and each resting order's value
and taker fee to the subtrader's sum as the order rests, changes and ends (`resting`), so an order of a subtrader costs
the same beside its first fill as beside its millionth. A position transfer
is booked like a trade between the two rows at the YES price (positions.fill, no fee, no fill record): the source's
row and cash move as a sale of the side moved, the target's as a purchase of it, under the ledger's lock, and each row
is published as a `position` change, as a fill's is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mockexchange.core.events import Change
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.checks import LedgerError, Terms, check_cash, check_contracts
from mockexchange.core.kalshi.fcm_commands import (
    SUFFIX,
    CreateFCMPositionTransfer,
    CreateFCMSubtrader,
    SetFCMErrorAccount,
    UpdateFCMEventContractDailyCap,
    UpdateFCMSubtraderBlockedCategories,
)
from mockexchange.core.kalshi.fcm_state import PositionTransfer
from mockexchange.core.kalshi.lifecycle import refusal
from mockexchange.core.kalshi.market_feed import hold
from mockexchange.core.kalshi.orders import RESTING
from mockexchange.core.kalshi.subaccounts import MAX_KEPT_TRANSFERS
from mockexchange.core.kalshi.units import CONTRACT, PRICE

if TYPE_CHECKING:
    from mockexchange.core.kalshi.accounts import Account
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.markets import Market
    from mockexchange.core.kalshi.orders import Order
    from mockexchange.core.kalshi.rows import MarketPosition
    from mockexchange.core.kalshi.stored_rows import StoredPosition

MAX_CATEGORIES = 1000  # categories blocked for one subtrader: the mock's bound on what one client can store
CAP_DAY = ZoneInfo("America/New_York")  # executed utilization resets at midnight New York time


class FcmDesk:
    """The desk's operations over the ledger's state and its `fcm_state` (`ledger.fcm`), under the ledger's lock. It
    takes what it calls of the ledger: `open_account` (a subtrader made, a transfer's target opened)."""

    def __init__(self, state: LedgerState, open_account: Callable[..., Account]) -> None:
        self.state = state
        self.open_account = open_account

    @property
    def caps(self) -> dict[str, int]:
        return self.state.fcm_state.caps

    @property
    def blocked(self) -> dict[str, set[str]]:
        return self.state.fcm_state.blocked

    @property
    def error_accounts(self) -> dict[str, str]:
        return self.state.fcm_state.error_accounts

    @property
    def transfers(self) -> dict[str, PositionTransfer]:
        return self.state.fcm_state.transfers

    # -- subtraders ---------------------------------------------------------------------------------------------

    def member(self, fcm_user_id: str) -> Account:
        account = self.state.account(fcm_user_id)
        if not account.fcm_member:
            raise LedgerError(f"{fcm_user_id!r} is not an FCM member", status=403)
        return account

    def subtrader(self, fcm_user_id: str, subtrader_id: str) -> Account:
        """The member's subtrader (404 if it is none of the member's)."""
        if subtrader_id not in self.member(fcm_user_id).subtraders:
            raise LedgerError(f"{subtrader_id!r} is not a subtrader of FCM member {fcm_user_id!r}", status=404)
        return self.state.accounts[subtrader_id]

    def create_subtrader(self, create: CreateFCMSubtrader) -> Account:
        """The subtrader `{fcm_user_id}_{suffix}` (409 if it exists)."""
        fcm_user_id, suffix = create.fcm_user_id, create.subtrader_suffix
        with self.state.lock:
            self.member(fcm_user_id)
            return self.open_account(f"{fcm_user_id}_{suffix}", subtrader_of=fcm_user_id)

    # -- daily caps and blocked categories ---------------------------------------------------------------------

    def set_cap(self, cap: UpdateFCMEventContractDailyCap) -> UpdateFCMEventContractDailyCap:
        """Set (micro-dollars) or remove (None) the subtrader's daily cap."""
        fcm_user_id, subtrader_id, limit = cap.fcm_user_id, cap.subtrader_id, cap.limit
        with self.state.lock:
            self.subtrader(fcm_user_id, subtrader_id)
            if limit is None:
                if self.caps.pop(subtrader_id, None) is None:
                    raise LedgerError(f"{subtrader_id!r} has no daily cap", status=404)
            else:
                self.caps[subtrader_id] = limit
            self.state.bus.publish(Change("fcm_daily_cap", subtrader_id, limit))
        return cap

    def cap_date(self) -> date:
        """The New York calendar date the executed utilization applies to, on the exchange clock."""
        return self.state.clock.now().astimezone(CAP_DAY).date()

    def utilization(self, subtrader_id: str) -> tuple[int, int]:
        """(executed, resting) utilization, micro-dollars: the premium the subtrader's fills of the cap date paid
        (fees included; what sales received and settlements paid that day credited back), and what its resting orders
        would pay at most, their taker fees included. Under the ledger's lock; kept as they change (`executed_moved`,
        `rest_moved`), so a read costs the same however many fills and orders the subtrader has."""
        kept = self.state.fcm_state
        return kept.executed.get(subtrader_id, {}).get(self.cap_date(), 0), kept.resting.get(subtrader_id, 0)

    def executed_moved(self, subtrader_id: str, when: datetime, amount: int) -> None:
        """A fill's premium (a settlement's revenue, negated) made at `when` counts on that New York date."""
        days = self.state.fcm_state.executed.setdefault(subtrader_id, {})
        day = when.astimezone(CAP_DAY).date()
        days[day] = days.get(day, 0) + amount

    def rest_moved(self, order: Order) -> None:
        """A subtrader's order rests as it stands now (it may have ended): its share of the resting utilization, its
        value and its taker fee under the ledger's schedule, follows."""
        kept = self.state.fcm_state
        share = 0
        if order.remaining and order.status == RESTING:
            share = order.value_units + self.state.fee_schedule.fee_units(order.remaining, order.yes_price, True)
        before = kept.resting_shares.pop(order.order_id, 0)
        if share:
            kept.resting_shares[order.order_id] = share
        if share != before:
            total = kept.resting.get(order.user_id, 0) + share - before
            if total:
                kept.resting[order.user_id] = total
            else:
                kept.resting.pop(order.user_id, None)

    def block_category(self, block: UpdateFCMSubtraderBlockedCategories) -> list[str]:
        """Add the category to (or take it from) the subtrader's blocked set; answers the set, sorted."""
        fcm_user_id, subtrader_id, category = block.fcm_user_id, block.subtrader_id, block.category
        with self.state.lock:
            self.subtrader(fcm_user_id, subtrader_id)
            found = self.blocked.setdefault(subtrader_id, set())
            blocked = block.blocked
            if blocked and category not in found and len(found) >= MAX_CATEGORIES:
                raise LedgerError(f"{subtrader_id!r} has {MAX_CATEGORIES} blocked categories; the mock keeps no more")
            (found.add if blocked else found.discard)(category)
            if not found:
                del self.blocked[subtrader_id]
            self.state.bus.publish(Change("fcm_blocked_categories", subtrader_id, sorted(found)))
            return sorted(found)

    def categories(self, subtrader_id: str) -> list[str]:
        return sorted(self.blocked.get(subtrader_id, ()))

    def order_refusal(self, subtrader_id: str, category: str | None, cost: int, bound_key: bool) -> str | None:
        """Why a new order of the subtrader would be refused (None: it would not): its event's category is blocked,
        or, through a key bound to it (`bound_key`), it has no daily cap or `cost` (micro-dollars) would pass it.
        Under the ledger's lock; for the order path."""
        if category is not None and category in self.blocked.get(subtrader_id, ()):
            return f"the event category {category!r} is blocked for {subtrader_id!r}"
        if not bound_key:
            return None
        limit = self.caps.get(subtrader_id)
        if limit is None:
            return f"{subtrader_id!r} has no event-contract daily cap"
        executed, resting = self.utilization(subtrader_id)
        return "the order would pass the daily cap" if executed + resting + cost > limit else None

    # -- position transfers --------------------------------------------------------------------------------------

    def set_error_account(self, named: SetFCMErrorAccount) -> SetFCMErrorAccount:
        """Name the FCM member account whose subtraders receive the member's position transfers (None: transfers
        are not enabled, and refused with 400, as Kalshi's are until it enables them)."""
        fcm_user_id, error_account_id = named.fcm_user_id, named.error_account_id
        with self.state.lock:
            self.member(fcm_user_id)
            if error_account_id is None:
                self.error_accounts.pop(fcm_user_id, None)
                return named
            error = self.state.account(error_account_id)
            if not error.fcm_member or error_account_id == fcm_user_id:
                raise LedgerError(f"the error account {error_account_id!r} must be another FCM member account")
            self.error_accounts[fcm_user_id] = error_account_id
        return named

    def transfer_position(self, transfer: CreateFCMPositionTransfer) -> PositionTransfer:
        """Move `count` hundredths (positive: YES, negative: NO; whole contracts) of the market from the member's
        subtrader `source` to `target`, a subtrader of its error account (opened on first use), booked at YES
        `price` (price units, whole cents)."""
        fcm_user_id, source, target = transfer.fcm_user_id, transfer.source_subtrader_id, transfer.target_subtrader_id
        ticker, count, price = transfer.market_ticker, transfer.position_centicount, transfer.price_centicents
        _check_terms(count, price)
        state = self.state
        with state.lock:
            self.subtrader(fcm_user_id, source)
            error = self.error_accounts.get(fcm_user_id)
            if error is None:
                raise LedgerError(f"position transfers are not enabled for FCM member {fcm_user_id!r}")
            suffix = target[len(error) + 1 :] if target.startswith(f"{error}_") else ""
            if not SUFFIX.fullmatch(suffix):
                raise LedgerError(f"target_subtrader_id must be {error}_ and 1 to 16 ASCII letters and digits")
            receiver = state.accounts.get(target)
            if receiver is not None and receiver.subtrader_of != error:
                raise LedgerError(f"{target!r} is not a subtrader of the error account {error!r}")
            market = state.market(ticker)
            why = refusal(market)  # (the market must be open: the spec's 409)
            if why is not None:
                raise LedgerError(why, status=409)
            moved = abs(count)
            yes = count > 0
            # The source sells the side moved, the target buys it: in YES terms, a sale of YES at `price` for YES,
            # a purchase of YES at `price` (closing NO) for NO.
            legs = [(source, not yes, PRICE - price if yes else price), (target, yes, price if yes else PRICE - price)]
            rows = [state.positions.get(user, 0, ticker) for user, _, _ in legs]
            worked = []
            for (_, buys, paid), row, account in zip(legs, rows, (state.accounts[source], receiver), strict=True):
                cells = state.positions.cells(row) if row is not None else positions.ZERO_CELLS
                after, cash = positions.fill(cells, buys, moved, paid, 0)
                check_contracts(cells[5], moved, "volume", account.filled if account else 0, "filled")
                worked.append((after, cash))
            paid_in = worked[1][1]
            if paid_in < 0 and (receiver is None or receiver.cash.get((0, market.exchange_index), 0) + paid_in < 0):
                raise LedgerError(
                    f"{target!r} has not enough cash on exchange index {market.exchange_index} to pay for the transfer",
                    status=409,
                )
            check_cash(state.accounts[source], 0, market.exchange_index, worked[0][1])
            if receiver is not None:
                check_cash(receiver, 0, market.exchange_index, paid_in)
            if receiver is None:
                receiver = self.open_account(target, subtrader_of=error)
            now = state.clock.now()
            changed = []
            for (user, _, _), row, (after, cash) in zip(legs, rows, worked, strict=True):
                changed.append(self._book(state.accounts[user], market, row, after, cash, now))
                state.accounts[user].filled += moved
            record = PositionTransfer(state.new_id(), fcm_user_id, source, target, ticker, count, price, now)
            self._keep(record)
            for (user, _, _), snapshot in zip(legs, changed, strict=True):
                state.bus.publish(Change("position", user, snapshot))
            state.bus.publish(Change("fcm_position_transfer", fcm_user_id, record))
            return record

    def _keep(self, record: PositionTransfer) -> None:
        """Keep a transfer, and forget the member's oldest past its latest `MAX_KEPT_TRANSFERS`."""
        kept = self.state.fcm_state
        kept.transfers[record.position_transfer_id] = record
        ids = kept.members_transfers.setdefault(record.fcm_user_id, deque())
        ids.append(record.position_transfer_id)
        while len(ids) > MAX_KEPT_TRANSFERS:
            del kept.transfers[ids.popleft()]

    def _book(
        self, account: Account, market: Market, row: StoredPosition | None, after: positions.Cells, cash: int,
        now: datetime,
    ) -> MarketPosition:  # fmt: skip
        """Write one leg: the row becomes `after` (opened if new), the account's cash on the market's index moves."""
        state = self.state
        store = state.positions
        hold(market, store.cells(row)[0] if row is not None else 0, after[0])  # open interest (market_feed.py)
        state.market_changed(market)
        if row is None:
            snapshot = store.snapshot_of(store.open_handle(account.user_id, 0, market, now, after))
        else:
            snapshot = store.update(row, now, after)
        state.move_cash(account, 0, market.exchange_index, cash, now)
        return snapshot


def _check_terms(count: int, price: int) -> None:
    if count == 0 or count % CONTRACT:
        raise LedgerError("position_centicount must be a non-zero whole number of contracts (a multiple of 100)")
    if not 0 <= price <= PRICE or price % 100:
        raise LedgerError("price_centicents must be whole cents from 0 to 10000 (a multiple of 100)")


def premium(terms: Terms) -> int:
    """What one fill put at risk, micro-dollars: a purchase's cost and fee; a sale's fee less what it received."""
    return terms.fee + (terms.count * terms.price if terms.action == "buy" else -terms.count * terms.price)
