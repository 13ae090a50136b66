"""Path traversal (upload.md §5, SEC-2): every hostile form is refused with
400 before anything is written, inside or outside the storage root.

The proof: the whole directory tree that holds the storage root (the root,
its siblings, a victim directory next to it) is listed before and after the
requests and must be identical; the absolute targets the variants aim at do
not exist afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from upload_support import field, file, post_form, raw_request, tree

# Files of the server itself next to the storage root, which change on their own.
SERVER_FILES = ("kci.sqlite3", "kci.sqlite3-wal", "kci.sqlite3-shm", "kci.sqlite3-journal", "server.log")


def put_targets(mark: str, unique: str) -> list[str]:
    return [
        f"/upload/../{mark}",
        f"/upload/a/../../{mark}",
        f"/upload/%2e%2e/{mark}",
        f"/upload/..%2f{mark}",
        f"/upload/..%2F..%2F..%2Ftmp%2F{mark}",
        f"/upload/a/%2e%2e/%2e%2e/{mark}",
        f"/upload//etc/{mark}",                      # absolute once the prefix is cut
        f"/upload///tmp/{mark}",
        f"/upload/%2Fetc%2F{mark}",
        f"/upload/..\\{mark}",                       # backslash as sent
        f"/upload/..%5c..%5c{mark}",                 # backslash encoded
        f"/upload/a%00/{mark}",                      # NUL
        f"/upload/a%0a/{mark}",                      # other control character
        f"/upload/%C0%AE%C0%AE/{mark}",              # overlong UTF-8 dots
        f"/upload/%E0%80%AE%E0%80%AE/{mark}",
        f"/upload/%EF%BC%8E%EF%BC%8E/{mark}",        # fullwidth dots "．．"
        f"/upload/%E2%80%A5/{mark}",                 # two-dot leader "‥"
        f"/upload/%EF%BC%8F..%EF%BC%8F{mark}",       # fullwidth solidus "／"
        f"/upload/%252e%252e/{mark}",                # encoded twice
        f"/upload/%25252e%25252e%25252f{mark}",      # encoded three times
        f"/upload/link-{unique}/{mark}",             # a directory link pointing out of the root
        f"/upload/link-{unique}/deeper/{mark}",
        f"/upload/file-link-{unique}",               # the file itself is a link to a file outside
        f"/upload/{'x' * 256}/{mark}",               # over-long segment
    ]


def post_names(mark: str, unique: str) -> list[tuple[bytes, bytes]]:
    """(Content-Disposition value, data) of hostile file parts."""
    m = mark.encode()
    names = [b"../" + m, b"a/../../" + m, b"/etc/" + m, b"//tmp/" + m, b"..\\" + m, b"a\\..\\..\\" + m,
             b"x\x01y/" + m, b"%2e%2e/" + m, b"%2E%2E%2F" + m, b"\xc0\xae\xc0\xae/" + m, b"\xff\xfe/" + m,
             "．．/".encode() + m, "‥/".encode() + m, b"link-" + unique.encode() + b"/" + m,
             b"file-link-" + unique.encode(), b"x" * 256 + b"/" + m]
    parts = [file(name, b"payload") for name in names]
    parts += [(b'form-data; name="f"; filename*=UTF-8\'\'..%2F' + m, b"payload"),
              (b'form-data; name="f"; filename*=UTF-8\'\'%C0%AE%C0%AE%2F' + m, b"payload"),
              (b'form-data; name="f"; filename="harmless.txt"; filename*=UTF-8\'\'..%2F..%2F' + m, b"payload")]
    return parts


def post_paths(mark: str, unique: str) -> list[str]:
    return ["..", "../..", f"a/../../{mark}", "%2e%2e", f"..\\{mark}", f"link-{unique}", f"link-{unique}/sub",
            "．．", f"a\x00b/{mark}"]


@pytest.fixture
def arena(backend, unique):
    """A victim directory and file next to the storage root, and links to them inside it."""
    parent = backend.storage_dir.parent
    victim_dir = parent / f"victim-{unique}"
    victim_dir.mkdir()
    victim = victim_dir / "victim.txt"
    victim.write_bytes(b"original")
    links = [backend.storage_dir / f"link-{unique}", backend.storage_dir / f"file-link-{unique}"]
    os.symlink(victim_dir, links[0])
    os.symlink(victim, links[1])
    yield parent, victim
    for link in links:
        link.unlink()
    victim.unlink()
    victim_dir.rmdir()


def absolute_targets(mark: str, parent: Path) -> list[Path]:
    return [Path("/") / mark, Path("/etc") / mark, Path("/tmp") / mark, parent / mark, parent.parent / mark]


def test_no_variant_writes_anything_anywhere(backend, uploader, unique, arena):
    parent, victim = arena
    mark = f"escape-{unique}"
    auth = {"Authorization": uploader.headers["Authorization"]}
    before = tree(parent, skip=SERVER_FILES)

    refused = []
    for target in put_targets(mark, unique):
        answer = raw_request(backend.url, "PUT", target, b"payload", auth)
        refused.append((target, answer.status, answer.json().get("reason")))
    for part in post_names(mark, unique):
        # Into the root itself, where the links are; the innocent part must not be written either.
        r = post_form(uploader, field("path", ""), file(f"innocent-{unique}.txt", b"fine", "f0"), part)
        refused.append((part[0], r.status_code, r.json().get("reason")))
    for value in post_paths(mark, unique):
        r = post_form(uploader, field("path", value), file(mark, b"payload"))
        refused.append((value, r.status_code, r.json().get("reason")))

    assert len(refused) >= 40
    not_refused = [(what, status) for what, status, _ in refused if status != 400]
    assert not_refused == []
    assert all(reason.startswith("Invalid path") for _, _, reason in refused)

    # Nothing changed below the root's parent: not even the innocent file of a refused request.
    assert tree(parent, skip=SERVER_FILES) == before
    assert victim.read_bytes() == b"original"
    assert os.listdir(victim.parent) == ["victim.txt"]
    assert [p for p in absolute_targets(mark, parent) if os.path.lexists(p)] == []
    assert not (backend.storage_dir / f"innocent-{unique}.txt").exists()


def test_the_same_names_without_tricks_are_accepted(backend, uploader, unique):
    """Control: the refusals above come from the tricks, not from the names."""
    r = uploader.put(f"/upload/plain-{unique}/a/escape.txt", content=b"ok")
    assert r.status_code == 201
    r = post_form(uploader, field("path", f"plain-{unique}"), file("b/escape.txt", b"ok"),
                  file("...", b"three dots is a name", "f1"), file("100%done.txt", b"percent", "f2"))
    assert [e["status"] for e in r.json()["result"]] == [201, 201, 201]
    assert (backend.storage_dir / f"plain-{unique}/...").read_bytes() == b"three dots is a name"
