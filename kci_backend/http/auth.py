"""Who may call what: token lookup, the permission rules and IP restriction.

Every permission decision of spec/token.md §2 and §4.2 is made here, in
`Authenticator.authorize`; handlers only say which rule their route uses.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kci_backend import models
from kci_backend.models import token as bits
from kci_backend.store.database import Database
from kci_backend.store.documents import Documents

log = logging.getLogger("kci_backend.auth")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Rule(enum.Enum):
    GENERAL = "general"
    BOOT = "boot"
    ADMIN = "admin"
    UPLOAD = "upload"
    TESTS = "tests"
    # ADMIN, plus the master key (only /token).
    TOKEN = "token"


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Token:
    """An authenticated caller. `master` is the configured master key (no stored token)."""

    id: str | None
    value_hash: str
    email: str | None
    properties: tuple[int, ...]
    expired: bool
    expires_on: datetime | None
    ip_address: tuple[str, ...]
    master: bool = False

    def has(self, bit: int) -> bool:
        return len(self.properties) > bit and self.properties[bit] == 1

    @property
    def is_admin(self) -> bool:
        return self.has(bits.ADMIN)

    @property
    def is_superuser(self) -> bool:
        return self.has(bits.SUPERUSER)

    def is_valid_now(self, now: datetime) -> bool:
        if self.master:
            return True
        if self.id is None or not self.email:
            return False  # malformed document (token.md §2 step 4)
        if self.expired:
            return False
        return self.expires_on is None or now < self.expires_on


MASTER = Token(None, "", "master-key", (), False, None, (), master=True)


def permits(rule: Rule, method: str, token: Token) -> bool:
    """The rules of token.md §4.2."""
    if token.master:
        return rule is Rule.TOKEN
    admin, su = token.is_admin, token.is_superuser
    if rule in (Rule.GENERAL, Rule.BOOT):
        if method == "GET":
            return token.has(bits.GET)
        if method in ("POST", "PUT"):
            return token.has(bits.POST)
        if method == "DELETE":
            return token.has(bits.DELETE) and (rule is Rule.BOOT or not token.has(bits.LAB))
        return False
    if rule in (Rule.ADMIN, Rule.TOKEN):
        if admin:
            return True
        # Superusers may read labs and reports, never /token (token.md §4.4 chosen).
        return su and method == "GET" and rule is Rule.ADMIN
    if rule is Rule.UPLOAD:
        if admin or su:
            return True
        return method in ("POST", "PUT") and token.has(bits.UPLOAD)
    if rule is Rule.TESTS:
        if admin or su:
            return True
        if method == "GET":
            return token.has(bits.GET)
        return token.has(bits.TEST_LAB)
    return False


# ---------------------------------------------------------------------------
# IP restriction (token.md §7)
# ---------------------------------------------------------------------------


def parse_ip(text: str) -> IpAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(scope: dict, trusted: list[IpNetwork]) -> IpAddress | None:
    """The caller's address; proxy headers count only from a trusted peer."""
    peer = scope.get("client")
    peer_ip = parse_ip(peer[0]) if peer else None
    if peer_ip is None or not any(peer_ip.version == n.version and peer_ip in n for n in trusted):
        return peer_ip
    headers = dict(scope["headers"])
    real = headers.get(b"x-real-ip")
    if real and (ip := parse_ip(real.decode("latin-1"))):
        return ip
    forwarded = headers.get(b"x-forwarded-for")
    if forwarded and (ip := parse_ip(forwarded.decode("latin-1").split(",")[-1])):
        return ip
    return peer_ip


def ip_allowed(token: Token, address: IpAddress | None) -> bool:
    if not token.has(bits.IP_RESTRICTED):
        return True
    if address is None or not token.ip_address:
        return False
    for entry in token.ip_address:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if network.version == address.version and address in network:
            return True
    return False


# ---------------------------------------------------------------------------


class Authenticator:
    """Looks tokens up by the hash of their value, with a short cache."""

    def __init__(self, db: Database, master_key: str, trusted_proxies: list[str], cache_seconds: float) -> None:
        self.tokens = Documents(db, models.get("token"))
        self.master_key = master_key
        self.trusted = [ipaddress.ip_network(n, strict=False) for n in trusted_proxies]
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Token | None]] = {}

    def forget(self) -> None:
        """Drop cached lookups (after a token changes in this process)."""
        self._cache.clear()

    async def lookup(self, value: str) -> Token | None:
        value_hash = hash_token(value)
        now = time.monotonic()
        hit = self._cache.get(value_hash)
        if hit is not None and hit[0] > now:
            return hit[1]
        doc = await self.tokens.get(value_hash, by="token_hash", python=True)
        token = None if doc is None else token_from_document(doc)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[value_hash] = (now + self.cache_seconds, token)
        return token

    async def authorize(self, scope: dict, header: str | None, rule: Rule, method: str) -> Token | None:
        """The caller's token if it may use `rule` with `method`, else None (→ 403)."""
        value = credential(header)
        if not value:
            return None
        if rule is Rule.TOKEN and self.master_key and hmac.compare_digest(
            value.encode("utf-8", "surrogatepass"), self.master_key.encode()
        ):
            log.warning("master key used: %s %s", method, scope.get("path"))
            return MASTER
        token = await self.lookup(value)
        if token is None or not token.is_valid_now(datetime.now(timezone.utc)):
            return None
        if not permits(rule, method, token):
            return None
        # The caller's address is only worked out for a restricted token (parsing it costs
        # more than the rest of the check, BENCHMARKS.md).
        if token.has(bits.IP_RESTRICTED) and not ip_allowed(token, client_address(scope, self.trusted)):
            return None
        return token


def credential(header: str | None) -> str:
    """The token value of an Authorization header; `Bearer <value>` is accepted (SEC-7)."""
    if not header:
        return ""
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def token_from_document(doc: dict[str, Any]) -> Token:
    return Token(
        id=doc.get("_id"),
        value_hash=doc.get("token_hash") or "",
        email=doc.get("email"),
        properties=tuple(doc.get("properties") or ()),
        expired=bool(doc.get("expired")),
        expires_on=doc.get("expires_on"),
        ip_address=tuple(doc.get("ip_address") or ()),
    )
