"""A write, declared once: a command is a frozen dataclass of the core's, each field naming its kind of value
(core/values.py). Every edge builds that one object: a venue's decoder from its request, the admin API and the Python
API from plain values (`read`), a scenario step from its YAML, a state file from the command it kept (`write`, then
`read` again on a restart); the core's handler takes it (`Handlers`: dispatch by the command's type).

A field is required unless it has a default; a required field declared `nullable` may be given as null (a Kalshi market
order's price). A value read is checked by its kind; a command made in Python is checked the same way when it is made
(`__post_init__`), so no handler sees a value an edge would have refused. A field is called by its attribute's name in
plain values and a call, unless it is `called` otherwise (a key's `name`, beside the command's own).

What a command draws at random (a key pair, a key id, a client secret) is drawn by its type's `draw` (`Handlers.add`)
before it is kept: the command drawn holds what the state file keeps (a public key, never the private one), and what
its answer alone holds (the private key, shown once) is handed to its handler beside it. Running a kept command again
draws nothing: what was drawn is in it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, TypeVar, overload

from mockexchange.core.values import TEXT, Kind, Refused

C = TypeVar("C", bound="Command")
S = TypeVar("S")
_NULLABLE = "nullable"


def value(
    kind: Kind[Any], default: Any = dataclasses.MISSING, *, nullable: bool = False, called: str | None = None
) -> Any:
    """A command's field of this kind (required without a `default`); `called`: its name in plain values and a call,
    where its attribute cannot have it."""
    metadata = {"kind": kind, _NULLABLE: nullable, "called": called}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class Declared:
    """One field of a command, as declared."""

    name: str  # in plain values and a call
    attribute: str  # on the command
    kind: Kind[Any]
    required: bool
    default: Any
    nullable: bool
    takes_null: bool  # a null is the field's own value (a nullable one's, or an optional one's default)

    def read(self, given: Any) -> Any:
        if given is None and self.takes_null:
            return None
        return self.kind.read(given, self.name)

    def write(self, held: Any) -> Any:
        return None if held is None else self.kind.write(held)


@dataclass(frozen=True, slots=True)
class Command:
    """A command's class: `name` is what a state file keeps it as, the admin API's operation and a scenario's step;
    `kept` whether a state file keeps it (not the mock's own misbehaviour, which a restart starts without)."""

    name: ClassVar[str]
    kept: ClassVar[bool] = True

    def __post_init__(self) -> None:
        for field in declared(type(self)):
            held = getattr(self, field.attribute)
            if held is None:
                if not field.takes_null:
                    raise Refused(f"{field.name} is required")
            else:
                field.kind.check(held, field.name)
        self.check()

    def check(self) -> None:
        """What the command's fields ask of each other (each is its kind's already); `Refused` if they disagree."""


@dataclass(frozen=True, slots=True)
class UserCommand(Command):
    """A command on one user's account, whose first field names the user."""

    user_id: str = value(TEXT)


_DECLARED: dict[type[Command], tuple[Declared, ...]] = {}
_NAMES: dict[type[Command], frozenset[str]] = {}
# A field as `read` walks it: its name, its slot's setter, its kind's read, its default, required, takes_null; so a
# read (every write a client makes) looks nothing up by name.
_Reading = tuple[str, Callable[[Any, Any], None], Callable[[Any, str], Any], Any, bool, bool]
_READING: dict[type[Command], tuple[_Reading, ...]] = {}


def declared(cls: type[Command]) -> tuple[Declared, ...]:
    """The command's fields, in their order (a Python call's positional order)."""
    fields = _DECLARED.get(cls)
    if fields is None:
        fields = _DECLARED[cls] = _declared(cls)
        _NAMES[cls] = frozenset(field.name for field in fields)
        _READING[cls] = tuple(
            (f.name, getattr(cls, f.attribute).__set__, f.kind.read, f.default, f.required, f.takes_null)
            for f in fields
        )
    return fields


def _declared(cls: type[Command]) -> tuple[Declared, ...]:
    found = []
    for field in dataclasses.fields(cls):
        required, nullable = field.default is dataclasses.MISSING, field.metadata[_NULLABLE]
        default = None if required else field.default
        found.append(
            Declared(field.metadata["called"] or field.name, field.name, field.metadata["kind"], required, default,
                     nullable, nullable or (not required and default is None))
        )  # fmt: skip
    return tuple(found)


def kind_of(cls: type[Command], name: str) -> Kind[Any]:
    """The kind of the command's field `name`: for an edge that reads the field's value itself (a venue's parameter
    of the same meaning), and for the rules derived from it (the kit's)."""
    return next(field.kind for field in declared(cls) if field.name == name)


def read(cls: type[C], plain: Mapping[str, Any]) -> C:
    """The command of plain JSON-like values, each read by its field's kind; `Refused` for the first it does not take,
    in the order declared, or for a field it does not have or a required one missing."""
    reading = _READING.get(cls)
    if reading is None:
        declared(cls)
        reading = _READING[cls]
    names = _NAMES[cls]
    if not names.issuperset(plain):
        unknown = next(key for key in plain if key not in names)
        raise Refused(f"{cls.name} has no field {unknown!r}; its fields: {', '.join(sorted(names))}")
    command = object.__new__(cls)  # (each value read is checked: only what they ask of each other is left)
    for name, put, read_kind, default, required, takes_null in reading:
        if name in plain:  # (`in`, then the value: a third cheaper than a `get` call)
            value = plain[name]
            put(command, None if value is None and takes_null else read_kind(value, name))
        elif required:
            raise Refused(f"{name} is required")
        else:
            put(command, default)
    command.check()
    return command


def write(command: Command) -> dict[str, Any]:
    """The command as plain JSON-like values, which `read` makes the same command of: its required fields and the
    others that are not their default."""
    plain = {}
    for field in declared(type(command)):
        held = getattr(command, field.attribute)
        if field.required or held != field.default:
            plain[field.name] = field.write(held)
    return plain


def signature(cls: type[Command]) -> inspect.Signature:
    """A Python call's signature of the command: its fields in order, typed as their plain values."""
    return inspect.Signature([
        inspect.Parameter(
            field.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=inspect.Parameter.empty if field.required else field.write(field.default),
            annotation=field.kind.plain | None if field.takes_null else field.kind.plain,
        )
        for field in declared(cls)
    ])  # fmt: skip


class ItemRefused(NamedTuple):
    """An item of a batch refused, in its place: the status and the venue's code of its refusal."""

    status: int
    code: str | None
    message: str

    @classmethod
    def of(cls, exc: ValueError) -> ItemRefused:
        """A core's refusal (its `status` and `code`, where it has them) or a value's (`Refused`: 400)."""
        return cls(getattr(exc, "status", 400), getattr(exc, "code", None), str(exc))

    def json(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "code": self.code, "message": self.message}}


class Handlers:
    """Each command type's handler, a core's operation taking the command; and the draw of a type that draws at
    random, whose handler takes what the draw set aside for the answer beside the command."""

    def __init__(self) -> None:
        self._handlers: dict[type[Command], Callable[..., Any]] = {}
        self._draws: dict[type[Command], Callable[[Any], tuple[Command, Any]]] = {}

    @overload
    def add(self, cls: type[C], handler: Callable[[C], Any]) -> None: ...

    @overload
    def add(self, cls: type[C], handler: Callable[[C, S], Any], draw: Callable[[C], tuple[C, S]]) -> None: ...

    def add(self, cls: type[C], handler: Callable[..., Any], draw: Callable[[C], tuple[C, Any]] | None = None) -> None:
        """`draw`: what a command of `cls` draws at random, drawn before it is kept (`drawn`): the command to keep and
        run, holding what was drawn, and what its answer alone holds (a private key, never kept), which `handler` is
        given beside the command."""
        if cls in self._handlers:
            raise ValueError(f"{cls.name} has a handler already")
        self._handlers[cls] = handler
        if draw is not None:
            self._draws[cls] = draw

    def drawn(self, command: C) -> tuple[C, Any]:
        """The command with what its type draws drawn (itself where it draws nothing), and what its answer alone holds
        (None where nothing is)."""
        draw = self._draws.get(type(command))
        if draw is None:
            return command, None
        made, aside = draw(command)
        assert type(made) is type(command)  # (a draw fills in its own command's fields)
        return made, aside

    def run(self, command: Command, aside: Any = None) -> Any:
        """The handler's answer; a drawing command's handler is given `aside`, what its draw set aside (`drawn`)."""
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler takes {type(command).name}")
        return handler(command, aside) if type(command) in self._draws else handler(command)


@dataclass(frozen=True, slots=True)
class Items(Kind[tuple[Any, ...]]):
    """A batch's items, each a command of `item` given the batch's `shared` fields (a batch of orders: each order's
    user is the batch's). Read whole (`read`: the first item refused refuses the batch) or item by item
    (`read_each`: each refused item answers its refusal in its place, as a batch does)."""

    item: type[Command]
    most: int
    noun: str  # what an item is, in a refusal ("orders")
    shared: tuple[str, ...]
    plain = list[dict[str, Any]]

    def read_each(self, given: Any, name: str, shared: Mapping[str, Any]) -> list[Command | Refused]:
        if not isinstance(given, list) or len(given) > self.most:
            raise Refused(f"{name} must be a list of at most {self.most} {self.noun}")
        items: list[Command | Refused] = []
        for i, item in enumerate(given):
            if not isinstance(item, dict):
                raise Refused(f"{name}[{i}] must be an object of {self.item.name}'s fields")
            fields = {key: held for key, held in item.items() if key not in self.shared}
            try:
                items.append(read(self.item, {**fields, **shared}))
            except Refused as exc:
                items.append(exc)
        return items

    def read(self, value: Any, name: str) -> tuple[Any, ...]:
        """Items read already (`read_each`), as a tuple of commands."""
        if isinstance(value, tuple):
            self.check(value, name)
            return value
        raise Refused(f"{name} is read item by item, with the batch's {', '.join(self.shared)}")

    def write(self, value: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [{key: held for key, held in write(item).items() if key not in self.shared} for item in value]

    def check(self, value: tuple[Any, ...], name: str) -> None:
        if len(value) > self.most or not all(isinstance(item, self.item) for item in value):
            raise Refused(f"{name} must be at most {self.most} {self.item.name} commands")

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": self.most, "items": {"type": "object"}}
