"""What trading leaves behind: each side's fill (a user's record, with the P&L it realized) and the market's public
trade; a market's corporate action notice; what funding leaves: a market's rate of a period and an account's
payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mockexchange.core.perps.market_commands import SetPerpCorporateAction
from mockexchange.core.perps.orders import USER


@dataclass(frozen=True, slots=True)
class PerpFill:
    fill_id: str
    trade_id: str
    order_id: str
    user_id: str
    subaccount: int
    ticker: str
    side: str
    is_taker: bool
    count: int  # hundredths
    price: int  # price units
    entry_cost: int  # the position's entry price this fill's P&L is reckoned from: its cost (micro-dollars) ...
    entry_size: int  # ... over its size (hundredths), as positions.py keeps them
    fee: int  # micro-dollars
    realized_pnl: int  # micro-dollars
    created: datetime
    seq: int
    source: str = USER  # its order's (orders.py)


@dataclass(frozen=True, slots=True)
class PerpTrade:
    trade_id: str
    ticker: str
    count: int
    price: int
    taker_side: str
    created: datetime
    seq: int
    open_interest: int = 0  # hundredths: the market's after it (its candles')


@dataclass(frozen=True, slots=True)
class PerpCorporateAction:
    """A notice: the command that last set it (its ticker, type, status, execution time and terms), its market's id
    and when it was set."""

    action_id: str
    market_id: str
    updated: datetime
    terms: SetPerpCorporateAction


@dataclass(frozen=True, slots=True)
class PerpClose:
    """One position a liquidation closed: its signed size, what the book took of it (count and value) and what the
    backstop took over at the liquidation mark."""

    ticker: str
    size: int  # hundredths, signed: the position as the liquidation found it
    book_count: int  # hundredths
    book_value: int  # micro-dollars
    backstop_count: int  # hundredths
    backstop_price: int  # price units: the liquidation mark


@dataclass(frozen=True, slots=True)
class PerpLiquidation:
    """A liquidation of an account (a user's subaccount): its equity and maintenance margin at the liquidation marks
    that set it off, the resting orders it cancelled, the positions it closed, and the deficit the insurance fund
    paid to bring its cash back to zero (who bore the loss)."""

    liquidation_id: str
    user_id: str
    subaccount: int
    created: datetime
    equity: int  # micro-dollars
    maintenance: int  # micro-dollars
    cancelled: tuple[str, ...]  # order ids
    closes: tuple[PerpClose, ...]
    deficit: int  # micro-dollars the insurance fund paid (0: none)


@dataclass(frozen=True, slots=True)
class PerpFundingRate:
    """A market's funding at a funding time (MarginFundingRate): the period's rate (funding.py's units) and the
    settlement mark it was paid at (price units)."""

    ticker: str
    funded: datetime
    rate: int
    mark: int


@dataclass(frozen=True, slots=True)
class PerpFundingPayment:
    """What an account's position in a market was paid at a funding time (MarginFundingHistoryEntry): `amount`
    micro-dollars into its cash (below 0: paid), its size then (hundredths)."""

    user_id: str
    subaccount: int
    funding: PerpFundingRate
    size: int
    amount: int
