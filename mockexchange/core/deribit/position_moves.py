"""Positions moved between two wallets of one Deribit account (private/move_positions), declared once as a command
(core/commands.py) and made through the one money road: each move is a trade of `amount` at `price` between the source
wallet, which trades against its position (a long one sells), and the target, which takes the other side
(`DeribitTrading.apply_trade`, the two fills sharing one trade id, as a match's). What one side realizes or pays the
other receives: the two wallets' cash and positions together are as they were, valued at `price`. No fee is charged.

Every move is checked before any is made (the wallets are the account's and differ, each instrument listed, unexpired
and priced, each amount a multiple of its step and within what the source holds, the moves of one instrument added
up; each side as a trade is, in order: what each wallet trades and its balance), so a refusal changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, NamedTuple

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.kinds import ACCOUNT_ID, AMOUNT, INSTRUMENT, PRICE
from mockexchange.core.deribit.records import DeribitFill, DeribitTrade
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.core.money import plain
from mockexchange.core.values import Entries

MAX_MOVES = 100  # moves one command makes (Deribit's limit is not published)


class Move(NamedTuple):
    instrument_name: str
    amount: Decimal
    price: Decimal | None = None  # None: the source position's average price (Deribit's default)


@dataclass(frozen=True, slots=True)
class MoveDeribitPositions(UserCommand):
    """Move `amount` of the source wallet's position in each instrument to the target wallet at `price` (the main
    account's id or a subaccount's, both the user's)."""

    name: ClassVar[str] = "move_deribit_positions"
    source_uid: int = value(ACCOUNT_ID)
    target_uid: int = value(ACCOUNT_ID)
    trades: tuple[Move, ...] = value(
        Entries(Move, {"instrument_name": INSTRUMENT, "amount": AMOUNT, "price": PRICE}, MAX_MOVES, "trades")
    )


def move_positions(exchange: DeribitExchange, moving: MoveDeribitPositions) -> list[tuple[DeribitTrade, DeribitTrade]]:
    """Each move's two sides (the source's trade, the target's), in the order given; nothing moved if one is refused."""
    user_id = moving.user_id
    with exchange.lock:
        source, target = (_wallet(exchange, user_id, moving, name) for name in ("source_uid", "target_uid"))
        if source.id == target.id:
            raise ExchangeError("source_uid and target_uid name the same wallet", param="target_uid")
        held = _checked(exchange, moving)
        sides = []
        for move in moving.trades:
            name = exchange.market.instrument(move.instrument_name).instrument_name
            direction, average = held[name]
            other = "buy" if direction == "sell" else "sell"
            price = average if move.price is None else move.price
            sides.append((
                DeribitFill(user_id, name, direction, move.amount, price, subaccount_id=source.id),
                DeribitFill(user_id, name, other, move.amount, price, subaccount_id=target.id),
            ))  # fmt: skip
        # Each side's own checks (what the wallets trade, their balances), all before any is made: a move refused
        # halfway would leave a position taken from the source and never given to the target.
        exchange.trading.check_trades([fill for pair in sides for fill in pair])
        made = []
        for taking, giving in sides:
            taken = exchange.trading.apply_trade(taking)
            made.append((taken, exchange.trading.apply_trade(giving, match=(taken.trade_id, taken.trade_seq))))
        return made


def _wallet(exchange: DeribitExchange, user_id: str, moving: MoveDeribitPositions, name: str) -> Wallet:
    try:
        return exchange.accounts.wallet(user_id, getattr(moving, name))
    except ExchangeError as error:
        raise ExchangeError(f"{name}: {error}", status=404, param=name) from None


def _checked(exchange: DeribitExchange, moving: MoveDeribitPositions) -> dict[str, tuple[str, Decimal]]:
    """The source's direction of each instrument's moves (against its position) and its position's average price,
    once every move is checked."""
    wanted: dict[str, Decimal] = {}
    for move in moving.trades:
        try:
            instrument = exchange.market.instrument(move.instrument_name)
        except ExchangeError:
            raise ExchangeError(f"no listed instrument {move.instrument_name!r}", param="trades") from None
        name, step, expiration = instrument.instrument_name, instrument.min_trade_amount, instrument.expiration
        if expiration is not None and exchange.state.clock.now() >= expiration:
            raise ExchangeError(f"{name} has expired", status=409)
        if move.amount % step != ZERO:
            raise ExchangeError(f"{name}: amount must be a multiple of {step}", param="trades")
        if exchange.market.index_or_none(instrument.price_index) is None:
            raise ExchangeError(f"{name}: its index {instrument.price_index} has no price", status=409)
        wanted[name] = wanted.get(name, ZERO) + move.amount
    directions = {}
    for name, amount in wanted.items():
        position = exchange.valuation.position_state(moving.user_id, name, moving.source_uid).position
        held = position.size
        if abs(held) < amount:
            said = f"the source holds {plain(abs(held))} of {name}, less than {amount:f} to move"
            raise ExchangeError(said, param="trades")
        directions[name] = ("sell" if held > ZERO else "buy", position.average_price)
    return directions
