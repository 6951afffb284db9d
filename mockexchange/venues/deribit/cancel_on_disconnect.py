"""Deribit's cancel on disconnect, on the websocket only: `private/enable_cancel_on_disconnect`,
`private/disable_cancel_on_disconnect` and `private/get_cancel_on_disconnect`, each with `scope` `connection` (the
default) or `account`.

As Deribit documents it, a connection with cancel on disconnect on cancels, when it closes, the orders placed through
it (`private/buy`, `sell`, `close_position` on that connection) that are still open; orders placed over HTTP or on
another connection stay. A connection's own setting (`scope` `connection`) is kept by its `DisconnectSession`, which
dies with it; the account's (`scope` `account`, the wallet of the calling key) is the exchange's state
(`SetDeribitCancelOnDisconnect`, so a state file keeps it), and a connection that set none of its own takes it when it
closes. The orders are cancelled through the one cancel road (`CancelDeribitOrders`, their ids, `reason`
`cancel_on_disconnect`), so each connection of the account that holds a `user.orders.*` channel is told, as of any
cancel. Over HTTP the three are websocket-only methods (`methods.WS_ONLY`: -32601). `private/logout` is the graceful
close that keeps the orders, as Deribit documents (websocket.py forgets what the connection placed); every other close
of the connection (the client's, the server's, a dropped socket) cancels them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from mockexchange.core.deribit.account_commands import SetDeribitCancelOnDisconnect
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.order_commands import CancelDeribitOrders
from mockexchange.core.deribit.order_entry import find_order
from mockexchange.core.values import Choice
from mockexchange.venues import admission
from mockexchange.venues.deribit import commands
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.deribit.errors import RpcError
from mockexchange.venues.deribit.methods import Method, RpcCall

SCOPE = Choice(("connection", "account"))
PLACING = frozenset({"private/buy", "private/sell", "private/close_position"})  # what makes an order of the connection
_FIRST_PRUNE = 1024  # order ids a session notes before it first forgets the closed ones

log = logging.getLogger(__name__)
Owner = tuple[str, int | None]  # the user, and the subaccount its key acts for (None: the main account)


@dataclass(slots=True)
class DisconnectSession:
    """What one websocket connection knows of cancel on disconnect: its own setting (None: the account's), and the
    orders placed through it, by the key's account that placed them."""

    own: bool | None = None
    placed: dict[Owner, set[str]] = field(default_factory=dict)
    _prune_at: int = _FIRST_PRUNE

    def note(self, ctx: DeribitContext, call: RpcCall, name: str, result: Any) -> None:
        """An order placed through the connection (a reply of `PLACING`), kept until it closes; past a bound, the
        ids of orders closed since are forgotten (the set stays within twice the orders still open)."""
        if name not in PLACING or call.caller is None or not isinstance(result, dict):
            return
        credential = call.caller.credential
        self.placed.setdefault((credential.user_id, credential.subaccount_id), set()).add(result["order"]["order_id"])
        if sum(len(ids) for ids in self.placed.values()) >= self._prune_at:
            with ctx.exchange.reading():
                for ids in self.placed.values():
                    ids.difference_update([i for i in ids if not _open(ctx, i)])
            self._prune_at = max(_FIRST_PRUNE, 2 * sum(len(ids) for ids in self.placed.values()))


def enabled_session(call: RpcCall) -> DisconnectSession | None:
    """The connection's session if cancel on disconnect is on for it (its own setting, else its account's); None over
    HTTP or while it is off (private/mass_quote requires it)."""
    session = call.ctx.sessions.get(call.connection_id) if call.connection_id is not None else None
    if session is None or call.caller is None:
        return None
    on = session.own if session.own is not None else _account_setting(call.ctx, _owner(call))
    return session if on else None


def note_placed(session: DisconnectSession, call: RpcCall, order_ids: list[str]) -> None:
    """Orders placed through the connection other than by `PLACING` (a mass quote's), cancelled when it closes."""
    session.placed.setdefault(_owner(call), set()).update(order_ids)


def _open(ctx: DeribitContext, order_id: str) -> bool:
    order = find_order(ctx.exchange, order_id)
    return order is not None and order.is_open


def _owner(call: RpcCall) -> Owner:
    assert call.caller is not None
    credential = call.caller.credential
    return credential.user_id, credential.subaccount_id


def _session(call: RpcCall) -> DisconnectSession:
    session = call.ctx.sessions.get(call.connection_id) if call.connection_id is not None else None
    assert isinstance(session, DisconnectSession), "a websocket-only method answered without its connection"
    return session


def _account_setting(ctx: DeribitContext, owner: Owner) -> bool:
    with ctx.exchange.reading():
        return ctx.exchange.accounts.wallet(*owner).cancel_on_disconnect


def _set(call: RpcCall, enabled: bool) -> str:
    scope = call.params.read("scope", SCOPE, "connection", reason="invalid scope")
    if scope == "connection":
        _session(call).own = enabled
        return "ok"
    user_id, subaccount_id = _owner(call)
    setting = commands.make(SetDeribitCancelOnDisconnect, user_id=user_id, enabled=enabled, subaccount_id=subaccount_id)
    commands.execute(call.ctx, setting)
    return "ok"


def private_enable_cancel_on_disconnect(call: RpcCall) -> Any:
    return _set(call, True)


def private_disable_cancel_on_disconnect(call: RpcCall) -> Any:
    return _set(call, False)


def private_get_cancel_on_disconnect(call: RpcCall) -> Any:
    scope = call.params.read("scope", SCOPE, "connection", reason="invalid scope")
    account = _account_setting(call.ctx, _owner(call))
    own = _session(call).own if scope == "connection" else None
    return {"scope": scope, "enabled": account if own is None else own}


async def on_close(ctx: DeribitContext, session: DisconnectSession) -> None:
    """The connection closed: the orders placed through it still open cancelled, for each key's account whose setting
    (the connection's own, else the account's) is on; each wallet's in one command."""
    for owner, ids in session.placed.items():
        try:
            if ids and (session.own if session.own is not None else _account_setting(ctx, owner)):
                await admission.in_worker(ctx.exchange.lock, admission.everything, partial(_cancel, ctx, owner, ids))
        except (ExchangeError, RpcError):  # the account is gone (a reset), or its orders with it
            log.info("cancel on disconnect found nothing to cancel for %s", owner[0])


def _cancel(ctx: DeribitContext, owner: Owner, ids: set[str]) -> None:
    """The orders among `ids` still open, cancelled for `cancel_on_disconnect`: one command per wallet."""
    user_id, by_wallet = owner[0], dict[int, list[str]]()
    with ctx.exchange.reading():
        for order_id in sorted(ids, key=lambda i: (len(i), i)):  # (in the order placed: ids are numbers)
            order = find_order(ctx.exchange, order_id)
            if order is not None and order.is_open and order.user_id == user_id:
                by_wallet.setdefault(order.account_id, []).append(order_id)
    for wallet_id, order_ids in by_wallet.items():
        cancel = CancelDeribitOrders(
            user_id, subaccount_id=wallet_id, order_ids=tuple(order_ids), reason="cancel_on_disconnect"
        )
        commands.execute(ctx, cancel)


_ACCOUNT = "account:read_write"
METHODS: dict[str, Method] = {
    "private/enable_cancel_on_disconnect": Method(private_enable_cancel_on_disconnect, _ACCOUNT, write=True),
    "private/disable_cancel_on_disconnect": Method(private_disable_cancel_on_disconnect, _ACCOUNT, write=True),
    "private/get_cancel_on_disconnect": Method(private_get_cancel_on_disconnect, "account:read"),
}
