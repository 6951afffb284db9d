"""The contract kit's commands: slicing the published specs, drift reports, `contract check` against any server, the
fuzz client, and the client matrix (`clients/`) that runs real client libraries against fresh mocks. `contract check`
and the schemathesis suite need the `contract` extra (`extra.py`); the rest runs on the plain install.

The top floor beside `cli`: may import anything below (it starts servers); nothing in the mock imports it.
"""
