"""Deribit's `user.portfolio.{currency}` notifications that are of no trade: a move of cash (core's `cash` change: a
deposit, a withdrawal or its cancelling, a transfer in or out), for every connection bound to the wallet it moved: the
wallet's figures in that currency once it moved, rendered once and kept; and a channel's first, once subscribed
(`SubscribedPortfolio`): the wallet's figures now, to that channel alone. `user.changes` and `user.trades` carry
nothing: they are about trades, positions and orders, which neither touches.

Kinds of `notifications.UserNotifications`, so the websocket's sender treats every kind alike.
"""

from __future__ import annotations

from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.notifications import UserNotifications, portfolio_json


class CashNotifications(UserNotifications[None]):
    __slots__ = ("user_id", "wallet_id", "currency")

    def __init__(self, user_id: str, payload: tuple[int, str, object]) -> None:
        super().__init__()
        self.user_id = user_id
        self.wallet_id, self.currency, _ = payload

    def _instrument(self, exchange: DeribitExchange) -> None:
        return None  # (a move of cash is of no instrument)

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        return user_id == self.user_id and wallet_id == self.wallet_id

    def _key(self, channel: Channel, instrument: None) -> str | None:
        return channel.family if channel.family == "portfolio" and channel.tells_of(self.currency) else None

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: None) -> bytes:
        return portfolio_json(exchange, self.user_id, self.currency, self.wallet_id)


class SubscribedPortfolio(CashNotifications):
    """A `user.portfolio.{currency}` channel just subscribed: the wallet's figures in `currency` at once (one of these
    for each currency `user.portfolio.any` tells of), as the public channels send what they tell (Deribit's own sends
    one with no trade: ccxt's `watch_balance` returns on a quiet account, docs/known-differences.md)."""

    __slots__ = ("name",)

    def __init__(self, user_id: str, wallet_id: int, channel: Channel, currency: str) -> None:
        super().__init__(user_id, (wallet_id, currency, None))
        self.name = channel.name

    def _key(self, channel: Channel, instrument: None) -> str | None:
        return channel.family if channel.name == self.name else None
