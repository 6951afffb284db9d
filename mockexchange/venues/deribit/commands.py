"""The one way a Deribit client's write changes state: the exchange's typed command (core/deribit/: order_commands.py,
account_commands.py, cash_commands.py), made of the request's values (`make`) and run by the control plane
(`execute`, through `DeribitContext.commands`; the venue imports no control code), so a state file keeps what a client
did as it keeps what was seeded; and the one answer to a command's refusal, as Deribit's JSON-RPC error."""

from __future__ import annotations

from typing import Any, TypeVar

from mockexchange.core.commands import Command
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.values import Refused
from mockexchange.venues.deribit.errors import ERROR, REASONS, RpcError, invalid_param

C = TypeVar("C", bound=Command)


def execute(ctx: Any, command: Command, /, *, param: str | None = None) -> Any:
    """What a typed command's handler answers (`DeribitCommands.execute`: the exchange's objects); its refusal as
    Deribit's error (`refused`, naming `param` for a 404 with no name of Deribit's: what the client named that is not
    there)."""
    if ctx.commands is None:
        raise RpcError(ERROR, "this mock's Deribit venue was built without the control plane's commands")
    try:
        return ctx.commands.execute(command)
    except ExchangeError as exc:
        raise refused(exc, param) from None


def make(cls: type[C], /, *, param: str | None = None, **values: Any) -> C:
    """The typed command of a request's values, read already into the exchange's units; a value its kind refuses (a
    label of blanks) as the exchange's refusal of it would be (`refused`, naming `param`)."""
    try:
        return cls(**values)
    except Refused as exc:
        raise refused(ExchangeError(str(exc)), param) from None


def refused(exc: ExchangeError, param: str | None = None) -> RpcError:
    """Deribit's error for the exchange's refusal: by its name where the exchange gave one (`not_enough_funds`), else
    -32602 naming the param the exchange named, or `param`, for a bad value or something not found, else 10001 with the
    reason in the diagnosis."""
    if exc.reason is not None and exc.reason in REASONS:
        return RpcError(REASONS[exc.reason], str(exc))
    named = exc.param if exc.param is not None else param
    if named is not None and exc.status in (400, 404):
        return invalid_param(named, "invalid value", str(exc))
    return RpcError(ERROR, str(exc))
