"""The transaction log of the Deribit exchange: one `LogEntry` for every move of a wallet's cash balance (a trade, a
delivery, a deposit, a withdrawal or its refund, a transfer), kept per wallet in the order they were made, with the
balance after each. What `private/get_transaction_log` reads. Each account keeps its newest `history_size` entries
(wallet_history.py); a wallet's `user_seq` counts on past the ones dropped."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from itertools import islice

from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.records import LogEntry
from mockexchange.core.deribit.wallets import Wallet


class CashLog:
    """The log's keeping and its read: every move of cash on the exchange calls `log`."""

    def __init__(self, state: ExchangeState) -> None:
        self.state = state

    def log(
        self,
        wallet: Wallet,
        user_id: str,
        currency: str,
        kind: str,
        change: Decimal,
        *,
        cashflow: Decimal | None = None,
        commission: Decimal = ZERO,
        details: Iterable[tuple[str, object]] = (),
        at: datetime | None = None,
    ) -> LogEntry:
        """Log a move already made to `wallet`'s balance (the balance now is the one after it), made now or at `at`
        (a delivery, made at its expiry however late the clock came past it)."""
        state = self.state
        seq = state.log_seq[wallet.id] = state.log_seq.get(wallet.id, 0) + 1
        entry = LogEntry(
            state.next_log_id, seq, user_id, wallet.id, wallet.username, currency, kind,
            state.clock.now() if at is None else at, change, change if cashflow is None else cashflow, commission,
            wallet.balance(currency), tuple(details),
        )  # fmt: skip
        state.next_log_id += 1
        state.cash_log.add(user_id, wallet.id, entry, state.history_size)
        return entry

    def transaction_log(
        self,
        wallet_id: int,
        currency: str,
        start: datetime,
        end: datetime,
        *,
        count: int,
        before: int | None = None,
        wanted: Callable[[LogEntry], bool] | None = None,
    ) -> tuple[list[LogEntry], int | None]:
        """A wallet's entries in `currency` from `start` to `end` (inclusive), newest first, at most `count` of them,
        none after the entry `before` (a previous page's continuation); and the continuation of the next page (the id
        of the next older entry that matched), None when this page holds the last."""
        with self.state.lock:
            entries = self.state.cash_log.of_wallet(wallet_id)
            end_at = len(entries) if before is None else bisect_right(entries, before, key=lambda e: e.id)
            page: list[LogEntry] = []
            for entry in islice(reversed(entries), len(entries) - end_at, None):
                if entry.currency != currency or not start <= entry.timestamp <= end:
                    continue
                if wanted is not None and not wanted(entry):
                    continue
                if len(page) == count:
                    return page, entry.id
                page.append(entry)
            return page, None
