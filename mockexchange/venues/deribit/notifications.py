"""Deribit's `user.*` notifications of one change of a user's (a trade, an order's change, a delivery, a move of
cash), rendered once for every connection of its user: the data of each channel family is rendered on first use,
valued at that moment, and kept for the others; each connection's channel name, as it subscribed it, is spliced into
the envelope. `TradeNotifications` is a trade's: `user.changes`, `user.trades` and `user.portfolio`.

A frame is exactly what `orjson.dumps` writes for `envelope.notification("subscription", {"channel", "data"})`
(`tests/test_deribit_websocket.py` checks it against the envelope written whole).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

import orjson

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.outbox import Shared

_HEAD = b'{"jsonrpc":"2.0","method":"subscription","params":{"channel":'
_NONE = b""  # a family with nothing to send for this change (the exchange refused a read while rendering it)
# What a change on its way holds before it is rendered, in bytes (an outbox counts it, venues/outbox.py): the object,
# the bus's `Change` and its payload (a trade, an order: measured about 1,000), each rendering counted as it is kept.
CHANGE_BYTES = 1536
Of = TypeVar("Of", Instrument, None)  # the instrument the change is of (None: a move of cash, of none)


class UserNotifications(Shared, Generic[Of]):
    """One change on its way to the connections of its user: what they all share. A kind of change says what it is
    of (`_instrument`), whose it is (`_ours`: one wallet's), under which key a channel's data is kept (`_key`: None
    for a channel it is no news to) and that data (`_data_json`)."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self.size, self._holders = CHANGE_BYTES, None  # (Shared's, set here: one call less per change)
        self._data: dict[str, bytes] = {}  # key -> `,"data":...}}`: the rest of the frame after the channel name

    def frames(
        self, exchange: DeribitExchange, caller: Authenticated, channels: Iterable[Channel]
    ) -> list[tuple[str, str]]:
        """(channel name, frame text) for each of `channels` this change is news to, for a connection bound to
        `caller`: nothing when the change is not of the caller's wallet."""
        frames = []
        with exchange.reading():
            try:
                wallet = exchange.accounts.wallet(caller.credential.user_id, caller.credential.subaccount_id)
                instrument = self._instrument(exchange)
            except ExchangeError:
                return []
            if not self._ours(caller.credential.user_id, wallet.id):
                return []
            for channel in channels:
                key = self._key(channel, instrument)
                if key is None:
                    continue
                data = self._data.get(key)
                if data is None:
                    data = self._data[key] = self._render(exchange, key, instrument)
                if data:
                    frames.append((channel.name, (_HEAD + orjson.dumps(channel.name) + data).decode()))
        return frames

    def _render(self, exchange: DeribitExchange, key: str, instrument: Of) -> bytes:
        try:
            data = self._data_json(exchange, key, instrument)
        except ExchangeError:
            return _NONE
        # Concatenated: a copy of its own size (the bytes orjson returns keep a buffer of 4 KiB or more).
        return self.kept(b',"data":' + data + b"}}") if data else _NONE

    def _instrument(self, exchange: DeribitExchange) -> Of:
        raise NotImplementedError

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        raise NotImplementedError

    def _key(self, channel: Channel, instrument: Of) -> str | None:
        raise NotImplementedError

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: Of) -> bytes:
        raise NotImplementedError


def portfolio_json(exchange: DeribitExchange, user_id: str, currency: str, wallet_id: int) -> bytes:
    """`user.portfolio.{currency}`'s data: the wallet's figures in the currency now."""
    return orjson.dumps(render.portfolio(exchange.valuation.account_summary(user_id, currency, wallet_id)))


class TradeNotifications(UserNotifications[Instrument]):
    """One trade on its way to the connections of its user: each family's data kept under its name."""

    __slots__ = ("trade", "_trade_row")

    def __init__(self, trade: DeribitTrade) -> None:
        super().__init__()
        self.trade = trade
        self._trade_row: bytes | None = None  # the trade's row as JSON, shared by `trades` and `changes`

    def _instrument(self, exchange: DeribitExchange) -> Instrument:
        return exchange.market.instrument(self.trade.instrument_name)

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        return self.trade.account_id == wallet_id

    def _key(self, channel: Channel, instrument: Instrument) -> str | None:
        if channel.family == "orders":  # a trade changes no resting order (they never match)
            return None
        if channel.family == "portfolio":
            if not channel.tells_of(instrument.settlement_currency):
                return None
        elif not channel.carries(instrument):
            return None
        return channel.family

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: Instrument) -> bytes:
        trade = self.trade
        if key == "portfolio":
            return portfolio_json(exchange, trade.user_id, instrument.settlement_currency, trade.account_id)
        if self._trade_row is None:
            self._trade_row = self.kept(orjson.dumps(render.trade(trade, instrument.contract_size)))
        if key == "trades":
            return b"[" + self._trade_row + b"]"
        position = exchange.valuation.position(trade.user_id, trade.instrument_name, trade.account_id)
        return orjson.dumps(render.changes(trade.instrument_name, position, [orjson.Fragment(self._trade_row)], []))
