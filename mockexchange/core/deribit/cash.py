"""Cash in and out of the exchange's wallets: deposits, withdrawals (and cancelling one not yet confirmed), transfers
between two wallets of one account and to another user's account. Each move is logged (`cash_log.py`) and published
as a `cash` change of each wallet it moved. Each account keeps its newest `history_size` deposits and withdrawals,
and transfers (wallet_history.py): a withdrawal, a nonce or a transfer older than those is unknown."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from mockexchange.core.deribit.accounts import Accounts
from mockexchange.core.deribit.bounds import MAX_CASH, ZERO, ExchangeError, bounded
from mockexchange.core.deribit.cash_commands import DeribitTransfer, DeribitTransferToUser, DeribitWithdrawal
from mockexchange.core.deribit.cash_log import CashLog
from mockexchange.core.deribit.deposit_addresses import DepositAddresses
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.expiry import Expiry
from mockexchange.core.deribit.records import CashMove, WalletTransfer
from mockexchange.core.deribit.valuation import Valuation
from mockexchange.core.deribit.wallets import Wallet, _balance_after
from mockexchange.core.money import plain


@dataclass(frozen=True, slots=True)
class Moved:
    """A deposit or a withdrawal as a command asks it, before it is numbered and dated (`CashMove`); an address or
    source not given is the mock's stand-in."""

    kind: str  # "deposit" or "withdrawal"
    user_id: str
    currency: str
    amount: Decimal
    fee: Decimal = ZERO
    address: str | None = None
    source_address: str | None = None
    state: str = "completed"
    nonce: str | None = None


class Cash:
    """Deposits, withdrawals and transfers, within what each wallet may withdraw (its account summary's)."""

    def __init__(
        self,
        state: ExchangeState,
        accounts: Accounts,
        expiry: Expiry,
        log: CashLog,
        valuation: Valuation,
        deposit_addresses: DepositAddresses,
    ) -> None:
        self.state = state
        self.accounts = accounts
        self.expiry = expiry
        self.log = log
        self.valuation = valuation
        self.deposit_addresses = deposit_addresses

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
        with self.state.lock:
            self.expiry.expire_due()
            wallet = self.accounts.wallet(user_id, subaccount_id)
            wallet.balances[currency] = _balance_after(wallet, currency, amount)
            if amount != ZERO:
                kind, source = ("deposit", source_address) if amount > ZERO else ("withdrawal", None)
                move = self._record_cash(wallet, Moved(kind, user_id, currency, abs(amount), source_address=source))
                self._log_move(wallet, move, amount)
            self.state.publish("cash", user_id, (wallet.id, currency, amount))
            return wallet.balances[currency]

    def withdraw(self, asked: DeribitWithdrawal) -> CashMove:
        """A withdrawal of `amount` plus `fee` out of the wallet, taken at once, `completed` or (a client's) left
        `unconfirmed` until cancelled; refused (409, `not_enough_funds`) beyond what the wallet may withdraw (its
        `available_withdrawal_funds`). A `nonce` the wallet gave before answers that withdrawal again, moving
        nothing."""
        user_id, currency, amount, fee, nonce = asked.user_id, asked.currency, asked.amount, asked.fee, asked.nonce
        with self.state.lock:
            self.expiry.expire_due()
            wallet = self.accounts.wallet(user_id, asked.subaccount_id)
            # the wallet's moves it keeps (wallet_history.py): a nonce older than those is new again
            if nonce is not None:
                for made in self.state.cash_moves.of_wallet(wallet.id):
                    if made.nonce == nonce and made.kind == "withdrawal":
                        return made
            available = self.valuation.account_summary(user_id, currency, wallet.id).available_withdrawal_funds
            if amount + fee > available:
                raise ExchangeError(
                    f"withdrawing {plain(amount + fee)} {currency} (amount and fee) from account {wallet.id}, "
                    f"which may withdraw {plain(available)}",
                    status=409,
                    reason="not_enough_funds",
                )
            wallet.balances[currency] = _balance_after(wallet, currency, -(amount + fee))
            moved = Moved(
                "withdrawal", user_id, currency, amount, fee=fee, address=asked.address, state=asked.state, nonce=nonce
            )
            move = self._record_cash(wallet, moved)
            self._log_move(wallet, move, -(amount + fee))
            self.state.publish("cash", user_id, (wallet.id, currency, -(amount + fee)))
            return move

    def cancel_withdrawal(self, user_id: str, withdrawal_id: int, *, subaccount_id: int | None = None) -> CashMove:
        """Cancel the wallet's `unconfirmed` withdrawal: its amount and fee come back. Refused for another wallet's
        or an unknown id (404) and for one that is no longer unconfirmed (409)."""
        with self.state.lock:
            self.expiry.expire_due()
            wallet = self.accounts.wallet(user_id, subaccount_id)
            moves = self.state.cash_moves.of_wallet(wallet.id)
            index = next(
                (i for i, move in enumerate(moves) if move.id == withdrawal_id and move.kind == "withdrawal"), None
            )
            if index is None:
                raise ExchangeError(f"account {wallet.id} has no withdrawal {withdrawal_id}", status=404)
            move = moves[index]
            if move.state != "unconfirmed":
                raise ExchangeError(
                    f"withdrawal {withdrawal_id} is {move.state}: only an unconfirmed one can be cancelled", status=409
                )
            refund = move.amount + move.fee
            wallet.balances[move.currency] = _balance_after(wallet, move.currency, refund)
            cancelled = dataclasses.replace(move, state="cancelled", updated=self.state.clock.now())
            moves[index] = cancelled
            self._log_move(wallet, cancelled, refund)
            self.state.publish("cash", user_id, (wallet.id, move.currency, refund))
            return cancelled

    def transfer(self, moved: DeribitTransfer) -> WalletTransfer:
        """Move `amount` between two wallets of the user's account (None: the main account), within what the source
        may withdraw."""
        user_id = moved.user_id
        with self.state.lock:
            self.expiry.expire_due()
            sender = self.accounts.wallet(user_id, moved.from_subaccount_id)
            receiver = self.accounts.wallet(user_id, moved.to_subaccount_id)
            if sender.id == receiver.id:
                raise ExchangeError("a transfer needs two different wallets", reason="transfer_not_allowed")
            return self._move_between(user_id, sender, None, receiver, moved.currency, moved.amount)

    def transfer_to_user(self, moved: DeribitTransferToUser) -> WalletTransfer:
        """Move `amount` from one of the user's wallets to the wallet of another user's account named by its username
        (Deribit's `submit_transfer_to_user`), within what the source may withdraw. Refused for an unknown username
        (404, `user_not_found`), for a wallet of the user's own account (`transfer_not_allowed`: that is a
        transfer to a subaccount) and from a wallet whose inter-user transfers are disabled (`transfer_not_allowed`)."""
        user_id, destination = moved.user_id, moved.destination
        with self.state.lock:
            self.expiry.expire_due()
            sender = self.accounts.wallet(user_id, moved.from_subaccount_id)
            if not sender.interuser_transfers_enabled:
                raise ExchangeError(
                    f"account {sender.id} may not send to other users: its inter-user transfers are disabled",
                    reason="transfer_not_allowed",
                )
            owner, receiver = self.accounts.wallet_by_username(destination)
            if owner == user_id:
                raise ExchangeError(
                    f"{destination!r} is a wallet of the same account: transfer to it as a subaccount",
                    reason="transfer_not_allowed",
                )
            return self._move_between(user_id, sender, owner, receiver, moved.currency, moved.amount)

    def _move_between(
        self, user_id: str, sender: Wallet, owner: str | None, receiver: Wallet, currency: str, amount: Decimal
    ) -> WalletTransfer:
        available = self.valuation.account_summary(user_id, currency, sender.id).available_withdrawal_funds
        if amount > available:
            raise ExchangeError(
                f"transferring {amount:f} {currency} from account {sender.id}, which may transfer {plain(available)}",
                status=409,
                reason="not_enough_funds",
            )
        received = _balance_after(receiver, currency, amount)
        sender.balances[currency] = _balance_after(sender, currency, -amount)
        receiver.balances[currency] = received
        made = WalletTransfer(
            self.state.draw_transfer_id(), user_id, sender.id, receiver.id, currency, amount, "confirmed",
            self.state.clock.now(), owner,
        )  # fmt: skip
        transfers, size = self.state.wallet_transfers, self.state.history_size
        transfers.add(made.receiver, receiver.id, made, size)
        transfers.add(user_id, sender.id, made, size)  # the sender's newest, whatever the size
        for wallet, who, moved, other in (
            (sender, user_id, -amount, receiver),
            (receiver, made.receiver, amount, sender),
        ):
            details = (("transfer_id", made.id), ("other_side", other.username), ("transfer_type", made.type))
            self.log.log(wallet, who, currency, "transfer", moved, details=details)
        self.state.publish("cash", user_id, (sender.id, currency, -amount))
        self.state.publish("cash", made.receiver, (receiver.id, currency, amount))
        return made

    def cancel_transfer(self, user_id: str, transfer_id: int, *, subaccount_id: int | None = None) -> WalletTransfer:
        """Deribit cancels a transfer still waiting (`prepared`); the mock's are confirmed at once, so this refuses:
        404 (`transfer_not_found`) for an id the wallet did not send, 409 for one already confirmed."""
        with self.state.lock:
            wallet = self.accounts.wallet(user_id, subaccount_id)
            made = next(
                (t for t in self.state.wallet_transfers.of_wallet(wallet.id)
                 if t.id == transfer_id and t.user_id == user_id and t.from_account == wallet.id),
                None,
            )  # fmt: skip
            if made is None:
                raise ExchangeError(f"account {wallet.id} sent no transfer {transfer_id}", status=404,
                                    reason="transfer_not_found")  # fmt: skip
            raise ExchangeError(f"transfer {transfer_id} is {made.state}: only a prepared transfer can be cancelled",
                                status=409)  # fmt: skip

    def _record_cash(self, wallet: Wallet, moved: Moved) -> CashMove:
        """The move numbered, dated and kept in the wallet's moves."""
        kind, currency = moved.kind, moved.currency
        number = self.state.draw_transfer_id()
        now = self.state.clock.now()
        # Deterministic stand-ins for a chain's addresses and transaction hash (a replayed command makes the same); a
        # deposit arrives at the wallet's current deposit address if it has one.
        address = moved.address
        if address is None and kind == "deposit":
            address = self.deposit_addresses.current_deposit_address(wallet.id, currency)
        address = address or f"mock-{currency.lower()}-{wallet.id}"
        source_address = moved.source_address
        if kind == "deposit":
            source_address = source_address or f"mock-{currency.lower()}-source-{number}"
        digest = hashlib.sha256(
            f"{kind}:{number}:{wallet.id}:{currency}:{moved.amount}:{moved.fee}".encode()
        ).hexdigest()
        move = CashMove(
            number, kind, moved.user_id, wallet.id, currency, moved.amount, moved.fee, address, digest, moved.state,
            now, now, source_address, moved.nonce,
        )  # fmt: skip
        self.state.cash_moves.add(moved.user_id, wallet.id, move, self.state.history_size)
        return move

    def _log_move(self, wallet: Wallet, move: CashMove, change: Decimal) -> None:
        details: tuple[tuple[str, object], ...] = (
            ("address", move.address), ("transaction_id", move.transaction_id), ("state", move.state),
        )  # fmt: skip
        if move.kind == "withdrawal":
            details += (("withdrawal_id", move.id), ("fee", move.fee))
        self.log.log(wallet, move.user_id, move.currency, move.kind, change, details=details)
