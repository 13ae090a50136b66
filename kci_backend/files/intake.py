"""What a file request names and carries: its URL path, and its body as it arrives.

upload.md §6: a declared `Content-Length` over the limit is refused before
reading anything; a streamed body is stopped as soon as it crosses the limit.
Either way the answer is 413 and the caller writes nothing.
"""

from __future__ import annotations

from typing import AsyncIterator

from kci_backend.http.errors import ApiError
from kci_backend.http.request import Request

from .storage import PathRejected, decode_url_path

TOO_LARGE = "Request body too large"


def refuse_declared_oversize(request: Request, limit: int) -> None:
    declared = request.header(b"content-length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise ApiError(413, TOO_LARGE)


async def body_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body in the pieces the server hands over; 413 past `limit`."""
    refuse_declared_oversize(request, limit)
    received = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "Incomplete request body")
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise ApiError(413, TOO_LARGE)
        if chunk:
            yield chunk
        if not message.get("more_body"):
            return


def path_after(request: Request, prefix: str) -> str:
    """What follows `<prefix>/` in the raw URL path, percent-decoded once (so
    `%2F` separates and `+` stays a plus) and required to be UTF-8 (upload.md §4).

    Raises PathRejected.
    """
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    decoded = decode_url_path(raw)
    if not decoded.startswith(prefix):
        raise PathRejected(decoded)
    rest = decoded[len(prefix):]
    return rest[1:] if rest.startswith("/") else rest
