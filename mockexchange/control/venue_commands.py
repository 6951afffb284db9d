"""The commands a venue runs for its clients' writes (a venue never imports the control plane: the app hands it a
`VenueCommands`, behind the venue context's protocol). They are the admin API's commands, run by `Control.run`, so a
state file keeps what a client did as it keeps what was seeded. Each answers what its handler answers (an order
command's `OrderOutcome`, where the admin API shows plain values of it: the venue renders its own answer); a refusal is
raised as the venue's core error (Kalshi's ledger's, Deribit's exchange's, their codes kept where the core gave one),
which the venue words in its own shape. Which commands each venue runs, by their types, is its registration's
(`commands`)."""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.control.registration import Venue
from mockexchange.core.commands import Command


class VenueCommands:
    def __init__(self, control: Any, venue: Venue) -> None:
        """The commands `venue`'s clients may run (its registration's `commands`), its core's error its `refusal`."""
        self.control, self.venue, self.types, self.refusal = control, venue.title, venue.commands, venue.refusal

    def execute(self, command: Command) -> Any:
        """A typed command's answer (core/commands.py), as its handler gives it (an order's `OrderOutcome`)."""
        if type(command) not in self.types:
            raise ValueError(f"{command.name!r} is not a command the {self.venue} venue runs")
        try:
            return self.control.run(command)
        except ControlError as exc:
            cause = exc.__cause__
            if isinstance(cause, self.refusal):
                raise cause from None
            raise self.refusal(str(exc), exc.status) from None
