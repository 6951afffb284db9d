"""A port that refuses connections for as long as a test needs it to."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def held_port() -> Iterator[int]:
    """A port bound but never listening, held until the block ends: a connection to it is refused. A port found free
    and closed again could be handed meanwhile to another test's server (the suite runs in parallel), and a server
    that accepts but does not answer turns a refusal into a timeout."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])
