"""Public URLs of stored files (upload.md §1, §6).

`storage_url` is one setting for every link to a stored file (upload
`Location`, email links, the LAVA callback). When it is empty and the server
publishes the root itself, links point at the server's own `/storage/` route.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from kci_backend.settings import Settings

LOCAL_PREFIX = "/storage"
# Characters RFC 3986 allows in a path segment that are worth keeping readable.
_SEGMENT_SAFE = "+=,@:"
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def storage_base_url(settings: Settings, own_origin: str | None = None) -> str | None:
    """The base URL of the storage root without a trailing `/`, or None (no links).

    `own_origin` (`scheme://host[:port]` of the current request) is used when
    `storage_url` is empty and the server serves the root itself.
    """
    if settings.storage_url:
        return settings.storage_url.rstrip("/")
    if settings.serve_storage and own_origin:
        return own_origin + LOCAL_PREFIX
    return None


def file_url(base: str, segments: tuple[str, ...]) -> str:
    """`<base>/<relative path>`, each segment percent-encoded."""
    return base + "/" + "/".join(quote(segment, safe=_SEGMENT_SAFE) for segment in segments)


def request_origin(scheme: str, host_header: str | None, server: tuple[str, int] | None) -> str | None:
    """`scheme://host` of a request; a malformed Host header falls back to the listening address."""
    if host_header and _HOST.fullmatch(host_header):
        return f"{scheme}://{host_header}"
    if server:
        host, port = server
        return f"{scheme}://{host}:{port}" if ":" not in host else f"{scheme}://[{host}]:{port}"
    return None
