"""What Kalshi's subaccount commands refuse, word for word, and where their bounds lie (core/kalshi/subaccounts.py):
the subaccounts an account knows (the primary and the last created are known, the next is not); a debit from cash
never held; a credit past a subaccount's bound; the margined instance's 63 subaccounts; an instance transfer's
refusals and its client transfer id, taken per source and shard; the margined cash emptied to the micro-dollar and no
further; a client transfer id used again with other terms; a forgotten transfer's client transfer id free again."""

from __future__ import annotations

import pytest
from kalshi_commands import refusal
from test_kalshi_orders_core import new_ledger

from mockexchange.core.kalshi import subaccounts
from mockexchange.core.kalshi.checks import MAX_BALANCE
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.subaccount_commands import (
    INSTANCES,
    ApplySubaccountTransfer,
    CreateMarginSubaccount,
    CreateSubaccount,
    IntraExchangeInstanceTransfer,
    SetTargetBalanceAllocation,
    UpdateSubaccountNetting,
)
from mockexchange.core.kalshi.units import DOLLAR

CONTRACTS, MARGINED = INSTANCES  # (the exchange instances)


@pytest.fixture(name="ledger")
def a_ledger() -> Ledger:
    ledger = new_ledger("a", "b", cents=10_000)  # $100 in subaccount 0 of each, shard 0
    for _ in range(2):
        ledger.subaccounts.create_subaccount(CreateSubaccount("a"))
    return ledger


def _move(ledger: Ledger, client_id: str, source: int, destination: int, cents: int) -> tuple[int, int]:
    made = ledger.subaccounts.subaccount_transfer(ApplySubaccountTransfer("a", client_id, source, destination, cents))
    return made.from_subaccount, made.to_subaccount


def test_the_primary_and_the_last_subaccount_created_are_known_and_the_next_is_not(ledger: Ledger) -> None:
    assert _move(ledger, "t1", 0, 2, 100) == (0, 2)  # (the last created)
    assert _move(ledger, "t2", 2, 0, 100) == (2, 0)  # (the primary)
    netting = ledger.subaccounts.set_subaccount_netting
    assert netting(UpdateSubaccountNetting("a", 0, False)).subaccount == 0
    unknown = "{} 3 is not a subaccount of 'a' (create it first)"
    move = ledger.subaccounts.subaccount_transfer
    refused = refusal(move, ApplySubaccountTransfer("a", "t3", 0, 3, 100))
    assert refused == (400, "bad_request", unknown.format("to_subaccount"))
    assert refusal(move, ApplySubaccountTransfer("a", "t4", 3, 0, 100))[2] == unknown.format("from_subaccount")
    said = unknown.format("subaccount_number")
    assert refusal(netting, UpdateSubaccountNetting("a", 3, True)) == (400, "bad_request", said)
    # another account's subaccounts are its own: b created none
    assert refusal(move, ApplySubaccountTransfer("b", "t5", 0, 1, 100))[2] == (
        "to_subaccount 1 is not a subaccount of 'b' (create it first)"
    )


def test_a_debit_from_cash_never_held_is_refused_and_a_credit_past_the_bound_too(ledger: Ledger) -> None:
    transfer = ledger.subaccounts.instance_transfer
    never = IntraExchangeInstanceTransfer("a", CONTRACTS, MARGINED, 100, source_exchange_shard=3)  # (no cash there)
    assert refusal(transfer, never) == (400, "insufficient_balance", "insufficient balance")
    account = ledger.state.accounts["a"]
    account.cash[(1, 0)] = int(MAX_BALANCE) * DOLLAR  # at its bound
    before = dict(account.cash)
    status, _, words = refusal(ledger.subaccounts.subaccount_transfer, ApplySubaccountTransfer("a", "t", 0, 1, 1))
    assert status == 400 and words.startswith("this would take the cash of 'a' (subaccount 1) to ")
    assert account.cash == before  # (all or nothing)


def test_the_margined_instance_has_63_numbered_subaccounts(ledger: Ledger) -> None:
    create = ledger.subaccounts.create_margin_subaccount
    assert [create(CreateMarginSubaccount("a")) for _ in range(63)][-1] == 63
    said = "'a' has 63 numbered margin subaccounts, the most there may be"
    assert refusal(create, CreateMarginSubaccount("a")) == (400, "bad_request", said)


def test_an_instance_transfer_refuses_in_its_words(ledger: Ledger) -> None:
    transfer = ledger.subaccounts.instance_transfer
    cases = (
        ({"destination_subaccount": 1}, MARGINED, "subaccounts are only supported for event_contract to event_contract "
         "transfers"),
        ({"destination_subaccount": 1, "client_transfer_id": "c"}, CONTRACTS, "client_transfer_id is only supported "
         "for transfers of primary accounts"),
        ({}, CONTRACTS, "the source and the destination are the same"),
    )  # fmt: skip
    for terms, destination, said in cases:
        assert refusal(transfer, IntraExchangeInstanceTransfer("a", CONTRACTS, destination, 100, **terms)) == (
            400, "bad_request", said
        )  # fmt: skip


def test_a_client_transfer_id_is_taken_per_source_and_its_shard(ledger: Ledger) -> None:
    transfer = ledger.subaccounts.instance_transfer
    ledger.state.accounts["a"].cash[(0, 1)] = 10 * DOLLAR  # $10 on shard 1

    def moved(**terms: object) -> IntraExchangeInstanceTransfer:
        return IntraExchangeInstanceTransfer("a", CONTRACTS, MARGINED, 100, client_transfer_id="same", **terms)

    transfer(moved())
    said = "client_transfer_id 'same' was already accepted from this source"
    assert refusal(transfer, moved(destination_exchange_shard=2)) == (409, "conflict", said)  # (another destination)
    assert transfer(moved(source_exchange_shard=1)).source_exchange_shard == 1  # (another source shard: its own)


def test_the_margined_cash_may_be_emptied_to_the_micro_dollar_and_no_further(ledger: Ledger) -> None:
    transfer, margined = ledger.subaccounts.instance_transfer, ledger.subaccounts.margined_balance
    transfer(IntraExchangeInstanceTransfer("a", CONTRACTS, MARGINED, 2_500))  # $2.50
    back = transfer(IntraExchangeInstanceTransfer("a", MARGINED, CONTRACTS, 2_500))  # all of it
    assert (back.status, margined("a")) == ("complete", 0)
    said = (400, "insufficient_balance", "insufficient balance")
    assert refusal(transfer, IntraExchangeInstanceTransfer("a", MARGINED, CONTRACTS, 1)) == said


def test_a_client_transfer_id_used_again_with_other_terms_is_a_conflict(ledger: Ledger) -> None:
    assert _move(ledger, "same", 0, 1, 100) == (0, 1)
    assert _move(ledger, "same", 0, 1, 100) == (0, 1)  # the same terms: the transfer made
    said = (409, "conflict", "client_transfer_id 'same' was used for another transfer")
    assert refusal(ledger.subaccounts.subaccount_transfer, ApplySubaccountTransfer("a", "same", 0, 2, 100)) == said


def test_a_forgotten_transfers_client_id_is_free_again(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subaccounts, "MAX_KEPT_TRANSFERS", 2)  # an account keeps its latest two
    _move(ledger, "first", 0, 1, 100)
    _move(ledger, "second", 0, 1, 100)
    _move(ledger, "third", 0, 1, 100)  # the first is forgotten
    assert _move(ledger, "first", 0, 2, 100) == (0, 2)  # other terms, taken as new
    said = (409, "conflict", "client_transfer_id 'third' was used for another transfer")
    assert refusal(ledger.subaccounts.subaccount_transfer, ApplySubaccountTransfer("a", "third", 0, 2, 100)) == said


def test_an_allocations_percentages_total_100(ledger: Ledger) -> None:
    allocate = ledger.subaccounts.set_target_balance_allocation
    said = (400, "bad_request", "allocations' percentages must total 100")
    assert refusal(allocate, SetTargetBalanceAllocation("a", ((0, 60), (1, 30)))) == said
