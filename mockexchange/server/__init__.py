"""Runs a mock with uvicorn: in a background thread for tests and embedding (`thread`), or in the foreground for
`serve` (`serving`); binds its listening socket first, so the port is known (and a port in use is an error) before it
serves (`addresses`). `MockServer`, the Python API (`mock_server`), is exported here as documented:
`from mockexchange.server import MockServer`.

uvicorn's protocols are subclassed for the mock's connection limits (`Settings`, read through `limits`): the h11
protocol (`http_protocol`) answers a request head that does not arrive whole within `header_timeout_s`, or a body
within `body_timeout_s`, with 408, and a connection beyond `max_connections` with 503 (uvicorn's own
`limit_concurrency` answers 503 per request but lets every websocket upgrade through, and never closes an idle
connection that has sent nothing), and closes a connection after a request that declared two framings; the websocket
protocol (`websocket_protocol`) answers an upgrade head websockets' parser refuses (414, 431 or 400, and close: uvicorn
left it unanswered), pings with Kalshi's payload, bounds what waits for a client that does not read
(`ws_send_buffer_bytes`, control frames included: such a client is not read, and is cut off if it stays so), writes a
connection's last frames past that bound when asked (`web.extensions.UNTHROTTLED`), cuts off a client that has not
taken the close within its close timeout, and writes the venues' fanned-out frames straight from the loop
(`web.extensions.FRAME_WRITER`). permessage-deflate is negotiated only when `ws_per_message_deflate` is on.
Behind TLS (`tls`), both are wrapped in asyncio's TLS protocol by the mock itself, so a handshake is held to
`header_timeout_s` and counted in `max_connections`.

Floor 8: may import `app` and everything below it; `testing`, the proxy and the command line stand above.
"""

from mockexchange.server.mock_server import MockServer

__all__ = ["MockServer"]
