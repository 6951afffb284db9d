"""What the exchange's reads answer, valued at the current marks: a position (`PositionView`) and a wallet's summary in
one currency (`AccountSummary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit.bounds import ZERO


@dataclass(frozen=True, slots=True)
class PositionView:
    """A position valued at the current marks, in Deribit's terms; None where the field does not apply to the kind."""

    user_id: str
    account_id: int
    instrument_name: str
    kind: str
    size: Decimal
    direction: str
    average_price: Decimal
    mark_price: Decimal
    index_price: Decimal
    settlement_price: Decimal | None
    floating_profit_loss: Decimal
    realized_profit_loss: Decimal
    total_profit_loss: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    open_orders_margin: Decimal
    delta: Decimal
    size_currency: Decimal | None  # futures
    leverage: int | None  # futures
    realized_funding: Decimal | None  # perpetuals (no funding in the mock: 0)
    interest_value: Decimal | None  # perpetuals (0)
    gamma: Decimal | None  # options, and the rest below
    vega: Decimal | None
    theta: Decimal | None
    average_price_usd: Decimal | None
    floating_profit_loss_usd: Decimal | None
    updated: datetime
    # Futures: the mock's simple margin model (`derivatives.estimated_liquidation_price`); 0 when flat. None: options.
    estimated_liquidation_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """Per currency, for one wallet: only the figures the mock computes honestly (docs/deribit.md)."""

    currency: str
    account_id: int
    balance: Decimal
    equity: Decimal
    margin_balance: Decimal
    available_funds: Decimal
    available_withdrawal_funds: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    total_pl: Decimal
    futures_pl: Decimal
    options_pl: Decimal
    options_value: Decimal
    options_delta: Decimal
    options_gamma: Decimal
    options_vega: Decimal
    options_theta: Decimal
    delta_total: Decimal
    delta_total_map: dict[str, Decimal]
    fees_paid: Decimal
    # The options' greeks per price index (`btc_usd`): only indexes the wallet holds options on; {} when none.
    options_gamma_map: dict[str, Decimal] = field(default_factory=dict)
    options_vega_map: dict[str, Decimal] = field(default_factory=dict)
    options_theta_map: dict[str, Decimal] = field(default_factory=dict)
    account_type: str = "main"  # or "subaccount": the wallet's
    # How far the futures' marks may move, as a factor, before the wallet meets its maintenance margin: all of the
    # currency's together, and per price index (every index the summary's deltas name; 0 with no future open on it).
    estimated_liquidation_ratio: Decimal = ZERO
    estimated_liquidation_ratio_map: dict[str, Decimal] = field(default_factory=dict)
