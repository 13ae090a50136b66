"""distinct.md over real HTTP, on the job fields (other resources are tested with them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from .support import utc

JOB_FIELDS = ["compiler", "compiler_version", "compiler_version_ext", "git_branch", "git_commit", "git_describe",
              "git_describe_v", "git_url", "job", "kernel", "kernel_version"]
FIELD_NOT_VALID = {"code": 400, "reason": "No field specified or field not valid"}


@pytest.fixture
def seeded(backend, unique):
    name = f"dist-{unique}"
    now = datetime.now(timezone.utc)
    backend.insert(
        "job",
        {"job": name, "kernel": "next-20150826", "git_branch": "master", "compiler": "gcc", "git_url": "u",
         "created_on": utc(2015, 8, 26, 10)},
        {"job": name, "kernel": "next-20150824", "git_branch": "master", "compiler": "clang",
         "created_on": utc(2015, 8, 24, 10)},
        {"job": name, "kernel": "next-20150825", "git_branch": "for-next", "compiler": "gcc",
         "created_on": utc(2015, 8, 25, 10)},
        {"job": name, "kernel": "next-20150825", "git_branch": "master", "compiler": "gcc",
         "created_on": utc(2015, 8, 25, 11)},
        {"job": name, "kernel": "next-20150901", "git_branch": "master", "compiler": "gcc",
         "created_on": now - timedelta(minutes=5)},
    )
    return name


def distinct(api, distinct_field: str, **params) -> dict:
    r = api.get(f"/job/distinct/{distinct_field}", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "count", "result"}
    assert body["count"] == len(body["result"]) and len(set(map(str, body["result"]))) == len(body["result"])
    return body


@pytest.mark.parametrize("field", JOB_FIELDS)
def test_every_allowed_job_field(api, field):
    distinct(api, field)


def test_values_are_unique_and_ascending(api, seeded):
    body = distinct(api, "kernel", job=seeded)
    assert body["result"] == ["next-20150824", "next-20150825", "next-20150826", "next-20150901"]
    assert distinct(api, "compiler", job=seeded)["result"] == ["clang", "gcc"]
    assert distinct(api, "git_branch", job=seeded)["result"] == ["for-next", "master"]


@pytest.mark.parametrize("params,kernels", [
    ({"git_branch": "for-next"}, ["next-20150825"]),
    ({"compiler": "clang"}, ["next-20150824", "next-20150825", "next-20150826", "next-20150901"]),  # not a filter
    ({"created_on": "2015-08-25"}, ["next-20150825"]),
    ({"created_on": "2015-08-26", "date_range": "1"}, ["next-20150825", "next-20150826"]),
    ({"time_range": "60"}, ["next-20150901"]),
    ({"gte": "kernel,next-20150825", "lt": "kernel,next-20150826"}, ["next-20150825"]),
    ({"gte": "created_on,2015-08-25T10:30:00Z", "lt": "created_on,2015-08-30"}, ["next-20150825", "next-20150826"]),
    ({"git_commit": "null", "kernel": ["next-20150824", "next-20150901"]}, ["next-20150824", "next-20150901"]),
    ({"_id": "bad"}, ["next-20150824", "next-20150825", "next-20150826", "next-20150901"]),
    ({"limit": "1", "skip": "2", "sort": "kernel", "sort_order": "-1", "field": "job", "nfield": "kernel",
      "aggregate": "git_branch"}, ["next-20150824", "next-20150825", "next-20150826", "next-20150901"]),
])
def test_filters_select_documents_and_list_parameters_have_no_effect(api, seeded, params, kernels):
    assert distinct(api, "kernel", job=seeded, **params)["result"] == kernels


def test_docs_example(api, seeded):
    body = distinct(api, "kernel", job=seeded, date_range="5", created_on="2015-08-26")
    assert body == {"code": 200, "count": 3, "result": ["next-20150824", "next-20150825", "next-20150826"]}


def test_no_match_is_an_empty_list(api):
    assert distinct(api, "kernel", job="no-such-job-at-all") == {"code": 200, "count": 0, "result": []}


@pytest.mark.parametrize("name,value", [("limit", "abc"), ("limit", "-1"), ("skip", "x"), ("sort_order", "asc")])
def test_invalid_paging_values_are_still_400(api, name, value):
    r = api.get("/job/distinct/kernel", params={name: value})
    assert (r.status_code, r.json()) == (400, {"code": 400, "reason": f"Invalid value for query parameter '{name}'"})


@pytest.mark.parametrize("field", ["status", "_id", "created_on", "private", "version", "compiler_version_full",
                                   "cross_compile", "Kernel", "KERNEL", "nosuch", "abcdefghijklmnopqrstuvwx",
                                   "0123456789abcdef01234567"])
def test_fields_outside_the_list_are_400(api, field):
    for prefix in ("/job/distinct/", "/jobs/distinct/"):
        r = api.get(prefix + field)
        assert (r.status_code, r.json()) == (400, FIELD_NOT_VALID), prefix + field


@pytest.mark.parametrize("path", ["/job/distinct", "/job/distinct/", "/jobs/distinct", "/job/distinct/a.b",
                                  "/job/distinct/a-b", "/job/distinct/ker%20nel", "/job/distinct/kernel/extra",
                                  "/job/distinct/$kernel", "/job/distinct/%00", "/jobs/distinct/kernel.x/"])
def test_empty_or_odd_fields_are_400(api, path):
    r = api.get(path)
    assert (r.status_code, r.json()) == (400, FIELD_NOT_VALID)


@pytest.mark.parametrize("path", ["/job/distinct/kernel", "/jobs/distinct/kernel", "/job/distinct/kernel/",
                                  "/jobs/distinct/kernel/"])
def test_path_forms(api, seeded, path):
    r = api.get(path, params={"job": seeded})
    assert r.status_code == 200 and r.json()["count"] == 4


def test_token_and_other_methods(anon, backend):
    assert anon.get("/job/distinct/kernel").json() == {"code": 403}
    assert anon.get("/job/distinct/nosuch").json() == {"code": 403}
    assert backend.client(backend.token(post=1)).get("/job/distinct/kernel").json() == {"code": 403}
    for method in ("POST", "PUT", "DELETE"):
        for path in ("/job/distinct/kernel", "/job/distinct/", "/jobs/distinct/nosuch"):
            assert anon.request(method, path).json() == {"code": 501}
    assert anon.options("/job/distinct/kernel").json() == {"code": 200}
    assert anon.patch("/job/distinct/kernel").json() == {"code": 405, "reason": "Operation not allowed"}
