"""The method table of Deribit API v2 as the mock serves it: each method reads its params, asks the exchange, renders.

The same table answers HTTP and the websocket; a few methods exist on the websocket only (subscriptions and the
heartbeat, in `websocket.py`). A private method gets the authenticated caller; the route has established it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.auth.deribit.tokens import TokenGrant
from mockexchange.core.clock import epoch_ms, unix_ms
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.wallets import Wallet
from mockexchange.core.stepping import EVERYTHING, Footprint
from mockexchange.core.values import Choice
from mockexchange.venues import admission
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.context import DeribitContext, require_scope
from mockexchange.venues.deribit.errors import ERROR, FORBIDDEN, NOT_FOUND, RpcError, from_auth, invalid_param
from mockexchange.venues.deribit.params import BOOLEAN, CURRENCIES, INTEGER, STRING, Params

VERSION = "1.2.26"  # what public/test answers (Deribit's documented example)
POSITION_KINDS = ("future", "option", "spot", "future_combo", "option_combo")
# A kind of instrument a read of orders or trades names (`any`: every kind), and those the mock lists none of.
ORDER_KIND = Choice(("future", "option", "spot", "future_combo", "option_combo", "combo", "any"))
UNLISTED_KINDS = frozenset(("spot", "future_combo", "option_combo", "combo"))
INSTRUMENT_KIND = Choice(POSITION_KINDS)
WS_ONLY = frozenset({
    "public/set_heartbeat", "public/disable_heartbeat", "public/subscribe", "private/subscribe",
    "public/unsubscribe", "private/unsubscribe", "public/unsubscribe_all", "private/unsubscribe_all",
    # cancel on disconnect (cancel_on_disconnect.py): Deribit documents an error over HTTP, not its code
    "private/enable_cancel_on_disconnect", "private/disable_cancel_on_disconnect", "private/get_cancel_on_disconnect",
    "private/logout",  # Deribit: a 400 over HTTP (websocket.py serves it)
})  # fmt: skip


@dataclass(slots=True)
class RpcCall:
    ctx: DeribitContext
    params: Params
    caller: Authenticated | None = None
    connection_id: str | None = None  # the websocket's, None over HTTP


Handler = Callable[[RpcCall], Any]


@dataclass(frozen=True, slots=True)
class Method:
    handler: Handler
    scope: str | None = None  # a private method's scope; None: public
    # A write (a control-plane command): run in a worker thread, as its command may wait on the state file.
    write: bool = False
    # What it reads, for a long command running beside it (core/stepping.py): a private read, the caller's own
    # account's (a long command names every account with an order or a position where it trades); a public one
    # named `instrument`, that instrument's; any other, anything: it waits for the command's end.
    instrument: bool = False


def book_error(error: ExchangeError, param: str | None = None) -> RpcError:
    if param is not None and error.status in (400, 404):
        return invalid_param(param, "invalid value", str(error))
    return RpcError(NOT_FOUND if error.status == 404 else ERROR, str(error))


# -- public ---------------------------------------------------------------------------------------------------------


def public_test(call: RpcCall) -> Any:
    if call.params.get("expected_result") == "exception":
        raise RpcError(ERROR, "public/test was asked for an exception (expected_result=exception)")
    return {"version": VERSION}


def public_get_time(call: RpcCall) -> Any:
    return epoch_ms(call.ctx.wall_clock)


def public_auth(call: RpcCall) -> Any:
    return token_result(call.ctx.auth.public_auth(call.params.values, connection_id=call.connection_id))


def token_result(grant: TokenGrant | AuthFailure) -> dict[str, Any]:
    """A grant of tokens as Deribit answers it (public/auth, fork_token, exchange_token); a failure raised."""
    if isinstance(grant, AuthFailure):
        raise from_auth(grant)
    result: dict[str, Any] = {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "refresh_token": grant.refresh_token,
        "scope": grant.scope,
        "token_type": grant.token_type,
        "enabled_features": [],
    }
    if grant.state is not None:
        result["state"] = grant.state
    return result


def public_get_currencies(call: RpcCall) -> Any:
    return [render.currency(facts) for facts in render.CURRENCY_FACTS]


def public_get_instruments(call: RpcCall) -> Any:
    # ccxt calls this without `currency` (all markets): a missing currency is `any`.
    currency = call.params.currency()
    kind = call.params.read("kind", INSTRUMENT_KIND)
    expired = call.params.read("expired", BOOLEAN, False)
    exchange = call.ctx.exchange
    with exchange.reading():
        now = exchange.state.clock.now()
        rows = []
        for item in exchange.market.instruments(currency, kind):
            is_expired = item.expiration is not None and now >= item.expiration
            if is_expired == expired:
                rows.append(render.instrument(item, exchange.market.listed_at(item.instrument_name), now))
    return rows


# -- private --------------------------------------------------------------------------------------------------------


def subaccount_of(call: RpcCall) -> int | None:
    """The wallet a call acts on: a subaccount key's own; a main key's, or the `subaccount_id` it names."""
    assert call.caller is not None
    credential = call.caller.credential
    requested = call.params.read("subaccount_id", INTEGER)
    if credential.subaccount_id is not None:
        if requested is not None and requested != credential.subaccount_id:
            raise RpcError(FORBIDDEN, f"this key acts for subaccount {credential.subaccount_id} only")
        return credential.subaccount_id
    return requested


def wallet_of(call: RpcCall, subaccount_id: int | None) -> Wallet:
    assert call.caller is not None
    try:
        return call.ctx.exchange.accounts.wallet(call.caller.credential.user_id, subaccount_id)
    except ExchangeError as error:
        if subaccount_id is not None:
            raise invalid_param("subaccount_id", "invalid subaccount", str(error)) from None
        raise RpcError(ERROR, f"{error}: the key's user has no Deribit account (create_deribit_account)") from None


@contextmanager
def reading_wallet(call: RpcCall) -> Iterator[Wallet]:
    """The wallet a call acts on (`subaccount_of`, read first), under the exchange's read lock."""
    subaccount_id = subaccount_of(call)
    with call.ctx.exchange.reading():
        yield wallet_of(call, subaccount_id)


def source_of(call: RpcCall) -> int | None:
    """The wallet the key acts for (None: the main account), checked to exist before a command runs."""
    subaccount_id = subaccount_of(call)
    with call.ctx.exchange.reading():
        wallet_of(call, subaccount_id)
    return subaccount_id


def passed_deadline(call: RpcCall) -> int | None:
    """`valid_until` (Unix ms) when it is already past on the exchange clock: the request is not processed (None: in
    time, or none given)."""
    valid_until = call.params.read("valid_until", INTEGER)
    if valid_until is not None and valid_until < unix_ms(call.ctx.exchange.state.clock.now()):
        return valid_until
    return None


def wallet_user(call: RpcCall) -> str:
    assert call.caller is not None
    return call.caller.credential.user_id


def listed_instrument(call: RpcCall, name: str | None = None) -> str:
    """`instrument_name` (read from the call's params unless given), required and listed: -32602 for an instrument
    the exchange does not list, as Deribit refuses an unknown one."""
    if name is None:
        name = call.params.read("instrument_name", STRING, required=True)
    try:
        return call.ctx.exchange.market.instrument(name).instrument_name
    except ExchangeError:
        raise invalid_param(
            "instrument_name", "instrument not found", f"no listed instrument {name[:64]!r} (list_instrument)"
        ) from None


def private_get_positions(call: RpcCall) -> Any:
    currency = call.params.currency()
    kind = call.params.read("kind", INSTRUMENT_KIND)
    with reading_wallet(call) as wallet:
        if kind in UNLISTED_KINDS:
            return []  # the mock keeps no spot or combo positions
        valuation = call.ctx.exchange.valuation
        views = valuation.positions(wallet_user(call), subaccount_id=wallet.id, currency=currency, kind=kind)
        return [render.position(view) for view in views]


def private_get_position(call: RpcCall) -> Any:
    name = call.params.read("instrument_name", STRING, required=True)
    with reading_wallet(call) as wallet:
        listed_instrument(call, name)
        return render.position(call.ctx.exchange.valuation.position(wallet_user(call), name, wallet.id))


def private_get_account_summary(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    with reading_wallet(call) as wallet:
        summary = call.ctx.exchange.valuation.account_summary(wallet_user(call), currency, wallet.id)
        return render.account_summary(summary, render.account_fields(wallet, summary.account_type))


def private_get_account_summaries(call: RpcCall) -> Any:
    subaccount_id = subaccount_of(call)
    exchange = call.ctx.exchange
    with exchange.reading():
        wallet = wallet_of(call, subaccount_id)
        held = [c for c in CURRENCIES if c in wallet.balances] or ["BTC"]
        summaries = []
        for code in held:
            summary = exchange.valuation.account_summary(wallet_user(call), code, wallet.id)
            # The account's own fields once, at the top; each currency's figures below.
            summaries.append(render.account_summary(summary))
        account_type = "main" if subaccount_id is None else "subaccount"
        return {**render.account_fields(wallet, account_type), "summaries": summaries}


METHODS: dict[str, Method] = {
    "public/test": Method(public_test),
    "public/get_time": Method(public_get_time),
    "public/auth": Method(public_auth),
    "public/get_currencies": Method(public_get_currencies),
    "public/get_instruments": Method(public_get_instruments),
    "private/get_positions": Method(private_get_positions, "trade:read"),
    "private/get_position": Method(private_get_position, "trade:read"),
    "private/get_account_summary": Method(private_get_account_summary, "account:read"),
    "private/get_account_summaries": Method(private_get_account_summaries, "account:read"),
}


def run(method: Method, call: RpcCall) -> Any:
    if method.scope is not None:
        assert call.caller is not None
        require_scope(call.caller, method.scope)
    try:
        return method.handler(call)
    except ExchangeError as error:  # an exchange refusal inside any method (an index with no price, say): never a 500
        raise book_error(error) from None


async def answer(method: Method, call: RpcCall) -> Any:
    """`run` where the method runs: a write in a worker thread (its command may wait on the state file, and the
    loop serves every other connection meanwhile), a read on the loop; either once no long command meets what it
    reads (venues/admission.py)."""
    lock, running = call.ctx.exchange.lock, partial(run, method, call)
    if method.write:
        return await admission.in_worker(lock, admission.everything, running)
    return await admission.inline(lock, partial(_footprint, method, call), running)


def _footprint(method: Method, call: RpcCall) -> Footprint:
    """What a read reads (`Method.instrument`), for a long command running beside it."""
    if method.scope is not None and call.caller is not None:
        return Footprint.of((call.caller.credential.user_id,))
    name = call.params.get("instrument_name") if method.instrument else None
    return Footprint.of(markets=(name,)) if isinstance(name, str) else EVERYTHING
