"""`multipart/form-data` bodies read as a stream: file parts go straight to disk.

python-multipart does the byte-level parsing; this module turns its events
into form fields (kept in memory, only the names asked for, each capped) and
file parts (written to the request's staging area as they arrive). Part
headers are read with the standard library's MIME parameter parser, which
also understands the RFC 2231 `filename*` form (upload.md §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .storage import StagingArea

MEDIA_TYPE = "multipart/form-data"
MAX_FIELD_BYTES = 64 * 1024


class MalformedForm(ValueError):
    """The body is not a well-formed multipart message (→ 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class FilePart:
    # Decoded as UTF-8; bytes that are not UTF-8 survive as surrogates and fail the path rules.
    filename: str
    staged: Path
    size: int = 0


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)


def boundary_of(content_type: str | None) -> bytes | None:
    """The boundary of a `multipart/form-data` Content-Type, else None (→ 415)."""
    media_type, options = parse_options_header(content_type or "")
    if media_type.decode("latin-1").strip() != MEDIA_TYPE:
        return None
    return options.get(b"boundary") or None


def disposition_names(header: bytes) -> tuple[str | None, str | None]:
    """(field name, file name) of a Content-Disposition header; a file name
    given as RFC 2231 `filename*` wins over a plain `filename`."""
    message = Message()
    try:
        message["content-disposition"] = header.decode("latin-1")
        params = message.get_params(header="content-disposition") or []
    except (ValueError, TypeError):
        raise MalformedForm("Malformed Content-Disposition header in a multipart part") from None
    name = filename = None
    for key, value in params[1:]:
        key = key.lower()
        if key == "name" and isinstance(value, str):
            name = _as_utf8(value)
        elif key == "filename":
            if isinstance(value, tuple):  # RFC 2231: (charset, language, latin-1 text)
                filename = _from_charset(value[2], value[0])
            elif filename is None:
                filename = _as_utf8(value)
    return name, filename


def _as_utf8(latin1_text: str) -> str:
    # Header bytes were read as latin-1; clients send UTF-8 names in them.
    return latin1_text.encode("latin-1", "replace").decode("utf-8", "surrogateescape")


def _from_charset(latin1_text: str, charset: str | None) -> str:
    raw = latin1_text.encode("latin-1", "replace")
    try:
        return raw.decode(charset or "us-ascii")
    except (LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", "surrogateescape")


class MultipartReader:
    """Feeds body pieces to the parser; collects fields and staged file parts."""

    def __init__(self, boundary: bytes, staging: StagingArea, wanted_fields: frozenset[str]) -> None:
        self.staging = staging
        self.wanted_fields = wanted_fields
        self.form = Form()
        self._ended = False
        self._headers: dict[str, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._file: BinaryIO | None = None
        self._part: FilePart | None = None
        self._field_name: str | None = None
        self._field_value = bytearray()
        try:
            self.parser = MultipartParser(boundary, {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            })
        except (MultipartParseError, ValueError):
            raise MalformedForm("Invalid multipart boundary") from None

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.write(chunk)
        except MultipartParseError:
            raise MalformedForm("Malformed multipart body") from None

    def finish(self) -> Form:
        self.close()
        if not self._ended:
            raise MalformedForm("Malformed multipart body: the closing boundary is missing")
        return self.form

    def close(self) -> None:
        """Release an open part file (also after an error)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- parser events -------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers = {}
        self._field_name = None
        self._field_value = bytearray()
        self._part = None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).decode("latin-1").strip().lower()] = bytes(self._header_value).strip()
        self._header_name = bytearray()
        self._header_value = bytearray()

    def _headers_finished(self) -> None:
        disposition = self._headers.get("content-disposition")
        if disposition is None:
            return  # neither a field nor a file: its data is skipped
        name, filename = disposition_names(disposition)
        if filename:
            staged, self._file = self.staging.new_file()
            self._part = FilePart(filename, staged)
            self.form.files.append(self._part)
        elif name in self.wanted_fields:
            self._field_name = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            self._part.size += end - start
        elif self._field_name is not None:
            self._field_value += data[start:end]
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise MalformedForm(f"Form field '{self._field_name}' is too large")

    def _part_end(self) -> None:
        self.close()
        if self._field_name is not None:
            # The last value of a repeated field wins, as with query strings.
            self.form.fields[self._field_name] = bytes(self._field_value).decode("utf-8", "surrogateescape")
            self._field_name = None

    def _end(self) -> None:
        self._ended = True
