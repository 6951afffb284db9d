"""How an event loop runs an operation on a venue's state while a long command may run over it (core/stepping.py):
it waits, without blocking the loop, while the command meets what the operation touches; then runs it inline, or in a
worker thread if it turns out long itself (`MustStep`), so the loop stays free to answer everyone else."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import TypeVar

import anyio.to_thread

from mockexchange.core.stepping import EVERYTHING, Footprint, MustStep, StateLock

T = TypeVar("T")


def everything() -> Footprint:
    """The footprint of an operation that may read anything: it waits for a long command's end."""
    return EVERYTHING


async def inline(lock: StateLock, footprint: Callable[[], Footprint], call: Callable[[], T]) -> T:
    """`call()` on the loop once no long command meets `footprint()` (beside one that does not, at its pauses); in a
    worker thread if it must step."""
    while True:
        token = lock.admit(footprint)
        if token is not None:
            try:
                return call()
            except MustStep:
                break
            finally:
                lock.discharge(token)
        await until_clear(lock, footprint())
    return await in_worker(lock, footprint, call)


async def in_worker(lock: StateLock, footprint: Callable[[], Footprint], call: Callable[[], T]) -> T:
    """`call()` in a worker thread, sent once no long command meets `footprint()` (no thread is held waiting)."""
    if lock.running_long:
        await until_clear(lock, footprint())
    return await anyio.to_thread.run_sync(call)


async def until_clear(lock: StateLock, footprint: Footprint) -> None:
    """Until no long command meets `footprint`."""
    loop = asyncio.get_running_loop()
    while True:
        cleared = loop.create_future()
        if lock.when_clear(footprint, partial(_wake, loop, cleared)):
            return
        await cleared


def _wake(loop: asyncio.AbstractEventLoop, cleared: asyncio.Future[None]) -> None:
    with suppress(RuntimeError):  # (the loop closed meanwhile: no one waits)
        loop.call_soon_threadsafe(_settle, cleared)


def _settle(cleared: asyncio.Future[None]) -> None:
    if not cleared.done():
        cleared.set_result(None)
