"""The methods `dataclasses` writes (`__init__`, `__eq__`, `__repr__`, a frozen class's `__setattr__`...) compiled
once, not in every process that imports the package.

`dataclasses` writes each method of each class as text and `exec`s it: compiling those texts is some 0.3 s of CPU of
the 0.8 s an import of the app costs, in every `serve`, every kit command and every run of the kit's schemathesis
child. `install()` hands `dataclasses` an `exec` of its own (a name in that module's namespace only) that compiles a
text once and keeps the code, kept between processes beside the package's bytecode (where bytecode is written), keyed
by the text itself: the same text gives the same code, run with the same namespaces, so every class is what
`dataclasses` makes without it. A process the mock owns installs it (the command line, the kit's schemathesis child);
importing the package, as a user's program does, installs nothing.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

# A store grown past this (dataclasses of other packages, texts since changed) is written again with only the texts
# the writing process compiled or read.
MAX_KEPT = 20_000


def default_path() -> Path:
    """Beside this package's bytecode, named by the interpreter (a code object is one interpreter version's)."""
    return Path(__file__).resolve().parent / "__pycache__" / f"dataclass-code.{sys.implementation.cache_tag}.marshal"


class CodeStore:
    """Compiled texts by their text, each kept marshalled (a process reads only the codes it runs: reading a whole
    store of code objects at once costs a third of compiling them): read from `path` once, written back at exit when a
    text was compiled here."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept = _read(path)
        self.used: set[str] = set()
        self.compiled = 0

    def exec(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        """`exec`, as `dataclasses` calls it: a text's code compiled once. (`dataclasses` passes its namespaces.)"""
        if type(source) is not str or globals is None:
            builtins.exec(source, sys._getframe(1).f_globals if globals is None else globals, locals)
            return
        kept = self.kept.get(source)
        if kept is None:
            # What `exec` does with a text: `dataclasses` has no __future__ flags to pass on.
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.kept[source] = marshal.dumps(code)
            self.compiled += 1
        else:
            code = marshal.loads(kept)
        self.used.add(source)
        builtins.exec(code, globals, locals)

    def save(self) -> None:
        """Writes the store, merged with what another process wrote meanwhile (one file replaced whole)."""
        if not self.compiled or sys.dont_write_bytecode:
            return
        kept = {**_read(self.path), **self.kept}
        if len(kept) > MAX_KEPT:
            kept = {text: self.kept[text] for text in self.used}
        part = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(exist_ok=True)
            with part.open("wb") as out:
                out.write(MAGIC_NUMBER)
                marshal.dump(kept, out)
            os.replace(part, self.path)
        except OSError:  # a read-only install: each process compiles, as without the store
            with contextlib.suppress(OSError):
                part.unlink()


def _read(path: Path) -> dict[str, bytes]:
    try:
        with path.open("rb") as kept:
            if kept.read(len(MAGIC_NUMBER)) != MAGIC_NUMBER:  # another build's codes, as a .pyc's magic says
                return {}
            codes = marshal.load(kept)
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or unreadable: compiled again
        return {}
    return codes if isinstance(codes, dict) else {}


def install(path: Path | None = None) -> CodeStore:
    """The store `dataclasses` compiles through from now on, in this process (once; later calls return it)."""
    found = getattr(vars(dataclasses).get("exec"), "__self__", None)
    if isinstance(found, CodeStore):
        return found
    made = CodeStore(path or default_path())
    vars(dataclasses)["exec"] = made.exec  # found before the builtin by that module's code alone
    atexit.register(made.save)
    return made
