"""Token documents: the flag cascade, field checks and creation (spec/token.md §3, §6–§8).

Used by the `/token` resource, `POST /lab` and the `kci-backend token` command,
so a token is made the same way whichever door it comes through.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any

from kci_backend.http.auth import hash_token
from kci_backend.models import token as bits
from kci_backend.query.values import parse_day, start_of
from kci_backend.store.database import Database, Transaction
from kci_backend.store.documents import Documents

WRONG_VALUE = "Wrong field value or type in the JSON data"
FLAG_KEYS = ("get", "post", "delete", "superuser", "admin", "ip_restricted", "lab", "upload", "test_lab")
BODY_KEYS = frozenset({"email", "username", "expires_on", "expired", "ip_address", "version", *FLAG_KEYS})


class TokenFieldError(ValueError):
    """A body value that the token model refuses (answered with 400 and this reason)."""


def _flag(value: Any) -> int:
    # JSON true/false/1/0 only; bool is a subclass of int, floats and strings are not accepted.
    if type(value) is bool or (type(value) is int and value in (0, 1)):
        return int(value)
    raise TokenFieldError(WRONG_VALUE)


def apply_flags(properties: list[int], body: dict[str, Any]) -> list[int]:
    """The permission bits after the request's flags, in the fixed order of §3.3."""
    props = list(properties) + [0] * (bits.PROPERTY_COUNT - len(properties))

    def given(key: str) -> int | None:
        return None if body.get(key) is None else _flag(body[key])

    for key, bit in (("get", bits.GET), ("post", bits.POST), ("delete", bits.DELETE)):
        if (v := given(key)) is not None:
            props[bit] = v
    if (v := given("superuser")) is not None:
        for bit in (bits.SUPERUSER, bits.GET, bits.POST, bits.DELETE, bits.UPLOAD):
            props[bit] = v
        props[bits.ADMIN] = props[bits.CREATE_TOKENS] = 0
    if (v := given("admin")) is not None:
        for bit in (bits.ADMIN, bits.SUPERUSER, bits.GET, bits.POST, bits.DELETE, bits.CREATE_TOKENS, bits.UPLOAD):
            props[bit] = v
    for key, bit in (("ip_restricted", bits.IP_RESTRICTED), ("lab", bits.LAB), ("upload", bits.UPLOAD),
                     ("test_lab", bits.TEST_LAB)):
        if (v := given(key)) is not None:
            props[bit] = v
    return props


def parse_expires_on(value: Any):
    """§6: a `YYYY-MM-DD` string → 00:00 UTC that day; None/"" → no change."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TokenFieldError(WRONG_VALUE)
    day = parse_day(value)
    if day is None or "-" not in value:
        raise TokenFieldError(WRONG_VALUE)
    return start_of(day)


def canonical_ip_entry(entry: Any) -> str:
    """§7: an address or CIDR network in canonical text (host bits zeroed)."""
    if not isinstance(entry, str) or not entry.strip():
        raise TokenFieldError(WRONG_VALUE)
    text = entry.strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise TokenFieldError(WRONG_VALUE) from None


def parse_ip_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise TokenFieldError(WRONG_VALUE)
    return [canonical_ip_entry(v) for v in value]


def _text(value: Any) -> str | None:
    """A non-empty string, None for null/empty; anything else is refused."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TokenFieldError(WRONG_VALUE)
    return value


def apply_body(stored: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The token document after a create/update body (checks in the order of §8.4)."""
    doc = dict(stored)
    if (email := _text(body.get("email"))) is not None:
        doc["email"] = email
    if (username := _text(body.get("username"))) is not None:
        doc["username"] = username
    if (expires := parse_expires_on(body.get("expires_on"))) is not None:
        doc["expires_on"] = expires
    if "expired" in body and body["expired"] is not None:
        doc["expired"] = bool(_flag(body["expired"]))
    doc["properties"] = apply_flags(doc.get("properties") or [], body)
    addresses = parse_ip_list(body.get("ip_address"))
    restricted = doc["properties"][bits.IP_RESTRICTED] == 1
    if restricted and not addresses and not doc.get("ip_address"):
        raise TokenFieldError("IP restricted but no IP addresses given")
    if addresses and not restricted:
        raise TokenFieldError("IP addresses given, but token is not IP restricted")
    if addresses:
        doc["ip_address"] = addresses
    return doc


@dataclass
class NewToken:
    value: str
    document: dict[str, Any]


def new_token_document(body: dict[str, Any]) -> NewToken:
    """Validate a creation body and make the document and its secret value."""
    if "email" not in body:
        raise TokenFieldError("New tokens require the email address field [email]")
    if not isinstance(body["email"], str) or not body["email"]:
        raise TokenFieldError(WRONG_VALUE)
    value = str(uuid.uuid4())
    base = {"properties": [0] * bits.PROPERTY_COUNT, "expired": False, "ip_address": None,
            "token_hash": hash_token(value), "token_prefix": value[:8], "version": "1.0"}
    return NewToken(value, apply_body(base, body))


async def insert_token(tx: Transaction, tokens: Documents, body: dict[str, Any]) -> NewToken:
    new = new_token_document(body)
    new.document = await tokens.insert(tx, new.document)
    return new


async def create_token(db: Database, tokens: Documents, body: dict[str, Any]) -> NewToken:
    async with db.transaction() as tx:
        return await insert_token(tx, tokens, body)
