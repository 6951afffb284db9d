"""How many contracts a quote offers on each side (communications.py): an RFQ sized by contracts offers its count on
both sides; one sized by a target cost offers, on each side quoted, the largest count (hundredths) whose cost to the
RFQ's creator (the count at a dollar less that side's bid, plus the creator's taker fee unless the target excludes
fees) is within the target; 0 on a side not quoted.
"""

from __future__ import annotations

from mockexchange.core.kalshi.fees import FeeRule
from mockexchange.core.kalshi.rfq_records import Rfq
from mockexchange.core.kalshi.units import CONTRACT, PRICE
from mockexchange.core.money import MAX_COUNT

_MOST_COUNT = int(MAX_COUNT) * CONTRACT


def side_counts(rfq: Rfq, yes_bid: int, no_bid: int, rule: FeeRule) -> tuple[int, int]:
    """The hundredths offered if YES is accepted, and if NO is."""
    if rfq.contracts is not None:
        return rfq.contracts, rfq.contracts
    target = rfq.target_cost
    assert target is not None  # (an RFQ is sized by one of the two: CreateRfq.check)
    fees = not rfq.target_cost_excludes_fees
    return count_within(target, yes_bid, rule, fees), count_within(target, no_bid, rule, fees)


def count_within(target: int, bid: int, rule: FeeRule, fees: bool) -> int:
    """The most hundredths whose cost to the RFQ's creator at a dollar less `bid` (price units), with its taker fee if
    `fees`, is within `target` micro-dollars (a count of hundredths at a price costs count x price micro-dollars);
    0 for a side not quoted."""
    if not bid:
        return 0
    paid = PRICE - bid
    low, high = 0, min(target // paid, _MOST_COUNT)
    while low < high:  # (the cost grows with the count: the largest within, by halves)
        middle = (low + high + 1) // 2
        if middle * paid + (rule.fee_units(middle, paid, True) if fees else 0) <= target:
            low = middle
        else:
            high = middle - 1
    return low
