"""`/storage/<path>`: the storage root published read-only (upload.md §6).

This is where `storage_url` points by default, so links in documents work
without another web server. No token is needed (a static server would ask
for none). It never lists directories, never follows a link out of the root,
and answers 404 for anything it does not serve. `KCI_SERVE_STORAGE=false`
turns it off when a real web server publishes the root.

Uploaded files are untrusted content on the API's own origin, so every answer
carries `Content-Security-Policy: sandbox` (an uploaded HTML or SVG page runs
no script with the API's origin) and `X-Content-Type-Options: nosniff`.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes

from kci_backend import app
from kci_backend.files.intake import path_after
from kci_backend.files.links import LOCAL_PREFIX
from kci_backend.files.storage import PathRejected, split_client_path, storage_for
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, File, route

# Only the built-in table, so a type does not depend on the host's /etc/mime.types.
_TYPES = mimetypes.MimeTypes(filenames=())
# Names kernel CI stores a lot of, which the built-in table does not know.
_EXTRA_TYPES = {".log": "text/plain", ".cfg": "text/plain", ".yaml": "text/plain", ".yml": "text/plain",
                ".config": "text/plain"}
# A compressed file is sent as what it is (never as Content-Encoding, which clients would undo).
_COMPRESSED = {"gzip": "application/gzip", "xz": "application/x-xz", "bzip2": "application/x-bzip2",
               "br": "application/octet-stream", "compress": "application/x-compress"}
_COMPRESSIBLE = ("text/", "application/json", "application/xml", "image/svg+xml", "application/javascript")
_SAFETY_HEADERS = [(b"content-security-policy", b"sandbox"), (b"x-content-type-options", b"nosniff")]
_NOT_FOUND = "Resource not found"
log = logging.getLogger("kci_backend.storage")


def content_type_of(name: str) -> str:
    for suffix, kind in _EXTRA_TYPES.items():
        if name.endswith(suffix):
            return kind + "; charset=utf-8"
    kind, encoding = _TYPES.guess_type(name, strict=False)
    if encoding:
        return _COMPRESSED.get(encoding, "application/octet-stream")
    if kind is None:
        return "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") else kind


@route(LOCAL_PREFIX, LOCAL_PREFIX + r"/(?P<path>[\s\S]*)")
class StorageFiles(Endpoint):
    open_methods = frozenset({"GET"})
    unimplemented_open = {"POST": None, "PUT": None, "DELETE": None}

    async def get(self, request) -> File:
        if not request.state.settings.serve_storage:
            raise ApiError(404, _NOT_FOUND)
        try:
            segments = split_client_path(path_after(request, LOCAL_PREFIX))
        except PathRejected:
            raise ApiError(404, _NOT_FOUND) from None
        if not segments:
            raise ApiError(404, _NOT_FOUND)  # the root is a directory: never listed
        opened = await asyncio.to_thread(storage_for(request.state).open_file, segments)
        if opened is None:
            raise ApiError(404, _NOT_FOUND)
        handle, size = opened
        kind = content_type_of(segments[-1])
        return File(200, handle, size, kind.encode(), compressible=kind.startswith(_COMPRESSIBLE),
                    headers=list(_SAFETY_HEADERS))


async def _prepare_storage(state) -> None:
    try:
        await asyncio.to_thread(storage_for(state).prepare)
    except OSError as exc:
        # The rest of the API works without it; uploads will fail until the directory is fixed.
        log.error("storage root %s is not usable: %s", state.settings.storage_dir, exc)


app.STARTUP_HOOKS.append(_prepare_storage)
