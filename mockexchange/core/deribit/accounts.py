"""Deribit's accounts on the exchange: opening one and adding its subaccounts, finding a wallet (by its holder and
integer id, or by its username), and what the holder changes of its subaccounts: their names, their website login, and
the setting that lets a wallet send to other users."""

from __future__ import annotations

import re
from decimal import Decimal

from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID, MAX_CASH, MAX_SUBACCOUNTS, ZERO, ExchangeError, bounded
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.wallets import DeribitAccount, Wallet

# The mock's rule for a username (Deribit states none): letters, digits, `_`, `-` and `.`, 1 to 64 of them.
USERNAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class Accounts:
    """The exchange's accounts, each a main wallet and its subaccounts."""

    def __init__(self, state: ExchangeState) -> None:
        self.state = state

    def open_account(
        self,
        user_id: str,
        *,
        account_id: int | None = None,
        username: str | None = None,
        balances: dict[str, Decimal] | None = None,
    ) -> DeribitAccount:
        if not isinstance(user_id, str) or not user_id.strip():
            raise ExchangeError("user_id must be a non-empty string")
        state = self.state
        with state.lock:
            if user_id in state.accounts:
                raise ExchangeError(f"account {user_id!r} already exists", status=409)
            wallet = self._new_wallet(user_id, account_id, username or user_id, balances)
            account = DeribitAccount(user_id, wallet)
            state.accounts[user_id] = account
            state.publish("account", user_id, account)
            return account

    def add_subaccount(
        self,
        user_id: str,
        *,
        subaccount_id: int | None = None,
        username: str | None = None,
        balances: dict[str, Decimal] | None = None,
    ) -> Wallet:
        with self.state.lock:
            account = self.account(user_id)
            if len(account.subaccounts) >= MAX_SUBACCOUNTS:
                raise ExchangeError(
                    f"{user_id!r} has {MAX_SUBACCOUNTS} subaccounts, the most the mock keeps", status=409,
                    reason="too_many_subaccounts",
                )  # fmt: skip
            name = username
            number = len(account.subaccounts) + 1
            while name is None or (username is None and self._username_taken(name)):
                name, number = f"{account.main.username}_{number}", number + 1
            wallet = self._new_wallet(user_id, subaccount_id, name, balances)
            account.subaccounts[wallet.id] = wallet
            self.state.publish("subaccount", user_id, wallet)
            return wallet

    def _new_wallet(
        self, user_id: str, wallet_id: int | None, username: str, balances: dict[str, Decimal] | None
    ) -> Wallet:
        owners = self.state.wallet_owner
        if wallet_id is None:
            wallet_id = self.state.draw_wallet_id()
            while wallet_id in owners:
                wallet_id = self.state.draw_wallet_id()
        elif isinstance(wallet_id, bool) or not isinstance(wallet_id, int) or not 0 < wallet_id <= MAX_ACCOUNT_ID:
            raise ExchangeError(f"account ids are integers from 1 to {MAX_ACCOUNT_ID}")
        elif wallet_id in owners:
            raise ExchangeError(f"account id {wallet_id} is taken", status=409)
        for currency, amount in (balances or {}).items():
            bounded(amount, f"balances.{currency}", ZERO, MAX_CASH)
        owners[wallet_id] = user_id
        return Wallet(wallet_id, username, self.state.clock.now(), dict(balances or {}))

    def all(self) -> list[DeribitAccount]:
        """Every account, in the order they were opened (a read: the inspector's list)."""
        with self.state.lock:
            return list(self.state.accounts.values())

    def account(self, user_id: str) -> DeribitAccount:
        account = self.state.accounts.get(user_id)
        if account is None:
            raise ExchangeError(f"unknown user_id {user_id!r}", status=404)
        return account

    def wallet(self, user_id: str, subaccount_id: int | None = None) -> Wallet:
        """The main account's wallet, or one of its subaccounts' (by integer id)."""
        account = self.account(user_id)
        if subaccount_id is None or subaccount_id == account.main.id:
            return account.main
        return self._subaccount(user_id, subaccount_id)

    def wallet_by_username(self, username: str) -> tuple[str, Wallet]:
        """(the user who holds it, the wallet) of the main account or subaccount named `username`; 404
        (`user_not_found`) when none is."""
        with self.state.lock:
            for account in self.state.accounts.values():
                for wallet in account.wallets():
                    if wallet.username == username:
                        return account.user_id, wallet
        raise ExchangeError(f"no account is named {username[:64]!r}", status=404, reason="user_not_found")

    def username_of(self, wallet_id: int) -> str:
        """The username of any wallet by its id (the other side of a transfer); its id as text once unknown."""
        owner = self.state.wallet_owner.get(wallet_id)
        account = self.state.accounts.get(owner) if owner is not None else None
        if account is not None:
            for wallet in account.wallets():
                if wallet.id == wallet_id:
                    return wallet.username
        return str(wallet_id)

    def _username_taken(self, username: str) -> bool:
        return any(w.username == username for account in self.state.accounts.values() for w in account.wallets())

    def _subaccount(self, user_id: str, subaccount_id: int) -> Wallet:
        account = self.account(user_id)
        wallet = account.subaccounts.get(subaccount_id)
        if wallet is None:
            raise ExchangeError(f"{user_id!r} has no subaccount {subaccount_id}", status=404)
        return wallet

    def rename_subaccount(self, user_id: str, subaccount_id: int, username: str) -> Wallet:
        """Give the subaccount a new username: one no other account holds (`wrong_subaccount_name` otherwise)."""
        if not isinstance(username, str) or USERNAME.fullmatch(username) is None:
            raise ExchangeError(
                "a username is 1 to 64 letters, digits, '_', '-' or '.'", reason="wrong_subaccount_name"
            )
        with self.state.lock:
            wallet = self._subaccount(user_id, subaccount_id)
            if wallet.username != username and self._username_taken(username):
                raise ExchangeError(f"the username {username!r} is taken", status=409, reason="wrong_subaccount_name")
            wallet.username = username
            self.state.publish("subaccount", user_id, wallet)
            return wallet

    def set_subaccount_login(self, user_id: str, subaccount_id: int, enabled: bool) -> Wallet:
        """Enable or disable the subaccount's website login (the mock has no website: the flag is what it keeps)."""
        with self.state.lock:
            wallet = self._subaccount(user_id, subaccount_id)
            wallet.login_enabled = bool(enabled)
            self.state.publish("subaccount", user_id, wallet)
            return wallet

    def set_interuser_transfers(self, user_id: str, enabled: bool, subaccount_id: int | None = None) -> Wallet:
        """Allow or forbid the wallet (the main account, or a subaccount) to send to other users (Deribit's
        `interuser_transfers_enabled`, shown by its account summary)."""
        return self._set_flag(user_id, subaccount_id, "interuser_transfers_enabled", enabled)

    def set_cancel_on_disconnect(self, user_id: str, enabled: bool, subaccount_id: int | None = None) -> Wallet:
        """Turn the wallet's cancel on disconnect (its account scope) on or off."""
        return self._set_flag(user_id, subaccount_id, "cancel_on_disconnect", enabled)

    def _set_flag(self, user_id: str, subaccount_id: int | None, flag: str, enabled: bool) -> Wallet:
        with self.state.lock:
            wallet = self.wallet(user_id, subaccount_id)
            setattr(wallet, flag, bool(enabled))
            self.state.publish("subaccount", user_id, wallet)
            return wallet
