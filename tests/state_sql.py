"""One SQL statement on a state file, as a reader with the `sqlite3` tool would run it, for the state file's tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sql(path: Path, statement: str, *parameters: object) -> list[tuple]:
    """One statement on the file, by another connection that is closed at once (the mock locks the file)."""
    db = sqlite3.connect(path)
    try:
        with db:
            return db.execute(statement, parameters).fetchall()
    finally:
        db.close()
