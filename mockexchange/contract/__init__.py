"""The contract kit's commands, a package per venue: `kalshi/` (slicing the published specs, drift reports, `contract
check` and `check-websocket` against any server, the fuzz client), `deribit/` (`check-deribit`, `slice-deribit`), and
the client matrix (`clients/`) that runs real client libraries against fresh mocks. `commands.py` declares each
registered venue's commands and the matrix's. `contract check` and the schemathesis suite need the `contract` extra
(`extra.py`); the rest runs on the plain install.

The top floor beside `cli`: may import anything below (it starts servers); nothing in the mock imports it.
"""
