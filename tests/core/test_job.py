"""job.md over real HTTP: GET, POST status updates, DELETE with dependents, PUT."""

from __future__ import annotations

import pytest

from kci_backend import models, wire
from kci_backend.query.params import Condition
from kci_backend.store.documents import Documents

from .support import utc

JOB_FIELDS = {"_id", "created_on", "version", "job", "kernel", "git_branch", "status", "private", "git_commit",
              "git_describe", "git_describe_v", "git_url", "kernel_version", "compiler", "compiler_version",
              "compiler_version_ext", "compiler_version_full", "cross_compile"}
MISSING_ID = "0123456789abcdef01234567"
DEPENDENTS = [c for c in ("build", "error_logs", "errors_summary") if c in models.REGISTRY]


@pytest.fixture
def job(backend, unique):
    key = {"job": f"job-{unique}", "kernel": "next-20210304", "git_branch": "master"}
    (doc,) = backend.insert("job", {**key, "status": "BUILD", "git_commit": "f5427c24", "kernel_version": "5.12-rc1",
                                    "created_on": utc(2021, 3, 4, 12)})
    return doc["_id"], key


def fetch(api, job_id: str) -> dict:
    r = api.get(f"/job/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()["result"][0]


# -- §5 GET -------------------------------------------------------------------------------------------------


def test_get_one_job_has_every_field(api, job):
    job_id, key = job
    body = api.get(f"/job/{job_id}").json()
    assert set(body) == {"code", "result"} and len(body["result"]) == 1
    doc = body["result"][0]
    assert set(doc) == JOB_FIELDS
    assert doc["_id"] == {"$oid": job_id}
    assert doc["created_on"] == {"$date": 1614859200000}
    assert (doc["job"], doc["kernel"], doc["git_branch"], doc["status"]) == (*key.values(), "BUILD")
    assert doc["private"] is False and doc["version"] == "1.1" and doc["git_url"] is None


def test_get_one_job_errors(api):
    assert api.get(f"/job/{MISSING_ID}").json() == {"code": 404, "reason": f"Resource '{MISSING_ID}' not found"}
    assert api.get("/job/0123456789abcdefghijklmn").json() == {"code": 400, "reason": "Wrong ID value provided"}
    for shape in ("/job/0123", "/job/0123456789abcdef012345678", "/job/0123456789abcdef0123456-"):
        assert api.get(shape).json() == {"code": 404, "message": "Resource not found"}


def test_list_jobs_example(api, backend, unique):
    name = f"next-{unique}"
    backend.insert("job", {"job": name, "kernel": "next-20210304", "git_branch": "master", "status": "PASS"},
                   {"job": name, "kernel": "next-20210305", "git_branch": "master", "status": "BUILD"})
    body = api.get("/job", params=[("job", name), ("date_range", "5"), ("field", "status"), ("field", "kernel"),
                                   ("sort", "kernel"), ("sort_order", "1")]).json()
    assert body["count"] == 2 and (body["limit"], body["skip"]) == (0, 0)
    assert [{k: v for k, v in d.items() if k != "_id"} for d in body["result"]] == [
        {"status": "PASS", "kernel": "next-20210304"}, {"status": "BUILD", "kernel": "next-20210305"}]
    assert all(set(d) == {"_id", "status", "kernel"} for d in body["result"])


# -- §6 POST /job --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status,stored", [("FAIL", "FAIL"), ("PASS", "PASS"), ("BUILD", "BUILD"),
                                           ("UNKNOWN", "UNKNOWN"), (None, "PASS"), ("", "PASS"), ("<absent>", "PASS")])
def test_post_sets_the_status(api, job, status, stored):
    job_id, key = job
    body = dict(key) if status == "<absent>" else {**key, "status": status}
    r = api.post("/job", json=body)
    assert r.status_code == 200
    assert set(r.json()) == {"code", "reason"} and r.json()["reason"]
    assert fetch(api, job_id)["status"] == stored


def test_post_changes_only_the_status(api, job):
    job_id, key = job
    before = fetch(api, job_id)
    r = api.post("/job", json={**key, "status": "FAIL", "git_commit": "other", "git_describe": "other",
                               "kernel_version": "9.9", "version": "1.0"})
    assert r.status_code == 200 and "errors" not in r.json()  # accepted keys, ignored
    after = fetch(api, job_id)
    assert after == {**before, "status": "FAIL"}


def test_any_transition_is_allowed(api, job):
    job_id, key = job
    for status in ("PASS", "BUILD", "FAIL", "UNKNOWN", "PASS", "PASS"):
        assert api.post("/job", json={**key, "status": status}).status_code == 200
        assert fetch(api, job_id)["status"] == status


def test_post_to_a_job_id_path_is_the_same(api, job):
    job_id, key = job
    for path in (f"/job/{job_id}", f"/jobs/{MISSING_ID}/"):
        assert api.post(path, json={**key, "status": "FAIL"}).status_code == 200
    assert fetch(api, job_id)["status"] == "FAIL"


def test_branch_and_key_are_matched_exactly(api, backend, unique):
    key = {"job": f"br-{unique}", "kernel": "k", "git_branch": "local/for-next"}
    (doc,) = backend.insert("job", {**key, "status": "BUILD"})
    for other in ({"git_branch": "for-next"}, {"git_branch": "Local/for-next"}, {"kernel": "K"},
                  {"job": f"br-{unique} "}):
        r = api.post("/job", json={**key, **other, "status": "FAIL"})
        assert r.status_code == 404 and r.json()["reason"], other
    assert fetch(api, doc["_id"])["status"] == "BUILD"
    assert api.post("/job", json={**key, "status": "FAIL"}).status_code == 200
    assert fetch(api, doc["_id"])["status"] == "FAIL"


@pytest.mark.parametrize("status", ["bogus", "pass", "Pass", " PASS", 0, False, 1, [], {}, ["PASS"]])
def test_invalid_status_is_400_before_the_lookup(api, job, status):
    job_id, key = job
    for body in ({**key, "status": status}, {"job": "no-such", "kernel": "k", "git_branch": "b", "status": status}):
        r = api.post("/job", json=body)
        assert r.status_code == 400, r.text
        reason = r.json()["reason"]
        assert all(valid in reason for valid in ("BUILD", "FAIL", "PASS", "UNKNOWN"))
    assert fetch(api, job_id)["status"] == "BUILD"


@pytest.mark.parametrize("body,missing", [
    ({"kernel": "k", "git_branch": "b"}, ["job"]),
    ({"job": "j", "status": "PASS"}, ["kernel", "git_branch"]),
    ({"job": "j", "kernel": "k"}, ["git_branch"]),
])
def test_missing_keys_are_400(api, body, missing):
    r = api.post("/job", json=body)
    assert r.status_code == 400
    assert r.json()["reason"] == "Provided JSON is not valid"
    (error,) = r.json()["errors"]
    assert all(name in error for name in missing)


@pytest.mark.parametrize("bad", [None, "", 5, ["x"], {"a": 1}, True])
def test_key_values_must_be_non_empty_strings(api, bad):
    for key in ("job", "kernel", "git_branch"):
        body = {"job": "j", "kernel": "k", "git_branch": "b", key: bad}
        r = api.post("/job", json=body)
        assert (r.status_code, r.json()["reason"]) == (400, "Provided JSON is not valid"), (key, bad)


def test_unknown_job_is_404(api):
    r = api.post("/job", json={"job": "no-such-job", "kernel": "k", "git_branch": "b", "status": "PASS"})
    assert r.status_code == 404 and r.json()["reason"]


def test_post_reports_ignored_keys(api, job):
    _, key = job
    r = api.post("/job", json={**key, "status": "PASS", "builds": [], "lab_name": "x"})
    assert r.status_code == 200
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: builds, lab_name"]


def test_post_checks_order(anon, api):
    # token, then content type, then JSON, then body.
    assert anon.post("/job", content=b"{", headers={"Content-Type": "text/plain"}).status_code == 403
    assert api.post("/job", content=b"{", headers={"Content-Type": "text/plain"}).status_code == 415
    assert api.post("/job", content=b"{", headers={"Content-Type": "application/json"}).status_code == 422
    assert api.post("/job", json=[{"job": "j"}]).status_code == 400


# -- PUT (J8) -------------------------------------------------------------------------------------------------


def test_put_is_501_after_the_token(anon, api, job):
    job_id, key = job
    for path in ("/job", f"/job/{job_id}", "/jobs/"):
        assert anon.put(path, json=key).json() == {"code": 403}
        assert api.put(path, json=key).json() == {"code": 501}
        assert api.put(path, content=b"not json").json() == {"code": 501}
    assert fetch(api, job_id)["status"] == "BUILD"


# -- §7 DELETE ------------------------------------------------------------------------------------------------


def count_where(backend, collection: str, column: str, value: str) -> int:
    async def go(db):
        return await Documents(db, models.get(collection)).count([Condition(column, "eq", value)])

    return backend.run(go)


def insert_dependents(backend, job_id: str, tag: str) -> None:
    for collection in DEPENDENTS:
        doc = {"job_id": job_id, "job": tag, "kernel": tag}
        spec = models.get(collection)
        # Fill the natural key so two documents of one collection never collide.
        for name in spec.identity:
            if name not in doc:
                doc[name] = wire.new_id() if spec.by_name[name].kind.value == "oid" else f"{tag}-{name}-{job_id}"
        backend.insert(collection, doc)


def test_delete_removes_the_job_and_its_dependents_only(backend, api, job, unique):
    job_id, key = job
    (other,) = backend.insert("job", {**key, "kernel": "other-kernel"})
    insert_dependents(backend, job_id, f"dep-{unique}")
    insert_dependents(backend, other["_id"], f"keep-{unique}")
    for collection in DEPENDENTS:
        assert count_where(backend, collection, "job_id", job_id) == 1, collection

    r = api.delete(f"/job/{job_id}")
    assert (r.status_code, r.json()["code"]) == (200, 200) and r.json()["reason"]
    assert set(r.json()) == {"code", "reason"}
    assert api.get(f"/job/{job_id}").status_code == 404
    for collection in DEPENDENTS:
        assert count_where(backend, collection, "job_id", job_id) == 0, collection
        assert count_where(backend, collection, "job_id", other["_id"]) == 1, collection
    assert fetch(api, other["_id"])["kernel"] == "other-kernel"
    assert api.delete(f"/job/{job_id}").status_code == 404


def test_delete_errors(anon, api, job):
    job_id, _ = job
    assert anon.delete(f"/job/{job_id}").json() == {"code": 403}
    assert anon.delete("/job").json() == {"code": 403}
    for path in ("/job", "/jobs/"):
        assert api.delete(path).json() == {"code": 400, "reason": "No ID value specified"}
    assert api.delete("/job/zzzzzzzzzzzzzzzzzzzzzzzz").json() == {"code": 400, "reason": "Wrong ID value provided"}
    r = api.delete(f"/job/{MISSING_ID}")
    assert r.status_code == 404 and r.json()["reason"]
    assert fetch(api, job_id)["_id"] == {"$oid": job_id}


def test_delete_with_trailing_slash_and_upper_case_id(api, job):
    job_id, _ = job
    assert api.delete(f"/jobs/{job_id.upper()}/").status_code == 200
    assert api.get(f"/job/{job_id}").status_code == 404


def test_one_job_per_natural_key(backend, job):
    _, key = job
    with pytest.raises(Exception):
        backend.insert("job", dict(key))
