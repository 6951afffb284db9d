"""Deribit v2's wire rendering of a user's history: user trades (`private/get_user_trades_by_*`), deposits,
withdrawals, transfers and deliveries (`private/get_settlement_history_by_*`). Money as exact JSON numbers, times in
milliseconds, computed figures rounded as `render.py` rounds them (a delivery's prices to 8 places, its P&L to 8)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import CashMove, Delivery, DeribitTrade, InstrumentDelivery, WalletTransfer
from mockexchange.venues.deribit import render
from mockexchange.web.answers import json_number

Row = render.Row
HUNDRED = Decimal(100)
WITHDRAWAL_PRIORITY = 1  # Deribit's "id of priority level"; the mock has one level


def user_trade(trade: DeribitTrade, instrument: Instrument) -> Row:
    """A trade as `private/get_user_trades_by_*` lists it: the notification's row, plus an option's `iv` (in percent,
    the volatility the option was marked with when it traded) and `underlying_price` (the index it was priced on)."""
    row = render.trade(trade, instrument.contract_size)
    if instrument.kind == "option":
        if trade.volatility is not None:
            row["iv"] = render.number(trade.volatility * HUNDRED, 2)
        if trade.index_price is not None:
            row["underlying_price"] = render.number(trade.index_price, render.PRICE)
    return row


def deposit(move: CashMove) -> Row:
    return {
        "address": move.address,
        "amount": json_number(move.amount),
        "currency": move.currency,
        "received_timestamp": unix_ms(move.created),
        "state": move.state,
        "transaction_id": move.transaction_id,
        "updated_timestamp": unix_ms(move.updated),
        "clearance_state": "success",
        "source_address": move.source_address,
    }


def withdrawal(move: CashMove) -> Row:
    """A withdrawal; `confirmed_timestamp` null until it is confirmed (a client's stays unconfirmed), `nonce` when
    the client gave one."""
    row = {
        "address": move.address,
        "amount": json_number(move.amount),
        "confirmed_timestamp": unix_ms(move.created) if move.state == "completed" else None,
        "created_timestamp": unix_ms(move.created),
        "currency": move.currency,
        "fee": json_number(move.fee),
        "id": move.id,
        "priority": WITHDRAWAL_PRIORITY,
        "state": move.state,
        "transaction_id": move.transaction_id,
        "updated_timestamp": unix_ms(move.updated),
    }
    if move.nonce is not None:
        row["nonce"] = move.nonce
    return row


def transfer(made: WalletTransfer, wallet_id: int, username_of: Callable[[int], str]) -> Row:
    """As the wallet `wallet_id` sees it: `payment` out of it, `income` into it; `other_side` names the other wallet
    (by its username); `type` is `subaccount` within one account, `user` between two."""
    outgoing = made.from_account == wallet_id
    other = made.to_account if outgoing else made.from_account
    return {
        "amount": json_number(made.amount),
        "created_timestamp": unix_ms(made.created),
        "currency": made.currency,
        "direction": "payment" if outgoing else "income",
        "id": made.id,
        "other_side": username_of(other),
        "state": made.state,
        "type": made.type,
        "updated_timestamp": unix_ms(made.created),
    }


def delivery(item: Delivery | InstrumentDelivery) -> Row:
    """A delivery at expiry as a settlement: a wallet's (`private/get_settlement_history_by_*`) or an instrument's,
    every wallet's together (`public/get_last_settlements_by_*`)."""
    return {
        "type": "delivery",
        "timestamp": unix_ms(item.timestamp),
        "instrument_name": item.instrument_name,
        "position": json_number(item.position),
        "mark_price": render.number(item.mark_price, render.PRICE),
        "index_price": render.number(item.index_price, render.PRICE),
        "profit_loss": render.number(item.profit_loss, render.SUMMARY),
        "session_profit_loss": render.number(item.profit_loss, render.SUMMARY),  # no trading sessions in the mock
        "funding": json_number(Decimal(0)),
    }
