"""Responses: the v1 envelope, gzip, ETag, Vary and CORS, sent on raw ASGI.

Every answer goes through `send_json` or `send_stream`, so the cross-cutting
headers of conventions.md §2, §8–§10 are set in exactly one place.
"""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from typing import Any, AsyncIterator

from kci_backend import wire

JSON_TYPE = b"application/json; charset=UTF-8"
FILE_CHUNK = 256 * 1024
_REASON_PHRASES = {
    200: "OK", 201: "Created", 202: "Accepted", 304: "Not Modified", 400: "Bad Request",
    403: "Operation not permitted: provided token is not authorized", 404: "Resource not found",
    405: "Operation not allowed", 409: "Conflict", 413: "Request Entity Too Large",
    415: "Wrong content type defined", 422: "Unprocessable Entity", 500: "Internal error",
    501: "Method not implemented",
}


def envelope(status: int, result: list | None = None, *, reason: str | None = None,
             errors: list[str] | None = None, **extra: Any) -> dict:
    """The v1 body: keys with no value are left out (conventions.md §5)."""
    body: dict[str, Any] = {"code": status}
    if result is not None:
        body["result"] = result
    for key, value in extra.items():
        if value is not None:
            body[key] = value
    if reason:
        body["reason"] = reason
    if errors:
        body["errors"] = errors
    return body


def accepts_gzip(header: str) -> bool:
    """RFC 9110 negotiation: gzip (or *) listed without q=0."""
    best = None
    for part in header.split(","):
        token, _, params = part.strip().partition(";")
        token = token.strip().lower()
        if token not in ("gzip", "x-gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if token in ("gzip", "x-gzip"):
            return quality > 0
        best = quality
    return best is not None and best > 0


class Responder:
    """Sends the response of one request with the headers its request calls for."""

    def __init__(self, scope: dict, send: Any, cors_origins: list[str]) -> None:
        self.send = send
        self.method = scope["method"]
        headers = dict(scope["headers"])
        self.gzip = accepts_gzip(headers.get(b"accept-encoding", b"").decode("latin-1"))
        self.if_none_match = headers.get(b"if-none-match", b"").decode("latin-1")
        self.origin = headers.get(b"origin")
        self.cors_origins = cors_origins
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self.status: int | None = None

    def _common_headers(self, cors: bool) -> list[tuple[bytes, bytes]]:
        headers = [(b"vary", b"Accept-Encoding")]
        if cors:
            headers.append((b"access-control-allow-headers", b"authorization"))
            if "*" not in self.cors_origins:
                # With an origin list the answer depends on Origin, matched or not (SEC-15).
                headers[0] = (b"vary", b"Accept-Encoding, Origin")
            if self.origin is not None:
                if "*" in self.cors_origins:
                    headers.append((b"access-control-allow-origin", b"*"))
                elif self.origin.decode("latin-1") in self.cors_origins:
                    headers.append((b"access-control-allow-origin", self.origin))
        return headers + self.extra_headers

    async def _start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def send_json(self, status: int, body: dict, *, cors: bool = True) -> None:
        payload = wire.dumps(body)
        headers = self._common_headers(cors)
        if status == 200 and self.method == "GET":
            etag = b'"' + hashlib.sha1(payload).hexdigest().encode() + b'"'
            if self.if_none_match and etag.decode() in self.if_none_match:
                await self._start(304, headers + [(b"etag", etag)])
                await self.send({"type": "http.response.body", "body": b""})
                return
            headers.append((b"etag", etag))
        headers.append((b"content-type", JSON_TYPE))
        if self.gzip:
            payload = gzip_bytes(payload)
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(payload)).encode()))
        await self._start(status, headers)
        await self.send({"type": "http.response.body", "body": payload})

    async def send_stream(self, status: int, chunks: AsyncIterator[bytes]) -> None:
        """A body produced piece by piece (large lists): no ETag, chunked transfer."""
        headers = self._common_headers(True) + [(b"content-type", JSON_TYPE)]
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if self.gzip else None
        if compressor:
            headers.append((b"content-encoding", b"gzip"))
        await self._start(status, headers)
        async for chunk in chunks:
            data = compressor.compress(chunk) if compressor else chunk
            if data:
                await self.send({"type": "http.response.body", "body": data, "more_body": True})
        tail = compressor.flush() if compressor else b""
        await self.send({"type": "http.response.body", "body": tail})

    async def send_raw(self, status: int, body: bytes, content_type: bytes, extra: list | None = None) -> None:
        """Non-JSON bodies (stored files)."""
        headers = self._common_headers(False) + [(b"content-type", content_type)] + (extra or [])
        if self.gzip and body:
            body = gzip_bytes(body)
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await self._start(status, headers)
        await self.send({"type": "http.response.body", "body": body})

    async def send_file(self, result: Any) -> None:
        """A routing.File: read and sent in pieces, so memory stays flat whatever its size."""
        headers = self._common_headers(False) + [(b"content-type", result.content_type)] + (result.headers or [])
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if self.gzip and result.compressible else None
        if compressor:
            headers.append((b"content-encoding", b"gzip"))
        else:
            headers.append((b"content-length", str(result.size).encode()))
        remaining = result.size  # never more than announced, even if the file grew meanwhile
        try:
            await self._start(result.status, headers)
            while remaining > 0 and (chunk := await asyncio.to_thread(result.file.read, min(FILE_CHUNK, remaining))):
                remaining -= len(chunk)
                data = compressor.compress(chunk) if compressor else chunk
                if data:
                    await self.send({"type": "http.response.body", "body": data, "more_body": True})
            await self.send({"type": "http.response.body", "body": compressor.flush() if compressor else b""})
        finally:
            result.file.close()


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()
