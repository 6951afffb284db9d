"""The dataclass code store (mockexchange/core/dataclass_code.py): a class made through it, compiled or read back in
another process's store, is the class `dataclasses` makes without it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from importlib.util import MAGIC_NUMBER
from pathlib import Path

import pytest

from mockexchange.cli import main
from mockexchange.core import dataclass_code
from mockexchange.core.dataclass_code import CodeStore


def make_classes() -> tuple[type, type]:
    """Two frozen, slotted classes whose methods' texts differ only in their fields."""

    @dataclasses.dataclass(frozen=True, slots=True, order=True)
    class Fill:
        ticker: str
        count: int = 1
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    @dataclasses.dataclass(frozen=True, slots=True, order=True)
    class Quote:
        ticker: str
        price: int = 1
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    return Fill, Quote


def behaviour(make: Callable[[], tuple[type, type]]) -> list[object]:
    """What the classes do: construction, defaults, equality, order, hash, repr, frozen fields, slots."""
    fill, quote = make()
    seen: list[object] = []
    for cls, other in ((fill, "count"), (quote, "price")):
        a, b = cls("KX"), cls("KX", 2, ("t",))
        seen += [repr(a), repr(b), a == cls("KX"), a == b, a < b, hash(a) == hash(cls("KX")), getattr(b, other)]
        seen.append(vars(cls)["__slots__"])
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.ticker = "other"
        with pytest.raises(TypeError):
            cls()
    return seen


def through(store: CodeStore, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as patched:
        patched.setattr(dataclasses, "exec", store.exec, raising=False)
        return behaviour(make_classes)


def test_a_class_is_the_same_compiled_kept_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "__pycache__" / "dataclass-code.marshal"
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    plain = behaviour(make_classes)
    first = CodeStore(path)
    assert through(first, monkeypatch) == plain and first.compiled > 0
    first.save()
    again = CodeStore(path)  # another process's: the texts read back, none compiled
    monkeypatch.setattr(dataclass_code, "compile", None, raising=False)  # (a text compiled again fails)
    assert through(again, monkeypatch) == plain and again.compiled == 0 and again.used == first.used
    again.save()  # nothing compiled: nothing written
    assert list(path.parent.iterdir()) == [path]


def test_a_store_that_cannot_be_read_or_written_compiles_as_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    plain = behaviour(make_classes)
    damaged = tmp_path / "damaged.marshal"
    damaged.write_bytes(MAGIC_NUMBER + b"\x00not marshal")
    store = CodeStore(damaged)
    assert through(store, monkeypatch) == plain and store.compiled > 0
    store.save()
    older = damaged.read_bytes().replace(MAGIC_NUMBER, b"\x00\x00\r\n", 1)  # another interpreter build's
    damaged.write_bytes(older)
    assert CodeStore(damaged).kept == {}
    (tmp_path / "file").write_text("")
    unwritable = CodeStore(tmp_path / "file" / "store.marshal")  # its folder is a file
    assert through(unwritable, monkeypatch) == plain
    unwritable.save()
    monkeypatch.setattr("sys.dont_write_bytecode", True)  # PYTHONDONTWRITEBYTECODE: read, never written
    unwritten = CodeStore(tmp_path / "unwritten.marshal")
    through(unwritten, monkeypatch)
    unwritten.save()
    assert not (tmp_path / "unwritten.marshal").exists()


def test_the_command_line_installs_the_store_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(dataclasses, "exec", raising=False)
    monkeypatch.setattr("atexit.register", lambda function: function)  # this worker's exit writes nothing
    with pytest.raises(SystemExit) as printed:
        main(["--version"])
    assert printed.value.code == 0
    installed = vars(dataclasses)["exec"]
    assert isinstance(installed.__self__, CodeStore)
    assert dataclass_code.install() is installed.__self__
