"""Who is asking: the client's address, taken from a proxy's headers only when the proxy is trusted,
and student ids signed by the course platform.

Behind a reverse proxy every request comes from the proxy's address, so the real client is in
`X-Forwarded-For` or `Forwarded` — but anyone can send those headers. `ForwardedClients` (ASGI
middleware, outermost) rewrites the request's client address and scheme from them only when the
connection comes from one of `--trusted-proxies`, walking the forwarded chain from the right past
trusted hops, so a client cannot choose its own address. A course platform that wants per-student
limits signs each id: `X-QA-User: <id>.<hex HMAC-SHA256(secret, id)>`; an unsigned or wrongly
signed id is ignored. The trade-off: the proxy must pass the `Host` header on unchanged (nginx's
`proxy_set_header Host $host`, Caddy's default), since same-origin checks compare against it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re

from ..errors import UsageError

__all__ = [
    "ForwardedClients",
    "parse_networks",
    "forwarded_client",
    "sign_user",
    "verified_user",
    "signing_examples",
    "TRUSTED_PROXIES_ENV",
    "USER_SECRET_ENV",
]

TRUSTED_PROXIES_ENV = "QA_TRUSTED_PROXIES"
USER_SECRET_ENV = "QA_USER_SECRET"
MAX_ID_CHARS = 128
_SIGNED = re.compile(r"^(?P<id>[^\s]{1,128})\.(?P<sig>[0-9a-fA-F]{64})$")
_FOR = re.compile(r'(?i)(?:^|;)\s*for\s*=\s*("?)([^";,]*)\1')
_PROTO = re.compile(r'(?i)(?:^|;)\s*proto\s*=\s*("?)(https?)\1')

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | None) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR blocks -> networks.

    Example: '127.0.0.1, 10.0.0.0/8' -> (IPv4Network('127.0.0.1/32'), IPv4Network('10.0.0.0/8'))
    """
    networks = []
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise UsageError(
                f"trusted proxy {item!r}: give addresses or CIDR blocks separated by commas, "
                "e.g. --trusted-proxies 127.0.0.1,10.0.0.0/8"
            ) from None
    return tuple(networks)


def _address(text: str) -> str | None:
    """An IP address from a forwarded value ('1.2.3.4:5', '[::1]:80', '"1.2.3.4"'), else None."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(
    peer: str | None, headers: dict[str, str], networks: tuple[Network, ...]
) -> tuple[str | None, str | None]:
    """The client's address and scheme: the peer's own unless the peer is a trusted proxy.

    Args:
        peer: the address of the connection.
        headers: lower-case header names -> values (repeated headers joined by commas).
        networks: the trusted proxies.

    Returns:
        (address, scheme); scheme is None when no trusted proxy named one.

    Example: ('10.0.0.2', {'x-forwarded-for': '6.6.6.6, 1.2.3.4'}, (10.0.0.0/8,))
    -> ('1.2.3.4', None)
    """
    if not _trusted(peer, networks):
        return peer, None
    chain: list[str | None] = []
    scheme = None
    if headers.get("x-forwarded-for"):
        chain = [_address(v) for v in headers["x-forwarded-for"].split(",")]
        proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        scheme = proto if proto in ("http", "https") else None
    elif headers.get("forwarded"):
        elements = headers["forwarded"].split(",")
        chain = [_address(m.group(2)) if (m := _FOR.search(e)) else None for e in elements]
        proto = _PROTO.search(elements[-1])
        scheme = proto.group(2).lower() if proto else None
    address = peer
    for hop in reversed(chain):  # the rightmost hops were added by our own proxies
        if hop is None:
            break
        address = hop
        if not _trusted(hop, networks):
            break
    return address, scheme


class ForwardedClients:
    """ASGI middleware: the request's client address (and scheme) as seen by trusted proxies."""

    def __init__(self, app, networks: tuple[Network, ...]):
        self.app = app
        self.networks = networks
        self.state = getattr(app, "state", None)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and self.networks:
            client = scope.get("client")
            headers: dict[str, str] = {}
            for name, value in scope.get("headers", []):
                key = name.decode("latin-1").lower()
                text = value.decode("latin-1")
                headers[key] = f"{headers[key]},{text}" if key in headers else text
            address, scheme = forwarded_client(
                client[0] if client else None, headers, self.networks
            )
            if address != (client[0] if client else None) or scheme:
                scope = dict(scope, client=(address, client[1] if client else 0))
                if scheme:
                    ws = scope["type"] == "websocket"
                    scope["scheme"] = {"http": "ws", "https": "wss"}[scheme] if ws else scheme
        await self.app(scope, receive, send)


def sign_user(user_id: str, secret: str) -> str:
    """The signed form of a student id, as a course platform sends it in `X-QA-User`.

    Example: ('s123', 'k') -> 's123.' + hex HMAC-SHA256 of 's123' with the key 'k'
    """
    digest = hmac.new(secret.encode("utf-8"), user_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{user_id}.{digest}"


def verified_user(value: str | None, secret: str | None) -> str | None:
    """The student id of a correctly signed value, else None (no secret, unsigned, wrong signature).

    Example: (sign_user('s1', 'k'), 'k') -> 's1'; ('s1', 'k') -> None
    """
    if not secret or not value:
        return None
    match = _SIGNED.match(value.strip())
    if not match:
        return None
    expected = sign_user(match["id"], secret).rsplit(".", 1)[1]
    return match["id"] if hmac.compare_digest(expected, match["sig"].lower()) else None


_SIGNING_EXAMPLES = """How the course site's server signs a student's id (the secret is the app's
QA_USER_SECRET; it stays on the servers, never in a page). Put the signed id in the widget's
address, WIDGET?user=SIGNED_ID (URL-encoded), or send it as the header X-QA-User with POST /api/ask.

Python:
    import hashlib, hmac, os
    def signed_id(student_id: str) -> str:
        key = os.environ["QA_USER_SECRET"].encode()
        return student_id + "." + hmac.new(key, student_id.encode(), hashlib.sha256).hexdigest()

JavaScript (Node.js):
    const crypto = require("node:crypto");
    function signedId(studentId) {
      const key = process.env.QA_USER_SECRET;
      const mac = crypto.createHmac("sha256", key).update(studentId).digest("hex");
      return `${studentId}.${mac}`;
    }
"""


def signing_examples(widget_url: str = "https://qa.example.edu/widget/") -> str:
    """A few lines of Python and of JavaScript with which a course site's server signs ids."""
    return _SIGNING_EXAMPLES.replace("WIDGET", widget_url)
