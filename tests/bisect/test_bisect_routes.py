"""/bisect routes: paths, tokens, methods and the request errors of bisect.md §1, §3, §4, §7."""

from __future__ import annotations

import pytest

from bisect_helpers import bisect, make_tree

MISSING = "5df0a8000000000000000000"


def reason(r) -> str:
    return r.json().get("reason")


@pytest.mark.parametrize("path", ["/bisect", "/bisects", "/bisect/", "/bisects/"])
def test_list_paths_need_a_collection(api, path):
    r = api.get(path)
    assert r.status_code == 400
    assert reason(r) == "Missing 'collection' key, cannot process the request"


def test_empty_collection_is_missing(api):
    assert reason(bisect(api, collection="", boot_id=MISSING)) == \
        "Missing 'collection' key, cannot process the request"


@pytest.mark.parametrize("collection", ["test_case", "job", "BOOT", "test"])
def test_other_collections_are_refused(api, collection):
    r = bisect(api, collection=collection, boot_id=MISSING)
    assert r.status_code == 400
    assert reason(r) == f"Provided bisect collection '{collection}' is not valid"


@pytest.mark.parametrize("collection, text", [("boot", "boot"), ("build", "build")])
def test_missing_start_id(api, collection, text):
    # The other collection's key does not count.
    other = "build_id" if collection == "boot" else "boot_id"
    for params in ({}, {f"{collection}_id": ""}, {other: MISSING}):
        r = bisect(api, collection=collection, **params)
        assert r.status_code == 400
        assert reason(r) == f"Missing {text} ID value to look for"


@pytest.mark.parametrize("collection", ["boot", "build"])
@pytest.mark.parametrize("value", ["abc", "5df0a8" * 5, "zz" * 12, MISSING[:-1]])
def test_invalid_start_id(api, collection, value):
    r = bisect(api, collection=collection, **{f"{collection}_id": value})
    assert r.status_code == 400
    assert reason(r) == "Wrong ID value passed as object ID"


@pytest.mark.parametrize("collection, plain, compared", [
    ("boot", "Boot report not found", "Boot bisection compared to 'mainline' not found"),
    ("build", "Defconfig not found", "Defconfig bisection compared to 'mainline' not found"),
])
def test_unknown_start_result(api, collection, plain, compared):
    r = bisect(api, collection=collection, **{f"{collection}_id": MISSING})
    assert (r.status_code, reason(r)) == (404, plain)
    r = bisect(api, collection=collection, compare_to="mainline", **{f"{collection}_id": MISSING})
    assert (r.status_code, reason(r)) == (404, compared)
    r = bisect(api, collection=collection, compare_to="", **{f"{collection}_id": MISSING})
    assert (r.status_code, reason(r)) == (404, plain)  # empty compare_to = absent


@pytest.mark.parametrize("path", ["/bisect/boot/", "/bisect/boot", "/bisects/xyz", "/bisect/a/b",
                                  f"/bisect/{MISSING}/extra", f"/bisect/{MISSING}x"])
def test_get_by_invalid_id(api, path):
    r = api.get(path)
    assert r.status_code == 400
    assert reason(r) == "Wrong ID value passed as object ID"


@pytest.mark.parametrize("path", [f"/bisect/{MISSING}", f"/bisects/{MISSING}", f"/bisect/{MISSING}/",
                                  f"/bisect/{MISSING.upper()}"])
def test_get_by_unknown_id(api, path):
    r = api.get(path)
    assert r.status_code == 404
    assert r.json() == {"code": 404, "reason": "Resource not found"}


def test_delete(backend, api):
    deleter = backend.client(backend.token(delete=1))
    for client in (api, deleter):
        r = client.delete("/bisect")
        assert (r.status_code, reason(r)) == (400, "No ID value specified")
        assert client.delete("/bisects/").status_code == 400
        assert client.delete(f"/bisect/{MISSING}").status_code == 501
        assert client.delete("/bisect/not-an-id").status_code == 501


def test_put_is_not_implemented(backend, api):
    poster = backend.client(backend.token(post=1))
    for client in (api, poster):
        assert client.put("/bisect", json={"type": "boot"}).status_code == 501
        assert client.put(f"/bisect/{MISSING}", json={}).status_code == 501


@pytest.mark.parametrize("method, path", [
    ("GET", "/bisect?collection=boot&boot_id=" + MISSING), ("GET", f"/bisect/{MISSING}"),
    ("POST", "/bisect"), ("PUT", "/bisect"), ("DELETE", "/bisect"), ("DELETE", f"/bisect/{MISSING}"),
])
def test_bad_or_missing_token_is_403(backend, anon, method, path):
    for client in (anon, backend.client("not-a-token")):
        r = client.request(method, path, json={"type": "boot"})
        assert r.status_code == 403, (method, path, r.text)


def test_token_bits_follow_the_general_rule(backend, unique):
    getter = backend.client(backend.token(get=1))
    poster = backend.client(backend.token(post=1))
    # A lab token (post, delete, lab) may post but never delete under GENERAL.
    tree = make_tree(backend, unique)
    assert getter.get(f"/bisect/{MISSING}").status_code == 404
    assert poster.get(f"/bisect/{MISSING}").status_code == 403
    assert getter.post("/bisect", json={"type": "boot"}).status_code == 403
    assert poster.post("/bisect", json={"type": "boot"}).status_code == 400
    assert getter.delete("/bisect").status_code == 403
    assert tree.lab.delete("/bisect").status_code == 403
    assert tree.lab.delete(f"/bisect/{MISSING}").status_code == 403
    assert tree.lab.post("/bisect", json={"type": "boot"}).status_code == 400


def test_post_body_checks(api):
    r = api.post("/bisect", content=b'{"type": "boot"}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = api.post("/bisect", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = api.post("/bisect", content=b"", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    for body in ([], [{"type": "boot"}], "boot", 3):
        r = api.post("/bisect", json=body)
        assert r.status_code == 400, body
    r = api.post("/bisect", json={"colour": "blue"})
    assert r.status_code == 400  # no acceptable key at all


def test_options_is_answered_without_a_token(anon):
    assert anon.options("/bisect").status_code == 200
    assert anon.options(f"/bisect/{MISSING}").status_code == 200
