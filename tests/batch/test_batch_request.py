"""POST /batch: methods, permission, whole-request validation (batch.md §1, §2)."""

from __future__ import annotations

import pytest

INVALID = {"code": 400, "reason": "Provided JSON is not valid"}
ONE_OP = {"batch": [{"method": "GET", "resource": "job", "document": "5f0c0c0c0c0c0c0c0c0c0c0c"}]}


def test_methods(backend, anon):
    rw = backend.client(backend.token(get=1, post=1, delete=1))
    getter = backend.client(backend.token(get=1))
    for client in (anon, rw):
        assert client.get("/batch").status_code == 501 and client.get("/batch").json() == {"code": 501}
        assert client.delete("/batch").json() == {"code": 501}
    assert anon.put("/batch", json=ONE_OP).json() == {"code": 403}
    assert getter.put("/batch", json=ONE_OP).json() == {"code": 403}
    r = rw.put("/batch", json=ONE_OP)
    assert r.status_code == 501 and r.json() == {"code": 501}
    assert anon.options("/batch").json() == {"code": 200}
    for method in ("HEAD", "PATCH"):
        assert anon.request(method, "/batch").status_code == 405
    assert rw.post("/batch/", json=ONE_OP).status_code == 200
    assert rw.post("/batches", json=ONE_OP).status_code == 404


def test_post_needs_the_post_bit(backend, anon):
    assert anon.post("/batch", json=ONE_OP).json() == {"code": 403}
    assert backend.client(backend.token(get=1)).post("/batch", json=ONE_OP).json() == {"code": 403}
    # A POST-only token reads anything through /batch (the operations are not permission-checked).
    r = backend.client(backend.token(post=1)).post("/batch", json=ONE_OP)
    assert r.status_code == 200 and r.json() == {"code": 200, "result": [{"result": []}]}


def test_token_check_comes_first(anon):
    r = anon.post("/batch", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 403


def test_content_type_and_json(api):
    r = api.post("/batch", content=b'{"batch": []}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json() == {"code": 415, "reason": "Wrong content type defined"}
    r = api.post("/batch", content=b"{nope", headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 422 and r.json() == {"code": 422, "reason": "No JSON data found in the POST request"}
    r = api.post("/batch", content=b'{"batch": "\xff"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("body", [
    [], {}, None, [{"method": "GET"}], "batch", 5, 0, True, False,
    {"batch": []}, {"batch": {}}, {"batch": "x"}, {"batch": 3}, {"batch": True}, {"batch": None},
    {"batch": [1]}, {"batch": [[]]}, {"batch": [{"method": "GET", "resource": "job", "limit": 1}]},
    {"batch": [{"resource": "job"}, {"resource": "job", "fields": ["a"]}]},
    {"batch": [{"resource": "job", "query": {"job": "x"}}]},
])
def test_invalid_shapes(api, body):
    import orjson

    r = api.post("/batch", content=orjson.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == INVALID


def test_other_top_level_keys_are_ignored(api):
    r = api.post("/batch", json={**ONE_OP, "extra": 1})
    assert r.status_code == 200


@pytest.mark.parametrize("op,reason", [
    ({"resource": "job", "query": "limit=abc"}, "Invalid value for query parameter 'limit' in operation 1"),
    ({"resource": "job", "query": "skip=-1"}, "Invalid value for query parameter 'skip' in operation 1"),
    ({"resource": "job", "query": "limit="}, "Invalid value for query parameter 'limit' in operation 1"),
    ({"resource": "job", "query": "sort=kernel&sort_order=asc"},
     "Invalid value for query parameter 'sort_order' in operation 1"),
    ({"resource": "job", "query": "field=job&nfield=kernel"}, "Invalid field/nfield combination in operation 1"),
    ({"resource": "job", "query": "aggregate=a.b"}, "Invalid aggregate field in operation 1"),
    ({"resource": "job", "distinct": "kernel", "query": "limit=x"},
     "Invalid value for query parameter 'limit' in operation 1"),
    ({"resource": "job", "document": "job", "distinct": "kernel", "query": "skip=no"},
     "Invalid value for query parameter 'skip' in operation 1"),
    ({"resource": "job", "document": "5f0c0c0c0c0c0c0c0c0c0c0c", "query": "field=a&nfield=b"},
     "Invalid field/nfield combination in operation 1"),
])
def test_invalid_query_values_fail_the_whole_batch(api, op, reason):
    body = {"batch": [{"method": "GET", "resource": "count"}, {"method": "GET", **op}]}
    r = api.post("/batch", json=body)
    assert r.status_code == 400
    assert r.json() == {"code": 400, "reason": reason}


@pytest.mark.parametrize("op", [
    {"resource": "count", "query": "limit=abc&skip=-4&sort_order=up&field=a&nfield=b&aggregate=$x"},
    {"resource": "job", "document": "5f0c0c0c0c0c0c0c0c0c0c0c", "query": "limit=abc&aggregate=a.b"},
    {"resource": "job", "distinct": "kernel", "query": "field=a&nfield=b&aggregate=a.b"},
    {"resource": "job", "method": "POST", "query": "limit=abc"},
    {"resource": "defconfig", "query": "limit=abc"},
])
def test_parameters_an_operation_ignores_are_not_checked(api, op):
    r = api.post("/batch", json={"batch": [{"method": "GET", **op}]})
    assert r.status_code == 200, r.text
