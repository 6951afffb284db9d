"""The scenario files that ship with mockexchange (package data in `library/`), found by name: `fed-decision`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SUFFIXES = (".yaml", ".yml", ".json")


def library_dir() -> Path:
    # A wheel is installed unpacked, so the package's folder is a real path.
    return Path(str(files("mockexchange.scenario").joinpath("library")))


def shipped() -> list[str]:
    """The names of the shipped scenarios."""
    return sorted(p.stem for p in library_dir().iterdir() if p.suffix in SUFFIXES)


def find(path_or_name: str | Path) -> Path:
    """A scenario file: the path if a file is there, else the shipped scenario of that name (`fed-decision` or
    `fed-decision.yaml`); else the path as given, for the reader to report."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    return shipped_file(path) or path


def shipped_file(name: str | Path) -> Path | None:
    """The shipped scenario called `name` (`fed-decision` or `fed-decision.yaml`), or None: a path of more than one
    part is never a name."""
    path = Path(name)
    if len(path.parts) != 1 or path.name in (".", ".."):
        return None
    for candidate in (library_dir() / path.name, *(library_dir() / f"{path.name}{s}" for s in SUFFIXES)):
        if candidate.is_file():
            return candidate
    return None
