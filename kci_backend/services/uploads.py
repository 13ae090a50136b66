"""Uploads into the storage root (spec/upload.md): where files go, and writing them.

The resource streams each body into a staging area first; the functions here
then validate the whole request (§3.2, §3.3, §5) and only afterwards move the
files into place, so a refused request leaves nothing behind. They block on
the filesystem and are meant to run in a worker thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kci_backend.files.multipart import FilePart, Form
from kci_backend.files.storage import PathConflict, PathRejected, Storage, joined, shown, split_client_path
from kci_backend.http.errors import ApiError

# §3.1: the layout fields, in the order their absence is reported.
LAYOUT_FIELDS = ("job", "git_branch", "kernel", "arch", "defconfig")
FORM_FIELDS = frozenset({"path", *LAYOUT_FIELDS, "defconfig_full", "lab_name"})


@dataclass
class Outcome:
    """One file's result (§3.5)."""

    filename: str
    status: int
    bytes: int = 0
    error: str | None = None

    def as_dict(self) -> dict:
        return {"filename": self.filename, "status": self.status, "bytes": self.bytes, "error": self.error}


def rejected(exc: PathRejected) -> ApiError:
    return ApiError(400, exc.reason)


# ---------------------------------------------------------------------------
# POST: several files into one directory
# ---------------------------------------------------------------------------


def destination(lookup: Callable[[str], str | None]) -> tuple[str, ...]:
    """The destination directory D (§3.2) from form values (or the query string)."""
    path = lookup("path")
    if path is not None:
        value = path
    else:
        for name in LAYOUT_FIELDS:
            if not lookup(name):
                raise ApiError(400, f"Missing argument {name}")
        pieces = [lookup(name) for name in ("job", "git_branch", "kernel", "arch")]
        pieces.append(lookup("defconfig_full") or lookup("defconfig"))
        if lookup("lab_name"):
            pieces.append(lookup("lab_name"))
        value = "/".join(pieces)
    try:
        # The reference removed a leading "/" from `path`: "/" names the root.
        return split_client_path(value, absolute_ok=True)
    except PathRejected as exc:
        raise rejected(exc) from None


def save_form(storage: Storage, form: Form, query_value: Callable[[str], str | None]) -> list[dict]:
    """Validate a multipart upload as a whole, then write its files in order."""
    directory = destination(lambda name: form.fields[name] if name in form.fields else query_value(name))
    if not form.files:
        raise ApiError(400, "No files provided")
    try:
        storage.confine(directory, is_file=False)
    except PathRejected as exc:
        raise rejected(exc) from None
    targets = [_target_of(storage, directory, part) for part in form.files]
    if storage.conflict_in(directory) is not None:
        raise ApiError(409, "Provided path is not a directory")
    _prepare_directory(storage, directory)
    return [_write_part(storage, part, target).as_dict() for part, target in zip(form.files, targets)]


def _target_of(storage: Storage, directory: tuple[str, ...], part: FilePart) -> tuple[str, ...]:
    try:
        name = split_client_path(part.filename)
        if not name:
            raise PathRejected(part.filename)
        target = directory + name
        storage.confine(target, is_file=True)
    except PathRejected as exc:
        raise rejected(exc) from None
    return target


def _prepare_directory(storage: Storage, directory: tuple[str, ...]) -> None:
    shown_dir = shown(joined(directory))
    try:
        path = storage.make_dirs(directory)
    except PathConflict:
        raise ApiError(409, "Provided path is not a directory") from None
    except OSError:
        raise ApiError(500, f"Unable to create destination directory '{shown_dir}'") from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise ApiError(500, f"Unable to access destination directory '{shown_dir}'")


def _write_part(storage: Storage, part: FilePart, target: tuple[str, ...]) -> Outcome:
    """§3.4: one file; failures are reported in its entry, not as the HTTP status."""
    subdir = target[:-1]
    try:
        storage.make_dirs(subdir)
    except PathConflict:
        # An existing file where a directory is needed is a clash, not a server fault.
        return Outcome(part.filename, 409, error=f"Error creating upload dir '{shown(joined(subdir))}'")
    except OSError:
        return Outcome(part.filename, 500, error=f"Error creating upload dir '{shown(joined(subdir))}'")
    try:
        created = storage.commit(part.staged, target)
    except IsADirectoryError:
        return Outcome(part.filename, 409, error=f"Target '{shown(part.filename)}' is a directory")
    except (OSError, PathRejected):
        return Outcome(part.filename, 500, error=f"Error writing file '{shown(part.filename)}'")
    return Outcome(part.filename, 201 if created else 200, part.size)


# ---------------------------------------------------------------------------
# PUT: one file at a full path
# ---------------------------------------------------------------------------


def put_target(storage: Storage, value: str) -> tuple[str, ...]:
    """The checked destination of `PUT /upload/<path>` (§4), before the body is read."""
    try:
        segments = split_client_path(value)
        if not segments:
            raise ApiError(400, "Missing destination path")
        storage.confine(segments, is_file=True)
    except PathRejected as exc:
        raise rejected(exc) from None
    if storage.conflict_in(segments[:-1]) is not None:
        raise _cannot_save(segments)
    if storage.is_directory(segments):
        raise _target_is_directory(segments)
    return segments


def save_put(storage: Storage, staged: Path, size: int, segments: tuple[str, ...]) -> Outcome:
    """Move a received PUT body into place (§4). Raises ApiError for 409/500."""
    directory = segments[:-1]
    try:
        storage.make_dirs(directory)
    except PathConflict:
        raise _cannot_save(segments) from None
    except OSError:
        raise ApiError(500, f"Unable to create destination directory '{shown(joined(directory))}'") from None
    try:
        created = storage.commit(staged, segments)
    except IsADirectoryError:
        raise _target_is_directory(segments) from None
    except (OSError, PathRejected):
        name = segments[-1]
        raise ApiError(500, "Unable to save file",
                       extra={"result": [Outcome(name, 500, error=f"Error writing file '{shown(name)}'").as_dict()]})
    return Outcome(segments[-1], 201 if created else 200, size)


def _cannot_save(segments: tuple[str, ...]) -> ApiError:
    return ApiError(409, f"Cannot save file at the provided '{shown(joined(segments))}' destination")


def _target_is_directory(segments: tuple[str, ...]) -> ApiError:
    entry = Outcome(segments[-1], 409, 0, "Target is a directory")
    return ApiError(409, "Target is a directory", extra={"result": [entry.as_dict()]})
