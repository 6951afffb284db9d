"""TLS for a mock: what a client that takes only `https://` and `wss://` needs (cryptofeed refuses a `ws://`
address). A mock serves TLS when given a certificate and its key (`Settings.tls_certfile`, `tls_keyfile`; `serve
--tls-cert FILE --tls-key FILE`), or a certificate of its own (`self_signed`: `serve --tls-self-signed DIR`), which a
client trusts by its file (`SSL_CERT_FILE=DIR/cert.pem` for Python's default context, `curl --cacert`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import ssl
from asyncio import sslproto
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mockexchange.server.limits import ConnectionLimits
from mockexchange.settings import Settings

CERT_FILE, KEY_FILE = "cert.pem", "key.pem"
# The names a client on this machine reaches a mock by: each in the certificate, so its hostname check passes.
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
_VALID = timedelta(days=825)  # the longest a certificate may live that macOS and browsers still take
_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
)  # fmt: skip


def self_signed(directory: Path, now: datetime | None = None) -> tuple[Path, Path]:
    """`directory`'s cert.pem and key.pem, made there first if either is missing or the certificate has expired: a
    self-signed certificate for localhost, 127.0.0.1 and ::1 (its own authority: a client trusts the certificate
    itself), and its P-256 key, readable by the owner only. Answers the two paths."""
    cert, key = directory / CERT_FILE, directory / KEY_FILE
    now = now or datetime.now(UTC)  # (the wall's, not the exchange clock's: a client checks it against its own)
    if cert.is_file() and key.is_file() and not _expired(cert, now):
        return cert, key
    directory.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mockexchange (self-signed)")])
    alternatives: list[x509.GeneralName] = [x509.DNSName(n) for n in LOOPBACK_NAMES]
    alternatives += [x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_ADDRESSES]
    start = now - timedelta(minutes=5)  # (a client whose clock is a little behind)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + _VALID)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        # What a strict verifier (Python 3.13's default context) asks of a certificate that is its own authority.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(private.public_key()), critical=False)
        .sign(private, hashes.SHA256())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with os.fdopen(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        out.write(pem)
    key.chmod(0o600)  # (a key file there before keeps its mode through the open)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _expired(cert: Path, now: datetime) -> bool:
    """The certificate in the file is past its end (or not one: made again)."""
    try:
        return x509.load_pem_x509_certificate(cert.read_bytes()).not_valid_after_utc <= now
    except ValueError:
        return True


def check_settings(settings: Settings) -> None:
    """Raise ValueError, in one line, unless the settings name both a certificate and its key, or neither."""
    certfile, keyfile = settings.tls_certfile, settings.tls_keyfile
    if (certfile is None) != (keyfile is None):
        raise ValueError("tls_certfile and tls_keyfile go together: give both (or neither: plain http and ws)")
    if certfile is not None and keyfile is not None:
        check_pair(certfile, keyfile)


def check_pair(certfile: str, keyfile: str) -> None:
    """Raise ValueError, in one line, unless the two files are a certificate and its key that a server can use."""
    try:
        server_context(certfile, keyfile)
    except FileNotFoundError as exc:
        raise ValueError(f"no such file: {exc.filename or certfile}") from None
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"{certfile} and {keyfile} are not a certificate and its key in PEM ({exc})") from None


def server_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """The context a mock serves TLS with (a server's defaults: TLS 1.2 and later, no client certificate)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    return context


def client_context(certfile: str | Path) -> ssl.SSLContext:
    """A client's context that trusts a mock's self-signed certificate (the tests', and a Python client's)."""
    return ssl.create_default_context(cafile=str(certfile))


def accepting(
    protocol_class: Callable[..., asyncio.Protocol], context: ssl.SSLContext, limits: ConnectionLimits
) -> Callable[..., asyncio.BaseProtocol]:
    """A factory of the mock's protocol behind TLS that the mock's limits hold from the connection's first byte: the
    handshake within `header_timeout_s`, and the connection cap counting connections still in their handshake (a
    connection over it is closed before its handshake: a TLS client cannot read a plain answer). Handed to the event
    loop with no TLS of its own (uvicorn's would give each handshake asyncio's 60 s, before any limit of the mock's
    applies). The protocol is asyncio's own, the one its servers wrap a TLS connection in."""
    connections: set[Any] = set()  # (one server's: a config serves one)

    def accept(**options: object) -> asyncio.BaseProtocol:
        return _Accepted(protocol_class(**options), context, limits, connections)

    return accept


class _Accepted(sslproto.SSLProtocol):
    """A connection behind TLS, counted from its accept to its end."""

    def __init__(
        self, inner: asyncio.Protocol, context: ssl.SSLContext, limits: ConnectionLimits, open_: set[Any]
    ) -> None:
        loop, timeout = asyncio.get_running_loop(), cast(int, limits.header_timeout_s)  # (a float: call_later's)
        handshake = loop.create_future()  # (asyncio's server awaits it; a failed one is closed, and said nowhere)
        handshake.add_done_callback(_taken)
        super().__init__(loop, inner, context, handshake, server_side=True, ssl_handshake_timeout=timeout)
        self._cap, self._open = limits.max_connections, open_

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if len(self._open) >= self._cap:
            transport.close()
            return
        self._open.add(self)
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self in self._open:  # (one refused above was never made)
            self._open.discard(self)
            super().connection_lost(exc)


def _taken(handshake: asyncio.Future[None]) -> None:
    if not handshake.cancelled():
        handshake.exception()  # (taken, or asyncio would log it as never retrieved)
