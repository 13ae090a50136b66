"""GET /boot, /boot/<id>, /boot/distinct and DELETE with its scoping (boot.md §5, §6, §8)."""

from __future__ import annotations

import pytest

from boot_helpers import boots_of, make_token, report


@pytest.fixture
def three_boots(api, lab, unique) -> dict[str, dict]:
    """Boards a (PASS, 1 retry), b (FAIL, 3 retries), c (FAIL, 5 retries, a device type)."""
    for board, result, retries in (("a", "PASS", 1), ("b", "FAIL", 3), ("c", "FAIL", 5)):
        extra = {"device_type": "dt-c"} if board == "c" else {}
        r = lab.post(report(unique, lab_name=lab.name, board=f"board-{board}", boot_result=result,
                            boot_retries=retries, boot_job_id=f"job-{board}", **extra))
        assert r.status_code == 202, r.text
    return {d["board"][-1]: d for d in boots_of(api, f"next-{unique}")}


def ids(result: list[dict]) -> set[str]:
    return {d["_id"]["$oid"] for d in result}


def test_list_filters_and_ranges(api, unique, three_boots):
    job = f"next-{unique}"
    assert {d["board"] for d in boots_of(api, job, status="FAIL")} == {"board-b", "board-c"}
    assert [d["board"] for d in boots_of(api, job, device_type="dt-c")] == ["board-c"]
    assert len(boots_of(api, job, board=["board-a", "board-b"])) == 2  # repeated key: any of
    assert [d["board"] for d in boots_of(api, job, retries="3")] == ["board-b"]
    assert len(boots_of(api, job, retries="three")) == 3  # a bad integer drops the filter
    r = api.get("/boot", params=[("job", job), ("gte", "retries,2"), ("lt", "retries,5")])
    assert [d["board"] for d in r.json()["result"]] == ["board-b"]
    assert len(boots_of(api, job, board_instance="x")) == 3  # not a filter key: ignored
    assert len(boots_of(api, job, job_id="not-an-id")) == 3
    r = api.get("/boot", params={"job": job, "field": ["board", "lab_name"], "sort": "board", "sort_order": 1,
                                 "limit": 2})
    body = r.json()
    assert body["count"] == 2 and body["limit"] == 2
    assert [set(d) for d in body["result"]] == [{"_id", "board", "lab_name"}] * 2
    assert [d["board"] for d in body["result"]] == ["board-a", "board-b"]


def test_get_one(api, three_boots):
    boot_id = three_boots["a"]["_id"]["$oid"]
    r = api.get(f"/boots/{boot_id}/", params={"nfield": "metadata", "job": "ignored"})
    assert r.status_code == 200
    [doc] = r.json()["result"]
    assert doc["_id"]["$oid"] == boot_id and "metadata" not in doc and doc["board"] == "board-a"
    r = api.get("/boot/" + "g" * 24)
    assert r.status_code == 400 and r.json()["reason"] == "Wrong ID value provided"
    missing = "0" * 24
    r = api.get(f"/boot/{missing}")
    assert r.status_code == 404 and r.json()["reason"] == f"Resource '{missing}' not found"
    assert api.get("/boot/short").json() == {"code": 404, "message": "Resource not found"}


def test_read_needs_get(backend, lab, three_boots):
    assert lab.client.get("/boot").json() == {"code": 403}  # LAB tokens have no get bit
    assert backend.client().get("/boot").status_code == 403
    assert backend.client(backend.token(get=1)).get("/boot").status_code == 200


def test_distinct(api, unique, three_boots):
    r = api.get("/boot/distinct/board", params={"job": f"next-{unique}", "status": "FAIL", "limit": 1})
    assert r.status_code == 200
    assert sorted(r.json()["result"]) == ["board-b", "board-c"] and r.json()["count"] == 2
    for field in ("git_url", "boot_job_url", "build_environment", "board_instance", "mach"):
        assert api.get(f"/boot/distinct/{field}").status_code == 200, field
    r = api.get("/boot/distinct/status")
    assert r.status_code == 400 and r.json()["reason"] == "No field specified or field not valid"
    assert api.post("/boot/distinct/board", json={}).status_code == 501


# -- DELETE by id (§6.1) -------------------------------------------------------------------


def test_lab_token_deletes_its_own_boot(api, lab, three_boots):
    boot_id = three_boots["a"]["_id"]["$oid"]
    r = lab.client.delete(f"/boot/{boot_id}")
    assert r.status_code == 200 and r.json() == {"code": 200, "reason": f"Resource '{boot_id}' deleted"}
    assert api.get(f"/boot/{boot_id}").status_code == 404
    assert lab.client.delete(f"/boot/{boot_id}").status_code == 404


def test_another_labs_token_cannot_delete(api, other_lab, three_boots):
    boot_id = three_boots["a"]["_id"]["$oid"]
    assert other_lab.client.delete(f"/boot/{boot_id}").json() == {"code": 403}
    assert api.get(f"/boot/{boot_id}").status_code == 200


@pytest.mark.parametrize("flags", [{"admin": 1}, {"superuser": 1}])
def test_admin_and_superuser_delete_any_boot(backend, api, three_boots, flags):
    boot_id = three_boots["b"]["_id"]["$oid"]
    value, _ = make_token(backend, **flags)
    assert backend.client(value).delete(f"/boot/{boot_id}").status_code == 200
    assert api.get(f"/boot/{boot_id}").status_code == 404


def test_delete_refusals(backend, api, three_boots):
    boot_id = three_boots["c"]["_id"]["$oid"]
    rw, _ = make_token(backend, get=1, post=1, delete=1)
    assert backend.client(rw).delete(f"/boot/{boot_id}").json() == {"code": 403}
    no_delete, _ = make_token(backend, get=1, post=1)
    assert backend.client(no_delete).delete(f"/boot/{boot_id}").status_code == 403
    r = api.delete("/boot/" + "x" * 24)
    assert r.status_code == 400 and r.json()["reason"] == "Wrong ID value passed as object ID"
    missing = "0" * 24
    r = api.delete(f"/boot/{missing}")
    assert r.status_code == 404 and r.json()["reason"] == f"Resource '{missing}' not found"
    assert api.get(f"/boot/{boot_id}").status_code == 200


# -- DELETE by query (§6.2) ------------------------------------------------------------------


def test_bulk_delete_by_filters(api, unique, three_boots):
    job = f"next-{unique}"
    r = api.delete("/boot", params={"job": job, "board": ["board-a", "board-b"]})
    assert r.status_code == 200, r.text
    assert [d["board"] for d in boots_of(api, job)] == ["board-c"]
    r = api.delete("/boot", params={"job": job, "boot_job_id": "no-such"})
    assert r.status_code == 200 and len(boots_of(api, job)) == 1  # nothing matched: still 200


def test_bulk_delete_commas_are_literal(api, lab, unique):
    job = f"next-{unique}"
    assert lab.post(report(unique, lab_name=lab.name, board="legacy,omap3-n900")).status_code == 202
    assert lab.post(report(unique, lab_name=lab.name, board="legacy")).status_code == 202
    assert api.delete("/boot", params={"job": job, "board": "legacy,omap3-n900"}).status_code == 200
    assert [d["board"] for d in boots_of(api, job)] == ["legacy"]


def test_bulk_delete_needs_a_valid_filter(api, unique, three_boots):
    r = api.delete("/boot", params={"status": "FAIL", "date_range": "5", "created_on": "20140607"})
    assert r.status_code == 400 and r.json()["reason"] == "No valid data provided to execute a DELETE"
    r = api.delete("/boot", params={"job": f"next-{unique}", "job_id": "nope"})
    assert r.status_code == 400  # D12: a bad id would widen the delete
    assert len(boots_of(api, f"next-{unique}")) == 3


def test_lab_token_bulk_deletes_only_its_own_lab(api, lab, other_lab, unique, three_boots):
    job = f"next-{unique}"
    assert other_lab.post(report(unique, lab_name=other_lab.name, board="board-a")).status_code == 202
    assert other_lab.client.delete("/boot", params={"job": job}).status_code == 200
    assert {d["lab_name"] for d in boots_of(api, job)} == {lab.name}
    assert len(boots_of(api, job)) == 3


def test_bulk_delete_refused_to_plain_tokens(backend, api, unique, three_boots):
    rw, _ = make_token(backend, get=1, post=1, delete=1)
    assert backend.client(rw).delete("/boot", params={"job": f"next-{unique}"}).json() == {"code": 403}
    unlinked, _ = make_token(backend, post=1, delete=1, lab=1)  # a lab token no lab links to
    assert backend.client(unlinked).delete("/boot", params={"job": f"next-{unique}"}).status_code == 403
    assert len(boots_of(api, f"next-{unique}")) == 3


def test_deleting_a_filed_boot_leaves_regressions_alone(api, lab, unique):
    for kernel, result in (("k1", "PASS"), ("k2", "FAIL")):
        assert lab.post(report(unique, lab_name=lab.name, kernel=kernel, boot_result=result)).status_code == 202
    assert api.delete("/boot", params={"job": f"next-{unique}"}).status_code == 200
    r = api.get("/boot/regressions", params={"job": f"next-{unique}"})
    assert r.json()["count"] == 1  # §6.3: no side effects
