"""Routes, tokens and the fixed 400 / 501 answers of the test resources
(spec/test.md §2, §7, §8.3, §10; test-regressions.md §3; token.md §4.4)."""

from __future__ import annotations

import pytest

from results_support import group_body, lab_token, oid, only

NO_ID_PATHS = ("/test/group", "/tests/groups/", "/test/case", "/tests/cases/", "/test/regression",
               "/tests/regressions/", "/test", "/tests/")
MISSING = "5f5975bd9b4bd5f3a8e5a1b2"


@pytest.fixture
def stored(api, unique) -> dict:
    """One imported tree: ids of its top-level group and one case."""
    r = api.post("/test/group", json=group_body(unique))
    assert r.status_code == 201
    gid = oid(r.json()["result"][0]["_id"])
    case = api.get("/test/case", params={"test_group_id": gid}).json()["result"][0]
    return {"group": gid, "case": oid(case["_id"])}


def test_read_permission_matrix(backend, stored, unique):
    tokens = {
        "none": None, "get": backend.token(get=1), "rw": backend.token(get=1, post=1, delete=1),
        "lab": backend.token(post=1, delete=1, lab=1), "tlab": lab_token(backend, f"lab-{unique}", test_lab=1),
        "admin": backend.admin_token, "superuser": backend.token(superuser=1),
    }
    allowed = {"get", "rw", "admin", "superuser"}
    for name, token in tokens.items():
        client = backend.client(token)
        for path in ("/test/group", "/test/case", "/test/regression", "/test",
                     f"/test/group/{stored['group']}", f"/test/case/{stored['case']}"):
            r = client.get(path)
            if name in allowed:
                assert r.status_code == 200, (name, path)
            else:
                assert (r.status_code, r.json()) == (403, {"code": 403}), (name, path)


def test_write_permission_matrix(backend, unique):
    """POST/PUT/DELETE on cases and regressions: TESTS rule, then 501 / 400."""
    writers = {"admin": backend.admin_token, "superuser": backend.token(superuser=1),
               "tlab": lab_token(backend, f"lab-{unique}", test_lab=1)}
    refused = {"none": None, "rw": backend.token(get=1, post=1, delete=1), "get": backend.token(get=1),
               "lab": backend.token(post=1, delete=1, lab=1)}
    case_body = {"name": "x", "test_group_id": MISSING}
    for name, token in {**writers, **refused}.items():
        client = backend.client(token)
        answers = [
            client.post("/test/case", json=case_body),
            client.post(f"/test/case/{MISSING}", json=case_body),
            client.put(f"/test/case/{MISSING}", json={"status": "PASS"}),
            client.delete(f"/test/case/{MISSING}"),
            client.put(f"/test/group/{MISSING}", json={"name": "x"}),
            client.delete(f"/test/group/{MISSING}"),
            client.delete(f"/test/regression/{MISSING}"),
            client.post("/test/regression", json={"kernel": "x"}),
            client.put(f"/test/regression/{MISSING}", json={"kernel": "x"}),
        ]
        statuses = [r.status_code for r in answers]
        if name in writers:
            assert statuses == [501] * 7 + [400, 400], name
            assert answers[0].json() == {"code": 501}
        else:
            assert statuses == [403] * 9, name
            assert answers[0].json() == {"code": 403}


def test_options_head_patch_and_unknown_paths(anon, api):
    for path in NO_ID_PATHS + (f"/test/group/{MISSING}", "/test/case/distinct/job"):
        r = anon.options(path)
        assert (r.status_code, r.json()) == (200, {"code": 200}), path
        assert api.head(path).status_code == 405
        r = api.patch(path, json={})
        assert (r.status_code, r.json()) == (405, {"code": 405, "reason": "Operation not allowed"})
    for path in ("/testgroup", "/test/groupX", "/tests/casey", "/test/regressionx", "/testx"):
        r = api.get(path)
        assert (r.status_code, r.json()) == (404, {"code": 404, "message": "Resource not found"}), path


def test_get_by_id_spellings_bad_and_missing_ids(api, stored):
    group, case = stored["group"], stored["case"]
    for path in (f"/test/group/{group}", f"/tests/groups/{group}/", f"/test/groups/{group.upper()}",
                 f"/tests/group/{group}"):
        assert oid(only(api.get(path))["_id"]) == group, path
    for path in (f"/test/case/{case}", f"/tests/cases/{case}/"):
        assert oid(only(api.get(path))["_id"]) == case
    for path in ("/test/group/xyz", "/test/case/123", f"/test/group/{group}/extra", "/test/regression/nope",
                 "/test/regression/distinct/kernel", f"/test/group/{group}//"):
        r = api.get(path)
        assert r.json() == {"code": 400, "reason": "Wrong ID value provided"}, path
    for kind in ("group", "case", "regression"):
        r = api.get(f"/test/{kind}/{MISSING}")
        assert r.json() == {"code": 404, "reason": f"Resource '{MISSING}' not found"}


def test_field_projection_on_one_group(api, stored):
    doc = only(api.get(f"/test/group/{stored['group']}", params=[("field", "name"), ("field", "kernel")]))
    assert set(doc) == {"_id", "name", "kernel"}
    doc = only(api.get(f"/test/group/{stored['group']}", params={"nfield": "test_cases"}))
    assert "test_cases" not in doc and "sub_groups" in doc


def test_put_on_groups_and_cases(api):
    for path, accepted, other in (("/test/group", "defconfig", "status"), ("/test/case", "measurements", "arch")):
        # No id: 400 before anything else is looked at.
        r = api.put(path, content=b"x", headers={"Content-Type": "text/plain"})
        assert r.json() == {"code": 400, "reason": "No ID specified"}
        target = f"{path}/{MISSING}"
        r = api.put(target, content=b"{}", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
        r = api.put(target, content=b"{bad", headers={"Content-Type": "application/json"})
        assert r.json() == {"code": 422, "reason": "No JSON data found in the PUT request"}
        r = api.put(target, json=[1])
        assert r.json() == {"code": 400, "reason": "Provided JSON is not valid: Provided data is not JSON"}
        r = api.put(target, json={other: "x"})
        assert r.json() == {"code": 400, "reason": "Provided JSON is not valid: No valid keys defined for this request"}
        r = api.put(target, json={accepted: "x", other: "y"})
        assert (r.status_code, r.json()) == (501, {"code": 501})


def test_delete_on_groups_and_cases(api, stored):
    for path in ("/test/group", "/tests/cases/", "/test", "/tests"):
        r = api.delete(path)
        assert r.json() == {"code": 400, "reason": "No ID value specified"}, path
    for path in (f"/test/group/{stored['group']}", f"/test/case/{stored['case']}", "/test/case/bad-id"):
        assert (api.delete(path).status_code, api.delete(path).json()) == (501, {"code": 501})
    assert api.get(f"/test/group/{stored['group']}").status_code == 200  # nothing deleted


def test_post_on_cases_checks_then_501(api, stored):
    r = api.post("/test/case", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = api.post("/test/case", content=b"nope", headers={"Content-Type": "application/json"})
    assert r.json() == {"code": 422, "reason": "No JSON data found in the POST request"}
    r = api.post("/test/case", json="x")
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid", "errors": ["Provided data is not JSON"]}
    r = api.post("/test/case", json={"name": "x"})
    assert r.status_code == 400 and r.json()["reason"] == "Provided JSON is not valid"
    assert "test_group_id" in r.json()["errors"][0]
    before = api.get("/count/test_case").json()["result"][0]["count"]
    r = api.post("/tests/cases", json={"name": "x", "test_group_id": stored["group"], "status": "PASS"})
    assert (r.status_code, r.json()) == (501, {"code": 501})
    assert api.get("/count/test_case").json()["result"][0]["count"] == before


def test_tests_alias_put_and_delete(api):
    assert api.put("/test", json={"name": "x"}).json() == {"code": 400, "reason": "No ID specified"}
    assert api.delete("/tests/").json() == {"code": 400, "reason": "No ID value specified"}


def test_regression_write_methods(api):
    r = api.post("/test/regression", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = api.post("/test/regression", content=b"{", headers={"Content-Type": "application/json"})
    assert r.json() == {"code": 422, "reason": "No JSON data found in the POST request"}
    r = api.post("/tests/regressions", json=[])
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid", "errors": ["Provided data is not JSON"]}
    for path in ("/test/regression", f"/test/regression/{MISSING}"):
        r = api.post(path, json={"job": "x"})
        assert r.json() == {"code": 400, "reason": "Provided JSON is not valid",
                            "errors": ["No valid keys defined for this request"]}
    r = api.put("/test/regression", json={})
    assert r.json() == {"code": 400, "reason": "No ID specified"}
    r = api.put(f"/test/regression/{MISSING}", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = api.put(f"/test/regression/{MISSING}", content=b"x", headers={"Content-Type": "application/json"})
    assert r.json() == {"code": 422, "reason": "No JSON data found in the PUT request"}
    r = api.put(f"/test/regression/{MISSING}", json={"job": "x"})
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid: No valid keys defined for this request"}
    r = api.put(f"/test/regression/{MISSING}", json=5)
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid: Provided data is not JSON"}
    assert api.delete("/test/regressions").json() == {"code": 400, "reason": "No ID value specified"}
    assert api.delete(f"/test/regression/{MISSING}").json() == {"code": 501}


def test_distinct_routes(backend, anon, api, stored, unique):
    reader = backend.client(backend.token(get=1))
    for path in ("/test/group/distinct/arch", "/tests/cases/distinct/job", "/test/group/count/distinct/arch",
                 "/tests/case/count/distinct/job"):
        for method in ("POST", "PUT", "DELETE"):
            r = anon.request(method, path, json={})
            assert (r.status_code, r.json()) == (501, {"code": 501}), (method, path)
        assert anon.get(path).status_code == 403
        # GENERAL rule: a test-lab token without `get` is refused, a plain reader passes.
        assert reader.get(path).status_code == 200
    params = {"job": f"job-{unique}"}
    r = api.get("/test/group/distinct/name", params=params).json()
    assert r == {"code": 200, "count": 2, "result": ["baseline", "dmesg"]}
    r = api.get("/test/case/distinct/test_group_id", params=params).json()
    assert r["count"] == 2 and {"$oid": stored["group"]} in r["result"]
    r = api.get("/test/case/count/distinct/test_group_id", params=params).json()
    assert r == {"code": 200, "result": [{"count": 2, "field": "test_group_id"}]}
    r = api.get("/test/group/distinct/device_type", params={**params, "parent_id": "null"}).json()
    assert r["result"] == ["qemu_x86_64"]
    for path in ("/test/group/distinct/status", "/test/group/distinct/plan_variant", "/test/case/distinct/name",
                 "/test/case/distinct/status", "/test/case/count/distinct/kernel"):
        r = api.get(path)
        assert r.json() == {"code": 400, "reason": "No field specified or field not valid"}, path
