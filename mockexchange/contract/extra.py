"""Whether the contract kit's extra is installed. schemathesis (and the hypothesis it brings) come with
`pip install 'mockexchange[contract]'`, not with the plain install: both register pytest plugins, which every pytest
run of a project that installed them would load, and a user who only serves the mock or uses the fixtures has no use
for them. The commands that run schemathesis ask here first."""

from __future__ import annotations

from importlib.util import find_spec

INSTALL = "pip install 'mockexchange[contract]'"


def missing() -> str | None:
    """The one line to print when schemathesis is not installed (None when it is); nothing is imported."""
    if find_spec("schemathesis") is not None:
        return None
    return f"the contract kit needs `{INSTALL}` (schemathesis is not installed)"
