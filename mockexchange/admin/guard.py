"""Who may call the admin API: the access rules checked before any admin operation runs.

In order, each refusal a JSON `{"error": ...}` naming the reason:
1. the client's address: loopback only unless `admin_open` (403);
2. `Host`: a loopback name, an IP address, the `--host` the mock listens on or a configured `allowed_hosts` name,
   so a browser page whose name was rebound to 127.0.0.1 (DNS rebinding) is refused (403);
3. `Origin`, when sent: the request's own origin or an allowed host's, so another site's page is refused (403);
4. `Authorization: Bearer TOKEN` when `admin_token` is set (401), compared in constant time;
5. `Content-Type` of a POST or DELETE: application/json; only a request without a body may leave it out, so the
   "simple" cross-site requests a browser sends without asking (text/plain, forms) never act (415).

`GET /_admin/health` and `GET /_admin/openapi.json` are not guarded (admin/routes.py); the inspector's page and
assets (`GET /_inspector...`, admin/inspector.py) pass every rule but the token.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from mockexchange.core.numbers import IntegerError, excerpt, parse_int
from mockexchange.settings import Settings
from mockexchange.web.answers import json_line_response

ANY_HOST = "*"  # in allowed_hosts: every Host header passes (Origin still must be the mock's own or named)
# A bind address for every interface is no name a client uses.
_WILDCARD_BINDS = {"", "0.0.0.0", "::", "[::]"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BODY_METHODS = {"POST", "DELETE"}


def split_host(value: str) -> tuple[str, int | None]:
    """`name[:port]` or `[v6]:port` -> (lower-case name without brackets or a trailing dot, port or None). A port that
    is not one (`:²`, 5,000 digits) leaves the whole value as the name, which no rule allows."""
    value = value.strip().lower()
    port: int | None = None
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:])
            if port is None:
                return value, None
    elif value.count(":") == 1:
        name, _, digits = value.partition(":")
        port = _port(digits)
        if port is None and digits:
            return value, None
    else:
        name = value  # a bare IPv6 address (a bind address) or a name
    return name.rstrip("."), port


def _port(text: str) -> int | None:
    try:
        return parse_int(text, 0, 65535)
    except IntegerError:
        return None


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return None


def is_loopback(name: str) -> bool:
    """localhost (and *.localhost, which browsers keep on loopback), 127.0.0.0/8, ::1 (also IPv4-mapped)."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _address(name)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def exposure_warning(settings: Settings) -> str | None:
    """The warning `serve` prints when the admin API can be reached beyond loopback without a token."""
    if not settings.admin or settings.admin_token:
        return None
    if settings.admin_open:
        why = "--admin-open"
    elif not is_loopback(split_host(settings.host)[0]):
        why = f"--host {settings.host}"
    else:
        return None
    return (
        f"mockexchange: warning: the admin API is reachable beyond loopback ({why}) without a token: anyone who "
        "reaches the port can reset the state and read the keys; give --admin-token TOKEN (or MOCKEXCHANGE_ADMIN_TOKEN)"
    )


def error(
    message: str, status: int, headers: dict[str, str] | None = None, errors: list[str] | None = None
) -> Response:
    """The admin API's refusal: `{"error": ...}`, with `errors` when there are several (a scenario's problems)."""
    return json_line_response({"error": message, "errors": errors} if errors else {"error": message}, status, headers)


class AdminGuard:
    """The access rules of one mock's admin API, from its settings."""

    def __init__(self, settings: Settings) -> None:
        self.open_to_all = settings.admin_open
        self.any_host = ANY_HOST in settings.allowed_hosts
        self.named = frozenset(split_host(h)[0] for h in settings.allowed_hosts if h != ANY_HOST)
        listening = split_host(settings.host)[0]
        self.mock_names = self.named | ({listening} if settings.host not in _WILDCARD_BINDS else set())
        # Bytes, for hmac.compare_digest; an empty token is no token.
        self.token = settings.admin_token.encode() if settings.admin_token else None

    def refusal(self, request: Request, *, token: bool = True) -> Response | None:
        """The answer refusing this request, or None when it may go on to its operation. `token` False: every rule
        but the token (the inspector's static page and assets, which carry no data, admin/inspector.py)."""
        for check in (self._client, self._host, self._origin, self._token, self._content_type):
            if check == self._token and not token:
                continue
            if (refused := check(request)) is not None:
                return refused
        return None

    def _client(self, request: Request) -> Response | None:
        client = request.client.host if request.client else ""
        if self.open_to_all or is_loopback(client):
            return None
        return error("the admin API answers loopback clients only (serve with --admin-open to change that)", 403)

    def host_allowed(self, name: str) -> bool:
        # An IP address cannot be rebound: only a name a page's author controls can be pointed at loopback.
        return self.any_host or is_loopback(name) or _address(name) is not None or name in self.mock_names

    def _host(self, request: Request) -> Response | None:
        host = request.headers.get("host")
        if host is None or self.host_allowed(split_host(host)[0]):
            return None  # HTTP/1.0 may leave Host out; browsers always send it
        return error(
            f"Host {host!r} is not a name of this mock: the admin API answers loopback names, IP addresses and the "
            "names given with serve --allowed-host NAME (Settings.allowed_hosts); a browser page whose name was "
            "rebound to this address sends its own",
            403,
        )

    def _origin(self, request: Request) -> Response | None:
        origin = request.headers.get("origin")
        if origin is None or self._origin_allowed(origin, request.headers.get("host", "")):
            return None
        return error(
            f"Origin {excerpt(origin)} is not this mock's: the admin API refuses requests from other sites' pages "
            "(allow a site's host with serve --allowed-host NAME)",
            403,
        )

    def _origin_allowed(self, origin: str, host: str) -> bool:
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return False  # "null" (sandboxed frames, file: pages) and anything that is no web origin
        name = parts.hostname.rstrip(".")
        if name in self.named:
            return True
        # Same origin: the page was served from the address this request was sent to (whose Host passed).
        host_name, host_port = split_host(host)
        default = _DEFAULT_PORTS[parts.scheme]
        return name == host_name and (port or default) == (host_port or default)

    def _token(self, request: Request) -> Response | None:
        if self.token is None:
            return None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="mockexchange admin"'}
        if scheme.lower() != "bearer" or not given.strip():
            return error("the admin API needs Authorization: Bearer TOKEN (the mock's --admin-token)", 401, challenge)
        if not hmac.compare_digest(given.strip().encode(), self.token):
            return error("the admin token does not match (the mock's --admin-token)", 401, challenge)
        return None

    def _content_type(self, request: Request) -> Response | None:
        if request.method not in _BODY_METHODS:
            return None
        given = request.headers.get("content-type")
        if given is None:
            if _has_body(request.headers.get("content-length"), request.headers.get("transfer-encoding")):
                return error("the admin API takes JSON bodies: send Content-Type: application/json", 415)
            return None  # a POST without a body (`curl -X POST`, httpx.post(url)) acts with no arguments
        if given.split(";", 1)[0].strip().lower() != "application/json":
            return error(f"the admin API takes JSON bodies: send Content-Type: application/json, not {given!r}", 415)
        return None


def _has_body(length: str | None, transfer_encoding: str | None) -> bool:
    return transfer_encoding is not None or (length is not None and length.strip() not in ("", "0"))


def allowed_host_names(values: Iterable[str]) -> tuple[str, ...]:
    """`--allowed-host` values and MOCKEXCHANGE_ALLOWED_HOSTS' comma-separated ones, as Settings.allowed_hosts."""
    return tuple(dict.fromkeys(n.strip() for v in values for n in v.split(",") if n.strip()))
