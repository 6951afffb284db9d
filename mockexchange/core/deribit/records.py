"""What the derivatives book keeps: each listing's prices, trades, cash moves, wallet transfers, deliveries, and each
position's state (the fills' result, not its valuation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.instruments import Instrument


@dataclass(frozen=True, slots=True)
class Price:
    value: Decimal
    timestamp: datetime  # when it was set, from the book's clock


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    trade_seq: int  # per instrument, from 1
    order_id: str
    user_id: str
    account_id: int  # the wallet (main or subaccount) that traded
    instrument_name: str
    direction: str
    amount: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    timestamp: datetime
    index_price: Decimal | None
    mark_price: Decimal | None
    profit_loss: Decimal  # realized by this trade
    post_size: Decimal
    volatility: Decimal | None = None  # options: the implied volatility the option was marked with (0.5 = 50%)


@dataclass(frozen=True, slots=True)
class CashMove:
    """A deposit into or a withdrawal out of one wallet (the admin API's, the Python API's or a scenario's)."""

    id: int  # from 1, one sequence for deposits, withdrawals and transfers
    kind: str  # "deposit" or "withdrawal"
    user_id: str
    account_id: int
    currency: str
    amount: Decimal  # positive
    fee: Decimal  # withdrawals: charged on top of the amount; deposits: 0
    address: str
    transaction_id: str
    state: str
    created: datetime
    updated: datetime
    source_address: str | None = None  # deposits: the address the coins came from


@dataclass(frozen=True, slots=True)
class WalletTransfer:
    """Cash moved between two wallets of one account (its main account and a subaccount, or two subaccounts)."""

    id: int
    user_id: str
    from_account: int
    to_account: int
    currency: str
    amount: Decimal
    state: str
    created: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One wallet's position in a future or option delivered at its expiry (Deribit's settlement type `delivery`)."""

    user_id: str
    account_id: int
    instrument_name: str
    currency: str  # the settlement currency, whose balance moved
    timestamp: datetime  # the instrument's expiration
    position: Decimal  # the size delivered, signed
    delivery_price: Decimal
    index_price: Decimal
    mark_price: Decimal  # futures: the delivery price; options: the value paid per unit, in the option's price units
    profit_loss: Decimal  # realized by the delivery
    cash: Decimal  # what moved into (+) or out of (-) the balance


@dataclass(frozen=True, slots=True)
class PositionState:
    """What the book stores for one (user, account, instrument): the fills' result, not its valuation."""

    user_id: str
    account_id: int
    instrument_name: str
    position: d.Position
    updated: datetime


@dataclass(slots=True)
class _Listing:
    instrument: Instrument
    listed: datetime
    mark: Price | None = None  # set by a scenario; otherwise derived (index for futures, Black-76 for options)
    settlement_price: Price | None = None
    volatility: Decimal | None = None  # per instrument, over the currency's
    last_price: Decimal | None = None
    trade_seq: int = 0
    delivered: bool = False  # expired and delivered (expire_due)
