"""Where a server listens and is reached: its listening socket, bound before it serves (so the port is known, and a
port in use an error, first), and the http and ws URLs a client on this machine takes."""

from __future__ import annotations

import socket

_BACKLOG = 2048  # uvicorn's default


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host` (a name or an IPv4/IPv6 address; resolved, so `::1` and `localhost` work) and `port`
    (0: any free port), listening. Raises OSError (`socket.gaierror` for a host that does not resolve)."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP; without it Nagle and
    # delayed ACK add 40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # As uvicorn does: a restarted mock can take its port back while old connections linger in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)  # listening now makes a port in use fail here, before anything is printed
    except BaseException:
        sock.close()
        raise
    return sock


def bound_port(sock: socket.socket) -> int:
    return sock.getsockname()[1]


# A server bound to every address is reached, from the same machine, on loopback of that family.
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def http_url(host: str, port: int, tls: bool = False) -> str:
    """`http://HOST:PORT` (`https://` with `tls`) a client on this machine can use for a server bound to `host`
    (brackets around an IPv6 address; loopback for a wildcard such as 0.0.0.0, which is no address to connect to)."""
    host = _WILDCARDS.get(host, host)
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def ws_url(base_url: str) -> str:
    """The websocket twin of an http(s) base URL."""
    return "ws" + base_url.removeprefix("http")
