"""/report (report.md): one outcome record per (job, branch, kernel, kind), admin-only reads."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from mail_support import post_build, send_body, wait_for_report, wait_until_reported


def _sent_build_report(backend, api, job: str, kernel: str = "v1") -> dict:
    post_build(api, backend.storage_dir, job, kernel)
    assert api.post("/send", json=send_body(job, kernel, build_report=1)).status_code == 202
    return wait_for_report(api, job, "build", status="SENT")


def test_record_written_then_updated(mail_backend, mail_api, unique):
    job = f"rec-{unique}"
    first = _sent_build_report(mail_backend, mail_api, job)
    assert {k: first[k] for k in ("name", "job", "git_branch", "kernel", "type", "status", "errors", "updated_on",
                                  "version")} == {
        "name": f"{job}-master-v1", "job": job, "git_branch": "master", "kernel": "v1", "type": "build",
        "status": "SENT", "errors": [], "updated_on": None, "version": "1.1"}
    assert abs(first["created_on"]["$date"] / 1000 - time.time()) < 60
    # another trigger of the same kind for the same kernel overwrites status and errors only
    r = mail_api.post("/send", json=send_body(job, "v1", build_report=1, send_to="reject-all@example.org"))
    assert r.status_code == 202
    wait_until_reported(mail_backend, job, 2)
    [second] = mail_api.get("/report", params={"job": job}).json()["result"]
    assert second["_id"] == first["_id"] and second["created_on"] == first["created_on"]
    assert second["status"] == "ERROR" and second["errors"][0][0] == 550
    assert second["updated_on"]["$date"] >= first["created_on"]["$date"]
    # a boot report of the kernel would be a record of its own; nothing to report writes none
    assert mail_api.post("/send", json=send_body(job, "v1", boot_report=1)).status_code == 202
    wait_until_reported(mail_backend, job, 3)
    assert mail_api.get("/report", params={"job": job}).json()["count"] == 1


def test_list_filters(mail_backend, mail_api, unique):
    job = f"filters-{unique}"
    record = _sent_build_report(mail_backend, mail_api, job)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")

    def found(**params):
        r = mail_api.get("/report", params={"job": job, **params})
        assert r.status_code == 200, r.text
        return r.json()["result"]

    assert found(status="SENT", type="build", name=f"{job}-master-v1", kernel="v1", updated_on="null")
    assert found(_id=record["_id"]["$oid"], created_on=today)
    assert not found(status="ERROR") and not found(type="boot") and not found(kernel="v2")
    assert not found(created_on="2001-01-01") and not found(updated_on=today)
    assert found(git_branch="not-a-filter")  # ignored (report.md §2.1)
    [projected] = found(field="status")
    assert set(projected) <= {"_id", "status"} and projected["status"] == "SENT"
    answer = mail_api.get("/report", params={"job": job, "limit": 5}).json()
    assert (answer["count"], answer["limit"], answer["skip"]) == (1, 5, 0)


def test_get_one(mail_backend, mail_api, unique):
    record = _sent_build_report(mail_backend, mail_api, f"one-{unique}")
    oid = record["_id"]["$oid"]
    r = mail_api.get(f"/reports/{oid}/", params={"nfield": "errors"})
    assert r.status_code == 200
    [shown] = r.json()["result"]
    assert shown["_id"] == record["_id"] and "errors" not in shown
    assert mail_api.get("/report/123").json()["reason"] == "Wrong ID value provided"
    assert mail_api.get("/report/123").status_code == 400
    assert mail_api.get("/report/" + "0" * 24).status_code == 404
    assert mail_api.get("/reportsXYZ").status_code == 404


def test_permissions(mail_backend, mail_api):
    def status(method: str, **flags) -> int:
        client = mail_backend.client(mail_backend.token(**flags)) if flags else mail_backend.client()
        return client.request(method, "/report").status_code

    assert status("GET") == 403
    assert status("GET", get=1, post=1, delete=1) == 403  # not readable with an ordinary read token
    assert status("GET", superuser=1) == 200
    assert mail_api.get("/report").status_code == 200
    for method in ("POST", "PUT", "DELETE"):
        assert mail_api.request(method, "/report").status_code == 501
        assert status(method, superuser=1) == 403
