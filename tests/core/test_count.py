"""count.md over real HTTP, for the collections that exist."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kci_backend import models
from kci_backend.resources.count import COUNT_KEYS

from .support import utc

# count.md §1, in response order.
ORDER = ("boot", "build", "job", "test_case", "test_group", "test_regression")
COUNTABLE = [c for c in ORDER if c in models.REGISTRY]


def job_count(api, **params) -> int:
    r = api.get("/count/job", params=params)
    assert r.status_code == 200, r.text
    (item,) = r.json()["result"]
    assert item["collection"] == "job"
    return item["count"]


@pytest.fixture
def seeded(backend, unique):
    name = f"count-{unique}"
    now = datetime.now(timezone.utc)
    docs = backend.insert(
        "job",
        {"job": name, "kernel": "a", "git_branch": "master", "status": "PASS", "created_on": utc(2014, 12, 8, 1)},
        {"job": name, "kernel": "b", "git_branch": "master", "status": "FAIL", "created_on": utc(2014, 12, 8, 23, 59, 59)},
        {"job": name, "kernel": "c", "git_branch": "next", "status": "FAIL", "created_on": utc(2014, 12, 6, 12),
         "private": True},
        {"job": name, "kernel": "d", "git_branch": "next", "status": "BUILD", "created_on": now - timedelta(minutes=5),
         "kernel_version": None},
    )
    return name, docs


def test_count_every_countable_collection_in_order(api):
    r = api.get("/count")
    body = r.json()
    assert r.status_code == 200 and set(body) == {"code", "result"}
    assert [item["collection"] for item in body["result"]] == COUNTABLE
    for item in body["result"]:
        assert set(item) == {"collection", "count"} and isinstance(item["count"], int) and item["count"] >= 0


@pytest.mark.parametrize("path", ["/count", "/counts", "/count/", "/counts/"])
def test_count_path_forms(api, seeded, path):
    name, _ = seeded
    result = api.get(path, params={"job": name}).json()["result"]
    assert {"collection": "job", "count": 4} in result


@pytest.mark.parametrize("collection", COUNTABLE)
def test_count_one_collection(api, collection):
    for path in (f"/count/{collection}", f"/counts/{collection}/"):
        body = api.get(path).json()
        assert set(body) == {"code", "result"}
        assert [item["collection"] for item in body["result"]] == [collection]


def test_count_is_a_total_and_matches_the_whole_list(api, seeded):
    name, _ = seeded
    assert job_count(api, job=name) == 4
    listed = api.get("/job", params={"job": name}).json()["count"]
    assert listed == 4


@pytest.mark.parametrize("name", ["defconfig", "lab", "token", "api-token", "jobs", "Job", "daily_stats", "task",
                                  "error_logs", "nope"] + [c for c in ORDER if c not in models.REGISTRY])
def test_uncountable_collections_are_404(api, name):
    r = api.get(f"/count/{name}")
    assert (r.status_code, r.json()) == (404, {"code": 404, "reason": f"Collection {name} not found"})


@pytest.mark.parametrize("params,expected", [
    ({}, 4),
    ({"status": "FAIL"}, 2),
    ({"status": ["FAIL", "BUILD"]}, 3),
    ({"status": "FAIL", "git_branch": "next"}, 1),
    ({"kernel_version": "null"}, 4),
    ({"private": "true"}, 1),
    ({"private": "FALSE"}, 3),
    ({"private": "maybe"}, 4),
    ({"_id": "not-an-id"}, 4),
    ({"created_on": "2014-12-08"}, 1),            # the last second of the day is excluded
    ({"created_on": "20141206"}, 1),
    ({"created_on": "2014-12-08", "date_range": "2"}, 2),
    ({"time_range": "10"}, 1),
    ({"gte": "created_on,2014-12-07", "lt": "created_on,2014-12-09"}, 2),
    ({"gte": "kernel,b", "lt": "kernel,d"}, 2),
    ({"gte": "kernel"}, 4),
    ({"lab_name": "lab-x"}, 0),                   # a field jobs do not have
    ({"lab_name": "null"}, 4),                    # null or missing
    ({"arch": ["arm", "x86"]}, 0),
    ({"errors": "1"}, 0),
    ({"errors": "abc"}, 4),
    ({"limit": "abc", "skip": "-1", "sort": "kernel", "sort_order": "x", "field": "a", "nfield": "b",
      "aggregate": "a.b", "colour": "blue"}, 4),   # accepted and ignored
])
def test_count_filters(api, seeded, params, expected):
    name, _ = seeded
    assert job_count(api, job=name, **params) == expected


def test_count_object_id_filter(api, seeded):
    name, docs = seeded
    assert job_count(api, job=name, _id=docs[0]["_id"]) == 1
    assert job_count(api, job=name, _id=[docs[0]["_id"], docs[1]["_id"].upper()]) == 2


def test_same_filter_on_every_collection(api, seeded):
    name, _ = seeded
    result = api.get("/count", params={"job": name, "status": "FAIL"}).json()["result"]
    counts = {item["collection"]: item["count"] for item in result}
    assert counts["job"] == 2
    assert all(count == 0 for collection, count in counts.items() if collection != "job")


@pytest.mark.parametrize("collection", COUNTABLE)
def test_any_count_key_with_any_value_is_an_answer(api, collection):
    """Every count filter key, with values of every shape, on every collection: never an error
    (a value of another type than the stored field matches nothing, it does not fail)."""
    values = ["1.5", "abc", "null", "1", "true", "2014-12-08", "0123456789abcdef01234567"]
    for value in values:
        params = [(key, value) for key in COUNT_KEYS if key != "_id"]
        r = api.get(f"/count/{collection}", params=params)
        assert r.status_code == 200, (value, r.text)
        for key in COUNT_KEYS:
            r = api.get(f"/count/{collection}", params=[(key, value), ("gte", f"{key},{value}"),
                                                        ("lt", f"{key},{value}")])
            assert r.status_code == 200, (key, value, r.text)


def test_other_methods(anon, backend):
    for method in ("POST", "DELETE"):
        for path in ("/count", "/count/job", "/count/nope"):
            r = anon.request(method, path)
            assert (r.status_code, r.json()) == (501, {"code": 501, "reason": "Method not implemented"})
    assert anon.put("/count", json={}).json() == {"code": 403}
    assert backend.client(backend.token(post=1)).put("/count/job", json={}).json() == {"code": 501}
    assert anon.options("/count/job").json() == {"code": 200}
    assert anon.patch("/count").json() == {"code": 405, "reason": "Operation not allowed"}
    assert anon.get("/count").json() == {"code": 403}
