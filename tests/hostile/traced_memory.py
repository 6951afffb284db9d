"""What the process holds, in bytes, measured with tracemalloc over a block: the hostile tests' measure of what a
server running in a thread of the test's process keeps."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def traced() -> Iterator[Callable[[], int]]:
    """What is held now over what was held on entry, in bytes (garbage collected first). What the process held on
    entry is frozen out of the collections (each walked a worker's whole heap, under tracemalloc): it was allocated
    before the tracing, so what it frees counts nowhere."""
    gc.collect()
    gc.freeze()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]

    def held() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - base

    try:
        yield held
    finally:
        tracemalloc.stop()
        gc.unfreeze()


def large_blocks(smallest: int, largest: int) -> list[tuple[int, str]]:
    """The blocks of `smallest` to `largest` bytes allocated since tracing began and held now (garbage collected
    first), each with where it was allocated: what a kept body is (one block of about its length), unlike the net of a
    process-wide cache that replaced its entries (an entry made before the tracing counts nowhere when it goes, its
    replacement counts), or the table of one that grew meanwhile (a dict's or a set's: sizes set by powers of two,
    such as the interned strings' 3,844,800 bytes, which a band around a body's size that none of them falls in
    leaves out)."""
    gc.collect()
    traces = tracemalloc.take_snapshot().traces
    return [(trace.size, str(trace.traceback)) for trace in traces if smallest <= trace.size <= largest]
