"""An account's subaccounts and the moves of cash inside it: numbered subaccounts (1-63), transfers between them,
their netting settings, transfers between exchange instances (`event_contract`, `margined`) and shards, and the
target balance allocation over exchange indexes.

A part of the ledger (`ledger.subaccounts`) over its state (what it keeps: subaccount_records.py): every change is
made under its lock, checks the cash bound (checks.py's `check_cash`), keeps the cash as it was for lagged reads, and
is published as a `Change`. Amounts are integers: cents of a subaccount transfer and
centi-cents of an instance transfer as the wire gives them, micro-dollars where cash moves (units.py). The margined
instance is a cash balance per user and shard, nothing more, until a margin venue exists.

An account keeps its latest `MAX_KEPT_TRANSFERS` subaccount transfers, and as many instance transfers: past that its
oldest go (a pending instance transfer stays until it completes), with their client transfer ids (a retry of a
forgotten one is a new transfer). Each account's own: one account's transfers never push out another's.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT, Refusal, check_cash
from mockexchange.core.kalshi.subaccount_commands import (
    ApplyMarginSubaccountTransfer,
    ApplySubaccountTransfer,
    CompleteInstanceTransfer,
    CreateMarginSubaccount,
    CreateSubaccount,
    IntraExchangeInstanceTransfer,
    SetTargetBalanceAllocation,
    UpdateSubaccountNetting,
)
from mockexchange.core.kalshi.subaccount_records import AccountSetup, InstanceTransfer, SubaccountTransfer
from mockexchange.core.kalshi.units import CENT, CENTI_CENT
from mockexchange.core.kept_index import KeptIndex
from mockexchange.core.rate_budgets import OFF, TIERS

if TYPE_CHECKING:
    from mockexchange.core.kalshi.accounts import Account
    from mockexchange.core.kalshi.ledger_state import LedgerState

MAX_KEPT_TRANSFERS = 10_000  # of each kind, per account: its latest
SUBACCOUNTS_FROM_TIER = "advanced"  # CreateSubaccount: "available to all users on the Advanced API tier and above"


def tier_allows_subaccounts(tier: str) -> bool:
    """Whether an account on rate-limit `tier` may create subaccounts; with limits off the mock models no tier, and
    allows it."""
    return tier == OFF or tier not in TIERS or TIERS.index(tier) >= TIERS.index(SUBACCOUNTS_FROM_TIER)


def _complete(record: InstanceTransfer) -> bool:
    return record.status == "complete"


class Subaccounts:
    """The accounts' subaccounts and the moves of cash inside them (`ledger.subaccounts`), over the ledger's state."""

    def __init__(self, state: LedgerState) -> None:
        self.state = state

    def setup(self, user_id: str) -> AccountSetup:
        """The user's settings (defaults until set); the account must exist."""
        self.state.account(user_id)
        return self.state.subaccount_state.setups.get(user_id) or AccountSetup()

    def known_subaccounts(self, account: Account) -> list[int]:
        """The primary, the numbered ones created, and any other that holds cash (seeding may trade in any)."""
        setup = self.state.subaccount_state.setups.get(account.user_id)
        known = set(range((setup.created if setup else 0) + 1))
        known.update(sub for sub, _ in account.cash)
        return sorted(known)

    def known(self, account: Account, subaccount: int, name: str) -> None:
        setup = self.state.subaccount_state.setups.get(account.user_id)
        if 0 <= subaccount <= (setup.created if setup else 0):
            return  # (asked of every order: `known_subaccounts` without building it)
        if all(sub != subaccount for sub, _ in account.cash):
            raise Refusal(f"{name} {subaccount} is not a subaccount of {account.user_id!r} (create it first)")

    def _setup_for_change(self, user_id: str) -> AccountSetup:
        return self.state.subaccount_state.setups.setdefault(user_id, AccountSetup())

    def _move(self, account: Account, moves: list[tuple[int, int, int]], now: datetime) -> None:
        """Move cash: (subaccount, exchange index, micro-dollars) each, the debits checked against the cash there,
        the credits against the bound; all or nothing."""
        for subaccount, index, amount in moves:
            if amount < 0 and account.cash.get((subaccount, index), 0) + amount < 0:
                raise Refusal("insufficient balance", 400, "insufficient_balance")
            if amount > 0:
                check_cash(account, subaccount, index, amount)
        if self.state.history.keeping:
            self.state.remember_cash(account, now)
        for subaccount, index, amount in moves:
            account.move_cash(subaccount, index, amount, now)
        self.state.user_data_updated = now

    # -- subaccounts ----------------------------------------------------------------------------------------------

    def create_subaccount(self, create: CreateSubaccount) -> int:
        """The next numbered subaccount (1-63), on its exchange index."""
        user_id, exchange_index = create.user_id, create.exchange_index
        with self.state.lock:
            account = self.state.account(user_id)
            setup = self._setup_for_change(user_id)
            if setup.created >= MAX_SUBACCOUNT:
                raise Refusal(f"{user_id!r} has {MAX_SUBACCOUNT} numbered subaccounts, the most there may be")
            setup.created += 1
            now = self.state.clock.now()
            account.move_cash(setup.created, exchange_index, 0, now)
            self.state.user_data_updated = now
            self.state.bus.publish(Change("subaccount", user_id, setup.created))
            return setup.created

    def subaccount_transfer(self, transfer: ApplySubaccountTransfer) -> SubaccountTransfer:
        """Move cash between two subaccounts on one exchange index; the same `client_transfer_id` again with the
        same terms answers the transfer made, with other terms a 409."""
        user_id, client_transfer_id = transfer.user_id, transfer.client_transfer_id
        from_subaccount, to_subaccount = transfer.from_subaccount, transfer.to_subaccount
        amount_cents, exchange_index = transfer.amount_cents, transfer.exchange_index
        if from_subaccount == to_subaccount:
            raise Refusal("from_subaccount and to_subaccount must differ")
        with self.state.lock:
            account = self.state.account(user_id)
            kept = self.state.subaccount_state
            made = _made(kept.by_client_id, transfer, exchange_index)
            if made is not None:
                return made
            record = self._subaccount_move(
                account, from_subaccount, to_subaccount, amount_cents, exchange_index, client_transfer_id
            )
            return record

    def _subaccount_move(
        self, account: Account, source: int, destination: int, cents: int, index: int, client_id: str | None,
        transfer_id: str | None = None,
    ) -> SubaccountTransfer:  # fmt: skip
        self.known(account, source, "from_subaccount")
        self.known(account, destination, "to_subaccount")
        now = self.state.clock.now()
        amount = cents * CENT
        self._move(account, [(source, index, -amount), (destination, index, amount)], now)
        record = SubaccountTransfer(
            transfer_id or self.state.new_id(), account.user_id, source, destination, cents, index, now, client_id
        )
        kept = self.state.subaccount_state
        _keep(kept.transfers, kept.by_client_id, record)
        self.state.bus.publish(Change("subaccount_transfer", account.user_id, record))
        return record

    # -- the margined instance's subaccounts (the perps exchange's cash) ------------------------------------------

    def create_margin_subaccount(self, create: CreateMarginSubaccount) -> int:
        """The next numbered subaccount of the margined instance (1-63)."""
        with self.state.lock:
            self.state.account(create.user_id)
            setup = self._setup_for_change(create.user_id)
            if setup.margined >= MAX_SUBACCOUNT:
                raise Refusal(f"{create.user_id!r} has {MAX_SUBACCOUNT} numbered margin subaccounts, the most there "
                              "may be")  # fmt: skip
            setup.margined += 1
            self.state.bus.publish(Change("margin_subaccount", create.user_id, setup.margined))
            return setup.margined

    def margin_subaccounts(self, user_id: str) -> int:
        """The highest numbered margin subaccount the user created (0: the primary alone)."""
        setup = self.state.subaccount_state.setups.get(user_id)
        return setup.margined if setup else 0

    def margin_subaccount_transfer(self, transfer: ApplyMarginSubaccountTransfer) -> SubaccountTransfer:
        """Move margined cash between two of the user's margin subaccounts (shard 0); the same `client_transfer_id`
        again with the same terms answers the transfer made, with other terms a 409."""
        user_id, source, destination = transfer.user_id, transfer.from_subaccount, transfer.to_subaccount
        if source == destination:
            raise Refusal("from_subaccount and to_subaccount must differ")
        with self.state.lock:
            self.state.account(user_id)
            kept = self.state.subaccount_state
            made = _made(kept.margined_by_client_id, transfer, 0)
            if made is not None:
                return made
            for name, number in (("from_subaccount", source), ("to_subaccount", destination)):
                if number > self.margin_subaccounts(user_id):
                    raise Refusal(f"{name} {number} is not a margin subaccount of {user_id!r} (create it first)")
            amount = transfer.amount_cents * CENT
            if self.margined_balance(user_id, source) < amount:
                raise Refusal("insufficient balance", 400, "insufficient_balance")
            self.move_margined(user_id, -amount, source)
            self.move_margined(user_id, amount, destination)
            now = self.state.clock.now()
            record = SubaccountTransfer(self.state.new_id(), user_id, source, destination, transfer.amount_cents, 0,
                                        now, transfer.client_transfer_id)  # fmt: skip
            _keep(kept.margined_transfers, kept.margined_by_client_id, record)
            self.state.bus.publish(Change("margin_subaccount_transfer", user_id, record))
            return record

    def set_subaccount_netting(self, netting: UpdateSubaccountNetting) -> UpdateSubaccountNetting:
        user_id, subaccount, enabled = netting.user_id, netting.subaccount, netting.enabled
        with self.state.lock:
            account = self.state.account(user_id)
            self.known(account, subaccount, "subaccount_number")
            self._setup_for_change(user_id).netting[subaccount] = enabled
            self.state.bus.publish(Change("subaccount_netting", user_id, (subaccount, enabled)))
        return netting

    # -- exchange instances -----------------------------------------------------------------------------------------

    def instance_transfer(self, transfer: IntraExchangeInstanceTransfer) -> InstanceTransfer:
        """Move `amount` centi-cents from one exchange instance and shard to another (or, between `event_contract`
        subaccounts of one shard, a subaccount transfer, listed with those too). A `pending` one has left its source;
        `complete_instance_transfer` credits its destination."""
        user_id, source, destination, amount = transfer.user_id, transfer.source, transfer.destination, transfer.amount
        client_transfer_id, status = transfer.client_transfer_id, transfer.status
        shards = (transfer.source_exchange_shard, transfer.destination_exchange_shard)
        subs = (transfer.source_subaccount, transfer.destination_subaccount)
        contracts_only = source == destination == "event_contract"
        if subs != (0, 0) and not contracts_only:
            raise Refusal("subaccounts are only supported for event_contract to event_contract transfers")
        if subs != (0, 0) and client_transfer_id is not None:
            raise Refusal("client_transfer_id is only supported for transfers of primary accounts")
        if (source, shards[0], subs[0]) == (destination, shards[1], subs[1]):
            raise Refusal("the source and the destination are the same")
        as_subaccount_transfer = contracts_only and shards[0] == shards[1]
        if as_subaccount_transfer and (amount % 100 or status != "complete"):
            raise Refusal("a transfer between subaccounts of one shard moves whole cents and completes at once")
        with self.state.lock:
            account = self.state.account(user_id)
            kept = self.state.subaccount_state
            reuse = (user_id, source, shards[0], client_transfer_id or "")
            if client_transfer_id is not None and reuse in kept.instance_client_ids:
                raise Refusal(f"client_transfer_id {client_transfer_id!r} was already accepted from this source", 409,
                              "conflict")  # fmt: skip
            now = self.state.clock.now()
            record = InstanceTransfer(
                self.state.new_id(), user_id, source, destination, shards[0], shards[1], subs[0], subs[1], amount,
                status, now, client_transfer_id,
            )  # fmt: skip
            if as_subaccount_transfer:
                self._subaccount_move(account, subs[0], subs[1], amount // 100, shards[0], None, record.transfer_id)
            else:
                self._instance_move(account, record, (True, status == "complete"), now)
            if client_transfer_id is not None:
                kept.instance_client_ids.add(reuse)
            kept.instance_by_id[record.transfer_id] = record
            kept.instance_transfers.add(user_id, now, record)
            for gone in kept.instance_transfers.trim(user_id, MAX_KEPT_TRANSFERS, _complete):
                del kept.instance_by_id[gone.transfer_id]
                kept.instance_client_ids.discard((user_id, gone.source, gone.source_exchange_shard,
                                                   gone.client_transfer_id or ""))  # fmt: skip
            self.state.bus.publish(Change("instance_transfer", user_id, record))
            return record

    def complete_instance_transfer(self, complete: CompleteInstanceTransfer) -> InstanceTransfer:
        transfer_id = complete.transfer_id
        with self.state.lock:
            record = self.state.subaccount_state.instance_by_id.get(transfer_id)
            if record is None:
                raise Refusal(f"unknown transfer {transfer_id!r}", 404, "not_found")
            if record.status == "pending":
                account = self.state.account(record.user_id)
                self._instance_move(account, record, (False, True), self.state.clock.now())
                record.status = "complete"
                self.state.bus.publish(Change("instance_transfer", record.user_id, record))
            return record

    def _instance_move(
        self, account: Account, record: InstanceTransfer, ends: tuple[bool, bool], now: datetime
    ) -> None:
        """The source's debit and the destination's credit (`ends`: which of them), all or nothing."""
        amount = record.amount * CENTI_CENT
        moves: list[tuple[int, int, int]] = []  # on event_contract: (subaccount, shard, micro-dollars)
        margined = self.state.subaccount_state.margined
        deltas: dict[tuple[str, int, int], int] = {}
        sides = (
            (ends[0], record.source, record.source_exchange_shard, record.source_subaccount, -amount),
            (ends[1], record.destination, record.destination_exchange_shard, record.destination_subaccount, amount),
        )
        for moving, instance, shard, subaccount, change in sides:
            if not moving:
                continue
            if instance == "event_contract":
                moves.append((subaccount, shard, change))
            else:
                key = (account.user_id, shard, subaccount)
                deltas[key] = deltas.get(key, 0) + change
                if margined.get(key, 0) + deltas[key] < 0:
                    raise Refusal("insufficient balance", 400, "insufficient_balance")
        if moves:
            self._move(account, moves, now)
        for key, change in deltas.items():
            margined[key] = margined.get(key, 0) + change

    def margined_balance(self, user_id: str, subaccount: int = 0, shard: int = 0) -> int:
        """The user's margined cash in a subaccount on `shard`, in micro-dollars."""
        return self.state.subaccount_state.margined.get((user_id, shard, subaccount), 0)

    def move_margined(self, user_id: str, change: int, subaccount: int = 0, shard: int = 0) -> None:
        """Add `change` micro-dollars to the user's margined cash in a subaccount on `shard` (what its perps trading
        realized, less fees: the perps exchange's one cash is this one, under the ledger's lock)."""
        with self.state.lock:
            margined = self.state.subaccount_state.margined
            key = (user_id, shard, subaccount)
            margined[key] = margined.get(key, 0) + change

    def set_target_balance_allocation(self, allocation: SetTargetBalanceAllocation) -> SetTargetBalanceAllocation:
        """Replace the allocation: percentages of sweepable balance per exchange index, 100 in all (none: no
        automatic rebalancing)."""
        user_id, allocations = allocation.user_id, allocation.allocations
        reservation = allocation.resting_margin_reservation
        seen: set[int] = set()
        for i, (index, _percent) in enumerate(allocations):
            if index in seen:
                raise Refusal(f"allocations[{i}].exchange_index {index} is listed twice")
            seen.add(index)
        if allocations and sum(percent for _, percent in allocations) != 100:
            raise Refusal("allocations' percentages must total 100")
        with self.state.lock:
            self.state.account(user_id)
            setup = self._setup_for_change(user_id)
            setup.allocations = tuple(sorted(allocations))
            setup.reservation = reservation
            self.state.bus.publish(Change("target_balance_allocation", user_id, setup))
        return allocation


def _made(
    by_client_id: dict[tuple[str, str], SubaccountTransfer],
    transfer: ApplySubaccountTransfer | ApplyMarginSubaccountTransfer, exchange_index: int,
) -> SubaccountTransfer | None:  # fmt: skip
    """The transfer a `client_transfer_id` already made with these terms (None: none); 409 if with others."""
    made = by_client_id.get((transfer.user_id, transfer.client_transfer_id))
    if made is None:
        return None
    terms = (made.from_subaccount, made.to_subaccount, made.amount_cents, made.exchange_index)
    if terms != (transfer.from_subaccount, transfer.to_subaccount, transfer.amount_cents, exchange_index):
        raise Refusal(f"client_transfer_id {transfer.client_transfer_id!r} was used for another transfer", 409,
                      "conflict")  # fmt: skip
    return made


def _keep(
    transfers: KeptIndex[SubaccountTransfer], by_client_id: dict[tuple[str, str], SubaccountTransfer],
    record: SubaccountTransfer,
) -> None:  # fmt: skip
    """Keep a transfer (and its client id) among the account's latest `MAX_KEPT_TRANSFERS`."""
    transfers.add(record.user_id, record.created, record)
    if record.client_transfer_id is not None:
        by_client_id[(record.user_id, record.client_transfer_id)] = record
    for gone in transfers.trim(record.user_id, MAX_KEPT_TRANSFERS):
        named = (record.user_id, gone.client_transfer_id or "")
        if gone.client_transfer_id is not None and by_client_id.get(named) is gone:
            del by_client_id[named]
