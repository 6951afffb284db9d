"""Deribit's private subscription channels the mock serves, read from their names, and which trades they carry:
`user.changes.{kind}.{currency}.{interval}`, `user.changes.{instrument_name}.{interval}`,
`user.trades.{kind}.{currency}.{interval}`, `user.trades.{instrument_name}.{interval}`, `user.portfolio.{currency}`,
`user.orders.{kind}.{currency}.{interval}`, `user.orders.{instrument_name}.{interval}` (orders: `orders.py`),
`user.mmp_trigger.{index_name}` (mmp_notifications.py).
`kind` and `currency` may be `any`; currency codes in any case (ccxt sends `BTC`, captured notifications say `btc`);
the channel is echoed as the client wrote it."""

from __future__ import annotations

from dataclasses import dataclass

from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.faults import Channels
from mockexchange.venues.deribit.methods import POSITION_KINDS
from mockexchange.venues.deribit.params import CURRENCIES

INTERVALS = ("raw", "100ms", "agg2")
# The channels served, by family, as a refusal of another and the serve banner name them: the account's own, and the
# public market data (public_channels.py and the families' modules).
PRIVATE = ("user.orders.*", "user.trades.*", "user.changes.*", "user.portfolio.*", "user.mmp_trigger.*")
PUBLIC = (
    "book.*", "ticker.*", "quote.*", "incremental_ticker.*", "trades.*", "chart.trades.*", "instrument.state.*",
    "deribit_price_index.*", "markprice.options.*", "perpetual.*", "platform_state", "announcements",
)  # fmt: skip
SERVED = PRIVATE + PUBLIC
# The channels a fault rule may delay: a prefix of a private one's name, in any case (docs/misbehaving.md).
_PRIVATE_PREFIX = "user."
FAULT_CHANNELS = Channels(
    lambda channel: channel.casefold().startswith(_PRIVATE_PREFIX),
    f"a prefix of a Deribit channel starting with {_PRIVATE_PREFIX!r} (user.portfolio)",
)


@dataclass(frozen=True, slots=True)
class Channel:
    name: str  # as subscribed
    family: str  # "changes", "trades", "portfolio", "orders", "mmp_trigger"
    kind: str | None = None  # None: any
    currency: str | None = None  # None: any
    instrument_name: str | None = None
    index_name: str | None = None  # mmp_trigger's

    def tells_of(self, currency: str) -> bool:
        """A portfolio channel of `currency`, or of `any` (every currency's figures, each as it moves)."""
        return self.currency in (None, currency)

    def currencies(self, listed: tuple[str, ...]) -> tuple[str, ...]:
        """The currencies of `listed` a portfolio channel tells of."""
        return listed if self.currency is None else tuple(c for c in listed if c == self.currency)

    def carries(self, instrument: Instrument) -> bool:
        if self.index_name is not None:  # user.mmp_trigger: a trigger's, no instrument's
            return False
        if self.instrument_name is not None:
            return instrument.instrument_name == self.instrument_name
        return self.kind in (None, instrument.kind) and self.currency in (None, instrument.settlement_currency)


def is_currency(text: str) -> bool:
    """A coin code or `any`. Any coin code: ccxt.pro's watch_balance subscribes user.portfolio.SOL too, beyond the
    AsyncAPI's enum."""
    upper = text.upper()
    return upper == "ANY" or (upper.isalpha() and upper.isascii() and 2 <= len(upper) <= 10)


def currency_of(text: str) -> str | None:
    """The code a channel names (one `is_currency` took); None for `any`."""
    upper = text.upper()
    return None if upper == "ANY" else upper


def parse_channel(name: str) -> Channel | str:
    """The channel, or why the mock does not serve it."""
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "user":
        return f"the mock serves {', '.join(SERVED)} only"
    family = parts[1]
    if family == "portfolio":
        if len(parts) != 3 or not is_currency(parts[2]):
            return "user.portfolio.{currency} takes one currency, or any"
        return Channel(name, family, currency=currency_of(parts[2]))
    if family == "mmp_trigger":
        index = parts[2].lower() if len(parts) == 3 else ""
        if not index.replace("_", "").isalnum() or not index.isascii():
            return "user.mmp_trigger.{index_name} takes one index (btc_usd)"
        return Channel(name, family, index_name=index)
    if family not in ("changes", "trades", "orders"):
        return f"user.{family} is not served"
    if parts[-1] not in INTERVALS:
        return f"interval must be one of {', '.join(INTERVALS)}"
    if len(parts) == 5:
        kind = None if parts[2] == "any" else parts[2]
        if kind is not None and kind not in POSITION_KINDS:
            return f"kind {parts[2]!r} is not one of {', '.join(POSITION_KINDS)}, any"
        if not is_currency(parts[3]):
            return f"currency {parts[3]!r} is not a currency code ({', '.join(CURRENCIES)}, ...) or any"
        return Channel(name, family, kind=kind, currency=currency_of(parts[3]))
    if len(parts) == 4:
        return Channel(name, family, instrument_name=parts[2])
    return "malformed channel name"
