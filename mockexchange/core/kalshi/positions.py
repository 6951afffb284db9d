"""Position arithmetic: what one fill, or a market's settlement, does to one market position row. The one place it is
written; the single fill, the batch, the batch's checks, settlement and the admin P&L view all call it.

A row is six integers (`Cells`, in units.py's units): position and volume in hundredths of a contract, market
exposure, total traded, realized P&L and fees paid in micro-dollars. A position is one signed count: positive holds
YES, negative holds NO (the two sides net, as `position_fp` reports them). A fill is put in YES terms:

    buy YES  c at p  ->  +c at YES price p          sell YES c at p  ->  -c at YES price p
    buy NO   c at q  ->  -c at YES price 1 - q      sell NO  c at q  ->  +c at YES price 1 - q

Every fill buys one side: selling YES at p buys NO at 1 - p. The price of the side bought is the price paid for the
contracts the fill opens; the other side's price is what the contracts it closes receive.

- Reducing the side held: the fill receives the held side's price per contract closed; the basis released is the
  average cost of the contracts closed, exposure x closed / held rounded half even to the micro-dollar (the whole
  exposure when the position closes); realized P&L grows by proceeds minus the basis released.
- Opening or adding: the fill pays the price of the side bought per contract; exposure grows by what it paid.
- A fill larger than the position closes it and opens the rest on the other side.
- `total_traded` grows by count x the price of the side bought, volume by the count, fees paid by the fee.
- Settlement pays a dollar per winning contract; the position keeps its count, its exposure is paid out or lost
  (realized P&L grows by payout - exposure) and becomes zero.

So for every sequence of fills: the cash trading moved (fees apart) = realized P&L - exposure, and the position is
the signed sum of the YES-term counts. Fees are apart from realized P&L (`fees_paid`).
"""

from __future__ import annotations

from mockexchange.core.kalshi.units import PAYOUT, PRICE, half_even

Cells = tuple[int, int, int, int, int, int]  # position, market_exposure, total_traded, realized_pnl, fees_paid, volume
ZERO_CELLS: Cells = (0, 0, 0, 0, 0, 0)
SIDES = ("yes", "no")
ACTIONS = ("buy", "sell")


def buys_yes(side: str, action: str) -> bool:
    """Whether a fill of `side` and `action` buys YES (buying YES, or selling NO)."""
    return (side == "yes") == (action == "buy")


def yes_price(side: str, price: int) -> int:
    """The YES price of a fill at `side`'s `price` (price units)."""
    return price if side == "yes" else PRICE - price


def price_paid(action: str, price: int) -> int:
    """The price of the side a fill buys, per contract (price units): its own price if it buys, the other side's if
    it sells."""
    return price if action == "buy" else PRICE - price


def fill(row: Cells, buys: bool, count: int, paid: int, fee: int) -> tuple[Cells, int]:
    """The row after a fill of `count` hundredths buying YES (`buys`) or NO at `paid` (price units) for the side bought,
    paying `fee` (micro-dollars); and the cash the fill moves, micro-dollars (+ received, - paid), its fee included."""
    position, exposure, traded, realized, fees, volume = row
    cash = -fee
    opened = count
    if position and (position > 0) != buys:  # reduces the side held: each contract closed receives its price
        held = position if position > 0 else -position
        closed = held if count >= held else count
        proceeds = closed * (PRICE - paid)
        released = exposure if closed == held else half_even(exposure * closed, held)
        realized += proceeds - released
        exposure -= released
        position += closed if position < 0 else -closed
        cash += proceeds
        opened = count - closed
    if opened:
        cost = opened * paid
        exposure += cost
        cash -= cost
        position += opened if buys else -opened
    return (position, exposure, traded + count * paid, realized, fees + fee, volume + count), cash


def settle(row: Cells, result: str) -> tuple[Cells, int]:
    """The row after its market settles to `result` ("yes" or "no"), and the payout (micro-dollars)."""
    position, exposure, traded, realized, fees, volume = row
    wins = position > 0 if result == "yes" else position < 0
    payout = abs(position) * PAYOUT if wins else 0
    return (position, 0, traded, realized + payout - exposure, fees, volume), payout
