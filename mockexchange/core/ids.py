"""Ids: UUIDs drawn from a seeded generator (`IdFactory`: a seeded mock hands out the same ids on every run, and the
state file's snapshot keeps where it stands), and a UUID's integer written as text and read back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from hashlib import blake2b

# A version 4 UUID's fixed bits: the variant (10) and the version (4), as `uuid.UUID(int=..., version=4)` sets them.
_UUID_CLEAR = ~(0xC000 << 48) & ~(0xF000 << 64)
_UUID_SET = 0x8000 << 48 | 4 << 76


class IdFactory:
    """UUIDs from a seeded generator, so a seeded portfolio has the same ids on every run. A snapshot pickles it as
    where it stands."""

    def __init__(self, seed: int | str | None = None) -> None:
        self._seed = seed
        self._random = random.Random(seed)

    def derived(self, name: str) -> IdFactory:
        """A generator of its own for one kind of id (market ids), seeded from this one's seed and `name`: drawing from
        it never moves this one, so the ids this one hands out stay what they were before that kind existed."""
        return IdFactory(None if self._seed is None else f"{self._seed}/{name}")

    def __getstate__(self) -> tuple:
        return (self._seed, self._random.getstate())

    def __setstate__(self, state: tuple) -> None:
        self._seed = state[0]
        self._random = random.Random()
        self._random.setstate(state[1])

    def __call__(self) -> str:
        return uuid_text(self.uuid_int())

    def uuid_int(self) -> int:
        """The next id as its integer, as `uuid.UUID(int=..., version=4).int` makes it from the same draw."""
        return self._random.getrandbits(128) & _UUID_CLEAR | _UUID_SET

    def keyed(self) -> TickerIds:
        """Ids derived from names (market tickers), under a key drawn from this generator."""
        return TickerIds(self._random.randbytes(16))

    def position(self) -> tuple:
        """Where the generator stands (a snapshot keeps it, so ids go on as they would have)."""
        return self._random.getstate()

    def resume(self, position: tuple) -> None:
        self._random.setstate(position)


class TickerIds:
    """UUIDs derived from names under a key: a market's id from its ticker (`Market.market_id`), so no market keeps
    one of its own. One key stands for the markets listed between two resets (the ledger draws another at a reset: an
    id names one thing over the mock's life)."""

    __slots__ = ("key",)

    def __init__(self, key: bytes) -> None:
        self.key = key

    def __getstate__(self) -> bytes:
        return self.key

    def __setstate__(self, key: bytes) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:  # (two ledgers of one seed hold equal keys: their markets are equal)
        return isinstance(other, TickerIds) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __call__(self, name: str) -> int:
        """`name`'s id, as `IdFactory.uuid_int` shapes a drawn one (a version 4 UUID's integer)."""
        digest = blake2b(name.encode(), digest_size=16, key=self.key).digest()
        return int.from_bytes(digest) & _UUID_CLEAR | _UUID_SET


def drawer(ids: Callable[[], str]) -> Callable[[], int | str]:
    """What draws a new id from `ids` as the ledger keeps it: its UUID integer where `ids` is an `IdFactory` (the text
    is written where it is read: `uuid_text`), else the text `ids` makes (the same draw either way)."""
    return ids.uuid_int if isinstance(ids, IdFactory) else ids


def drawn(ids: Callable[[], str]) -> int | str:
    """A new id from `ids`, as `drawer` draws it."""
    return drawer(ids)()


def uuid_text(value: int) -> str:
    """A UUID integer as `str(uuid.UUID(int=value))` writes it."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid_int(text: str) -> int | None:
    """The integer of a UUID written as `uuid_text` writes it (lower-case, hyphenated); None for any other text."""
    if len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-" or text[23] != "-":
        return None
    digits = text.replace("-", "")
    try:
        value = int(digits, 16)
    except ValueError:
        return None
    if f"{value:032x}" != digits:  # only lower-case hex digits, 32 of them, read back (int() takes "+", "_", "١")
        return None
    return value if value else None  # zero marks an id kept whole
