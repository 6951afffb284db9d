"""The addresses each wallet receives each currency at: made by `private/create_deposit_address`, the newest the
wallet's current one (`private/get_current_deposit_address`), which a deposit with no address of its own arrives at.
Deterministic stand-ins for a chain's addresses (`mock-btc-1001`, `mock-btc-1001-2`), so a replayed command makes the
same."""

from __future__ import annotations

from mockexchange.core.deribit.accounts import Accounts
from mockexchange.core.deribit.bounds import MAX_DEPOSIT_ADDRESSES, ExchangeError
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.records import DepositAddress


class DepositAddresses:
    """The exchange's deposit addresses, each of one of its wallets."""

    def __init__(self, state: ExchangeState, accounts: Accounts) -> None:
        self.state = state
        self.accounts = accounts

    def create_deposit_address(self, user_id: str, currency: str, subaccount_id: int | None = None) -> DepositAddress:
        with self.state.lock:
            wallet = self.accounts.wallet(user_id, subaccount_id)
            made = self.state.deposit_addresses.setdefault((wallet.id, currency), [])
            if len(made) >= MAX_DEPOSIT_ADDRESSES:
                raise ExchangeError(
                    f"account {wallet.id} has {len(made)} {currency} deposit addresses, the most the mock keeps",
                    status=409,
                    reason="max_addr_count_exceeded",
                )
            base = f"mock-{currency.lower()}-{wallet.id}"
            address = DepositAddress(
                base if not made else f"{base}-{len(made) + 1}", currency, wallet.id, self.state.clock.now()
            )
            made.append(address)
            self.state.publish("deposit_address", user_id, address)
            return address

    def current_deposit_address(self, wallet_id: int, currency: str) -> str | None:
        made = self.state.deposit_addresses.get((wallet_id, currency))
        return made[-1].address if made else None

    def deposit_address(self, user_id: str, currency: str, subaccount_id: int | None = None) -> DepositAddress | None:
        """The wallet's current address for `currency`; None until one is made."""
        with self.state.lock:
            wallet = self.accounts.wallet(user_id, subaccount_id)
            made = self.state.deposit_addresses.get((wallet.id, currency))
            return made[-1] if made else None
