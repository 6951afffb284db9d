"""The kit's perps side: `mockexchange contract slice-perps` (slicing.py) cuts the committed slices of Kalshi's perps
specs (mockexchange/schema/perps/), and `mockexchange contract check-perps` (check.py) calls a perps server's
operations, signed with a Kalshi key, and judges every answer against the OpenAPI slice, field by field."""

from __future__ import annotations

from types import ModuleType


def commands() -> tuple[ModuleType, ...]:
    """The perps kit's subcommands (`slice-perps`, `check-perps`), each a module with its `add_command`, imported
    when called (`contract` is parsed)."""
    from mockexchange.contract.perps import check, slicing

    return (slicing, check)
