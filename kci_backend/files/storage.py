"""The storage root: which client paths may be used, and how files get there.

Every path a client names (an upload directory, a multipart file name, a PUT
path, a path an import builds from document fields) goes through
`split_client_path` (upload.md §5 rules 1–5), then through `Storage.confine`
(rule 6: symlinks resolved, the result must stay inside the root). Both raise
`PathRejected` (→ 400) before anything is written (SEC-2).

Files are written to a private staging area inside the root, fsynced, then
renamed over their target, so a reader sees the old file or the whole new
one, never a part (§3.4). The staging area is on the same filesystem as the
targets, which keeps the rename atomic; the static route never serves it.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterator
from urllib.parse import unquote_to_bytes

if TYPE_CHECKING:
    from kci_backend.app import State

# Private area for bodies being received; a reserved name at the top of the root.
STAGING_NAME = ".kci-staging"
# Leftovers of a crashed process older than this are removed at start-up.
STALE_STAGING_SECONDS = 24 * 3600
DIR_MODE = 0o775
FILE_MODE = 0o644
MAX_SEGMENT_BYTES = 255
# Keeps root + relative path well below PATH_MAX, so a long name is a 400, never an OS error.
MAX_PATH_BYTES = 3072
# §5 rule 1: C0 controls, DEL and backslash.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")
# How many rounds of percent-decoding a disguised segment may hide behind.
_DECODE_ROUNDS = 3


class PathRejected(ValueError):
    """A client path that may not be used: answer 400 and write nothing."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value
        self.reason = f"Invalid path: '{shown(value)}'"


class PathConflict(Exception):
    """An existing non-directory stands where a directory is needed (→ 409)."""

    def __init__(self, relative: str) -> None:
        super().__init__(relative)
        self.relative = relative


def shown(value: str, limit: int = 200) -> str:
    """A client value made safe to echo in a JSON reason (bad UTF-8 escaped, long values cut)."""
    text = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def decode_url_path(raw: bytes) -> str:
    """A URL path percent-decoded once; it must then be UTF-8 (§4, §5 rule 1).

    Overlong forms such as `%C0%AE` are not UTF-8 and are refused here.
    """
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise PathRejected(raw.decode("latin-1")) from None


def split_client_path(value: str, *, absolute_ok: bool = False) -> tuple[str, ...]:
    """The segments of a client path relative to a base (§5 rules 1–4).

    Empty and `.` segments are dropped. A value starting with `/` is refused
    unless `absolute_ok` (the POST `path` field, where `/` means the root):
    in the reference such a file name or PUT path replaced the root. An
    empty result is returned as `()`; callers decide whether that is allowed.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes smuggled in as surrogates
        raise PathRejected(value) from None
    if _FORBIDDEN.search(value):
        raise PathRejected(value)
    segments = tuple(s for s in value.split("/") if s not in ("", "."))
    if segments and value.startswith("/") and not absolute_ok:
        raise PathRejected(value)
    for segment in segments:
        if segment == ".." or len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES or _disguised(segment):
            raise PathRejected(value)
    if len("/".join(segments).encode("utf-8")) > MAX_PATH_BYTES:
        raise PathRejected(value)
    return segments


def _disguised(segment: str) -> bool:
    """A segment that turns into `.`, `..` or a separator once decoded again or
    Unicode-folded (`%2e%2e`, `％2e`, fullwidth `．．`, `∕`, overlong `%c0%ae`…).

    Such names are harmless on our filesystem, but a web server, a proxy or a
    client that decodes once more would see a traversal; no real client sends
    them, so they are refused (our choice, stricter than §5).
    """
    current = segment
    for _ in range(_DECODE_ROUNDS):
        try:
            decoded = unquote_to_bytes(current).decode("utf-8")
        except UnicodeDecodeError:
            return True
        folded = unicodedata.normalize("NFKC", decoded)
        if folded in (".", "..") or _FORBIDDEN.search(folded) or "/" in folded:
            return True
        if folded == current:
            return False
        current = folded
    return True


def joined(segments: tuple[str, ...]) -> str:
    return "/".join(segments)


class Storage:
    """The storage root directory (settings.storage_dir)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- set-up -------------------------------------------------------------

    def prepare(self) -> None:
        """Create the root and the staging area; drop stale staging leftovers."""
        staging = self.root / STAGING_NAME
        staging.mkdir(mode=0o700, parents=True, exist_ok=True)
        cutoff = time.time() - STALE_STAGING_SECONDS
        for entry in staging.iterdir():
            try:
                if entry.lstat().st_mtime >= cutoff:
                    continue
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except OSError:
                pass  # another process is cleaning up too

    # -- where a path leads ---------------------------------------------------

    def real_root(self) -> str:
        return os.path.realpath(self.root)

    def is_inside(self, real_path: str) -> bool:
        root = self.real_root()
        return real_path == root or real_path.startswith(root.rstrip(os.sep) + os.sep)

    def path_of(self, segments: tuple[str, ...]) -> Path:
        if segments and segments[0] == STAGING_NAME:
            raise PathRejected(joined(segments))
        return self.root.joinpath(*segments)

    def confine(self, segments: tuple[str, ...], *, is_file: bool) -> Path:
        """§5 rule 6: the real path of the (future) parent directory lies in the
        root, and a file's own name is not a symbolic link."""
        path = self.path_of(segments)
        directory = path.parent if is_file else path
        # realpath resolves the existing part; the missing tail has no `..`, so it cannot climb.
        if not self.is_inside(os.path.realpath(directory)):
            raise PathRejected(joined(segments))
        if is_file and path.is_symlink():
            raise PathRejected(joined(segments))
        return path

    def conflict_in(self, dir_segments: tuple[str, ...]) -> str | None:
        """The first existing component of a directory path that is not a directory."""
        for depth in range(1, len(dir_segments) + 1):
            path = self.root.joinpath(*dir_segments[:depth])
            if not os.path.lexists(path):
                return None
            if not path.is_dir():  # a file, or a link to nothing / to a file
                return joined(dir_segments[:depth])
        return None

    def is_directory(self, segments: tuple[str, ...]) -> bool:
        return self.path_of(segments).is_dir()

    # -- writing -------------------------------------------------------------

    def make_dirs(self, dir_segments: tuple[str, ...]) -> Path:
        """Create the missing directories of a confined path (mode 0775 before umask)."""
        conflict = self.conflict_in(dir_segments)
        if conflict is not None:
            raise PathConflict(conflict)
        path = self.root
        for segment in dir_segments:
            parent, path = path, path / segment
            try:
                os.mkdir(path, DIR_MODE)
            except FileExistsError:
                if not path.is_dir():  # appeared meanwhile as a file
                    raise PathConflict(joined(dir_segments)) from None
                continue
            sync_directory(parent)
        return path

    @contextmanager
    def staging(self) -> Iterator["StagingArea"]:
        """A private directory for one request's incoming bodies, removed afterwards."""
        area = StagingArea(self.root / STAGING_NAME / secrets.token_hex(12))
        try:
            yield area
        finally:
            area.discard()

    def commit(self, staged: Path, segments: tuple[str, ...]) -> bool:
        """Move a staged file onto its target atomically; True when newly created.

        Raises PathRejected (the target moved out of bounds meanwhile),
        IsADirectoryError, or OSError for server-side failures.
        """
        target = self.confine(segments, is_file=True)
        if target.is_dir():
            raise IsADirectoryError(joined(segments))
        existed = target.exists()
        sync_file(staged)
        try:
            os.replace(staged, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            _copy_then_replace(staged, target)  # a mount point inside the root
        sync_directory(target.parent)
        return not existed

    def write_bytes(self, relative: str, data: bytes) -> bool:
        """Store `data` at a client-style relative path (for imports that write
        files). Blocking: call it from a thread. True when newly created.

        Raises PathRejected, PathConflict, IsADirectoryError or OSError.
        """
        segments = split_client_path(relative)
        if not segments:
            raise PathRejected(relative)
        self.confine(segments, is_file=True)
        self.make_dirs(segments[:-1])
        with self.staging() as area:
            staged, handle = area.new_file()
            with handle:
                handle.write(data)
            return self.commit(staged, segments)

    # -- reading -------------------------------------------------------------

    def open_file(self, segments: tuple[str, ...]) -> tuple[BinaryIO, int] | None:
        """An open regular file inside the root and its size, or None.

        Links are followed only while they stay inside the root.
        """
        try:
            path = self.path_of(segments)
        except PathRejected:
            return None
        real = os.path.realpath(path)
        if not self.is_inside(real) or _inside_staging(self.real_root(), real):
            return None
        try:
            handle = open(real, "rb")
        except OSError:
            return None
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            return None
        return handle, info.st_size


class StagingArea:
    """Incoming bodies of one request, as files named by their order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._count = 0

    def new_file(self) -> tuple[Path, BinaryIO]:
        if self._count == 0:
            self.path.mkdir(mode=0o700, parents=True)
        self._count += 1
        path = self.path / str(self._count)
        # Created with the final mode so the rename needs no chmod; the umask applies.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        return path, os.fdopen(fd, "wb")

    def discard(self) -> None:
        if self._count:
            shutil.rmtree(self.path, ignore_errors=True)


def _inside_staging(real_root: str, real_path: str) -> bool:
    staging = os.path.join(real_root, STAGING_NAME)
    return real_path == staging or real_path.startswith(staging + os.sep)


def _copy_then_replace(staged: Path, target: Path) -> None:
    temporary = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
    try:
        shutil.copyfile(staged, temporary)
        os.chmod(temporary, os.stat(staged).st_mode & 0o777)
        sync_file(temporary)
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_directory(path: Path) -> None:
    """Make a rename or mkdir in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def storage_for(state: "State") -> Storage:
    """The process's Storage for the configured root."""
    storage = state.extras.get("storage")
    if storage is None:
        storage = state.extras["storage"] = Storage(state.settings.storage_dir)
    return storage
