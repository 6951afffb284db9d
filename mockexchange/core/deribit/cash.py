"""Cash in and out of the book's wallets: deposits, withdrawals and transfers between two wallets of one account."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from mockexchange.core.deribit.bounds import MAX_CASH, SMALLEST, ZERO, BookError, bounded
from mockexchange.core.deribit.records import CashMove, WalletTransfer
from mockexchange.core.deribit.wallets import Wallet, _balance_after


class Cash:
    """Deposits, withdrawals and transfers: a part of `DerivativesBook`, whose wallets they move."""

    def move_cash(
        self,
        user_id: str,
        currency: str,
        amount: Decimal,
        *,
        subaccount_id: int | None = None,
        source_address: str | None = None,
    ) -> Decimal:
        """A deposit (+, from `source_address`) or withdrawal (-) of `currency`; returns the new balance."""
        bounded(amount, "amount", -MAX_CASH, MAX_CASH)
        with self.lock:
            self.expire_due()
            wallet = self.wallet(user_id, subaccount_id)
            wallet.balances[currency] = _balance_after(wallet, currency, amount)
            if amount != ZERO:
                kind, source = ("deposit", source_address) if amount > ZERO else ("withdrawal", None)
                self._record_cash(kind, wallet, user_id, currency, abs(amount), source_address=source)
            self._publish("cash", user_id, (wallet.id, currency, amount))
            return wallet.balances[currency]

    def withdraw(
        self,
        user_id: str,
        currency: str,
        amount: Decimal,
        *,
        subaccount_id: int | None = None,
        fee: Decimal = ZERO,
        address: str | None = None,
    ) -> CashMove:
        """A withdrawal of `amount` plus `fee` out of the wallet, completed at once; refused (409) beyond what the
        wallet may withdraw (its `available_withdrawal_funds`)."""
        bounded(amount, "amount", SMALLEST, MAX_CASH)
        bounded(fee, "fee", ZERO, MAX_CASH)
        with self.lock:
            self.expire_due()
            wallet = self.wallet(user_id, subaccount_id)
            available = self.account_summary(user_id, currency, wallet.id).available_withdrawal_funds
            if amount + fee > available:
                raise BookError(
                    f"withdrawing {amount + fee:f} {currency} (amount and fee) from account {wallet.id}, which may "
                    f"withdraw {available:f}",
                    status=409,
                )
            wallet.balances[currency] = _balance_after(wallet, currency, -(amount + fee))
            move = self._record_cash("withdrawal", wallet, user_id, currency, amount, fee=fee, address=address)
            self._publish("cash", user_id, (wallet.id, currency, -(amount + fee)))
            return move

    def transfer(
        self, user_id: str, currency: str, amount: Decimal, *, source: int | None = None, destination: int | None
    ) -> WalletTransfer:
        """Move `amount` between two wallets of the user's account (None: the main account), within what the source
        may withdraw."""
        bounded(amount, "amount", SMALLEST, MAX_CASH)
        with self.lock:
            self.expire_due()
            sender, receiver = self.wallet(user_id, source), self.wallet(user_id, destination)
            if sender.id == receiver.id:
                raise BookError("a transfer needs two different wallets")
            available = self.account_summary(user_id, currency, sender.id).available_withdrawal_funds
            if amount > available:
                raise BookError(
                    f"transferring {amount:f} {currency} from account {sender.id}, which may transfer {available:f}",
                    status=409,
                )
            received = _balance_after(receiver, currency, amount)
            sender.balances[currency] = _balance_after(sender, currency, -amount)
            receiver.balances[currency] = received
            made = WalletTransfer(
                self._draw_transfer_id(), user_id, sender.id, receiver.id, currency, amount, "confirmed",
                self.clock.now(),
            )  # fmt: skip
            self.wallet_transfers.append(made)
            self._publish("cash", user_id, (sender.id, currency, -amount))
            self._publish("cash", user_id, (receiver.id, currency, amount))
            return made

    def _draw_transfer_id(self) -> int:
        self._next_transfer_id += 1
        return self._next_transfer_id - 1

    def _record_cash(
        self,
        kind: str,
        wallet: Wallet,
        user_id: str,
        currency: str,
        amount: Decimal,
        *,
        fee: Decimal = ZERO,
        address: str | None = None,
        source_address: str | None = None,
    ) -> CashMove:
        number = self._draw_transfer_id()
        now = self.clock.now()
        # Deterministic stand-ins for a chain's addresses and transaction hash (a replayed command makes the same).
        address = address or f"mock-{currency.lower()}-{wallet.id}"
        if kind == "deposit":
            source_address = source_address or f"mock-{currency.lower()}-source-{number}"
        digest = hashlib.sha256(f"{kind}:{number}:{wallet.id}:{currency}:{amount}:{fee}".encode()).hexdigest()
        move = CashMove(
            number, kind, user_id, wallet.id, currency, amount, fee, address, digest, "completed", now, now,
            source_address,
        )  # fmt: skip
        self.cash_moves.append(move)
        return move
