"""PUT /upload/<path> (upload.md §4): one raw body at a full path."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from upload_support import raw_request


def test_created_then_replaced(backend, uploader, unique):
    path = f"next-{unique}/master/next-20200115/arm64/defconfig/gcc-8/lab-a/boot-board.json"
    r = uploader.put(f"/upload/{path}", content=b'{"boot": 1}')
    assert r.status_code == 201
    assert r.json() == {"code": 201, "reason": "File 'boot-board.json' saved",
                        "result": [{"filename": "boot-board.json", "status": 201, "bytes": 11, "error": None}]}
    assert r.headers["location"] == f"{backend.env['KCI_STORAGE_URL'].rstrip('/')}/{path}"
    assert (backend.storage_dir / path).read_bytes() == b'{"boot": 1}'

    r = uploader.put(f"/upload/{path}", content=b"{}")
    assert r.status_code == 200 and "location" not in r.headers
    assert r.json() == {"code": 200, "reason": "File 'boot-board.json' replaced with new content",
                        "result": [{"filename": "boot-board.json", "status": 200, "bytes": 2, "error": None}]}
    assert (backend.storage_dir / path).read_bytes() == b"{}"


@pytest.mark.parametrize("content_type", [None, "application/json", "multipart/form-data", "image/png"])
def test_body_is_stored_verbatim_whatever_the_type(backend, uploader, unique, content_type):
    body = bytes(range(256)) * 64
    headers = {"Content-Type": content_type} if content_type else {}
    r = uploader.put(f"/upload/verbatim-{unique}/blob.bin", content=body, headers=headers)
    assert r.status_code == 201 and r.json()["result"][0]["bytes"] == len(body)
    assert (backend.storage_dir / f"verbatim-{unique}/blob.bin").read_bytes() == body


def test_empty_body_makes_an_empty_file(backend, uploader, unique):
    r = uploader.put(f"/upload/empty-{unique}/nothing", content=b"")
    assert r.status_code == 201 and r.json()["result"][0]["bytes"] == 0
    assert (backend.storage_dir / f"empty-{unique}/nothing").read_bytes() == b""


def test_path_is_percent_decoded_once_and_plus_stays(backend, uploader, unique):
    answer = raw_request(backend.url, "PUT", f"/upload/enc-{unique}%2Fdefconfig+kselftest%2Fa%20b.txt", b"x",
                         {"Authorization": uploader.headers["Authorization"]})
    assert answer.status == 201
    assert (backend.storage_dir / f"enc-{unique}/defconfig+kselftest/a b.txt").read_bytes() == b"x"
    # Location: each segment percent-encoded again, so it resolves to the same file.
    assert answer.headers["location"].endswith(f"/enc-{unique}/defconfig+kselftest/a%20b.txt")
    served = httpx.get(answer.headers["location"])
    assert served.status_code == 200 and served.content == b"x"


def test_doubled_and_trailing_slashes_are_dropped(backend, uploader, unique):
    r = uploader.put(f"/upload/slashes-{unique}//a///./b.txt", content=b"s")
    assert r.status_code == 201
    assert (backend.storage_dir / f"slashes-{unique}/a/b.txt").read_bytes() == b"s"


@pytest.mark.parametrize("target", ["/upload", "/upload/", "/upload//", "/upload/./", "/upload/.%2F."])
def test_missing_destination_path(uploader, backend, target):
    answer = raw_request(backend.url, "PUT", target, b"x", {"Authorization": uploader.headers["Authorization"]})
    assert answer.status == 400 and answer.json()["reason"] == "Missing destination path"


def test_directory_part_that_is_a_file_is_409(backend, uploader, unique):
    assert uploader.put(f"/upload/put-clash-{unique}/file", content=b"f").status_code == 201
    r = uploader.put(f"/upload/put-clash-{unique}/file/inner.txt", content=b"x")
    assert r.status_code == 409
    assert r.json()["reason"] == f"Cannot save file at the provided 'put-clash-{unique}/file/inner.txt' destination"
    assert (backend.storage_dir / f"put-clash-{unique}/file").read_bytes() == b"f"


def test_target_that_is_a_directory_is_409(backend, uploader, unique):
    (backend.storage_dir / f"put-dir-{unique}/sub").mkdir(parents=True)
    r = uploader.put(f"/upload/put-dir-{unique}/sub", content=b"x")
    assert r.status_code == 409
    assert r.json() == {"code": 409, "reason": "Target is a directory",
                        "result": [{"filename": "sub", "status": 409, "bytes": 0, "error": "Target is a directory"}]}
    assert (backend.storage_dir / f"put-dir-{unique}/sub").is_dir()


def test_readers_never_see_a_partial_file(backend, uploader, unique):
    """The new content appears at once: while a slow upload is under way the
    target keeps its old content, then shows the whole new one."""
    path = f"atomic-{unique}/big.bin"
    old, new = b"A" * 200_000, b"B" * 300_000
    assert uploader.put(f"/upload/{path}", content=old).status_code == 201
    target = backend.storage_dir / path
    seen: set[bytes] = set()
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.add(target.read_bytes())

    def slow_body():
        for offset in range(0, len(new), 30_000):
            yield new[offset:offset + 30_000]
            time.sleep(0.03)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        r = uploader.put(f"/upload/{path}", content=slow_body())
    finally:
        time.sleep(0.05)
        done.set()
        watcher.join()
    assert r.status_code == 200
    assert seen <= {old, new} and old in seen
    assert target.read_bytes() == new
