"""Deribit's `user.*` notifications of one delivery at expiry (core's `Delivery`), for every connection of its user:
`user.changes` (no trades, the position now flat, no orders) and `user.portfolio` (the account summary the delivery
moved), each rendered once for the wallet and kept; `user.trades` carry nothing (a delivery is not a trade).

A kind of `notifications.UserNotifications`, so the websocket's sender treats every kind alike.
"""

from __future__ import annotations

import orjson

from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import Delivery
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.notifications import UserNotifications, portfolio_json


class DeliveryNotifications(UserNotifications[Instrument]):
    __slots__ = ("delivery",)

    def __init__(self, delivery: Delivery) -> None:
        super().__init__()
        self.delivery = delivery

    def _instrument(self, exchange: DeribitExchange) -> Instrument:
        return exchange.market.instrument(self.delivery.instrument_name)

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        return self.delivery.user_id == user_id and self.delivery.account_id == wallet_id

    def _key(self, channel: Channel, instrument: Instrument) -> str | None:
        if channel.family == "portfolio":
            return channel.family if channel.tells_of(self.delivery.currency) else None
        return channel.family if channel.family == "changes" and channel.carries(instrument) else None

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: Instrument) -> bytes:
        delivery = self.delivery
        if key == "portfolio":
            return portfolio_json(exchange, delivery.user_id, delivery.currency, delivery.account_id)
        position = exchange.valuation.position(delivery.user_id, delivery.instrument_name, delivery.account_id)
        return orjson.dumps(render.changes(delivery.instrument_name, position, [], []))
