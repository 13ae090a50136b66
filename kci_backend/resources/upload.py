"""`/upload` (spec/upload.md): files into the storage root.

POST takes a multipart form of many files, PUT one raw body at a full path.
Bodies are streamed into a private staging area as they arrive, then the
request is validated as a whole and only then are files moved into place
(services/uploads.py). GET and DELETE answer 501 after the token check.
"""

from __future__ import annotations

import asyncio

from kci_backend.files.intake import body_chunks, path_after
from kci_backend.files.links import file_url, request_origin, storage_base_url
from kci_backend.files.multipart import MalformedForm, MultipartReader, boundary_of
from kci_backend.files.storage import PathRejected, storage_for
from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, route
from kci_backend.services import uploads

PREFIX = "/upload"
WRONG_TYPE = "Wrong content type defined: Use multipart/form-data as the content type"


@route(r"/upload", r"/upload/(?P<path>[\s\S]*)")
class Upload(Endpoint):
    rule = Rule.UPLOAD

    async def post(self, request) -> dict:
        boundary = boundary_of(request.header(b"content-type"))
        if boundary is None:
            raise ApiError(415, WRONG_TYPE)
        storage = storage_for(request.state)
        with storage.staging() as area:
            try:
                form = await read_form(request, MultipartReader(boundary, area, uploads.FORM_FIELDS))
            except MalformedForm as exc:
                raise ApiError(400, exc.reason) from None
            results = await asyncio.to_thread(uploads.save_form, storage, form, request.query.last)
        return {"code": 200, "result": results}

    async def put(self, request) -> dict:
        try:
            relative = path_after(request, PREFIX)
        except PathRejected as exc:
            raise uploads.rejected(exc) from None
        storage = storage_for(request.state)
        segments = await asyncio.to_thread(uploads.put_target, storage, relative)
        with storage.staging() as area:
            staged, handle = area.new_file()
            size = 0
            with handle:
                async for chunk in body_chunks(request, request.state.settings.max_upload_bytes):
                    handle.write(chunk)
                    size += len(chunk)
            outcome = await asyncio.to_thread(uploads.save_put, storage, staged, size, segments)
        name = segments[-1]
        if outcome.status == 201:
            base = storage_base_url(request.state.settings, own_origin(request))
            if base:
                request.response_headers.append((b"location", file_url(base, segments).encode("utf-8")))
            reason = f"File '{name}' saved"
        else:
            reason = f"File '{name}' replaced with new content"
        return {"code": outcome.status, "reason": reason, "result": [outcome.as_dict()]}


async def read_form(request, reader: MultipartReader):
    try:
        async for chunk in body_chunks(request, request.state.settings.max_upload_bytes):
            reader.feed(chunk)
        return reader.finish()
    finally:
        reader.close()


def own_origin(request) -> str | None:
    return request_origin(request.scope.get("scheme", "http"), request.header(b"host"),
                          request.scope.get("server"))
