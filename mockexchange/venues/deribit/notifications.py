"""Deribit's `user.*` notifications of one trade, rendered once for every connection of its user: the data of each
channel family (`user.changes`, `user.trades`, `user.portfolio`) is rendered on first use, valued at that moment,
and kept for the others; each connection's channel name, as it subscribed it, is spliced into the envelope.

A frame is exactly what `orjson.dumps` writes for `envelope.notification("subscription", {"channel", "data"})`
(`tests/test_deribit_websocket.py` checks it against the envelope written whole).
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import BookError
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import Trade
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.outbox import Shared

_HEAD = b'{"jsonrpc":"2.0","method":"subscription","params":{"channel":'
_NONE = b""  # a family with nothing to send for this trade (the book refused a read while rendering it)
# What a change on its way holds before it is rendered, in bytes (an outbox counts it, venues/outbox.py): the object,
# the bus's `Change` and its payload (a trade, an order: measured about 1,000), each rendering counted as it is kept.
CHANGE_BYTES = 1536


class TradeNotifications(Shared):
    """One trade on its way to the connections of its user: what they all share."""

    __slots__ = ("trade", "_data", "_trade_row")

    def __init__(self, trade: Trade) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self.trade = trade
        # (wallet id, family) -> `,"data":{...}}}`: the rest of the frame after the channel name
        self._data: dict[tuple[int, str], bytes] = {}
        self._trade_row: bytes | None = None  # the trade's row as JSON, shared by `trades` and `changes`

    def frames(
        self, book: DerivativesBook, caller: Authenticated, channels: Iterable[Channel]
    ) -> list[tuple[str, str]]:
        """(channel name, frame text) for each of `channels` this trade is news to, for a connection bound to
        `caller`: nothing when the trade is not of the caller's wallet."""
        trade = self.trade
        frames = []
        with book.reading():
            try:
                wallet = book.accounts.wallet(caller.credential.user_id, caller.credential.subaccount_id)
                instrument = book.market.instrument(trade.instrument_name)
            except BookError:
                return []
            if trade.account_id != wallet.id:
                return []
            for channel in channels:
                if channel.family == "orders":  # a trade changes no resting order (they never match)
                    continue
                if channel.family == "portfolio":
                    if channel.currency != instrument.settlement_currency:
                        continue
                elif not channel.carries(instrument):
                    continue
                key = (wallet.id, channel.family)
                data = self._data.get(key)
                if data is None:
                    data = self._data[key] = self._render(book, channel.family, instrument, wallet.id)
                if data:
                    frames.append((channel.name, (_HEAD + orjson.dumps(channel.name) + data).decode()))
        return frames

    def _render(self, book: DerivativesBook, family: str, instrument: Instrument, wallet_id: int) -> bytes:
        data = self._data_json(book, family, instrument, wallet_id)
        # Concatenated: a copy of its own size (the bytes orjson returns keep a buffer of 4 KiB or more).
        return self.kept(b',"data":' + data + b"}}") if data else _NONE

    def _data_json(self, book: DerivativesBook, family: str, instrument: Instrument, wallet_id: int) -> bytes:
        trade = self.trade
        try:
            if family == "portfolio":
                summary = book.valuation.account_summary(trade.user_id, instrument.settlement_currency, wallet_id)
                return orjson.dumps(render.portfolio(summary))
            if self._trade_row is None:
                self._trade_row = self.kept(orjson.dumps(render.trade(trade, instrument.contract_size)))
            if family == "trades":
                return b"[" + self._trade_row + b"]"
            position = book.valuation.position(trade.user_id, trade.instrument_name, wallet_id)
            return orjson.dumps(
                {
                    "instrument_name": trade.instrument_name,
                    "trades": [orjson.Fragment(self._trade_row)],
                    "positions": [render.position(position)],
                    "orders": [],
                }
            )
        except BookError:
            return _NONE
