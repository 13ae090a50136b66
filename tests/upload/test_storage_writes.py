"""`Storage.write_bytes`, the entry point imports use to store files (same rules as uploads)."""

from __future__ import annotations

import os

import pytest

from kci_backend.files.storage import STAGING_NAME, PathConflict, PathRejected, Storage


@pytest.fixture
def storage(tmp_path) -> Storage:
    store = Storage(tmp_path / "root")
    store.prepare()
    return store


def test_creates_then_replaces(storage):
    assert storage.write_bytes("job/branch/kernel/logs/build.log", b"one") is True
    assert storage.write_bytes("./job//branch/kernel/logs/build.log", b"two") is False
    assert (storage.root / "job/branch/kernel/logs/build.log").read_bytes() == b"two"
    assert os.listdir(storage.root / STAGING_NAME) == []


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/x", "a\\x", "a\x00x", "%2e%2e/x", "．．/x", "",
                                  ".kci-staging/x", "link/x"])
def test_refuses_what_uploads_refuse(storage, tmp_path, path):
    os.symlink(tmp_path, storage.root / "link")
    with pytest.raises(PathRejected):
        storage.write_bytes(path, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]


def test_file_in_the_way_is_a_conflict(storage):
    storage.write_bytes("a/file", b"f")
    with pytest.raises(PathConflict):
        storage.write_bytes("a/file/below", b"x")
    with pytest.raises(IsADirectoryError):
        storage.write_bytes("a", b"x")

