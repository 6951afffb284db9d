"""`Ledger.apply_fills` keeps the fees it works out across batches (issue 15); a fee kept is the fee `apply_fill`
works out, whatever the count's and price's exponents, the fee schedule's rates and the decimal context."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.new_fill import NewFill

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TERMS = [
    (Decimal(count), Decimal(price), taker)
    for count in ("3", "3.00", "3E+0", "0.07", "41")
    for price in ("0.52", "0.520", "0.4321", "0.07")
    for taker in (True, False)
]


def fees_both_ways(schedule: QuadraticFee) -> tuple[list[Decimal], list[Decimal]]:
    batch, single = (Ledger(ManualClock(T0), fee_schedule=schedule, ids=IdFactory(3)) for _ in range(2))
    answers: list[list[Decimal]] = []
    for ledger in (batch, single):
        ledger.open_account("u", balance=Decimal(1_000_000))
    fills = [NewFill("u", f"KXT-{i}", "yes", "buy", c, p, 0, taker) for i, (c, p, taker) in enumerate(TERMS)]
    answers.append([fill.fee for fill in batch.apply_fills(fills)])
    answers.append([single.apply_fill(**fill._asdict()).fee for fill in fills])
    return answers[0], answers[1]


def test_kept_fees_follow_the_schedule_and_the_exponents() -> None:
    seen = []
    for schedule in (QuadraticFee(), QuadraticFee(Decimal("0.035"), Decimal("0.0175")), QuadraticFee()):
        for _ in range(2):  # the second batch takes the fees kept by the first
            batch, single = fees_both_ways(schedule)
            assert [(str(f), f.as_tuple()) for f in batch] == [(str(f), f.as_tuple()) for f in single]
        seen.append(batch)
    assert seen[0] == seen[2] != seen[1]
    assert str(seen[0][0]) == "0.0525"  # 0.07 x 3 x 0.52 x 0.48 = 0.052416, up to the centi-cent
    assert {str(fee) for fee in seen[1]} - {str(fee) for fee in seen[0]}


def test_kept_fees_follow_the_context() -> None:
    """After a fee was kept under the default context, a batch under a precision of 3 digits fails as `apply_fill`
    does (41 contracts are 41.00 in hundredths: four digits) and applies nothing."""
    batch, single = fees_both_ways(QuadraticFee())
    assert batch == single
    for apply in ("apply_fills", "apply_fill"):
        ledger = Ledger(ManualClock(T0), ids=IdFactory(3))
        ledger.open_account("u", balance=Decimal(1_000_000))
        fill = NewFill("u", "KXT-0", "yes", "buy", Decimal("41"), Decimal("0.52"), 0, True)
        with decimal.localcontext() as context, pytest.raises(decimal.InvalidOperation):
            context.prec = 3
            if apply == "apply_fills":
                ledger.apply_fills([fill])
            else:
                ledger.apply_fill(**fill._asdict())
        assert len(ledger.fills) == 0
