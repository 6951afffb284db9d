"""The fault operations of the control plane (docs/misbehaving.md): add a fault rule, list the rules with how often each
fired, remove one or clear them; and close a user's websocket connections with a close code.

Each write is a command of the core's, declared once (`core/faults.py`'s `FaultSpec`, `RemoveFault`, `ClearFaults`;
`core/connections.py`'s `CloseWebsockets`): the admin API's `POST|GET|DELETE /_admin/faults`,
`POST /_admin/faults/remove` and `POST /_admin/faults/ws/close`, the Python API's `add_fault(...)`, `faults()`,
`remove_fault(id)`, `clear_faults()`, `close_websockets(...)` and the scenario steps `fault`, `clear_faults` and
`ws_close` (made into their commands when the file is read) all build it. None is kept by a state file: a restarted
mock starts well behaved, with no connection open.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import as_is, operation
from mockexchange.core.commands import Handlers
from mockexchange.core.connections import CloseWebsockets, LiveConnections
from mockexchange.core.faults import ClearFaults, FaultRules, FaultSpec, RemoveFault


def add_fault_handlers(handlers: Handlers, rules: FaultRules, connections: LiveConnections) -> None:
    handlers.add(FaultSpec, rules.add)
    handlers.add(RemoveFault, rules.remove)
    handlers.add(ClearFaults, rules.clear)
    handlers.add(CloseWebsockets, connections.close_websockets)


class FaultOperations:
    fault_rules: FaultRules

    add_fault = operation(FaultSpec, as_is)
    remove_fault = operation(RemoveFault, as_is)
    clear_faults = operation(ClearFaults, as_is)
    close_websockets = operation(CloseWebsockets, as_is)

    def faults(self) -> dict[str, Any]:
        """The fault rules in the order they are tried, each with how often it fired and how many times remain."""
        return {"faults": self.fault_rules.rules()}
