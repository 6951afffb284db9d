"""A Deribit account's risk settings and reads: `private/get_user_locks`, `private/set_self_trading_config`,
`private/change_margin_model`, `private/simulate_portfolio` and `private/move_positions`.

What the mock keeps behind each: the platform's locks (core/deribit/platform.py: an index locked refuses new orders on
its instruments, so a currency of such an instrument reads locked); one self-trading rule and one margin model, those
its matching and margins apply (`reject_taker` within a wallet; `segregated_sm`, the fixed rates of docs/deribit.md),
which the setters confirm and answer 10033 `not_implemented` for any other; a portfolio valued by the account
summary's own code at simulated sizes (core/deribit/valuation.py's `Simulated`); positions moved between two wallets
of the caller's account as trades through the one money road (core/deribit/position_moves.py), which `user.trades`,
`user.changes` and `user.portfolio` tell as any trade.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.deribit.bounds import MAX_AMOUNT, PLACES, ZERO, ExchangeError
from mockexchange.core.deribit.kinds import AMOUNT, PRICE
from mockexchange.core.deribit.position_moves import MAX_MOVES, Move, MoveDeribitPositions
from mockexchange.core.deribit.valuation import Simulated
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.core.values import Choice, Decimals
from mockexchange.venues.deribit import commands, render
from mockexchange.venues.deribit.errors import (
    FORBIDDEN,
    NOT_IMPLEMENTED,
    UNAVAILABLE_IN_SUBACCOUNT,
    RpcError,
    invalid_param,
)
from mockexchange.venues.deribit.methods import Method, RpcCall, reading_wallet, wallet_user
from mockexchange.venues.deribit.params import BOOLEAN, CURRENCIES, INTEGER, STRING, Params
from mockexchange.web.answers import json_number

SELF_TRADING = Choice(("reject_taker", "cancel_maker"))
MARGIN_MODELS = Choice(("cross_pm", "cross_sm", "segregated_pm", "segregated_sm"))
THE_MODEL = "segregated_sm"  # the only margin model the mock has (its account summaries say so)
SIZE = Decimals(-MAX_AMOUNT, MAX_AMOUNT, PLACES)  # a simulated position: signed, short below 0
MAX_SIMULATED = 1000  # instruments one simulation names (Deribit's limit is not published)
RATE_PLACES = 8


def _key_wallet(call: RpcCall, param: str) -> Wallet:
    """The wallet `param` names (the key's own when absent): one of the caller's account; a subaccount key's own
    only."""
    assert call.caller is not None
    credential = call.caller.credential
    requested = call.params.read(param, INTEGER)
    if credential.subaccount_id is not None and requested not in (None, credential.subaccount_id):
        raise RpcError(FORBIDDEN, f"this key acts for subaccount {credential.subaccount_id} only")
    try:
        wallet_id = requested if requested is not None else credential.subaccount_id
        return call.ctx.exchange.accounts.wallet(wallet_user(call), wallet_id)
    except ExchangeError as error:
        raise invalid_param(param, "invalid user_id", str(error)) from None


# -- locks and settings ------------------------------------------------------------------------------------------------


def private_get_user_locks(call: RpcCall) -> Any:
    exchange = call.ctx.exchange
    with reading_wallet(call):  # (the caller's account must exist)
        _, indices = exchange.platform.status()
        locked: dict[str, list[str]] = {}
        for instrument in exchange.market.instruments():
            if instrument.price_index in indices:
                locked.setdefault(instrument.settlement_currency, []).append(instrument.price_index)
    rows = []
    for currency in CURRENCIES:
        row: dict[str, Any] = {"currency": currency, "enabled": currency in locked}
        if currency in locked:
            row["message"] = f"new orders on {', '.join(sorted(set(locked[currency])))} locked by the platform"
        rows.append(row)
    return rows


def private_set_self_trading_config(call: RpcCall) -> Any:
    mode = call.params.read("mode", SELF_TRADING, required=True, reason="invalid mode")
    extended = call.params.read("extended_to_subaccounts", BOOLEAN, required=True)
    call.params.read("block_rfq_self_match_prevention", BOOLEAN)  # (the mock has no Block RFQs)
    if mode != "reject_taker" or extended:
        said = "the mock's matching rejects the taker within one wallet only: mode reject_taker, not extended"
        raise RpcError(NOT_IMPLEMENTED, said)
    with reading_wallet(call):  # (the caller's account must exist; the mock keeps its one rule)
        return "ok"


def _state(summary: Any) -> dict[str, Any]:
    balance = summary.margin_balance
    return {
        "maintenance_margin_rate": _rate(summary.maintenance_margin, balance),
        "initial_margin_rate": _rate(summary.initial_margin, balance),
        "available_balance": render.number(summary.available_funds, render.SUMMARY),
    }


def _rate(margin: Decimal, balance: Decimal) -> Any:
    return json_number(round(margin / balance, RATE_PLACES)) if balance > ZERO else 0


def private_change_margin_model(call: RpcCall) -> Any:
    """The change's effect on each currency the wallet holds: none, as the mock's one model is the one asked for."""
    model = call.params.read("margin_model", MARGIN_MODELS, required=True, reason="invalid margin_model")
    call.params.read("dry_run", BOOLEAN, False)
    exchange = call.ctx.exchange
    with exchange.reading():
        wallet = _key_wallet(call, "user_id")
        if model != THE_MODEL:
            raise RpcError(NOT_IMPLEMENTED, f"the mock margins {THE_MODEL} only, not {model}")
        rows = []
        for currency in [c for c in CURRENCIES if c in wallet.balances] or ["BTC"]:
            summary = exchange.valuation.account_summary(wallet_user(call), currency, wallet.id)
            rows.append({"currency": currency, "old_state": _state(summary), "new_state": _state(summary)})
        return rows


# -- a simulated portfolio ---------------------------------------------------------------------------------------------


def _simulated(call: RpcCall, currency: str) -> tuple[tuple[str, Decimal], ...]:
    """`simulated_positions`: an object of instrument names to sizes (a JSON object, or its JSON text, from a query
    or a body), each listed and settled in `currency`."""
    given = call.params.structured("simulated_positions", any_text=True)
    if given is None:
        return ()
    if not isinstance(given, dict) or len(given) > MAX_SIMULATED:
        said = f"simulated_positions must be an object of at most {MAX_SIMULATED} instrument names and sizes"
        raise invalid_param("simulated_positions", "must be an object", said)
    sizes = []
    for name, size in given.items():
        try:
            instrument = call.ctx.exchange.market.instrument(name)
        except ExchangeError:
            raise invalid_param("simulated_positions", "instrument not found", f"no listed {name[:64]!r}") from None
        if instrument.settlement_currency != currency:
            said = f"{name} settles in {instrument.settlement_currency}, not {currency}"
            raise invalid_param("simulated_positions", "invalid currency", said)
        try:
            sizes.append((instrument.instrument_name, Params({name: size}).read(name, SIZE, required=True)))
        except RpcError as error:
            raise invalid_param("simulated_positions", "invalid size", error.diagnosis) from None
    return tuple(sizes)


def private_simulate_portfolio(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    add = call.params.read("add_positions", BOOLEAN, True)
    exchange = call.ctx.exchange
    with reading_wallet(call) as wallet:
        simulated = Simulated(_simulated(call, currency), add)
        summary = exchange.valuation.account_summary(wallet_user(call), currency, wallet.id, simulated)
        return {**render.portfolio(summary), "margin_model": THE_MODEL}


# -- positions moved ---------------------------------------------------------------------------------------------------


def _moves(call: RpcCall, currency: str | None) -> tuple[Move, ...]:
    """`trades`: a list of `{instrument_name, amount, price?}` (a JSON array, or its text from a query; no price: the
    source position's average price)."""
    given = call.params.structured("trades")
    if not isinstance(given, list) or not 1 <= len(given) <= MAX_MOVES or not all(isinstance(t, dict) for t in given):
        said = f"trades must be a list of 1 to {MAX_MOVES} objects of instrument_name, price and amount"
        raise invalid_param("trades", "must be present" if given is None else "must be an array", said)
    moves = []
    for item in given:
        read = Params(item)
        try:
            move = Move(read.read("instrument_name", STRING, required=True), read.read("amount", AMOUNT, required=True),
                        read.read("price", PRICE))  # fmt: skip
        except RpcError as error:
            raise invalid_param("trades", "invalid trade", error.diagnosis) from None
        moves.append(move)
    if currency is not None:  # (an instrument not listed is the command's refusal)
        with call.ctx.exchange.reading():
            listed = {i.instrument_name: i.settlement_currency for i in call.ctx.exchange.market.instruments()}
        for move in moves:
            if listed.get(move.instrument_name, currency) != currency:
                said = f"{move.instrument_name} does not settle in {currency}"
                raise invalid_param("trades", "invalid currency", said)
    return tuple(moves)


def private_move_positions(call: RpcCall) -> Any:
    assert call.caller is not None
    if call.caller.credential.subaccount_id is not None:
        raise RpcError(UNAVAILABLE_IN_SUBACCOUNT, "positions are moved by the main account's key")
    currency = call.params.currency(allow_any=False)
    source = call.params.read("source_uid", INTEGER, required=True)
    target = call.params.read("target_uid", INTEGER, required=True)
    moving = commands.make(
        MoveDeribitPositions, param="trades", user_id=wallet_user(call), source_uid=source, target_uid=target,
        trades=_moves(call, currency),
    )  # fmt: skip
    made = commands.execute(call.ctx, moving, param="source_uid")
    return {"trades": [{
        "source_uid": source, "target_uid": target, "instrument_name": taken.instrument_name,
        "direction": taken.direction, "price": json_number(taken.price), "amount": json_number(taken.amount),
    } for taken, _ in made]}  # fmt: skip


METHODS: dict[str, Method] = {
    "private/get_user_locks": Method(private_get_user_locks, "account:read"),
    "private/set_self_trading_config": Method(private_set_self_trading_config, "account:read_write", write=True),
    "private/change_margin_model": Method(private_change_margin_model, "account:read_write"),
    "private/simulate_portfolio": Method(private_simulate_portfolio, "account:read"),
    "private/move_positions": Method(private_move_positions, "trade:read_write", write=True),
}
