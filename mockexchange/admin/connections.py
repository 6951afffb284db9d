"""`GET /_admin/connections`: the venues' open websocket connections, each with what it is subscribed to and its last
frames both ways; and, for each client of the live feed, what changed in them since it was last told.

Read from the registry the venues' connections join (`core.connections.LiveConnections`): each says its venue, user,
key and subscriptions (`subscribed(limit)`); its last frames are the `FrameLog` the frame tap keeps in its websocket's
scope (admin/frames.py). Read on the server's loop, where the connections live.

A connection's description is bounded whatever its client subscribed to: its first `DESCRIBED` subscriptions, each
with its first `DESCRIBED` market tickers (`subscription_count` and `market_count` say how many it holds), each name cut
to `NAME_CHARS`; its frames are the frame tap's (`FRAMES_KEPT`, each shown to `FRAME_CHARS`). The live feed sends
changes (`ConnectionChanges`): a connection whose description changed is sent whole, one that only moved frames is
sent its id, its counts and its new frames, and one that ended is named in `removed`; an event holds at most
`max_bytes` of them, the rest follow in the next.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import orjson

from mockexchange.admin.frames import FRAME_LOG, FrameLog
from mockexchange.core.clock import unix_ms
from mockexchange.core.connections import LiveConnection, LiveConnections

MAX_LISTED = 1_000  # connections described in one answer (the oldest first); `count` says how many are open
DESCRIBED = 10  # subscriptions listed in a description, and market tickers listed of each
NAME_CHARS = 256  # of a ticker or channel name shown (a Kalshi ticker is at most as long; a Deribit channel may not be)


def _log_of(connection: LiveConnection) -> FrameLog | None:
    scope = getattr(getattr(connection, "websocket", None), "scope", None)
    found = scope.get(FRAME_LOG) if isinstance(scope, dict) else None
    return found if isinstance(found, FrameLog) else None


def _name(text: Any) -> Any:
    return text[:NAME_CHARS] + "..." if isinstance(text, str) and len(text) > NAME_CHARS else text


def _subscriptions(connection: LiveConnection) -> tuple[list[dict[str, Any]], int]:
    try:
        listed, count = connection.subscribed(DESCRIBED)
    except Exception as exc:  # a connection ending while it is read: say so rather than fail the whole list
        return [{"error": f"{type(exc).__name__}: {exc}"}], 0
    for entry in listed:
        if "channel" in entry:
            entry["channel"] = _name(entry["channel"])
        if entry.get("market_tickers"):
            entry["market_tickers"] = [_name(ticker) for ticker in entry["market_tickers"]]
    return listed, count


def _description(connection: LiveConnection, log: FrameLog | None) -> dict[str, Any]:
    """What the connection is, without its frames: bounded, whatever it subscribed to."""
    subscriptions, count = _subscriptions(connection)
    row: dict[str, Any] = {
        "id": id(connection),  # unique while it is open
        "venue": connection.venue,
        "path": log.path if log is not None else None,
        "user_id": connection.user_id,
        "key_id": connection.key_id,
        "subscriptions": subscriptions,
        "subscription_count": count,
    }
    if log is not None:
        row["opened_ms"] = unix_ms(log.opened)
    return row


def _describe(connection: LiveConnection) -> dict[str, Any]:
    log = _log_of(connection)
    row = _description(connection, log)
    if log is not None:
        row.update(log.to_json())
    return row


class ConnectionReads:
    def __init__(self, connections: LiveConnections, on_read: Callable[[], None] | None = None) -> None:
        self.connections = connections
        self.on_read = on_read  # the first read starts the frame tap's recording (admin/frames.py)

    def listed(self) -> list[LiveConnection]:
        if self.on_read is not None:
            self.on_read()
        return self.connections.listed()

    def connections_now(self) -> dict[str, Any]:
        """The open websocket connections of both venues: venue, user, key id, subscriptions and last frames (noted
        from the first time anyone asked)."""
        listed = self.listed()
        return {
            "count": len(listed),
            "connections": [_describe(c) for c in listed[:MAX_LISTED]],
        }

    def changes(self) -> ConnectionChanges:
        """A new live-feed client's view: its first event lists every connection."""
        return ConnectionChanges(self)


class _Sent:
    """What one client was last sent of one connection."""

    __slots__ = ("connection", "digest", "noted")

    def __init__(self, connection: LiveConnection, digest: int, noted: int) -> None:
        self.connection = weakref.ref(connection)
        self.digest = digest  # of its description
        self.noted = noted  # frames noted by then


class ConnectionChanges:
    """What one live-feed client was sent of the open connections, and the next `connections` event: the connections
    that opened or changed since, and those that ended. A description is compared (bounded, so cheaply) on every
    event: what a connection holds may change between its frames."""

    def __init__(self, reads: ConnectionReads) -> None:
        self.reads = reads
        self._sent: dict[int, _Sent] = {}
        self._count: int | None = None
        self.more = False  # the last event left changes out: another is due

    def next_event(self, max_bytes: int) -> dict[str, Any] | None:
        """The changes since the last event (None: none), in at most `max_bytes` of rows (one row at least)."""
        self.more = False
        listed = self.reads.listed()
        shown = listed[:MAX_LISTED]
        rows: list[orjson.Fragment] = []
        size = 0
        for connection in shown:
            row, sent = self._row(connection)
            if row is None:
                continue
            encoded = orjson.dumps(row)
            if rows and size + len(encoded) > max_bytes:
                self.more = True
                break
            rows.append(orjson.Fragment(encoded))
            size += len(encoded)
            self._sent[id(connection)] = sent
        open_ids = {id(connection) for connection in shown}
        removed = [key for key in self._sent if key not in open_ids]
        for key in removed:
            del self._sent[key]
        if not rows and not removed and self._count == len(listed):
            return None
        self._count = len(listed)
        return {"count": len(listed), "connections": rows, "removed": removed}

    def _row(self, connection: LiveConnection) -> tuple[dict[str, Any] | None, _Sent]:
        """What to send of one connection (None: nothing changed), and what the client will then have."""
        log = _log_of(connection)
        description = _description(connection, log)
        digest = hash(orjson.dumps(description))
        noted = log.noted if log is not None else 0
        sent = self._sent.get(id(connection))
        if sent is not None and sent.connection() is not connection:
            sent = None  # an ended connection's id, taken again
        now = _Sent(connection, digest, noted)
        if sent is not None and sent.digest == digest and sent.noted == noted:
            return None, now
        row: dict[str, Any] = description if sent is None or sent.digest != digest else {"id": id(connection)}
        if log is not None:
            row["frames_received"], row["frames_sent"] = log.received, log.sent
            row["new_frames"] = log.since(0 if sent is None else sent.noted)
        return row, now
