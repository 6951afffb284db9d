"""The proxy's recording written as it happens: a tape's header, then a record a line, each checked as it is written
and flushed, from any thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import IO, Any

from mockexchange.recording.records import FORMAT, VERSION, Record, check_record


class TapeWriter:
    """Appends records to a tape file as they happen, one flushed line each, from any thread: records of `venues`
    (their names, which the registry gives), the header naming the `upstreams` they went to."""

    def __init__(self, path: str | Path, upstreams: Mapping[str, str], venues: Collection[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seq = 0
        self._venues = tuple(venues)
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        header = {"tape": FORMAT, "version": VERSION, "upstreams": dict(upstreams)}
        self._write(json.dumps(header, ensure_ascii=False, separators=(", ", ": ")))

    def write(self, kind: str, venue: str, at: str, **fields: Any) -> Record:
        """Writes one record; its `seq` is the next number. Refuses a kind, venue or key the format does not have."""
        with self._lock:
            self._seq += 1
            record = Record(seq=self._seq, kind=kind, venue=venue, at=at, **fields)
            check_record(record, self._seq, self._venues)
            self._write(record.line())
            return record

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()
