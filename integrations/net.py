"""Posting JSON to an address someone typed, without server-side request forgery.

The host is resolved once; every address it resolves to is checked, and the connection is made
to the checked address only (the Host header and TLS's server name stay the host's), so a DNS
answer that changes between the check and the connection (rebinding) reaches nothing new.
Redirects are not followed, the connection and the whole exchange have timeouts, and no more
than the first bytes of an answer are read.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000
KEEP_BYTES = 1024  # of an answer's body, for the log
READ_AT_MOST = 64 * 1024  # an answer of 10 MB is read no further than this

# Cloud providers' metadata services, named although the ranges below already cover most.
METADATA = [
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS over IPv6
]
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


class RefusedAddress(ValueError):
    """The URL is not one Tandem will post to."""


def address_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why Tandem will not connect to ``ip`` ("" when it may)."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is None and ip in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
            mapped = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if mapped is not None:
            reason = address_refused(mapped)
            return reason and f"{reason} (IPv6 form)"
    if any(ip in net for net in METADATA if net.version == ip.version):
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.version == 4 and ip in SHARED:
        return "a shared (carrier NAT) address"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "a private or reserved address"
    return ""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    ip: str


def url_check(url: str) -> None:
    """Raise RefusedAddress for a URL that is not http(s), too long, or not a public host.
    The address a form accepts is checked again, resolved afresh, at every delivery."""
    target_resolve(url)


def target_resolve(url: str) -> Target:
    if len(url) > MAX_URL_LENGTH:
        raise RefusedAddress(f"Use an address of at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress("Enter a valid address.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("Use an http:// or https:// address.")
    if parts.username or parts.password:
        raise RefusedAddress("Leave the user name and password out of the address.")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise RefusedAddress(f"{host} could not be resolved.") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise RefusedAddress(f"{host} could not be resolved.")
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        for ip in addresses:
            reason = address_refused(ip)
            if reason:
                raise RefusedAddress(f"{host} resolves to {reason} ({ip}): not allowed.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, str(addresses[0]))


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float, connect_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._ip, self._connect_timeout = target.ip, connect_timeout

    def connect(self) -> None:
        # A socket of the checked address's family, connected to that address: nothing here
        # asks DNS again (socket.create_connection would).
        family = socket.AF_INET6 if ":" in self._ip else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self._connect_timeout)
            sock.connect((self._ip, self.port))
            sock.settimeout(self.timeout)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class _PinnedHTTPS(_PinnedHTTP):
    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    status: int | None
    ms: int
    body: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post_json(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``; the answer, or why there was none. Never raises for the
    receiver's faults (refused address, timeout, reset, a 500): they are the Answer's."""
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        target = target_resolve(url)
    except RefusedAddress as exc:
        return Answer(None, 0, "", str(exc))
    total = float(settings.WEBHOOKS_TIMEOUT)
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target, timeout=total, connect_timeout=settings.WEBHOOKS_CONNECT_TIMEOUT)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Tandem-Webhooks/1",
                **headers,
            },
        )
        response = connection.getresponse()
        data = b""
        # Read in pieces until enough is kept or the total time is spent: a receiver that
        # trickles its answer is cut at the timeout like one that never answers.
        while len(data) < READ_AT_MOST:
            if time.monotonic() - started > total:
                raise TimeoutError("the answer took longer than the timeout")
            piece = response.read1(8192) if hasattr(response, "read1") else response.read(8192)
            if not piece:
                break
            data += piece
        return Answer(response.status, elapsed(), data[:KEEP_BYTES].decode("utf-8", "replace"))
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Answer(None, elapsed(), "", error[:500])
    finally:
        connection.close()
