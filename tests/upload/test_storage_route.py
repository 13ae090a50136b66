"""GET /storage/<path> (upload.md §6): the storage root, read-only, no token."""

from __future__ import annotations

import os

import pytest

from upload_support import raw_request


@pytest.fixture
def stored(backend, uploader, unique):
    """Upload `content` at `path` through the API; returns the storage URL path."""

    def put(path: str, content: bytes) -> str:
        assert uploader.put(f"/upload/served-{unique}/{path}", content=content).status_code == 201
        return f"/storage/served-{unique}/{path}"

    return put


@pytest.mark.parametrize("name, content_type", [
    ("build.log", "text/plain; charset=utf-8"),
    ("notes.txt", "text/plain; charset=utf-8"),
    ("kernel.config", "text/plain; charset=utf-8"),
    ("bmeta.json", "application/json"),
    ("boot-board.html", "text/html; charset=utf-8"),
    ("modules.tar.xz", "application/x-xz"),
    ("rootfs.cpio.gz", "application/gzip"),
    ("board.dtb", "application/octet-stream"),
    ("Image", "application/octet-stream"),
])
def test_files_are_served_with_their_type_and_no_token(anon, stored, name, content_type):
    body = b"content of " + name.encode()
    r = anon.get(stored(name, body), headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.content == body
    assert r.headers["content-type"] == content_type
    assert "content-encoding" not in r.headers and r.headers["content-length"] == str(len(body))
    # Uploaded pages cannot run scripts with the API's origin.
    assert r.headers["content-security-policy"] == "sandbox"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_large_binary_file_is_streamed_whole(anon, stored):
    body = os.urandom(3 * 1024 * 1024 + 17)
    r = anon.get(stored("Image", body))
    assert r.status_code == 200 and r.content == body
    assert "content-encoding" not in r.headers  # binaries go as stored, even when gzip is accepted


def test_text_is_gzipped_when_accepted(anon, stored):
    body = b"line of a build log\n" * 5000
    url = stored("build.log", body)
    r = anon.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.content == body and r.num_bytes_downloaded < len(body) // 10  # httpx decoded it


def test_missing_directory_root_and_staging_are_404(anon, stored, unique):
    stored("dir/inside.txt", b"x")
    for url in ("/storage", "/storage/", f"/storage/served-{unique}", f"/storage/served-{unique}/dir/",
                f"/storage/served-{unique}/nope.txt", "/storage/.kci-staging", "/storage/.kci-staging/x"):
        r = anon.get(url)
        assert r.status_code == 404, url


@pytest.mark.parametrize("target", ["/storage/../etc/passwd", "/storage/..%2F..%2Fetc%2Fpasswd",
                                    "/storage/%2e%2e/%2e%2e/etc/passwd", "/storage//etc/passwd",
                                    "/storage/%2Fetc%2Fpasswd", "/storage/..%5C..%5Cetc%5Cpasswd",
                                    "/storage/x%00", "/storage/%C0%AE%C0%AE/etc/passwd"])
def test_paths_out_of_the_root_are_404(backend, target):
    assert raw_request(backend.url, "GET", target).status == 404


def test_links_are_followed_only_inside_the_root(backend, anon, stored, unique, tmp_path):
    url = stored("real.txt", b"real")
    base = backend.storage_dir / f"served-{unique}"
    os.symlink(base / "real.txt", base / "alias.txt")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    os.symlink(outside, base / "escape.txt")
    os.symlink(tmp_path, base / "escape-dir")
    assert anon.get(url.replace("real.txt", "alias.txt")).content == b"real"
    assert anon.get(f"/storage/served-{unique}/escape.txt").status_code == 404
    assert anon.get(f"/storage/served-{unique}/escape-dir/secret.txt").status_code == 404


def test_writes_are_not_implemented(anon, api, stored):
    url = stored("w.txt", b"w")
    for client in (anon, api):
        for method in ("POST", "PUT", "DELETE"):
            assert client.request(method, url, content=b"x").status_code == 501
    assert anon.get(url).content == b"w"
