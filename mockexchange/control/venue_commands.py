"""The commands a venue runs for its clients' writes (a venue never imports the control plane: the app hands it a
`VenueCommands`, behind the venue context's protocol). They are the admin API's commands, so a state file keeps what a
client did as it keeps what was seeded. Each answers what its method answers (an order command's `Done`, where the
admin API shows plain values of it: the venue renders its own answer); a refusal is raised as the venue's core error
(Kalshi's ledger's, Deribit's book's, their codes kept where the core gave one), which the venue words in its own
shape. Which commands each venue runs: control/kalshi_venue.py, control/deribit_venue.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.core.commands import Command


class VenueCommands:
    def __init__(self, control: Any, venue: str, names: frozenset[str], refusal: type[ValueError]) -> None:
        self.control, self.venue, self.names, self.refusal = control, venue, names, refusal

    def run(self, name: str, arguments: dict[str, Any]) -> Any:
        """The command's own answer (commands.py: an order command's is the core's `Done`, which the venue renders)."""
        if name not in self.names:
            raise ValueError(f"{name!r} is not a command the {self.venue} venue runs")
        return self._answer(lambda: getattr(type(self.control), name).own(self.control, **arguments))

    def execute(self, command: Command) -> Any:
        """A typed command's answer (core/commands.py), as its handler gives it (an order's `Done`)."""
        if command.name not in self.names:
            raise ValueError(f"{command.name!r} is not a command the {self.venue} venue runs")
        return self._answer(lambda: self.control.run(command))

    def _answer(self, call: Callable[[], Any]) -> Any:
        """What `call` answers; its refusal raised as the venue's core error."""
        try:
            return call()
        except ControlError as exc:
            cause = exc.__cause__
            if isinstance(cause, self.refusal):
                raise cause from None
            raise self.refusal(str(exc), exc.status) from None
