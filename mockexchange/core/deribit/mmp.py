"""Deribit's market maker protection (MMP): each wallet's configurations per index (and per mass quote group), the
fills of its MMP orders counted over an interval on the exchange clock, and the trigger that cancels them and freezes.

A configuration (`SetDeribitMmpConfig`, `private/set_mmp_config`) names an index (`btc_usd`: its instruments'
`price_index`) and, for mass quotes, an MMP group; interval 0 removes it. Only MMP orders count: those placed with
`mmp: true` (the orders' configuration, group None) and mass quotes (their group's). Each fill of one is counted
into its key's interval, which begins at the first fill and ends `interval` seconds later (a fill after it starts a
new one): its quantity in the underlying's coins (both directions added: an inverse future's USD amount over the
price), its net delta in coins (a future's signed coins; an option's model delta at the fill's index times the
signed amount) and net vega (an option's model vega, USD per volatility point, times the signed amount; futures
none), the mock's greeks (derivatives.py's Black-76) standing for Deribit's. When one limit is met or exceeded
(delta and vega either way), the key triggers: its wallet's open MMP orders of the index (a group's: that group's
quotes) are cancelled through the one cancel road (`cancel_reason` `mmp_trigger`), the key is frozen until now plus
`frozen_time` (0: until `ResetDeribitMmp`), and the trigger is published (`derivatives.mmp_trigger`:
`user.mmp_trigger.{index_name}`). While frozen, a new MMP order or quote of the key is refused (`check_placing`);
the freeze ends when the exchange clock reaches its end, or at a reset.

Fills are noted off the bus as they happen (mmp_records.py's `MmpFills`) and counted by `settle`, which the handlers
call once a command that may fill has run: a trigger never cancels in the middle of a crossing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit import order_entry
from mockexchange.core.deribit.bounds import MAX_AMOUNT, ZERO, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.kinds import ACCOUNT_ID, INDEX
from mockexchange.core.deribit.mmp_records import MmpConfig, MmpKey, MmpTriggered, MmpWindow
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.money import plain
from mockexchange.core.values import Decimals, Integer, Refused, Text

TRIGGER = "derivatives.mmp_trigger"  # the change a trigger publishes
MAX_SECONDS = 3600  # an interval's and a frozen time's (Deribit's)
MAX_GROUPS = 16  # mass quote groups per wallet (Deribit's)
MAX_GROUP_NAME = 64
LIMIT = Decimals(Decimal(0), MAX_AMOUNT, 4)  # a limit: at most 4 places (Deribit's)
GROUP = Text(MAX_GROUP_NAME)
SECONDS = Integer(0, MAX_SECONDS)
# Deribit's error names for a refusal (errors.py's codes): frozen, or no configuration where one is needed.
REFUSED = "other_reject"


@dataclass(frozen=True, slots=True)
class SetDeribitMmpConfig(UserCommand):
    """Configure market maker protection of the wallet's MMP orders on one index (a mass quote group's with
    `mmp_group`): interval 0 removes the configuration; otherwise at least one of the three limits is set."""

    name: ClassVar[str] = "set_deribit_mmp_config"
    index_name: str = value(INDEX)
    interval: int = value(SECONDS)
    frozen_time: int = value(SECONDS)
    quantity_limit: Decimal | None = value(LIMIT, None)
    delta_limit: Decimal | None = value(LIMIT, None)
    vega_limit: Decimal | None = value(LIMIT, None)
    max_quote_quantity: Decimal | None = value(LIMIT, None)
    mmp_group: str | None = value(GROUP, None)
    subaccount_id: int | None = value(ACCOUNT_ID, None)

    def check(self) -> None:
        if self.interval and not any((self.quantity_limit, self.delta_limit, self.vega_limit)):
            raise Refused("at least one of quantity_limit, delta_limit and vega_limit must be set (above 0)")


@dataclass(frozen=True, slots=True)
class ResetDeribitMmp(UserCommand):
    """End the freeze of the wallet's MMP orders on one index (a mass quote group's with `mmp_group`) and start its
    counting afresh."""

    name: ClassVar[str] = "reset_deribit_mmp"
    index_name: str = value(INDEX)
    mmp_group: str | None = value(GROUP, None)
    subaccount_id: int | None = value(ACCOUNT_ID, None)


def set_config(exchange: DeribitExchange, given: SetDeribitMmpConfig) -> list[MmpConfig]:
    """The wallet's configurations of the index (and group) once set: none once removed."""
    with exchange.lock:
        wallet = exchange.accounts.wallet(given.user_id, given.subaccount_id)
        mmp = exchange.state.mmp
        key: MmpKey = (wallet.id, given.index_name, given.mmp_group)
        if given.mmp_group is not None:
            _check_group(mmp.configs, key)
        if not given.interval:
            for held in (mmp.configs, mmp.windows, mmp.frozen):
                held.pop(key, None)
            return []
        kept = mmp.configs.get(key)
        number = kept.id if kept is not None else mmp.next_id
        mmp.next_id += kept is None
        mmp.configs[key] = MmpConfig(
            wallet.id, given.index_name, given.mmp_group, given.interval, given.frozen_time, given.quantity_limit,
            given.delta_limit, given.vega_limit, given.max_quote_quantity, number,
        )  # fmt: skip
        return [mmp.configs[key]]


def _check_group(configs: dict[MmpKey, MmpConfig], key: MmpKey) -> None:
    """A group belongs to one index; a wallet has at most `MAX_GROUPS`."""
    wallet_id, index_name, group = key
    groups: dict[str | None, str] = {k[2]: k[1] for k in configs if k[0] == wallet_id and k[2] is not None}
    if groups.get(group, index_name) != index_name:
        said = f"MMP group {group!r} is configured for {groups[group]}, not {index_name}"
        raise ExchangeError(said, param="mmp_group")
    if group not in groups and len(groups) >= MAX_GROUPS:
        raise ExchangeError(f"a wallet configures at most {MAX_GROUPS} MMP groups", param="mmp_group")


def reset(exchange: DeribitExchange, given: ResetDeribitMmp) -> ResetDeribitMmp:
    """The key unfrozen and its counting started afresh; the reset answered."""
    with exchange.lock:
        wallet = exchange.accounts.wallet(given.user_id, given.subaccount_id)
        key: MmpKey = (wallet.id, given.index_name, given.mmp_group)
        exchange.state.mmp.frozen.pop(key, None)
        exchange.state.mmp.windows.pop(key, None)
        return given


def configs(exchange: DeribitExchange, wallet_id: int, index_name: str | None, group: str | None) -> list[MmpConfig]:
    """The wallet's configurations: of one index (every index: None) and one group (the orders': None), by id."""
    with exchange.lock:
        found = [
            config for (wallet, index, named), config in exchange.state.mmp.configs.items()
            if wallet == wallet_id and index_name in (None, index) and named == group
        ]  # fmt: skip
        return sorted(found, key=lambda config: config.id)


def status(
    exchange: DeribitExchange, wallet_id: int, index_name: str | None, group: str | None
) -> list[tuple[MmpKey, datetime | None]]:
    """What of the wallet is frozen now, and until when (None: until a reset): of one index (every one: None), one
    group if given. A freeze whose end the clock has reached is dropped."""
    with exchange.lock:
        mmp, now = exchange.state.mmp, exchange.state.clock.now()
        for key in [key for key in mmp.frozen if not mmp.is_frozen(key, now)]:
            del mmp.frozen[key]
        return sorted(
            ((key, until) for key, until in mmp.frozen.items()
             if key[0] == wallet_id and index_name in (None, key[1]) and group in (None, key[2])),
            key=lambda item: (item[0][1], item[0][2] or ""),
        )  # fmt: skip


def group_config(exchange: DeribitExchange, wallet_id: int, group: str) -> MmpConfig | None:
    """The configuration of a wallet's mass quote group (one index has it), None if it has none."""
    with exchange.lock:
        for (wallet, _, named), config in exchange.state.mmp.configs.items():
            if wallet == wallet_id and named == group:
                return config
        return None


def check_frozen(exchange: DeribitExchange, key: MmpKey) -> None:
    """Refused while the key is frozen (a new MMP order or quote of it)."""
    with exchange.lock:
        mmp = exchange.state.mmp
        if mmp.is_frozen(key, exchange.state.clock.now()):
            until = mmp.frozen[key]
            when = "a reset (private/reset_mmp)" if until is None else until.isoformat()
            what = f"MMP group {key[2]!r}" if key[2] is not None else "MMP orders"
            raise ExchangeError(f"{what} of {key[1]} frozen by a trigger until {when}", status=409, reason=REFUSED)


def check_placing(
    exchange: DeribitExchange, wallet_id: int, instrument: Instrument, group: str | None, direction: str,
    coins: Decimal, replacing: str | None = None,
) -> None:  # fmt: skip
    """An MMP order (a group's quote) of `coins` on the instrument may be placed: its key is not frozen, and its size
    with the key's other open MMP orders on that side of the instrument within `max_quote_quantity` (`replacing`:
    the order it amends, not counted)."""
    key: MmpKey = (wallet_id, instrument.price_index, group)
    check_frozen(exchange, key)
    with exchange.lock:
        config = exchange.state.mmp.configs.get(key)
        if config is None or config.max_quote_quantity is None:
            return
        kept = exchange.state.orders
        resting = [] if kept is None else kept.of_wallet(wallet_id, instrument.instrument_name)
        others = sum(
            (coins_of(instrument, order.remaining, order.price) for order in resting
             if order.mmp and _key_of(order, instrument) == key and order.order_id != replacing
             and order.direction == direction),
            ZERO,
        )  # fmt: skip
        if coins + others > config.max_quote_quantity:
            said = (
                f"{plain(coins)} coins with the {plain(others)} of the other open MMP orders on this side of "
                f"{instrument.instrument_name} pass max_quote_quantity {config.max_quote_quantity:f}"
            )
            raise ExchangeError(said, reason="invalid_amount", param="amount")


def coins_of(instrument: Instrument, amount: Decimal, price: Decimal | None) -> Decimal:
    """An amount in the underlying's coins: an inverse future's USD over its price."""
    if instrument.kind == "future" and instrument.is_inverse:
        return amount / price if price else ZERO
    return amount


def _key_of(order: DerivativeOrder, instrument: Instrument) -> MmpKey:
    return order.account_id, instrument.price_index, order.quote.mmp_group if order.quote is not None else None


def settle(exchange: DeribitExchange) -> list[MmpTriggered]:
    """Count the MMP fills made since the last settle into their keys' intervals; trigger each key a limit is met for
    (module docstring). Called once a command that may fill has run."""
    fills = exchange.mmp_fills.take()
    if not fills:
        return []
    triggered = []
    with exchange.lock:
        for trade in fills:
            key = _count(exchange, trade)
            if key is not None:
                triggered.append(_trigger(exchange, trade.user_id, key))
    return triggered


def _count(exchange: DeribitExchange, trade: DeribitTrade) -> MmpKey | None:
    """Count one fill; the key it triggers (None: none, or not an MMP order's fill, or its key is frozen already)."""
    state = exchange.state
    order = state.orders.orders.get(trade.order_id) if state.orders is not None else None
    if order is None or not order.mmp:
        return None
    instrument = exchange.market.instrument(trade.instrument_name)
    key = _key_of(order, instrument)
    config = state.mmp.configs.get(key)
    if config is None or state.mmp.is_frozen(key, trade.timestamp):
        return None
    window = state.mmp.windows.get(key)
    if window is None or trade.timestamp >= window.started + timedelta(seconds=config.interval):
        window = state.mmp.windows[key] = MmpWindow(trade.timestamp)
    sign = 1 if trade.direction == "buy" else -1
    quantity = coins_of(instrument, trade.amount, trade.price)
    window.quantity += quantity
    if instrument.kind == "future":
        window.delta += sign * quantity
    elif trade.index_price is not None:
        greeks = exchange.market.greeks(exchange.market.listing(instrument.instrument_name), trade.index_price)
        window.delta += sign * trade.amount * greeks.delta
        window.vega += sign * trade.amount * greeks.vega
    met = (
        _met(window.quantity, config.quantity_limit)
        or _met(abs(window.delta), config.delta_limit)
        or _met(abs(window.vega), config.vega_limit)
    )
    return key if met else None


def _met(value: Decimal, limit: Decimal | None) -> bool:
    return limit is not None and limit > ZERO and value >= limit


def _trigger(exchange: DeribitExchange, user_id: str, key: MmpKey) -> MmpTriggered:
    """Freeze the key, cancel its open MMP orders (a group's quotes) for `mmp_trigger`, and tell it."""
    state = exchange.state
    wallet_id, index_name, group = key
    config = state.mmp.configs[key]
    now = state.clock.now()
    until = now + timedelta(seconds=config.frozen_time) if config.frozen_time else None
    state.mmp.frozen[key] = until
    state.mmp.windows.pop(key, None)
    for order in mmp_orders(exchange, wallet_id, index_name, group):
        order_entry.cancel_order(exchange, order.order_id, "mmp_trigger")
    triggered = MmpTriggered(user_id, wallet_id, index_name, group, until)
    state.publish("mmp_trigger", user_id, triggered)
    return triggered


def mmp_orders(exchange: DeribitExchange, wallet_id: int, index_name: str, group: str | None) -> list[DerivativeOrder]:
    """The wallet's open MMP orders of the index: the orders' (group None), or a group's quotes."""
    with exchange.lock:
        kept = exchange.state.orders
        if kept is None:
            return []
        found = []
        for order in kept.of_wallet(wallet_id):
            if not (order.mmp and order.is_open):
                continue
            instrument = exchange.market.instrument(order.instrument_name)
            if _key_of(order, instrument) == (wallet_id, index_name, group):
                found.append(order)
        return found


def frozen_orders(exchange: DeribitExchange) -> list[DerivativeOrder]:
    """Every open MMP order whose key is frozen now: none, if the triggers did their work (the invariant tests')."""
    with exchange.lock:
        mmp, now = exchange.state.mmp, exchange.state.clock.now()
        return [
            order
            for key in list(mmp.frozen) if mmp.is_frozen(key, now)
            for order in mmp_orders(exchange, *key)
        ]  # fmt: skip
