"""What a Deribit account's holder changes of its subaccounts: their names and their website login; the setting that
lets a wallet send to other users; and finding a wallet by its username (what a transfer to another user names)."""

from __future__ import annotations

import re

from mockexchange.core.deribit.bounds import BookError
from mockexchange.core.deribit.wallets import Wallet

# The mock's rule for a username (Deribit states none): letters, digits, `_`, `-` and `.`, 1 to 64 of them.
USERNAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class Subaccounts:
    """A part of `DerivativesBook`, whose accounts they change."""

    def wallet_by_username(self, username: str) -> tuple[str, Wallet]:
        """(the user who holds it, the wallet) of the main account or subaccount named `username`; 404
        (`user_not_found`) when none is."""
        with self.lock:
            for account in self._accounts.values():
                for wallet in account.wallets():
                    if wallet.username == username:
                        return account.user_id, wallet
        raise BookError(f"no account is named {username[:64]!r}", status=404, reason="user_not_found")

    def username_of(self, wallet_id: int) -> str:
        """The username of any wallet by its id (the other side of a transfer); its id as text once unknown."""
        owner = self._wallet_owner.get(wallet_id)
        account = self._accounts.get(owner) if owner is not None else None
        if account is not None:
            for wallet in account.wallets():
                if wallet.id == wallet_id:
                    return wallet.username
        return str(wallet_id)

    def _username_taken(self, username: str) -> bool:
        return any(w.username == username for account in self._accounts.values() for w in account.wallets())

    def _subaccount(self, user_id: str, subaccount_id: int) -> Wallet:
        account = self.account(user_id)
        wallet = account.subaccounts.get(subaccount_id)
        if wallet is None:
            raise BookError(f"{user_id!r} has no subaccount {subaccount_id}", status=404)
        return wallet

    def rename_subaccount(self, user_id: str, subaccount_id: int, username: str) -> Wallet:
        """Give the subaccount a new username: one no other account holds (`wrong_subaccount_name` otherwise)."""
        if not isinstance(username, str) or USERNAME.fullmatch(username) is None:
            raise BookError("a username is 1 to 64 letters, digits, '_', '-' or '.'", reason="wrong_subaccount_name")
        with self.lock:
            wallet = self._subaccount(user_id, subaccount_id)
            if wallet.username != username and self._username_taken(username):
                raise BookError(f"the username {username!r} is taken", status=409, reason="wrong_subaccount_name")
            wallet.username = username
            self._publish("subaccount", user_id, wallet)
            return wallet

    def set_subaccount_login(self, user_id: str, subaccount_id: int, enabled: bool) -> Wallet:
        """Enable or disable the subaccount's website login (the mock has no website: the flag is what it keeps)."""
        with self.lock:
            wallet = self._subaccount(user_id, subaccount_id)
            wallet.login_enabled = bool(enabled)
            self._publish("subaccount", user_id, wallet)
            return wallet

    def set_interuser_transfers(self, user_id: str, enabled: bool, subaccount_id: int | None = None) -> Wallet:
        """Allow or forbid the wallet (the main account, or a subaccount) to send to other users (Deribit's
        `interuser_transfers_enabled`, shown by its account summary)."""
        with self.lock:
            wallet = self.wallet(user_id, subaccount_id)
            wallet.interuser_transfers_enabled = bool(enabled)
            self._publish("subaccount", user_id, wallet)
            return wallet
