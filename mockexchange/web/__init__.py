"""HTTP and websocket plumbing shared by the venues, the control plane, the journal, the proxy and the replay: the
mock's JSON answers and diagnosis headers (`answers`), a request's body read within a limit (`request_body`), a
websocket's reads, sends and closes (`websocket`), and the mock's own ASGI extensions, the keys in a scope or message
that only the mock's server honours (`extensions`).

Floor 1: imports nothing of the package (Starlette and orjson only).
"""
