"""`mockexchange proxy`: a recording, judging proxy between a client and the real venues (docs/proxy.md).

It forwards REST and websocket traffic to Kalshi's and Deribit's upstreams unchanged in all a signature covers,
judges each request, response and frame against the published schemas (`schema/`), journals them (`journal`, read
with the admin API's `GET /_admin/requests`), and writes them to a tape (`recording`), each with its secrets redacted.

Each venue it forwards to is its registration's `proxied` part (control/registration.py's `Proxied`: the paths it
serves, the key a request names, its judge, its error shape; venues/<venue>/proxied.py), so nothing here names one.
On the floor above `server` (it runs with its sockets): may import `server`, `registry`, `admin` (the journal's routes
and access rules), `venues` (the verdict a judge answers), `journal`, `control` (a registration's shape), `web`,
`core`, `auth` (its redaction), `recording`, `settings`.
"""

DEFAULT_TIMEOUT_S = 30.0  # an upstream that has not connected or answered in this long is a 502 (`proxy --timeout`)
