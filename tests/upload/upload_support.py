"""Helpers of the upload tests: hand-built multipart bodies and raw HTTP requests.

httpx normalises `..` out of URLs and escapes odd file names, so the hostile
requests these tests need are built byte by byte here.
"""

from __future__ import annotations

import http.client
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BOUNDARY = "kci-test-boundary-7f3a9c"
# KCI_MAX_UPLOAD_BYTES of the `limited_server` fixture.
SMALL_LIMIT = 4096


def field(name: str, value: str | bytes) -> tuple[bytes, bytes]:
    data = value.encode() if isinstance(value, str) else value
    return f'form-data; name="{name}"'.encode(), data


def file(filename: str | bytes, data: bytes, name: str = "file0", *, extra: bytes = b"") -> tuple[bytes, bytes]:
    """A file part; `filename` goes into the header byte for byte (quotes excepted)."""
    raw = filename.encode() if isinstance(filename, str) else filename
    return b'form-data; name="' + name.encode() + b'"; filename="' + raw + b'"' + extra, data


def multipart(*parts: tuple[bytes, bytes], boundary: str = BOUNDARY) -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data message."""
    chunks = []
    for disposition, data in parts:
        chunks += [b"--", boundary.encode(), b"\r\n", b"Content-Disposition: ", disposition, b"\r\n",
                   b"Content-Type: application/octet-stream\r\n\r\n", data, b"\r\n"]
    chunks += [b"--", boundary.encode(), b"--\r\n"]
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def post_form(client, *parts: tuple[bytes, bytes], url: str = "/upload", **kwargs):
    body, content_type = multipart(*parts)
    return client.post(url, content=body, headers={"Content-Type": content_type}, **kwargs)


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def raw_request(base_url: str, method: str, target: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> RawAnswer:
    """Send `target` exactly as written (no URL normalisation)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        answer = RawAnswer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()
    assert answer.status != 500, f"server answered 500: {method} {target} {answer.body!r}"
    return answer


def tree(top: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[str, int]]:
    """Every path below `top` (links not followed) → (kind, size); names in `skip` are left out."""
    listing = {}
    for directory, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = Path(directory) / name
            relative = str(path.relative_to(top))
            if relative.split(os.sep)[0] in skip:
                continue
            info = path.lstat()
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            listing[relative] = (kind, 0 if kind == "dir" else info.st_size)
    return listing
