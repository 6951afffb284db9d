"""What each of Kalshi's subaccount commands tells the mock's bus (core/kalshi/subaccounts.py): one change, of its own
kind, named for the account it changed, which is how the inspector's feed knows whose page to reload. A refused
command tells nothing."""

from __future__ import annotations

import pytest
from test_kalshi_orders_core import new_ledger

from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import Refusal
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


def test_each_subaccount_command_tells_one_change_named_for_its_account() -> None:
    ledger = new_ledger("a", "b", cents=10_000)
    told: list[Change] = []
    ledger.state.bus.subscribe(told.append)
    subaccounts = ledger.subaccounts

    def changes(command, *args) -> list[tuple[str, str | None]]:
        told.clear()
        command(*args)
        return [(change.kind, change.user_id) for change in told]

    assert changes(subaccounts.create_subaccount, CreateSubaccount("b")) == [("subaccount", "b")]
    assert told[0].payload == 1  # the subaccount made
    move = ApplySubaccountTransfer("b", "t1", 0, 1, 100)
    assert changes(subaccounts.subaccount_transfer, move) == [("subaccount_transfer", "b")]
    assert (told[0].payload.from_subaccount, told[0].payload.to_subaccount) == (0, 1)
    netting = UpdateSubaccountNetting("b", 1, False)
    assert changes(subaccounts.set_subaccount_netting, netting) == [("subaccount_netting", "b")]
    assert told[0].payload == (1, False)
    pending = IntraExchangeInstanceTransfer("b", "event_contract", "margined", 20_000, status="pending")
    assert changes(subaccounts.instance_transfer, pending) == [("instance_transfer", "b")]
    made = told[0].payload
    # completed by the exchange, which names no user: the change is the transfer's owner's
    assert changes(subaccounts.complete_instance_transfer, CompleteInstanceTransfer(made.transfer_id)) == [
        ("instance_transfer", "b")
    ]
    assert told[0].payload.status == "complete"
    assert changes(subaccounts.create_margin_subaccount, CreateMarginSubaccount("b")) == [("margin_subaccount", "b")]
    assert told[0].payload == 1  # the margin subaccount made
    margin_move = ApplyMarginSubaccountTransfer("b", "m1", 0, 1, 100)
    assert changes(subaccounts.margin_subaccount_transfer, margin_move) == [("margin_subaccount_transfer", "b")]
    allocation = SetTargetBalanceAllocation("b", ((0, 60), (1, 40)))
    assert changes(subaccounts.set_target_balance_allocation, allocation) == [("target_balance_allocation", "b")]
    assert told[0].payload.allocations == ((0, 60), (1, 40))  # the account's settings, as set
    told.clear()
    with pytest.raises(Refusal):
        subaccounts.subaccount_transfer(ApplySubaccountTransfer("b", "t2", 0, 1, 10**9))  # more than it holds
    assert told == []
