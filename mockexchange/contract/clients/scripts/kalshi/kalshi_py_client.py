"""kalshi-py (PyPI `kalshi-py`), run inside that client's own venv: a client generated from an older Kalshi OpenAPI
spec by openapi-python-client, whose operations are module functions (`kalshi_py.api.portfolio.get_positions
.sync(client=..., ...)`) rather than methods.

The plan, its ops and the outcomes are client_harness.py's (beside this script, which explains how it is found); this
script says only how kalshi-py is driven. It imports the client library, the standard library and the harness.

`method` is an operation's module name (`get_positions`, `get_fills`, `get_markets`, ...), the operationId in snake
case as the generator names it, found in whichever of its API folders holds it (`portfolio`, `market`, `default`,
...), and called as its users call it: `<module>.sync(client=client, **args)`. The client is made with
`create_client(base_url=..., access_key_id=..., private_key_path=...)`, which sets the generated client's
`raise_on_unexpected_status`, so an answer other than the operation's success raises its `UnexpectedStatus` (the
HTTP status in `status_code`, the body in `content`). Its models are attrs classes, which the harness dumps with
their own `to_dict()`: the wire's names and values. It has no iterator: lists are read with `page` or `pages`,
following the cursor as its users write it. A request body is built as its users build it, the model its `sync`
takes (`Model.from_dict(fields)`), from the plan's arguments that are not parameters.

Usage: python -I kalshi_py_client.py plan.json (with the MOCKEXCHANGE_* variables the harness reads).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import typing
from pathlib import Path

import kalshi_py.api
from kalshi_py import create_client

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness

# Each operation's module, by name: `get_positions` -> kalshi_py.api.portfolio.get_positions
MODULES = {
    name: f"kalshi_py.api.{folder.name}.{name}"
    for folder in pkgutil.iter_modules(kalshi_py.api.__path__)
    for _, name, _ in pkgutil.iter_modules([str(Path(kalshi_py.api.__path__[0]) / folder.name)])
}


class Operations:
    """kalshi-py's authenticated client, with each operation's `sync` as a method of that name."""

    def __init__(self, client) -> None:
        self.client = client

    def __getattr__(self, name: str):
        if name not in MODULES:
            raise AttributeError(name)
        module = importlib.import_module(MODULES[name])
        # (an operation answered with no body, or with none the generator typed, has `sync_detailed` only, whose
        # `parsed` its users read)
        sync = getattr(module, "sync", None) or (lambda **kwargs: module.sync_detailed(**kwargs).parsed)
        taken = inspect.signature(module.sync_detailed).parameters

        def call(**args):
            kwargs = {k: v for k, v in args.items() if k in taken}
            fields = {k: v for k, v in args.items() if k not in taken}
            if "body" in taken:  # the request's fields, as the model its users build (`Model.from_dict`)
                kwargs["body"] = typing.get_type_hints(module.sync_detailed, vars(module))["body"].from_dict(fields)
            elif fields:
                raise TypeError(f"{name} takes no {', '.join(fields)}")
            return sync(client=self.client, **kwargs)

        call.__name__ = name
        return call


def connect(base_url: str, key_id: str, pem_path: str) -> tuple[Operations, None]:
    client = create_client(base_url=base_url, access_key_id=key_id, private_key_path=pem_path)
    return Operations(client), None


if __name__ == "__main__":
    client_harness.run(client_harness.Family("kalshi-py", connect))
