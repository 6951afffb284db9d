"""The query of an inspector's read, checked against a JSON Schema per parameter (the same schemas the OpenAPI document
states): `GET /_admin/markets`' and `GET /_admin/accounts/{user_id}`'s.

A parameter the read does not know, one given twice, an integer outside its bounds (read by `parse_int`, never
`int()`), a word outside its enum or a text past its length is a ControlError (400) naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockexchange.control import ControlError
from mockexchange.core.numbers import IntegerError, excerpt, parse_int

Schemas = Mapping[str, Mapping[str, Any]]
HISTORY_ROWS = 100  # a time-ordered list (fills, transfers, historical records): the newest this many
MAX_LISTED = 5_000  # accounts of one venue in the list (`truncated` says when more are open)
MAX_REPLAYED = 10_000  # fills (trades) run again for the picture: a longer history shows its newest this many


def checked_query(items: Iterable[tuple[str, str]], schemas: Schemas) -> dict[str, Any]:
    """The query's values by name (integers as ints), each checked against its schema."""
    values: dict[str, Any] = {}
    for name, value in items:
        schema = schemas.get(name)
        if schema is None:
            raise ControlError(f"unknown query parameter {excerpt(name)}; accepted: {', '.join(schemas)}")
        if name in values:
            raise ControlError(f"{name} is given more than once")
        if schema["type"] == "integer":
            try:
                values[name] = parse_int(value, schema["minimum"], schema["maximum"])
            except IntegerError as exc:
                bounds = f"from {schema['minimum']} to {schema['maximum']}"
                raise ControlError(f"{name} must be an integer {bounds}: {exc}") from None
        elif "enum" in schema and value not in schema["enum"]:
            raise ControlError(f"{name} must be one of {', '.join(schema['enum'])}, not {excerpt(value)}")
        elif len(value) > schema.get("maxLength", len(value)):
            raise ControlError(f"{name} has at most {schema['maxLength']} characters, not {len(value)}")
        else:
            values[name] = value
    return values
