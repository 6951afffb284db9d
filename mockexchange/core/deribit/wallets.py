"""Deribit accounts: the main account and its subaccounts, each a wallet of balances per currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit.bounds import MAX_BALANCE, ZERO, ExchangeError
from mockexchange.core.money import plain


@dataclass(slots=True)
class Wallet:
    """One Deribit account, main or sub: balances per currency."""

    id: int
    username: str
    created: datetime  # when it was opened, on the exchange's clock
    balances: dict[str, Decimal] = field(default_factory=dict)
    fees_paid: dict[str, Decimal] = field(default_factory=dict)
    login_enabled: bool = False  # Deribit's website login (a subaccount's, `private/toggle_subaccount_login`)
    # May it send to other users (`private/submit_transfer_to_user`)? Deribit's account setting; the mock's default is
    # yes, as its users transfer to each other (the control plane's `set_deribit_interuser_transfers` turns it off).
    interuser_transfers_enabled: bool = True
    # Cancel on disconnect, the account's setting (`private/enable_cancel_on_disconnect`, `scope` `account`): a
    # websocket connection of the wallet's keys that sets none of its own takes it
    # (venues/deribit/cancel_on_disconnect.py).
    cancel_on_disconnect: bool = False

    def balance(self, currency: str) -> Decimal:
        return self.balances.get(currency, ZERO)


@dataclass(slots=True)
class DeribitAccount:
    user_id: str  # who holds the keys (the auth registry's user)
    main: Wallet
    subaccounts: dict[int, Wallet] = field(default_factory=dict)

    def wallets(self) -> list[Wallet]:
        return [self.main, *self.subaccounts.values()]


def _balance_after(wallet: Wallet, currency: str, amount: Decimal, status: int = 400) -> Decimal:
    """The wallet's balance once `amount` moves in; refused past `MAX_BALANCE` either way (`status`), nothing moved."""
    balance = wallet.balance(currency) + amount
    if abs(balance) > MAX_BALANCE:
        raise ExchangeError(
            f"this would take the {currency} balance of account {wallet.id} to {plain(balance)}; a balance "
            f"stays within -{MAX_BALANCE} to {MAX_BALANCE}",
            status=status,
        )
    return balance
