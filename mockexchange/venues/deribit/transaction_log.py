"""`private/get_transaction_log`: every move of a wallet's cash in one currency (trades, deliveries, deposits,
withdrawals and their refunds, transfers), newest first, from the exchange's log (`core/deribit/cash_log.py`), paged by
`continuation` (the id of the next older entry), filtered by `query`'s keywords.

Each entry carries Deribit's required fields (`id`, `currency`, `timestamp`, `user_id`, `username`, `user_seq`,
`type`, `change`, `cashflow`, `commission`, `balance`) and what its type adds: a trade's or delivery's
`instrument_name`, `side` (`open buy`, `close sell`), `amount`, `price`, `position`, `mark_price`, `index_price`, a
trade's `trade_id`, `order_id`, `user_role` and `fee_role`; `info` holds a cash move's address and transaction id, a
transfer's id and other side. Amounts to 8 places, as the account summary's. No `equity`: the mock does not keep
the equity of every moment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.records import LogEntry
from mockexchange.core.numbers import INT64_MAX
from mockexchange.core.values import Integer, Text
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.history import history_wallet
from mockexchange.venues.deribit.methods import Method, RpcCall

DEFAULT_COUNT, MAX_COUNT = 100, 250
QUERY = Text(128, blank=True)  # `query`: at most 128 characters (the mock's bound)
COUNT, CONTINUATION = Integer(1, MAX_COUNT), Integer(1, INT64_MAX)
# Keywords Deribit documents for `query` that name something the mock never logs: they match nothing.
NEVER_LOGGED = frozenset({"liquidation", "settlement", "correction", "block_trade", "swap", "maker"})
INFO = frozenset({"address", "transaction_id", "state", "withdrawal_id", "fee", "transfer_id", "other_side",
                  "transfer_type"})  # fmt: skip


def _keywords(entry: LogEntry) -> set[str]:
    """What `query` may name of an entry: its type, its side's words, its instrument's kind, the taker role of a
    trade, a cash move's address and a transfer's other side."""
    details = dict(entry.details)
    words = {entry.type}
    words.update(str(details.get("side", "")).split())
    if "kind" in details:
        words.add(str(details["kind"]))
    if entry.type == "trade":
        words.add("taker")
    for name in ("address", "other_side", "instrument_name"):
        if name in details:
            words.add(str(details[name]))
    return words


def _query(call: RpcCall) -> list[str] | None:
    text = call.params.read("query", QUERY)
    return None if text is None else text.split()


def _value(value: object) -> Any:
    """A detail's number to the places the exchange keeps (8: a delivery's figures are computed, so may run longer)."""
    return render.number(value, render.PRICE) if isinstance(value, Decimal) else value


def _money(value: Decimal) -> Any:
    return render.number(value, render.SUMMARY)


def log_row(entry: LogEntry) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": entry.id,
        "user_seq": entry.user_seq,
        "user_id": entry.account_id,
        "username": entry.username,
        "currency": entry.currency,
        "type": entry.type,
        "timestamp": unix_ms(entry.timestamp),
        "change": _money(entry.change),
        "cashflow": _money(entry.cashflow),
        "commission": _money(entry.commission),
        "balance": _money(entry.balance),
    }
    info: dict[str, Any] = {}
    for name, value in entry.details:
        if name == "kind":
            continue
        if name in INFO:
            info[name] = _value(value)
        elif value is not None:
            row[name] = _value(value)
    if entry.type == "trade":
        row["user_role"] = row["fee_role"] = "taker"  # the mock's trades are the taker's ("liquidity": "T")
    row["info"] = info
    return row


def private_get_transaction_log(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    start, end = call.params.time("start_timestamp"), call.params.time("end_timestamp")
    count = call.params.read("count", COUNT, DEFAULT_COUNT)
    said = "continuation must be one a previous page gave"
    before = call.params.read("continuation", CONTINUATION, reason="invalid continuation", said=said)
    words = _query(call)
    wanted = None
    if words is not None:

        def wanted(entry: LogEntry) -> bool:
            found = _keywords(entry)
            return all(word in found and word not in NEVER_LOGGED for word in words)

    exchange = call.ctx.exchange
    with exchange.reading():
        _, wallet = history_wallet(call)
        page, continuation = exchange.cash_log.transaction_log(
            wallet.id, currency, start, end, count=count, before=before, wanted=wanted
        )
        return {"logs": [log_row(entry) for entry in page], "continuation": continuation}


METHODS: dict[str, Method] = {
    "private/get_transaction_log": Method(private_get_transaction_log, "account:read"),
}
