"""`GET /_admin/connections`: the venues' open websocket connections, each with what it is subscribed to and its last
frames both ways.

Read from the registry the venues' connections join (`core.connections.LiveConnections`): each says its venue, user,
key and subscriptions (`subscribed()`); its last frames are the `FrameLog` the frame tap keeps in its websocket's scope
(admin/frames.py). Read on the server's loop, where the connections live.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.admin.frames import FRAME_LOG, FrameLog
from mockexchange.core.connections import LiveConnection, LiveConnections

MAX_LISTED = 1_000  # connections described in one answer (the oldest first); `count` says how many are open


def _log_of(connection: LiveConnection) -> FrameLog | None:
    scope = getattr(getattr(connection, "websocket", None), "scope", None)
    found = scope.get(FRAME_LOG) if isinstance(scope, dict) else None
    return found if isinstance(found, FrameLog) else None


def _describe(connection: LiveConnection) -> dict[str, Any]:
    log = _log_of(connection)
    try:
        subscriptions = connection.subscribed()
    except Exception as exc:  # a connection ending while it is read: say so rather than fail the whole list
        subscriptions = [{"error": f"{type(exc).__name__}: {exc}"}]
    row: dict[str, Any] = {
        "id": id(connection),  # unique while it is open
        "venue": connection.venue,
        "path": log.path if log is not None else None,
        "user_id": connection.user_id,
        "key_id": connection.key_id,
        "subscriptions": subscriptions,
    }
    if log is not None:
        row.update(log.to_json())
    return row


class ConnectionReads:
    def __init__(self, connections: LiveConnections, on_read: Callable[[], None] | None = None) -> None:
        self.connections = connections
        self.on_read = on_read  # the first read starts the frame tap's recording (admin/frames.py)

    def connections_now(self) -> dict[str, Any]:
        """The open websocket connections of both venues: venue, user, key id, subscriptions and last frames (noted
        from the first time anyone asked)."""
        if self.on_read is not None:
            self.on_read()
        listed = self.connections.listed()
        return {
            "count": len(listed),
            "connections": [_describe(c) for c in listed[:MAX_LISTED]],
        }
