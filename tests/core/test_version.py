"""version.md over real HTTP."""

from __future__ import annotations

import re

import pytest

from kci_backend import __version__


@pytest.mark.parametrize("path", ["/version", "/version/"])
def test_version_is_open_and_has_one_item(backend, anon, path):
    for client in (anon, backend.client("not-a-token"), backend.client(backend.admin_token)):
        r = client.get(path)
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"code", "result"}
        (item,) = body["result"]
        assert set(item) == {"version", "full_version"}
        assert item["version"] == __version__
        assert item["full_version"].startswith(item["version"])
        assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", item["version"])


def test_query_parameters_are_ignored(anon):
    plain = anon.get("/version")
    for params in ({"limit": "abc"}, {"field": "a", "nfield": "b"}, {"aggregate": "a.b"}, {"x": "y"}):
        r = anon.get("/version", params=params)
        assert r.status_code == 200 and r.content == plain.content
        assert r.headers["etag"] == plain.headers["etag"]


def test_only_the_exact_path(anon):
    for path in ("/versions", "/version/x", "/Version", "/version//"):
        assert anon.get(path).json() == {"code": 404, "message": "Resource not found"}


def test_other_methods(anon, backend):
    for method in ("POST", "DELETE"):
        r = anon.request(method, "/version", json={"a": 1})
        assert (r.status_code, r.json()) == (501, {"code": 501})
    assert anon.put("/version", json={}).json() == {"code": 403}
    assert backend.client(backend.token(get=1)).put("/version", json={}).json() == {"code": 403}
    assert backend.client(backend.token(post=1)).put("/version", json={}).json() == {"code": 501}
    assert anon.options("/version").json() == {"code": 200}
    assert anon.patch("/version").json() == {"code": 405, "reason": "Operation not allowed"}
    assert anon.head("/version").status_code == 405


def test_cross_cutting_headers(anon):
    r = anon.get("/version", headers={"Accept-Encoding": "gzip", "Origin": "https://x.example"})
    assert r.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["vary"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', r.headers["etag"])
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["content-type"] == "application/json; charset=UTF-8"
