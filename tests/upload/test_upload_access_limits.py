"""Who may upload (upload.md §2, token.md rule UPLOAD), the body limit (§6)
and where links point (§1, §6)."""

from __future__ import annotations

import httpx
import pytest

from upload_support import SMALL_LIMIT, field, file, multipart, post_form, raw_request


@pytest.fixture(scope="session")
def role_tokens(backend, upload_token) -> dict[str, str]:
    return {
        "upload": upload_token,
        "admin": backend.admin_token,
        "superuser": backend.token(superuser=1),
        "read-write": backend.token(get=1, post=1, delete=1),
        "lab": backend.token(post=1, lab=1),
    }


@pytest.mark.parametrize("role, allowed", [("upload", True), ("admin", True), ("superuser", True),
                                           ("read-write", False), ("lab", False), (None, False)])
def test_post_and_put_need_upload_admin_or_superuser(backend, role_tokens, unique, role, allowed):
    client = backend.client(role_tokens[role] if role else None)
    r = post_form(client, field("path", f"auth-{unique}"), file("p.txt", b"p"))
    assert r.status_code == (200 if allowed else 403)
    r = client.put(f"/upload/auth-{unique}/q.txt", content=b"q")
    assert r.status_code == (201 if allowed else 403)
    assert (backend.storage_dir / f"auth-{unique}").exists() == allowed


@pytest.mark.parametrize("role, status", [("upload", 403), ("admin", 501), ("superuser", 501),
                                          ("read-write", 403), (None, 403)])
def test_get_and_delete_are_501_after_the_token_check(backend, role_tokens, role, status):
    client = backend.client(role_tokens[role] if role else None)
    for method in ("GET", "DELETE"):
        for url in ("/upload", "/upload/", "/upload/some/file"):
            assert client.request(method, url).status_code == status, (method, url)


def test_token_is_checked_before_anything_else(backend, anon, limited_server, unique):
    # Wrong content type, bad path, oversized body: still 403 without a token.
    assert anon.post("/upload", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 403
    assert raw_request(backend.url, "PUT", "/upload/../x", b"x").status == 403
    big = b"x" * (SMALL_LIMIT + 1)
    assert httpx.put(f"{limited_server.url}/upload/too/big", content=big).status_code == 403


def test_declared_oversize_is_413_and_writes_nothing(backend, limited_server, upload_token, unique):
    client = httpx.Client(base_url=limited_server.url, headers={"Authorization": upload_token})
    with client:
        r = client.put(f"/upload/limit-{unique}/big.bin", content=b"x" * (SMALL_LIMIT + 1))
        assert r.status_code == 413
        body, content_type = multipart(field("path", f"limit-{unique}"), file("a.bin", b"y" * SMALL_LIMIT))
        r = client.post("/upload", content=body, headers={"Content-Type": content_type})
        assert r.status_code == 413
        # Exactly at the limit is fine.
        r = client.put(f"/upload/limit-ok-{unique}/fits.bin", content=b"z" * SMALL_LIMIT)
        assert r.status_code == 201
    assert not (limited_server.storage_dir / f"limit-{unique}").exists()
    assert (limited_server.storage_dir / f"limit-ok-{unique}/fits.bin").stat().st_size == SMALL_LIMIT


def test_streamed_body_crossing_the_limit_is_413_and_writes_nothing(limited_server, upload_token, unique):
    def chunks(total: int):
        for _ in range(total // 1024):
            yield b"c" * 1024

    client = httpx.Client(base_url=limited_server.url, headers={"Authorization": upload_token})
    with client:
        # A generator body goes out chunked, with no Content-Length to check up front.
        r = client.put(f"/upload/stream-{unique}/big.bin", content=chunks(SMALL_LIMIT * 3))
        assert r.status_code == 413
        body, content_type = multipart(field("path", f"stream-{unique}"), file("a.bin", b"y" * SMALL_LIMIT * 2))
        r = client.post("/upload", content=iter([body[i:i + 1000] for i in range(0, len(body), 1000)]),
                        headers={"Content-Type": content_type})
        assert r.status_code == 413
    assert not (limited_server.storage_dir / f"stream-{unique}").exists()
    assert list((limited_server.storage_dir / ".kci-staging").iterdir()) == []


def test_location_defaults_to_the_servers_own_storage_route(limited_server, upload_token, unique):
    r = httpx.put(f"{limited_server.url}/upload/own-{unique}/f.txt", content=b"own",
                  headers={"Authorization": upload_token})
    assert r.status_code == 201
    assert r.headers["location"] == f"{limited_server.url}/storage/own-{unique}/f.txt"
    served = httpx.get(r.headers["location"])
    assert served.status_code == 200 and served.content == b"own"


def test_static_route_can_be_switched_off(unserved_server, upload_token, unique):
    r = httpx.put(f"{unserved_server.url}/upload/off-{unique}/f.txt", content=b"off",
                  headers={"Authorization": upload_token})
    assert r.status_code == 201 and "location" not in r.headers
    assert (unserved_server.storage_dir / f"off-{unique}/f.txt").read_bytes() == b"off"
    assert httpx.get(f"{unserved_server.url}/storage/off-{unique}/f.txt").status_code == 404
