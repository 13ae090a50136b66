"""Routes and endpoints: path → endpoint, then the v1 order of checks.

A resource module declares an `Endpoint` subclass and registers its path
pattern with `@route(...)`. The dispatcher (`app.py`) then applies the
conventions of spec/conventions.md §4: OPTIONS → 200, unsupported verbs →
405, "501 without auth" verbs, the token rule of the method, and finally the
handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, AsyncIterator, BinaryIO, ClassVar

from .auth import Rule

METHODS = ("GET", "POST", "PUT", "DELETE")


@dataclass
class Stream:
    """A streamed JSON body (large lists)."""

    status: int
    chunks: AsyncIterator[bytes]


@dataclass
class Raw:
    """A non-JSON body (stored files)."""

    status: int
    body: bytes
    content_type: bytes
    headers: list[tuple[bytes, bytes]] | None = None


@dataclass
class File:
    """A stored file sent from disk in pieces (the /storage route); the responder closes it."""

    status: int
    file: BinaryIO
    size: int
    content_type: bytes
    # Compress when the client accepts gzip (text); binaries and archives go as stored.
    compressible: bool = False
    headers: list[tuple[bytes, bytes]] | None = None


class Endpoint:
    """One route family. Subclasses define `get`/`post`/`put`/`delete` handlers."""

    # The token rule of each method (token.md §4.1).
    rule: ClassVar[Rule] = Rule.GENERAL
    rules: ClassVar[dict[str, Rule]] = {}
    # Methods that need no token at all (GET /version).
    open_methods: ClassVar[frozenset[str]] = frozenset()
    # Methods answered 501 before the token check; value = reason (None: bare {"code": 501}).
    unimplemented_open: ClassVar[dict[str, str | None]] = {}

    def rule_for(self, method: str) -> Rule:
        return self.rules.get(method, self.rule)


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    endpoint: Endpoint
    order: int


_ROUTES: list[Route] = []


def route(*patterns: str, order: int = 50):
    """Register an Endpoint class for path regexes (matched whole; one trailing
    slash is stripped before matching). Lower `order` is tried first."""

    def register(cls: type[Endpoint]) -> type[Endpoint]:
        endpoint = cls()
        for pattern in patterns:
            _ROUTES.append(Route(re.compile(pattern + r"\Z"), endpoint, order))
        _ROUTES.sort(key=lambda r: r.order)
        return cls

    return register


def match(path: str) -> tuple[Endpoint, dict[str, str]] | None:
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    for r in _ROUTES:
        m = r.pattern.match(path)
        if m:
            return r.endpoint, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


def plural(word: str) -> str:
    """`job` → the regex for `/job` or `/jobs`."""
    return f"{word}s?"


OID_SEGMENT = r"(?P<id>[A-Za-z0-9]{24})"
ANY_SEGMENT = r"(?P<id>[^/]+)"


def routes() -> list[Route]:
    return list(_ROUTES)


def handler_for(endpoint: Endpoint, method: str) -> Any:
    return getattr(endpoint, method.lower(), None)
