"""Deribit's cash moves on the Deribit exchange itself (core/deribit/cash.py): deposits and withdrawals, a client's
withdrawal and its cancelling, transfers between the wallets of one account and to another user, and the refusals
of each with the status, Deribit's reason and the words the venue sends on. Each move is checked where it shows: the
balances, the record kept (its id, addresses, hash and state), the transaction log entry and the `cash` change
published; a refusal moves nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.bounds import MAX_BALANCE, MAX_CASH, ExchangeError
from mockexchange.core.deribit.cash_commands import DeribitTransfer, DeribitTransferToUser, DeribitWithdrawal
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.records import CashMove, DeribitFill, WalletTransfer
from mockexchange.core.events import Change
from mockexchange.core.values import Refused

D = Decimal
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = START + timedelta(minutes=5)
FAR = START + timedelta(days=3650)


class Cash:
    """A book with alice (main account 2001 with 10 BTC, subaccount 2002 `alice_sub`) and bob (3001, 1 BTC), and the
    `cash` changes it publishes."""

    def __init__(self, history_size: int = 10_000) -> None:
        self.clock = ManualClock(START)
        self.exchange = DeribitExchange(clock=self.clock, history_size=history_size)
        self.exchange.accounts.open_account("alice", account_id=2001, balances={"BTC": D(10)})
        self.exchange.accounts.add_subaccount("alice", subaccount_id=2002, username="alice_sub")
        self.exchange.accounts.open_account("bob", account_id=3001, balances={"BTC": D(1)})
        self.published: list[Change] = []
        self.exchange.state.bus.subscribe(self.published.append, ["derivatives.cash"])

    def balances(self) -> list[Decimal]:
        return [
            self.exchange.accounts.wallet(u, s).balance("BTC")
            for u, s in (("alice", None), ("alice", 2002), ("bob", None))
        ]

    def log(self, wallet_id: int) -> list[tuple[Any, ...]]:
        """The wallet's BTC log, oldest first: (type, change, balance after, details)."""
        entries, _ = self.exchange.cash_log.transaction_log(wallet_id, "BTC", START, FAR, count=100)
        return [(e.type, e.change, e.balance, dict(e.details)) for e in reversed(entries)]

    def cash(self) -> list[tuple[str | None, Any]]:
        return [(c.user_id, c.payload) for c in self.published]

    def state(self) -> tuple[Any, ...]:
        """What a refusal must leave as it was."""
        return (self.balances(), list(self.exchange.state.cash_moves), list(self.exchange.state.wallet_transfers),
                [self.log(w) for w in (2001, 2002, 3001)], list(self.published))  # fmt: skip

    def refused(self, command: Callable[..., Any], *args: Any, **kwargs: Any) -> ExchangeError:
        """The refusal of `command(*args, **kwargs)`, which must change nothing."""
        before = self.state()
        with pytest.raises(ExchangeError) as refusal:
            command(*args, **kwargs)
        assert self.state() == before
        return refusal.value


@pytest.fixture
def cash() -> Cash:
    return Cash()


def transaction_hash(move: str) -> str:
    """A move's stand-in transaction hash: the SHA-256 of its kind, id, wallet, currency, amount and fee."""
    return hashlib.sha256(move.encode()).hexdigest()


def said(error: ExchangeError) -> tuple[str, int, str | None]:
    return str(error), error.status, error.reason


# -- deposits and withdrawals by the control plane -----------------------------------------------------------------


def test_a_deposit_is_kept_logged_and_published(cash: Cash) -> None:
    assert cash.exchange.cash.move_cash("alice", "BTC", D("1.5")) == D("11.5")
    (made,) = cash.exchange.state.cash_moves
    digest = transaction_hash("deposit:1:2001:BTC:1.5:0")
    assert made == CashMove(1, "deposit", "alice", 2001, "BTC", D("1.5"), D(0), "mock-btc-2001", made.transaction_id,
                            "completed", START, START, "mock-btc-source-1", None)  # fmt: skip
    assert made.transaction_id == digest
    details = {"address": "mock-btc-2001", "transaction_id": digest, "state": "completed"}
    assert cash.log(2001) == [("deposit", D("1.5"), D("11.5"), details)]
    assert cash.cash() == [("alice", (2001, "BTC", D("1.5")))]


def test_a_deposit_comes_from_its_source_to_the_current_deposit_address(cash: Cash) -> None:
    cash.exchange.deposit_addresses.create_deposit_address("alice", "BTC", 2002)
    cash.exchange.cash.move_cash("alice", "BTC", D(2), subaccount_id=2002, source_address="bc1qsender")
    cash.exchange.cash.move_cash("alice", "BTC", D(1), subaccount_id=2002)
    first, second = cash.exchange.state.cash_moves
    assert (first.account_id, first.address, first.source_address) == (2002, "mock-btc-2002", "bc1qsender")
    assert (second.id, second.address, second.source_address) == (2, "mock-btc-2002", "mock-btc-source-2")
    assert cash.balances() == [D(10), D(3), D(1)]


def test_a_withdrawal_by_the_control_plane_and_a_move_of_nothing(cash: Cash) -> None:
    assert cash.exchange.cash.move_cash("alice", "BTC", D(-4)) == D(6)
    (made,) = cash.exchange.state.cash_moves
    assert (made.kind, made.amount, made.fee, made.address, made.source_address) == (
        "withdrawal", D(4), D(0), "mock-btc-2001", None
    )  # fmt: skip
    assert made.transaction_id == transaction_hash("withdrawal:1:2001:BTC:4:0")
    details = {"address": "mock-btc-2001", "transaction_id": made.transaction_id, "state": "completed",
               "withdrawal_id": 1, "fee": D(0)}  # fmt: skip
    assert cash.log(2001) == [("withdrawal", D(-4), D(6), details)]
    # Nothing moved: no record, no log entry, but the change is published as any other.
    assert cash.exchange.cash.move_cash("alice", "BTC", D(0)) == D(6)
    assert len(cash.exchange.state.cash_moves) == 1 and len(cash.log(2001)) == 1
    assert cash.cash() == [("alice", (2001, "BTC", D(-4))), ("alice", (2001, "BTC", D(0)))]


def test_a_move_of_cash_is_bounded(cash: Cash) -> None:
    # the control plane may take a balance below 0
    assert cash.exchange.cash.move_cash("bob", "ETH", -MAX_CASH) == -MAX_CASH
    assert cash.exchange.cash.move_cash("bob", "ETH", MAX_CASH) == 0
    error = cash.refused(cash.exchange.cash.move_cash, "bob", "BTC", MAX_CASH + 1)
    assert str(error).startswith("amount must be from -1000000000000 to 1000000000000 with")
    cash.exchange.accounts.wallet("bob").balances["BTC"] = MAX_BALANCE - 1  # as a thousand deposits would leave it
    assert cash.exchange.cash.move_cash("bob", "BTC", D(1)) == MAX_BALANCE
    error = cash.refused(cash.exchange.cash.move_cash, "bob", "BTC", D(1))
    assert str(error) == (f"this would take the BTC balance of account 3001 to {MAX_BALANCE + 1:f}; a balance stays "
                          f"within -{MAX_BALANCE} to {MAX_BALANCE}")  # fmt: skip


# -- a client's withdrawals ----------------------------------------------------------------------------------------


def test_a_client_withdrawal_takes_its_amount_and_fee(cash: Cash) -> None:
    cash.clock.set(LATER)
    asked = DeribitWithdrawal(
        "alice", "BTC", D(2), fee=D("0.0001"), address="bc1qdest", state="unconfirmed", nonce="n-1"
    )
    made = cash.exchange.cash.withdraw(asked)
    assert made == CashMove(1, "withdrawal", "alice", 2001, "BTC", D(2), D("0.0001"), "bc1qdest",
                            transaction_hash("withdrawal:1:2001:BTC:2:0.0001"), "unconfirmed", LATER, LATER, None,
                            "n-1")  # fmt: skip
    assert cash.balances() == [D("7.9999"), D(0), D(1)]
    details = {"address": "bc1qdest", "transaction_id": made.transaction_id, "state": "unconfirmed",
               "withdrawal_id": 1, "fee": D("0.0001")}  # fmt: skip
    assert cash.log(2001) == [("withdrawal", D("-2.0001"), D("7.9999"), details)]
    assert cash.cash() == [("alice", (2001, "BTC", D("-2.0001")))]
    # Its nonce answers it again, moving nothing; another nonce is another withdrawal.
    assert cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(2), fee=D("0.0001"), nonce="n-1")) == made
    assert cash.balances()[0] == D("7.9999") and len(cash.published) == 1
    other = cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1), nonce="n-2"))
    assert (other.id, other.nonce, other.state, other.address) == (2, "n-2", "completed", "mock-btc-2001")
    assert cash.balances()[0] == D("6.9999")


def test_a_nonce_names_only_a_withdrawal_of_the_same_wallet(cash: Cash) -> None:
    cash.exchange.cash.move_cash("alice", "BTC", D(1))  # a deposit: it has no nonce
    cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1), subaccount_id=None, nonce="n-1"))
    cash.exchange.cash.move_cash("alice", "BTC", D(5), subaccount_id=2002)
    mine = cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1), subaccount_id=2002, nonce="n-1"))
    assert (mine.id, mine.account_id) == (4, 2002)
    assert cash.balances() == [D(10), D(4), D(1)]


def test_a_withdrawal_may_take_all_the_wallet_may_withdraw_and_no_more(cash: Cash) -> None:
    error = cash.refused(cash.exchange.cash.withdraw, DeribitWithdrawal("bob", "BTC", D("0.9"), fee=D("0.10000001")))
    assert said(error) == (
        "withdrawing 1.00000001 BTC (amount and fee) from account 3001, which may withdraw 1", 409, "not_enough_funds"
    )  # fmt: skip
    cash.exchange.cash.withdraw(DeribitWithdrawal("bob", "BTC", D("0.9"), fee=D("0.1")))
    assert cash.balances()[2] == 0


@pytest.mark.parametrize(
    ("amount", "fee", "state", "message"),
    [
        (D(0), D(0), "completed", "amount must be from 0.00000001 to 1000000000000 with at most 8 decimal places"),
        (MAX_CASH + 1, D(0), "completed", "amount must be from 0.00000001 to 1000000000000 with at most 8 decimal"),
        (D(1), D(-1), "completed", "fee must be from 0 to 1000000000000 with at most 8 decimal places, not -1"),
        (D(1), MAX_CASH + 1, "completed", "fee must be from 0 to 1000000000000 with at most 8 decimal places"),
        (D(1), D(0), "cancelled", "state must be one of 'completed', 'unconfirmed', not 'cancelled'"),
    ],
)
def test_a_withdrawals_terms_are_checked(amount: Decimal, fee: Decimal, state: str, message: str) -> None:
    """Its command refuses them, as every edge builds it before the cash moves."""
    with pytest.raises(Refused) as refusal:
        DeribitWithdrawal("alice", "BTC", amount, fee=fee, state=state)
    assert str(refusal.value).startswith(message)


def test_the_least_withdrawal_and_one_without_a_fee(cash: Cash) -> None:
    cash.exchange.cash.withdraw(DeribitWithdrawal("bob", "BTC", D("0.00000001")))
    assert cash.balances()[2] == D("0.99999999")


# -- cancelling a withdrawal ---------------------------------------------------------------------------------------


def test_cancelling_an_unconfirmed_withdrawal_refunds_it(cash: Cash) -> None:
    made = cash.exchange.cash.withdraw(
        DeribitWithdrawal("alice", "BTC", D(3), fee=D("0.5"), address="bc1q", state="unconfirmed")
    )
    cash.exchange.cash.move_cash("alice", "BTC", D(1))
    cash.clock.set(LATER)
    cancelled = cash.exchange.cash.cancel_withdrawal("alice", made.id)
    assert cancelled == CashMove(1, "withdrawal", "alice", 2001, "BTC", D(3), D("0.5"), "bc1q", made.transaction_id,
                                 "cancelled", START, LATER, None, None)  # fmt: skip
    assert (
        list(cash.exchange.state.cash_moves)[0] == cancelled
        and list(cash.exchange.state.cash_moves)[1].kind == "deposit"
    )
    assert cash.balances()[0] == D(11)
    details = {"address": "bc1q", "transaction_id": made.transaction_id, "state": "cancelled", "withdrawal_id": 1,
               "fee": D("0.5")}  # fmt: skip
    assert cash.log(2001)[-1] == ("withdrawal", D("3.5"), D(11), details)
    assert cash.cash()[-1] == ("alice", (2001, "BTC", D("3.5")))
    error = cash.refused(cash.exchange.cash.cancel_withdrawal, "alice", made.id)
    assert said(error) == ("withdrawal 1 is cancelled: only an unconfirmed one can be cancelled", 409, None)


def test_only_the_wallets_own_unconfirmed_withdrawal_can_be_cancelled(cash: Cash) -> None:
    done = cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1)))
    deposit_id = 2
    cash.exchange.cash.move_cash("alice", "BTC", D(1))
    waiting = cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1), state="unconfirmed"))
    error = cash.refused(cash.exchange.cash.cancel_withdrawal, "alice", done.id)
    assert said(error) == ("withdrawal 1 is completed: only an unconfirmed one can be cancelled", 409, None)
    error = cash.refused(cash.exchange.cash.cancel_withdrawal, "alice", deposit_id)
    assert said(error) == ("account 2001 has no withdrawal 2", 404, None)
    error = cash.refused(cash.exchange.cash.cancel_withdrawal, "alice", waiting.id, subaccount_id=2002)
    assert said(error) == ("account 2002 has no withdrawal 3", 404, None)
    assert cash.exchange.cash.cancel_withdrawal("alice", waiting.id).state == "cancelled"


# -- transfers -----------------------------------------------------------------------------------------------------


def test_a_transfer_between_two_wallets_of_the_account(cash: Cash) -> None:
    cash.exchange.cash.move_cash("alice", "BTC", D(1))  # id 1: one sequence for deposits, withdrawals and transfers
    cash.clock.set(LATER)
    made = cash.exchange.cash.transfer(
        DeribitTransfer("alice", "BTC", D(11), to_subaccount_id=2002)
    )  # all the main account may withdraw
    assert made == WalletTransfer(2, "alice", 2001, 2002, "BTC", D(11), "confirmed", LATER, None)
    assert cash.balances() == [D(0), D(11), D(1)]
    assert (
        list(cash.exchange.state.wallet_transfers.of_wallet(2001))
        == [made]
        == list(cash.exchange.state.wallet_transfers.of_wallet(2002))
    )
    out = {"transfer_id": 2, "other_side": "alice_sub", "transfer_type": "subaccount"}
    assert cash.log(2001)[-1] == ("transfer", D(-11), D(0), out)
    into = {"transfer_id": 2, "other_side": "alice", "transfer_type": "subaccount"}
    assert cash.log(2002) == [("transfer", D(11), D(11), into)]
    assert cash.cash()[1:] == [("alice", (2001, "BTC", D(-11))), ("alice", (2002, "BTC", D(11)))]
    back = cash.exchange.cash.transfer(
        DeribitTransfer("alice", "BTC", D(1), from_subaccount_id=2002, to_subaccount_id=None)
    )
    assert (back.id, back.from_account, back.to_account) == (3, 2002, 2001)
    assert cash.balances() == [D(1), D(10), D(1)]


def test_a_transfer_needs_two_wallets_and_the_funds(cash: Cash) -> None:
    error = cash.refused(
        cash.exchange.cash.transfer,
        DeribitTransfer("alice", "BTC", D(1), from_subaccount_id=2001, to_subaccount_id=None),
    )
    assert said(error) == ("a transfer needs two different wallets", 400, "transfer_not_allowed")
    error = cash.refused(
        cash.exchange.cash.transfer, DeribitTransfer("alice", "BTC", D("10.00000001"), to_subaccount_id=2002)
    )
    assert said(error) == (
        "transferring 10.00000001 BTC from account 2001, which may transfer 10", 409, "not_enough_funds"
    )  # fmt: skip
    with pytest.raises(Refused, match="^amount must be from 0.00000001 to 1000000000000 with"):
        DeribitTransfer(
            "alice", "BTC", D(0), to_subaccount_id=2002
        )  # (its command refuses it, as every edge builds it)
    with pytest.raises(Refused, match="^amount must be from 0.00000001 to 1000000000000 with"):
        DeribitTransferToUser("alice", "BTC", D(0), "bob")
    assert cash.exchange.cash.transfer(
        DeribitTransfer("alice", "BTC", D("0.00000001"), to_subaccount_id=2002)
    ).amount == D("0.00000001")


def test_a_transfer_that_would_overfill_the_receiver_moves_nothing(cash: Cash) -> None:
    cash.exchange.accounts.wallet("bob").balances["BTC"] = MAX_BALANCE  # as a thousand deposits would leave it
    error = cash.refused(cash.exchange.cash.transfer_to_user, DeribitTransferToUser("alice", "BTC", D(1), "bob"))
    assert str(error).startswith("this would take the BTC balance of account 3001 to")


def test_a_transfer_to_another_user(cash: Cash) -> None:
    made = cash.exchange.cash.transfer_to_user(
        DeribitTransferToUser("alice", "BTC", D(2), "bob", from_subaccount_id=2001)
    )
    assert made == WalletTransfer(1, "alice", 2001, 3001, "BTC", D(2), "confirmed", START, "bob")
    assert cash.balances() == [D(8), D(0), D(3)]
    assert list(cash.exchange.state.wallet_transfers.of_wallet(3001)) == [made]
    assert cash.log(3001) == [("transfer", D(2), D(3), {"transfer_id": 1, "other_side": "alice",
                                                       "transfer_type": "user"})]  # fmt: skip
    assert cash.cash() == [("alice", (2001, "BTC", D(-2))), ("bob", (3001, "BTC", D(2)))]
    assert cash.exchange.cash.transfer_to_user(DeribitTransferToUser("alice", "BTC", D(8), "bob")).amount == D(
        8
    )  # all it may withdraw


def test_a_transfer_to_a_user_is_refused(cash: Cash) -> None:
    error = cash.refused(cash.exchange.cash.transfer_to_user, DeribitTransferToUser("alice", "BTC", D(1), "nobody"))
    assert said(error) == ("no account is named 'nobody'", 404, "user_not_found")
    error = cash.refused(cash.exchange.cash.transfer_to_user, DeribitTransferToUser("alice", "BTC", D(1), "alice_sub"))
    assert said(error) == ("'alice_sub' is a wallet of the same account: transfer to it as a subaccount", 400,
                           "transfer_not_allowed")  # fmt: skip
    error = cash.refused(
        cash.exchange.cash.transfer_to_user, DeribitTransferToUser("bob", "BTC", D("1.00000001"), "alice")
    )
    assert said(error) == (
        "transferring 1.00000001 BTC from account 3001, which may transfer 1", 409, "not_enough_funds"
    )  # fmt: skip
    cash.exchange.accounts.set_interuser_transfers("alice", False)
    error = cash.refused(cash.exchange.cash.transfer_to_user, DeribitTransferToUser("alice", "BTC", D(1), "bob"))
    assert said(error) == ("account 2001 may not send to other users: its inter-user transfers are disabled", 400,
                           "transfer_not_allowed")  # fmt: skip
    cash.exchange.cash.transfer(DeribitTransfer("alice", "BTC", D(1), to_subaccount_id=2002))
    assert (
        cash.exchange.cash.transfer_to_user(
            DeribitTransferToUser("alice", "BTC", D(1), "bob", from_subaccount_id=2002)
        ).amount
        == 1
    )  # the subaccount's own


def test_a_confirmed_transfer_cannot_be_cancelled(cash: Cash) -> None:
    made = cash.exchange.cash.transfer_to_user(DeribitTransferToUser("alice", "BTC", D(1), "bob"))
    error = cash.refused(cash.exchange.cash.cancel_transfer, "alice", made.id)
    assert said(error) == ("transfer 1 is confirmed: only a prepared transfer can be cancelled", 409, None)
    for user, wallet, transfer_id in (("bob", None, made.id), ("alice", 2002, made.id), ("alice", None, 9)):
        error = cash.refused(cash.exchange.cash.cancel_transfer, user, transfer_id, subaccount_id=wallet)
        account = {"bob": 3001, "alice": 2002 if wallet else 2001}[user]
        assert said(error) == (f"account {account} sent no transfer {transfer_id}", 404, "transfer_not_found")


# -- what each move sees first and keeps after ---------------------------------------------------------------------


EXPIRY = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # BTC-6MAR26's


def expired() -> Cash:
    """Alice long 10000 USD of a future bought at 50000 and settled at 100000 (10000 * (1/50000 - 1/100000) = 0.1
    BTC to her), its expiry passed and nothing changed since: not delivered yet."""
    made = Cash()
    made.exchange.market.set_index_price("btc_usd", D(100_000))
    made.exchange.trading.apply_trade(DeribitFill("alice", "BTC-6MAR26", "buy", D(10_000), D(50_000)))
    made.exchange.market.set_settlement_price("BTC-6MAR26", D(100_000))
    made.clock.set(EXPIRY)
    return made


@pytest.mark.parametrize(
    "move",
    [
        lambda exchange: exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D("10.1"))),
        lambda exchange: exchange.cash.transfer(DeribitTransfer("alice", "BTC", D("10.1"), to_subaccount_id=2002)),
        lambda exchange: exchange.cash.transfer_to_user(DeribitTransferToUser("alice", "BTC", D("10.1"), "bob")),
        lambda exchange: exchange.cash.move_cash("alice", "BTC", D("-10.1")),
    ],
)
def test_each_move_counts_what_expired_before_it(move: Callable[[DeribitExchange], Any]) -> None:
    """A future expired since the last change is delivered first: its P&L is in the balance the move starts from."""
    made = expired()
    move(made.exchange)
    assert [entry[0] for entry in made.log(2001)][:2] == ["trade", "delivery"] and made.balances()[0] == 0


def test_cancelling_a_withdrawal_delivers_what_expired_first() -> None:
    made = expired()
    made.clock.set(START)
    waiting = made.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1), state="unconfirmed"))
    made.clock.set(EXPIRY)
    made.exchange.cash.cancel_withdrawal("alice", waiting.id)
    assert [entry[0] for entry in made.log(2001)] == ["trade", "withdrawal", "delivery", "withdrawal"]


def test_an_account_keeps_its_newest_moves_and_transfers(cash: Cash) -> None:
    small = Cash(history_size=2)
    for amount in (1, 2, 3):
        small.exchange.cash.move_cash("alice", "BTC", D(amount), subaccount_id=2002 if amount == 2 else None)
    assert [m.amount for m in small.exchange.state.cash_moves] == [
        D(3),
        D(2),
    ]  # by wallet: the main account's, then 2002's
    assert [m.amount for m in small.exchange.state.cash_moves.of_wallet(2001)] == [D(3)]
    for amount in (1, 2, 3):
        small.exchange.cash.transfer_to_user(DeribitTransferToUser("alice", "BTC", D(amount), "bob"))
    assert [t.amount for t in small.exchange.state.wallet_transfers.of_wallet(2001)] == [D(2), D(3)]
    assert [t.amount for t in small.exchange.state.wallet_transfers.of_wallet(3001)] == [D(2), D(3)]
    old = small.exchange.cash.withdraw(DeribitWithdrawal("bob", "BTC", D(1), state="unconfirmed", nonce="n"))
    small.exchange.cash.move_cash("bob", "BTC", D(1))
    small.exchange.cash.move_cash("bob", "BTC", D(1))
    assert (
        small.exchange.cash.withdraw(DeribitWithdrawal("bob", "BTC", D(1), nonce="n")).id != old.id
    )  # a nonce no longer kept is new again
    error = small.refused(small.exchange.cash.cancel_withdrawal, "bob", old.id)
    assert said(error) == (f"account 3001 has no withdrawal {old.id}", 404, None)


def test_each_account_keeps_its_own_newest(cash: Cash) -> None:
    """The bound is per account: one account's moves never push out another's."""
    small = Cash(history_size=2)
    small.exchange.cash.move_cash("bob", "BTC", D(1))
    small.exchange.cash.move_cash("bob", "BTC", D(2))
    small.exchange.cash.move_cash("alice", "BTC", D(3))
    small.exchange.cash.move_cash("alice", "BTC", D(4))
    assert [m.amount for m in small.exchange.state.cash_moves.of_wallet(3001)] == [D(1), D(2)]
    assert [e[1] for e in small.log(3001)] == [D(1), D(2)]
    for amount in (1, 2):
        small.exchange.cash.transfer_to_user(DeribitTransferToUser("alice", "BTC", D(amount), "bob"))
    small.exchange.cash.transfer(DeribitTransfer("alice", "BTC", D(3), to_subaccount_id=2002))
    kept = small.exchange.state.wallet_transfers
    assert [t.amount for t in kept.of_wallet(3001)] == [D(1), D(2)]  # bob's account: what it received
    assert [t.amount for t in kept.of_wallet(2001)] == [D(3)] and [t.amount for t in kept.of_wallet(2002)] == [D(3)]


def test_a_log_entry_is_its_wallet_holders(cash: Cash) -> None:
    cash.exchange.cash.move_cash("alice", "BTC", D(1))
    cash.exchange.cash.transfer_to_user(DeribitTransferToUser("alice", "BTC", D(1), "bob"))
    entries = [cash.exchange.cash_log.transaction_log(w, "BTC", START, FAR, count=10)[0] for w in (2001, 3001)]
    assert [[e.user_id for e in found] for found in entries] == [["alice", "alice"], ["bob"]]


def test_a_withdrawal_without_an_address_goes_to_the_wallets_own(cash: Cash) -> None:
    cash.exchange.deposit_addresses.create_deposit_address("alice", "BTC")
    # the current one: mock-btc-2001-2, where deposits arrive
    cash.exchange.deposit_addresses.create_deposit_address("alice", "BTC")
    cash.exchange.cash.move_cash("alice", "BTC", D(-1))
    cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(1)))
    cash.exchange.cash.move_cash("alice", "BTC", D(1))
    assert [(m.kind, m.address) for m in cash.exchange.state.cash_moves] == [
        ("withdrawal", "mock-btc-2001"), ("withdrawal", "mock-btc-2001"), ("deposit", "mock-btc-2001-2")
    ]  # fmt: skip


def test_a_subaccount_withdraws_what_it_holds(cash: Cash) -> None:
    cash.exchange.cash.transfer(
        DeribitTransfer("alice", "BTC", D(4), to_subaccount_id=2002)
    )  # the main account keeps 6
    error = cash.refused(cash.exchange.cash.withdraw, DeribitWithdrawal("alice", "BTC", D(5), subaccount_id=2002))
    assert said(error) == (
        "withdrawing 5 BTC (amount and fee) from account 2002, which may withdraw 4", 409, "not_enough_funds"
    )  # fmt: skip
    assert cash.exchange.cash.withdraw(DeribitWithdrawal("alice", "BTC", D(4), subaccount_id=2002)).account_id == 2002
