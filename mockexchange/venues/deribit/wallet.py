"""What a Deribit client moves of its own money: transfers to a subaccount (`private/submit_transfer_to_subaccount`)
and to another user (`private/submit_transfer_to_user`, by username), cancelling one
(`private/cancel_transfer_by_id`), withdrawals (`private/withdraw`, `private/cancel_withdrawal`) and deposit addresses
(`private/get_current_deposit_address`, `private/create_deposit_address`). Each write builds the exchange's typed
command (core/deribit/cash_commands.py) and runs it (`commands.py`), so a state file keeps it; the answer is read back
from the exchange and rendered as the reads render it.

The money leaves the wallet the key acts for: a main key's main account, a subaccount key's subaccount.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.commands import Command
from mockexchange.core.deribit.cash_commands import (
    MAX_ADDRESS,
    MAX_NONCE,
    MAX_USERNAME,
    RECORD_ID,
    CancelDeribitTransfer,
    CancelDeribitWithdrawal,
    CreateDeribitDepositAddress,
    DeribitTransfer,
    DeribitTransferToUser,
    DeribitWithdrawal,
)
from mockexchange.core.deribit.kinds import ACCOUNT_ID, CASH
from mockexchange.core.deribit.records import CashMove, WalletTransfer
from mockexchange.core.values import Choice, Text
from mockexchange.venues.deribit import commands, history_render, render
from mockexchange.venues.deribit.methods import Method, RpcCall, reading_wallet, source_of, wallet_user

PRIORITY = Choice(("insane", "extreme_high", "very_high", "high", "mid", "low", "very_low"))
# What the wire reads before its command does (a blank text is the command's to refuse, in its words)
ADDRESS = Text(MAX_ADDRESS, blank=True)  # a withdrawal's address
MIN_NONCE = 8  # a withdrawal's idempotency nonce (Deribit's bounds: 8 to `MAX_NONCE` characters)
NONCE = Text(MAX_NONCE, MIN_NONCE, blank=True)
USERNAME = Text(MAX_USERNAME, blank=True)


def _currency_and_amount(call: RpcCall) -> tuple[str, Any]:
    currency = call.params.currency(allow_any=False, required=True)
    return currency, call.params.read("amount", CASH, required=True)


def _record_id(call: RpcCall, name: str) -> int:
    return call.params.read(name, RECORD_ID, required=True)


def private_submit_transfer_to_subaccount(call: RpcCall) -> Any:
    currency, amount = _currency_and_amount(call)
    destination = call.params.read(
        "destination", ACCOUNT_ID, required="destination (the subaccount's id) is required",
        reason="invalid subaccount", said="destination must be an account id, not {value}",
    )  # fmt: skip
    return _transfer(call, DeribitTransfer, currency=currency, amount=amount, to_subaccount_id=destination)


def private_submit_transfer_to_user(call: RpcCall) -> Any:
    currency, amount = _currency_and_amount(call)
    destination = call.params.read(
        "destination", USERNAME, required=True, reason="invalid destination",
        said="destination must be a username of 64 characters at most",
    )  # fmt: skip
    return _transfer(call, DeribitTransferToUser, currency=currency, amount=amount, destination=destination)


def _transfer(call: RpcCall, cls: type[DeribitTransfer | DeribitTransferToUser], **fields: Any) -> Any:
    """Run the transfer `cls` of `fields` from the key's wallet; the transfer it sent, as the reads render it."""
    source = source_of(call)
    moved = commands.make(cls, param="destination", user_id=wallet_user(call), from_subaccount_id=source, **fields)
    made: WalletTransfer = commands.execute(call.ctx, moved, param="destination")
    exchange = call.ctx.exchange
    with exchange.reading():
        return history_render.transfer(made, made.from_account, exchange.accounts.username_of)


def _cancel(call: RpcCall, cls: type[Command], id_argument: str) -> Any:
    """Run the cancelling command `cls` for the record `id` of the key's wallet; its answer."""
    call.params.currency(allow_any=False, required=True)
    number = _record_id(call, "id")
    source = source_of(call)
    cancel = commands.make(cls, param="id", user_id=wallet_user(call), subaccount_id=source, **{id_argument: number})
    return commands.execute(call.ctx, cancel, param="id")


def private_cancel_transfer_by_id(call: RpcCall) -> Any:
    _cancel(call, CancelDeribitTransfer, "transfer_id")
    raise AssertionError("never reached: the mock's transfers are confirmed at once, so the command refuses")


def _withdrawal_row(call: RpcCall, move: CashMove) -> Any:
    with call.ctx.exchange.reading():
        return history_render.withdrawal(move)


def private_withdraw(call: RpcCall) -> Any:
    currency, amount = _currency_and_amount(call)
    address = call.params.read("address", ADDRESS, required=True, reason="invalid address")
    call.params.read("priority", PRIORITY)  # one priority level in the mock (docs/deribit.md)
    nonce = call.params.read("nonce", NONCE, reason="invalid nonce", said="nonce must be {least} to {most} characters")
    fee = next(facts.withdrawal_fee for facts in render.CURRENCY_FACTS if facts.currency == currency)
    source = source_of(call)
    asked = commands.make(
        DeribitWithdrawal, user_id=wallet_user(call), currency=currency, amount=amount, subaccount_id=source, fee=fee,
        address=address, state="unconfirmed", nonce=nonce,
    )  # fmt: skip
    _, move, _ = commands.execute(call.ctx, asked)
    return _withdrawal_row(call, move)


def private_cancel_withdrawal(call: RpcCall) -> Any:
    return _withdrawal_row(call, _cancel(call, CancelDeribitWithdrawal, "withdrawal_id"))


def _address_row(address: Any) -> Any:
    if address is None:
        return None
    return {
        "address": address.address,
        "creation_timestamp": unix_ms(address.created),
        "currency": address.currency,
        "type": "deposit",
    }


def private_get_current_deposit_address(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    with reading_wallet(call) as wallet:
        return _address_row(call.ctx.exchange.deposit_addresses.deposit_address(wallet_user(call), currency, wallet.id))


def private_create_deposit_address(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    source = source_of(call)
    made = commands.make(
        CreateDeribitDepositAddress, user_id=wallet_user(call), currency=currency, subaccount_id=source
    )
    _, address = commands.execute(call.ctx, made)
    return _address_row(address)


METHODS: dict[str, Method] = {
    "private/submit_transfer_to_subaccount": Method(
        private_submit_transfer_to_subaccount, "wallet:read_write", write=True
    ),
    "private/submit_transfer_to_user": Method(private_submit_transfer_to_user, "wallet:read_write", write=True),
    "private/cancel_transfer_by_id": Method(private_cancel_transfer_by_id, "wallet:read_write", write=True),
    "private/withdraw": Method(private_withdraw, "wallet:read_write", write=True),
    "private/cancel_withdrawal": Method(private_cancel_withdrawal, "wallet:read_write", write=True),
    "private/get_current_deposit_address": Method(private_get_current_deposit_address, "wallet:read"),
    "private/create_deposit_address": Method(private_create_deposit_address, "wallet:read_write", write=True),
}
