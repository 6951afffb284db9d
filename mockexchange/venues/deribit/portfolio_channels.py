"""One connection's `user.portfolio.{currency}` channels as marks move: the connection is added to the market fan-out
under `("portfolio", currency)` for each currency it holds such a channel of (one the mock lists; every one for
`any`), and a move of an index, a mark or a volatility that values instruments settled in the currency
(`public_channels.moved_currencies`) sends the wallet's figures in it again. Whatever change a portfolio frame is of,
it is not sent when it is what the channel sent last (`news`): an account with nothing open in the currency has
figures no mark moves, and an order's change and its fill, rendered after both, tell one thing. Deribit's own figures
follow its marks (docs/known-differences.md).

Runs on the connection's loop; the figures are rendered as a move of cash renders them (`CashNotifications`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.venues.deribit.cash_notifications import CashNotifications
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.params import CURRENCIES
from mockexchange.venues.deribit.public_channels import MarketItem, moved_currencies
from mockexchange.venues.fanout import Fanout


class PortfolioChannels:
    """The market fan-out keys of one connection's portfolio channels, and the frame each channel sent last."""

    def __init__(self, exchange: DeribitExchange, fanout: Fanout[Any] | None, owner: Any) -> None:
        self.exchange = exchange
        self.fanout = fanout
        self.owner = owner  # the connection the fan-out hands items to
        self._keys: dict[Hashable, Callable[[], None]] = {}
        # channel name -> the hash of the frame it sent last (a hash: a connection may hold 1,000 such names)
        self._sent: dict[str, int] = {}

    @property
    def routed(self) -> bool:
        """Added under a key: market changes may be news to it."""
        return bool(self._keys)

    def route(self, channels: Iterable[Channel], loop: asyncio.AbstractEventLoop | None) -> None:
        """Be added under exactly the keys the held portfolio channels need (None: only leave those no longer)."""
        portfolios = [c for c in channels if c.family == "portfolio"]
        wanted = {("portfolio", currency) for c in portfolios for currency in c.currencies(CURRENCIES)}
        for key in [k for k in self._keys if k not in wanted]:
            self._keys.pop(key)()
        if self.fanout is not None and loop is not None:
            for key in wanted - set(self._keys):
                self._keys[key] = self.fanout.add(key, self.owner, loop)
        held = {c.name for c in channels}
        for name in [n for n in self._sent if n not in held]:
            del self._sent[name]

    def news(self, channel: str, text: str) -> bool:
        """A frame about to be sent on a channel, of any change: False for a portfolio's that repeats what the channel
        sent last (two changes rendered at once, after both: an order's and its fill's), kept otherwise."""
        if not channel.startswith("user.portfolio."):
            return True
        said = hash(text)
        if self._sent.get(channel) == said:
            return False
        self._sent[channel] = said
        return True

    def moved_by(self, item: MarketItem) -> tuple[str, ...]:
        """The currencies of its channels whose figures the item may move (none while it holds no such channel)."""
        return moved_currencies(item, self.exchange.state.listings) if self._keys else ()

    def frames(self, item: MarketItem, caller: Authenticated, channels: list[Channel]) -> list[tuple[str, str]]:
        """(channel name, frame text) of each portfolio channel of a currency the move values (`news` drops those
        whose figures it left as they were)."""
        currencies = self.moved_by(item)
        if not currencies:
            return []
        credential = caller.credential
        try:
            wallet = self.exchange.accounts.wallet(credential.user_id, credential.subaccount_id)
        except ExchangeError:  # (its wallet is gone: it has no figures to tell)
            return []
        found = []
        for currency in currencies:
            moved = CashNotifications(credential.user_id, (wallet.id, currency, None))
            found += moved.frames(self.exchange, caller, channels)
        return found

    def close(self) -> None:
        for remove in self._keys.values():
            remove()
        self._keys.clear()
        self._sent.clear()
