"""What the Deribit exchange keeps: each listing's prices, trades, cash moves, wallet transfers, deliveries, each
position's state (the fills' result, not its valuation) and the platform's announcements.
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
    timestamp: datetime  # when it was set, from the exchange's clock


@dataclass(frozen=True, slots=True)
class DeribitFill:
    """One side of a trade: `amount` (USD for inverse futures, the coin otherwise) bought or sold at `price` for the
    user's (sub)account, its `fee` in the settlement currency; the order that traded (`order_id`, its `order_type` and
    `label`, which the trade carries; none: a seeded fill) and its `liquidity`, T(aker) or M(aker)."""

    user_id: str
    instrument_name: str
    direction: str
    amount: Decimal
    price: Decimal
    subaccount_id: int | None = None
    fee: Decimal = Decimal(0)
    order_id: str | None = None
    liquidity: str = "T"
    order_type: str = "limit"
    label: str = ""


@dataclass(frozen=True, slots=True)
class DeribitTrade:
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
    liquidity: str = "T"  # M: its order rested (the maker), T: its order took (a seeded fill is the taker's)
    order_type: str = "limit"  # the type of the order that traded
    label: str = ""  # the label of the order that traded ("": none; Deribit shows it only when the order had one)
    # Deribit's tick: 0 above the instrument's previous trade's price (or its first trade), 2 below it; at the same
    # price 1 after a rise, 3 after a fall (both sides of a match carry the taker's)
    tick_direction: int = 0


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
    nonce: str | None = None  # a client's withdrawal: its idempotency nonce (Deribit's `nonce`), if it gave one


@dataclass(frozen=True, slots=True)
class WalletTransfer:
    """Cash moved between two wallets: of one account (its main account and a subaccount, or two subaccounts; Deribit's
    type `subaccount`), or to another user's account by its username (type `user`, `to_user_id` the receiver)."""

    id: int
    user_id: str
    from_account: int
    to_account: int
    currency: str
    amount: Decimal
    state: str
    created: datetime
    to_user_id: str | None = None  # a transfer to another user: who received it; None: within `user_id`'s account

    @property
    def type(self) -> str:
        return "subaccount" if self.to_user_id is None else "user"

    @property
    def receiver(self) -> str:
        return self.user_id if self.to_user_id is None else self.to_user_id


@dataclass(frozen=True, slots=True)
class DepositAddress:
    """An address a wallet receives a currency at (`private/create_deposit_address`); the newest is its current one."""

    address: str
    currency: str
    account_id: int
    created: datetime


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One move of a wallet's cash balance in one currency (`private/get_transaction_log`): a trade's premium, P&L and
    fee, a delivery, a deposit, a withdrawal (or its refund when cancelled), a transfer in or out. `change` is what
    moved, `balance` the balance after it; `details` what the entry's type adds (a trade's instrument and price, an
    address, the other side of a transfer), as (name, value) pairs."""

    id: int  # from 1, across every wallet, in the order the moves were made
    user_seq: int  # from 1, per wallet
    user_id: str
    account_id: int
    username: str
    currency: str
    type: str  # trade, delivery, deposit, withdrawal, transfer
    timestamp: datetime
    change: Decimal
    cashflow: Decimal
    commission: Decimal
    balance: Decimal
    details: tuple[tuple[str, object], ...] = ()


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
class InstrumentDelivery:
    """A future or option delivered at its expiry, every wallet's position in it together (the public settlements'
    `delivery`; `public/get_delivery_prices` reads its price by index and day)."""

    instrument_name: str
    price_index: str
    currency: str  # the settlement currency
    timestamp: datetime  # the instrument's expiration
    delivery_price: Decimal
    index_price: Decimal
    mark_price: Decimal  # as each wallet's `Delivery` has it
    position: Decimal  # the long side delivered (every wallet's positive sizes): the open interest at the expiry
    profit_loss: Decimal  # every wallet's realized by the delivery, together


@dataclass(frozen=True, slots=True)
class PositionState:
    """What the exchange stores for one (user, account, instrument): the fills' result, not its valuation."""

    user_id: str
    account_id: int
    instrument_name: str
    position: d.Position
    updated: datetime


@dataclass(frozen=True, slots=True)
class Announcement:
    """An announcement of the platform's (`public/get_announcements`), published at `published` by the exchange
    clock."""

    id: int  # from 1, in the order made
    title: str
    body: str
    important: bool
    confirmation: bool
    published: datetime


@dataclass(slots=True)
class _Listing:
    instrument: Instrument
    listed: datetime
    mark: Price | None = None  # set by a scenario; otherwise derived (index for futures, Black-76 for options)
    settlement_price: Price | None = None
    volatility: Decimal | None = None  # per instrument, over the currency's
    last_price: Decimal | None = None
    trade_seq: int = 0
    tick_direction: int = 0  # the last trade's (DeribitTrade's)
    delivered: bool = False  # expired and delivered (expire_due)
