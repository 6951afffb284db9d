"""Which operations change state: each is marked `@command`, so a recorder (a state file, mockexchange.state) sees it
run with its arguments, in the order the commands ran, and can run them again after a restart.

An operation that only reads is not marked. A command's arguments are the plain JSON-like values it was called with.
A recorder writes a command before it runs, so what a command would draw at random (a key pair, a key id, a client
secret) is drawn first by its `draw`, into its arguments: it runs with them and is kept with them, and running it again
registers the same thing. Ids come from the ledger's seeded generator, which running the commands again in order
draws the same.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, overload

Answer = dict[str, Any]
# (control, arguments) -> (the arguments to run and keep, with what was drawn; what to add to the answer)
Draw = Callable[[Any, dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]
Call = Callable[[dict[str, Any]], Any]  # runs the command with the arguments given
F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A")


class Recorder(Protocol):
    def keeping(self) -> bool:
        """False while it runs kept commands again, or inside another command on this thread: then a command just
        runs (it is part of what is being run)."""
        ...

    def run(self, control: Any, name: str, arguments: dict[str, Any], call: Call, draw: Draw | None) -> Any:
        """Keep the command named `name` with `arguments` (after its `draw`), then run it (`call` with the arguments);
        answer what it answers."""
        ...


@overload
def command(draw: Draw | None = None, answer: None = None) -> Callable[[F], F]: ...


@overload
def command(
    draw: Draw | None = None, *, answer: Callable[[R], A]
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], A]]: ...


def command(draw: Draw | None = None, answer: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    """Mark a method a command. `answer`, if given, makes the plain values every caller gets of what the method itself
    answers (an object of the core's, such as an order command's `Done`); a venue, which renders its own answer from
    that object, runs the command's `own` (`type(control).name.own(control, ...)`): the same command, kept the same
    way, answering what the method answers."""

    def mark(method: Callable[..., Any]) -> Callable[..., Any]:
        parameters = list(inspect.signature(method).parameters)[1:]  # after self
        accepted = frozenset(parameters)
        name = method.__name__

        @functools.wraps(method)
        def own(self: Any, *args: Any, **kwargs: Any) -> Any:
            recorder: Recorder | None = getattr(self, "recorder", None)
            if recorder is None or not recorder.keeping():
                return method(self, *args, **kwargs)
            if (
                len(args) > len(parameters)
                or not accepted.issuperset(kwargs)
                or set(parameters[: len(args)]) & set(kwargs)
            ):
                return method(self, *args, **kwargs)  # Python's own TypeError for a wrong call; nothing runs
            arguments = dict(zip(parameters, args, strict=False))
            arguments.update(kwargs)
            return recorder.run(self, name, arguments, lambda kept: method(self, **kept), draw)

        if answer is None:
            run = own
        else:

            @functools.wraps(method)
            def run(self: Any, *args: Any, **kwargs: Any) -> Any:
                return answer(own(self, *args, **kwargs))

        run.command = name  # type: ignore[attr-defined]
        run.own = own  # type: ignore[attr-defined]
        return run

    return mark


def commands(cls: type) -> dict[str, Callable[..., Any]]:
    """The commands of a Control class, by name."""
    found = {}
    for name in dir(cls):
        member = inspect.getattr_static(cls, name)
        if getattr(member, "command", None) is not None:
            found[name] = member
    return found
