"""Kalshi's intra-exchange instance transfers, rule by rule, in the ledger (core/kalshi/subaccounts.py): a pending
transfer leaves its source once and lands when completed, once; what a record keeps of its ends; a transfer between
subaccounts of one shard moves whole cents at once or is refused; a client transfer id is taken once per source and
free again when the account's kept transfers drop it; an unknown transfer's completion."""

from __future__ import annotations

import pytest
from kalshi_commands import refusal
from test_kalshi_orders_core import new_ledger

from mockexchange.core.kalshi import subaccounts
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.subaccount_commands import (
    INSTANCES,
    CompleteInstanceTransfer,
    CreateSubaccount,
    IntraExchangeInstanceTransfer,
)

CONTRACTS, MARGINED = INSTANCES  # (the exchange instances)


@pytest.fixture(name="ledger")
def a_ledger() -> Ledger:
    ledger = new_ledger("a", cents=10_000)  # $100 in subaccount 0, shard 0
    ledger.subaccounts.create_subaccount(CreateSubaccount("a"))
    return ledger


def _cash(ledger: Ledger, subaccount: int = 0, shard: int = 0) -> int:
    """micro-dollars"""
    return ledger.state.accounts["a"].cash.get((subaccount, shard), 0)


def _move(ledger: Ledger, **terms):
    return ledger.subaccounts.instance_transfer(IntraExchangeInstanceTransfer("a", **terms))


def test_a_pending_transfer_leaves_its_source_once_and_lands_once_completed(ledger: Ledger) -> None:
    margined = ledger.subaccounts.margined_balance
    made = _move(ledger, source=CONTRACTS, destination=MARGINED, amount=250_000, status="pending")  # $25
    assert (_cash(ledger), margined("a"), made.status) == (75_000_000, 0, "pending")
    done = ledger.subaccounts.complete_instance_transfer(CompleteInstanceTransfer(made.transfer_id))
    assert (_cash(ledger), margined("a"), done.status) == (75_000_000, 25_000_000, "complete")
    ledger.subaccounts.complete_instance_transfer(CompleteInstanceTransfer(made.transfer_id))  # complete already
    assert (_cash(ledger), margined("a")) == (75_000_000, 25_000_000)
    back = _move(ledger, source=MARGINED, destination=CONTRACTS, amount=50_000, destination_exchange_shard=2)
    assert (margined("a"), _cash(ledger, 0, 2), back.status) == (20_000_000, 5_000_000, "complete")
    assert refusal(ledger.subaccounts.complete_instance_transfer, CompleteInstanceTransfer("nope")) == (
        404, "not_found", "unknown transfer 'nope'"
    )  # fmt: skip


def test_a_transfer_between_subaccounts_of_one_shard_moves_whole_cents_at_once(ledger: Ledger) -> None:
    made = _move(ledger, source=CONTRACTS, destination=CONTRACTS, amount=1_200, destination_subaccount=1)  # 12 cents
    assert (made.source_subaccount, made.destination_subaccount, made.amount) == (0, 1, 1_200)
    assert (_cash(ledger), _cash(ledger, 1)) == (99_880_000, 120_000)
    said = "a transfer between subaccounts of one shard moves whole cents and completes at once"
    for terms in ({"amount": 1_250}, {"amount": 1_200, "status": "pending"}):
        assert refusal(
            _move,
            ledger,
            **{
                "source": CONTRACTS,
                "destination": CONTRACTS,
                "source_subaccount": 1,
                "destination_subaccount": 0,
                **terms,
            },
        ) == (400, "bad_request", said)
    moved = _move(ledger, source=CONTRACTS, destination=CONTRACTS, amount=1_050, source_subaccount=1,
                  destination_exchange_shard=1)  # another shard: centi-cents, as any instance transfer  # fmt: skip
    assert (moved.source_subaccount, _cash(ledger, 1), _cash(ledger, 0, 1)) == (1, 15_000, 105_000)


def test_a_client_transfer_id_is_taken_once_a_source_until_the_transfer_is_forgotten(ledger: Ledger, monkeypatch):
    monkeypatch.setattr(subaccounts, "MAX_KEPT_TRANSFERS", 2)
    terms = {"source": CONTRACTS, "destination": MARGINED, "amount": 100}
    _move(ledger, source=CONTRACTS, destination=CONTRACTS, amount=10_000, destination_exchange_shard=1)
    first = _move(ledger, **terms, client_transfer_id="c1")
    assert refusal(_move, ledger, **terms, client_transfer_id="c1") == (
        409, "conflict", "client_transfer_id 'c1' was already accepted from this source"
    )  # fmt: skip
    _move(ledger, **terms, client_transfer_id="c1", source_exchange_shard=1, destination_exchange_shard=1)
    _move(ledger, **terms)  # the account keeps its last two: it forgets the first
    assert first.transfer_id not in ledger.state.subaccount_state.instance_by_id
    _move(ledger, **terms, client_transfer_id="c1")  # free again on that source
