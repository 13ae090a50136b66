"""Build files in storage: safe path resolution, sizes, DTB listings, side files.

Every path a build names (`file_server_resource`, artifact and log paths)
is relative to the storage root and is resolved with the rules of
upload.md §5 (build.md §7.8): no control characters or backslashes, no `..`
segments, no over-long segments, and the real path (symlinks resolved) must
stay inside the root. Functions here are synchronous file-system code;
callers run them in a worker thread.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

log = logging.getLogger("kci_backend.builds")

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")
_MAX_SEGMENT_BYTES = 255
# bmeta.json is a small metadata file; anything larger is refused.
MAX_METADATA_BYTES = 4 * 1024 * 1024


class UnsafePath(ValueError):
    """A relative path that breaks the storage path rules."""


def path_segments(value: str) -> list[str]:
    """The segments of a relative storage path (upload.md §5 rules 1-4)."""
    if _FORBIDDEN.search(value):
        raise UnsafePath(value)
    segments = [s for s in value.split("/") if s not in ("", ".")]
    for segment in segments:
        if segment == ".." or len(segment.encode("utf-8", "surrogatepass")) > _MAX_SEGMENT_BYTES:
            raise UnsafePath(value)
    return segments


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def resolve_under(root: Path, relative: str) -> Path:
    """`root/relative` with symlinks resolved; UnsafePath if it breaks the rules
    or leaves the root. The path need not exist."""
    real_root = root.resolve()
    real = real_root.joinpath(*path_segments(relative)).resolve()
    if not _inside(real, real_root):
        raise UnsafePath(relative)
    return real


def existing_file(root: Path, directory: Path, relative: str) -> Path | None:
    """The regular file `directory/relative` inside the root, or None."""
    try:
        real = directory.joinpath(*path_segments(relative)).resolve()
    except (UnsafePath, OSError):
        return None
    if not _inside(real, root.resolve()):
        return None
    return real if real.is_file() else None


def file_size(root: Path, directory: Path | None, relative: str | None) -> int | None:
    """Size in bytes of an existing regular file (build.md §7.4), else None."""
    if directory is None or relative is None:
        return None
    found = existing_file(root, directory, relative)
    try:
        return found.stat().st_size if found is not None else None
    except OSError:
        return None


def list_dtbs(root: Path, directory: Path | None, dtb_dir: str | None) -> list[str] | None:
    """build.md §7.6: regular files below `directory/dtb_dir`, relative to it,
    skipping dot-names and their contents, sorted; None if it is no directory."""
    if directory is None or dtb_dir is None:
        return None
    try:
        base = directory.joinpath(*path_segments(dtb_dir)).resolve()
    except (UnsafePath, OSError):
        return None
    if not _inside(base, root.resolve()) or not base.is_dir():
        return None
    found: list[str] = []
    for current, dirs, files in os.walk(base):
        # Pruning in place keeps os.walk out of hidden directories.
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        here = Path(current)
        for name in files:
            if not name.startswith(".") and (here / name).is_file():
                found.append((here / name).relative_to(base).as_posix())
    return sorted(found)


def read_metadata_file(directory: Path | None) -> bytes | None:
    """The bytes of `directory/bmeta.json` if it is a regular file (build.md
    §5.2.2); None if there is no such file. OSError if it cannot be read."""
    if directory is None:
        return None
    path = directory / "bmeta.json"
    if not path.is_file():
        return None
    if path.stat().st_size > MAX_METADATA_BYTES:
        raise OSError("bmeta.json is too large")
    return path.read_bytes()


def write_text_atomically(path: Path, text: str) -> None:
    """Write a file so readers never see it half written: a temporary file in
    the same directory, flushed to disk, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        raise UnsafePath(str(path))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_file(path: Path) -> None:
    if path.is_file() and not path.is_symlink():
        path.unlink(missing_ok=True)
