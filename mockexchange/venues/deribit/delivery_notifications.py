"""Deribit's `user.*` notifications of one delivery at expiry (core's `Delivery`), for every connection of its user:
`user.changes` (no trades, the position now flat, no orders) and `user.portfolio` (the account summary the delivery
moved), each rendered once for the wallet and kept; `user.trades` carry nothing (a delivery is not a trade).

The same interface as `notifications.TradeNotifications`, so the websocket's sender treats both alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import BookError
from mockexchange.core.deribit.records import Delivery
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.notifications import CHANGE_BYTES
from mockexchange.venues.outbox import Shared

_HEAD = b'{"jsonrpc":"2.0","method":"subscription","params":{"channel":'


class DeliveryNotifications(Shared):
    __slots__ = ("delivery", "_data")

    def __init__(self, delivery: Delivery) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self.delivery = delivery
        self._data: dict[str, bytes] = {}  # family -> `,"data":{...}}}`

    def frames(
        self, book: DerivativesBook, caller: Authenticated, channels: Iterable[Channel]
    ) -> list[tuple[str, str]]:
        delivery = self.delivery
        frames = []
        with book.reading():
            try:
                wallet = book.accounts.wallet(caller.credential.user_id, caller.credential.subaccount_id)
                instrument = book.market.instrument(delivery.instrument_name)
            except BookError:
                return []
            if delivery.user_id != caller.credential.user_id or delivery.account_id != wallet.id:
                return []
            for channel in channels:
                if channel.family == "portfolio":
                    if channel.currency != delivery.currency:
                        continue
                elif channel.family != "changes" or not channel.carries(instrument):
                    continue
                data = self._data.get(channel.family)
                if data is None:
                    data = self._data[channel.family] = self._render(book, channel.family)
                if data:
                    frames.append((channel.name, (_HEAD + orjson.dumps(channel.name) + data).decode()))
        return frames

    def _render(self, book: DerivativesBook, family: str) -> bytes:
        delivery = self.delivery
        try:
            body: Any
            if family == "portfolio":
                summary = book.valuation.account_summary(delivery.user_id, delivery.currency, delivery.account_id)
                body = render.portfolio(summary)
            else:
                position = book.valuation.position(delivery.user_id, delivery.instrument_name, delivery.account_id)
                body = {
                    "instrument_name": delivery.instrument_name,
                    "trades": [],
                    "positions": [render.position(position)],
                    "orders": [],
                }
        except BookError:
            return b""
        return self.kept(b',"data":' + orjson.dumps(body) + b"}}")
