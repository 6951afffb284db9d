"""The fees `ledger.filling.apply_fills` works out are the fees `apply_fill` works out, whatever the count's and price's
exponents and the fee schedule's rates; neither reads the thread's decimal context (the fee is worked out in integers,
core/kalshi/fees.py)."""

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
    answers.append([fill.fee for fill in batch.filling.apply_fills(fills)])
    answers.append([single.filling.apply_fill(**fill._asdict()).fee for fill in fills])
    return answers[0], answers[1]


def test_batch_fees_follow_the_schedule_and_the_exponents() -> None:
    seen = []
    for schedule in (QuadraticFee(), QuadraticFee(Decimal("0.035"), Decimal("0.0175")), QuadraticFee()):
        for _ in range(2):
            batch, single = fees_both_ways(schedule)
            assert [(str(f), f.as_tuple()) for f in batch] == [(str(f), f.as_tuple()) for f in single]
        seen.append(batch)
    assert seen[0] == seen[2] != seen[1]
    assert str(seen[0][0]) == "0.052500"  # 0.07 x 3 x 0.52 x 0.48 = 0.052416, up to the centi-cent, 6 places
    assert {str(fee) for fee in seen[1]} - {str(fee) for fee in seen[0]}


def test_fees_do_not_read_the_decimal_context() -> None:
    """Under a precision of 3 digits (41 contracts at 0.52 would need more), both ways make the fill with the fee the
    default context gives."""
    batch, single = fees_both_ways(QuadraticFee())
    assert batch == single
    for apply in ("apply_fills", "apply_fill"):
        ledger = Ledger(ManualClock(T0), ids=IdFactory(3))
        ledger.open_account("u", balance=Decimal(1_000_000))
        fill = NewFill("u", "KXT-0", "yes", "buy", Decimal("41"), Decimal("0.52"), 0, True)
        with decimal.localcontext() as context:
            context.prec = 3
            made = (
                ledger.filling.apply_fills([fill])[0]
                if apply == "apply_fills"
                else ledger.filling.apply_fill(**fill._asdict())
            )
        assert str(made.fee) == "0.716400"  # 0.07 x 41 x 0.52 x 0.48 = 0.716352, up to the centi-cent
        assert ledger.state.positions.get("u", 0, "KXT-0").market_exposure == Decimal("21.32")


def test_an_event_not_listed_yet_pays_its_series_schedule_as_it_is_now() -> None:
    """A batch checks its fills' fees before it lists their events, and the catalogue keeps the schedule of an event
    not listed yet for the next fill that asks: a series' fee change, or a series set after that, is what the next
    fill in that event pays (a refused batch asked and listed nothing)."""
    from mockexchange.core.kalshi.checks import LedgerError
    from mockexchange.core.kalshi.market_commands import SetSeries
    from mockexchange.core.kalshi.units import dollars

    ledger = Ledger(ManualClock(T0), ids=IdFactory(3))
    ledger.open_account("u", balance=Decimal(1_000_000))
    fill = NewFill("u", "KXS-E1-T1", "yes", "buy", Decimal("3"), Decimal("0.52"), 0, True)
    refused = NewFill("u", "KXS-E1-T2", "maybe", "buy", Decimal("3"), Decimal("0.52"), 0, True)
    fees = []
    for fee_type in (None, "flat", "quadratic"):
        if fee_type is not None:
            ledger.catalogue.put_series(SetSeries("KXS", fee_type=fee_type, fee_multiplier=Decimal(2)))
        with pytest.raises(LedgerError, match="side"):
            ledger.filling.apply_fills([fill, refused])
        assert "KXS-E1" not in ledger.state.events
        fees.append(dollars(ledger.catalogue.fee_rule_for("KXS-E1-T3", None).fee_units(300, 5200, True)))
    assert [str(fee) for fee in fees] == ["0.052500", "0.060000", "0.104900"]
    assert ledger.filling.apply_fill(**fill._asdict()).fee == fees[-1]


def test_a_batch_pays_its_markets_series_schedule_and_that_of_the_event_a_fill_names() -> None:
    """Two fills in a batch, each in an event of a series with a flat schedule: one by its ticker's event, one in a
    market whose ticker is of no series but whose fill names an event of it. Each pays the series' fee."""
    from mockexchange.core.kalshi.market_commands import SetSeries

    ledger = Ledger(ManualClock(T0), ids=IdFactory(3))
    ledger.open_account("u", balance=Decimal(1_000_000))
    ledger.catalogue.put_series(SetSeries("KXS", fee_type="flat", fee_multiplier=Decimal(2)))
    fills = [
        NewFill("u", "KXS-E1-T1", "yes", "buy", Decimal(3), Decimal("0.52"), 0, True),
        NewFill("u", "ODD-T1", "yes", "buy", Decimal(3), Decimal("0.52"), 0, True, "KXS-E2"),
    ]
    assert [str(fill.fee) for fill in ledger.filling.apply_fills(fills)] == ["0.060000", "0.060000"]
