"""The kit's Deribit side: `mockexchange contract check-deribit` (check.py) calls a Deribit-compatible server's methods
over HTTP and the websocket and judges every reply and notification against the committed JSON-RPC slice
(`mockexchange/schema/deribit/rpc.json`, read through `mockexchange.schema.deribit.rpc`); `slicing.py` compares the
slice with Deribit's published OpenAPI when that file is at hand (`scripts/slice-deribit-spec`)."""

from __future__ import annotations

from types import ModuleType


def commands() -> tuple[ModuleType, ...]:
    """The Deribit kit's subcommands (`slice-deribit`, `check-deribit`), each a module with its `add_command`, imported
    when called (`contract` is parsed)."""
    from mockexchange.contract.deribit import check, slicing

    return (slicing, check)
