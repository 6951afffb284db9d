"""Deribit's `user.portfolio.{currency}` notification of a move of cash (core's `cash` change: a deposit, a
withdrawal or its cancelling, a transfer in or out), for every connection bound to the wallet it moved: the wallet's
figures in that currency once it moved, rendered once and kept. `user.changes` and `user.trades` carry nothing: they
are about trades, positions and orders, which a move of cash does not touch.

The same interface as `notifications.TradeNotifications`, so the websocket's sender treats every kind alike.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import BookError
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.notifications import CHANGE_BYTES
from mockexchange.venues.outbox import Shared

_HEAD = b'{"jsonrpc":"2.0","method":"subscription","params":{"channel":'


class CashNotifications(Shared):
    __slots__ = ("user_id", "wallet_id", "currency", "_data")

    def __init__(self, user_id: str, payload: tuple[int, str, object]) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self.user_id = user_id
        self.wallet_id, self.currency, _ = payload
        self._data: bytes | None = None  # `,"data":{...}}}`, rendered on first use

    def frames(
        self, book: DerivativesBook, caller: Authenticated, channels: Iterable[Channel]
    ) -> list[tuple[str, str]]:
        frames = []
        with book.reading():
            try:
                wallet = book.accounts.wallet(caller.credential.user_id, caller.credential.subaccount_id)
            except BookError:
                return []
            if caller.credential.user_id != self.user_id or wallet.id != self.wallet_id:
                return []
            for channel in channels:
                if channel.family != "portfolio" or channel.currency != self.currency:
                    continue
                if self._data is None:
                    self._data = self._render(book)
                if self._data:
                    frames.append((channel.name, (_HEAD + orjson.dumps(channel.name) + self._data).decode()))
        return frames

    def _render(self, book: DerivativesBook) -> bytes:
        try:
            summary = book.valuation.account_summary(self.user_id, self.currency, self.wallet_id)
        except BookError:
            return b""
        return self.kept(b',"data":' + orjson.dumps(render.portfolio(summary)) + b"}}")
