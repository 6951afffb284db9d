"""The control plane's method of each command declared in a core (`operation`, `batch_operation`): a call's plain
values read into the command, run (`Control.run`) and answered in plain values. A command a state file keeps is
marked with its name (`command`), so a recorder (mockexchange.state) sees it run in the order the commands ran and
can run it again after a restart, through the method of that name; `commands` lists them.

A typed command (core/commands.py) is kept as its name and the plain values it writes (`Control.run`), after what it
would draw at random (a key pair, a key id, a client secret) is drawn into it (`Handlers.drawn`): it runs with them and
is kept with them, and running it again registers the same thing. Ids come from the ledger's seeded generator, which
running the commands again in order draws the same.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from mockexchange.control.errors import refused_values
from mockexchange.core.commands import Command, ItemRefused, Items, declared, read, signature
from mockexchange.core.values import Refused

Call = Callable[[], Any]  # runs the command kept
C = TypeVar("C", bound=Command)


class Recorder(Protocol):
    def keeping(self) -> bool:
        """False while it runs kept commands again, or inside another command on this thread: then a command just
        runs (it is part of what is being run)."""
        ...

    def run(self, name: str, arguments: dict[str, Any], call: Call) -> Any:
        """Keep the command named `name` with `arguments`, then run it (`call`); answer what it answers."""
        ...


def commands(control: Any) -> dict[str, Callable[..., Any]]:
    """The operations of a control plane that are commands a state file keeps, by name."""
    return {name: method for name, method in control.operations().items() if getattr(method, "command", None)}


def as_is(answer: Any) -> Any:
    """The answer of a command whose handler answers plain values already."""
    return answer


# Each typed command's answer in plain values, as its control plane's method answers it (`Control.answer`): of the
# control plane and what the command's handler answered
ANSWERS: dict[type[Command], Callable[[Any, Any], Any]] = {}


def operation(cls: type[Command], answer: Callable[..., Any], *, reads: bool = False) -> Callable[..., Any]:
    """The control plane's method of the command `cls` (declared once in its core): a call's plain values
    (positional in the fields' order, or by name as the admin API's body and a state file give them) read into the
    command, run (`Control.run`: kept by a state file, then its handler) and answered in plain values (`answer` of what
    the handler answered; `reads`: `answer(control, ...)`, a read of the control plane's after it ran, such as a user's
    usage tier, which the run's rate-limit tier sets). A value the command does not take is a `ControlError` naming
    it."""
    call = signature(cls)
    given = _binder(call)
    answered: Callable[[Any, Any], Any] = answer if reads else (lambda control, done: answer(done))

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return answered(self, self.run(_read(cls, given(args, kwargs))))

    ANSWERS[cls] = answered
    return _named(method, cls, call, answer)


def batch_operation(cls: type[Command], answer: Callable[[list[Any]], Any]) -> Callable[..., Any]:
    """`operation` of a batch command (one field of `Items`): each item read in turn, one refused answering its
    refusal in its place (`ItemRefused`) and the others run as one command."""
    call = signature(cls)
    given = _binder(call)
    items = next(field for field in declared(cls) if isinstance(field.kind, Items))
    kind = items.kind
    assert isinstance(kind, Items)

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        plain = given(args, kwargs)
        shared = {name: plain[name] for name in kind.shared if name in plain}
        with refused_values():
            each = kind.read_each(plain.get(items.name), items.name, shared)
        done = iter(self.run(_read(cls, {**plain, items.name: tuple(i for i in each if isinstance(i, Command))})))
        return answer([ItemRefused.of(item) if isinstance(item, Refused) else next(done) for item in each])

    return _named(method, cls, call, answer)


def _answers(answer: Callable[..., Any]) -> Any:
    """What `answer` answers, as its annotation says (the admin API's document states it); Any when it says nothing."""
    try:
        return typing.get_type_hints(answer).get("return", Any)
    except Exception:  # (a builtin such as `dict`, a lambda: no hints)
        return Any


def _binder(call: inspect.Signature) -> Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any]]:
    """A call's arguments by name, as `call.bind` gives them; a call it takes as given (every required field, none
    twice, no other) costs a dict, not its walk of the signature, and any other gets its own `TypeError`."""
    order = tuple(call.parameters)
    names = frozenset(order)
    required = frozenset(name for name, p in call.parameters.items() if p.default is inspect.Parameter.empty)

    def given(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(args) <= len(order) and kwargs.keys() <= names:
            plain = dict(zip(order, args, strict=False))
            if not plain.keys() & kwargs.keys():
                plain.update(kwargs)
                if required <= plain.keys():
                    return plain
        return call.bind(*args, **kwargs).arguments

    return given


def _read(cls: type[C], plain: dict[str, Any]) -> C:
    with refused_values():
        return read(cls, plain)


def _named(
    method: Callable[..., Any], cls: type[Command], call: inspect.Signature, answer: Callable[..., Any]
) -> Callable[..., Any]:
    method.__name__ = method.__qualname__ = cls.name
    method.__doc__ = cls.__doc__
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    # (a function's attributes, which inspect and `commands` read: mypy knows no such attribute of a function)
    method.__signature__ = call.replace(  # type: ignore[attr-defined]
        parameters=[self, *call.parameters.values()], return_annotation=_answers(answer)
    )
    if cls.kept:  # (a command the state file keeps: `commands` lists it)
        method.command = cls.name  # type: ignore[attr-defined]
    return method
