"""/build GET, PUT, DELETE and distinct over real HTTP (spec build.md §3, §4, §8, §9)."""

from __future__ import annotations

import pytest

from build_bodies import flat_body, nested_body

MISSING_ID = "0123456789abcdef01234567"
NOT_HEX_ID = "0123456789abcdef0123456z"


def post(api, body) -> dict:
    r = api.post("/build", json=body)
    assert r.status_code == 202, r.text
    return r.json()


def builds_of(api, **params) -> list[dict]:
    r = api.get("/build", params=params)
    assert r.status_code == 200, r.text
    return r.json()["result"]


@pytest.fixture
def three_builds(api, unique):
    job = f"list-{unique}"
    post(api, flat_body(job, kernel="k1", arch="arm", status="PASS", build_errors=0, build_warnings=2,
                        kconfig_fragments="frag-A=y.config", build_environment="gcc-8"))
    post(api, flat_body(job, kernel="k1", arch="x86_64", status="FAIL", build_errors=3,
                        build_environment="clang-11", compiler="clang"))
    post(api, nested_body(job, "k2"))
    return job


def test_list_filters_and_projection(api, three_builds):
    job = three_builds
    result = builds_of(api, job=job, kernel="k1", field=["status", "arch"], nfield="_id", sort="arch",
                       sort_order=1)
    assert result == [{"status": "PASS", "arch": "arm"}, {"status": "FAIL", "arch": "x86_64"}]
    assert {b["arch"] for b in builds_of(api, job=job, arch=["arm", "arm64"])} == {"arm", "arm64"}
    assert [b["arch"] for b in builds_of(api, job=job, errors="3")] == ["x86_64"]
    assert len(builds_of(api, job=job, errors="0")) == 2  # integer filter (B6)
    assert len(builds_of(api, job=job, errors="x")) == 3  # not an integer: the filter is ignored
    assert [b["arch"] for b in builds_of(api, job=job, gte="errors,1")] == ["x86_64"]
    assert [b["arch"] for b in builds_of(api, job=job, warnings="2")] == ["arm"]
    assert [b["arch"] for b in builds_of(api, job=job, build_environment="clang-11")] == ["x86_64"]
    assert [b["arch"] for b in builds_of(api, job=job, compiler="clang")] == ["x86_64"]
    assert [b["arch"] for b in builds_of(api, job=job, kernel_version="5.12-rc1")] == ["arm64"]
    assert len(builds_of(api, job=job, job_id="not-an-id")) == 3  # invalid ObjectId: filter dropped
    assert len(builds_of(api, job=job, unknown_key="x")) == 3
    assert len(builds_of(api, job=job, date_range="1")) == 3


def test_job_id_filter(api, three_builds):
    job_id = builds_of(api, job=three_builds, kernel="k2")[0]["job_id"]["$oid"]
    assert [b["kernel"] for b in builds_of(api, job_id=job_id)] == ["k2"]


def test_kconfig_fragments_matches_strings_and_arrays(api, three_builds):
    job = three_builds
    assert [b["arch"] for b in builds_of(api, job=job, kconfig_fragments="frag-A=y.config")] == ["arm"]
    assert [b["arch"] for b in builds_of(api, job=job, kconfig_fragments="config/kernelci.config")] == ["arm64"]
    both = builds_of(api, job=job, kconfig_fragments=["frag-A=y.config", "config/kernelci.config"])
    assert {b["arch"] for b in both} == {"arm", "arm64"}
    assert [b["arch"] for b in builds_of(api, job=job, kconfig_fragments="null")] == ["x86_64"]
    assert builds_of(api, job=job, kconfig_fragments="nothing") == []


def test_get_by_id(api, three_builds):
    build = builds_of(api, job=three_builds, arch="arm")[0]
    build_id = build["_id"]["$oid"]
    r = api.get(f"/builds/{build_id}/")
    assert r.status_code == 200
    body = r.json()
    assert body["result"] == [build] and "count" not in body
    r = api.get(f"/build/{build_id}", params={"field": "arch"})
    assert r.json()["result"] == [{"_id": {"$oid": build_id}, "arch": "arm"}]
    r = api.get(f"/build/{build_id}", params={"nfield": ["_id", "metadata"]})
    assert "_id" not in r.json()["result"][0] and "metadata" not in r.json()["result"][0]
    assert api.get(f"/build/{MISSING_ID}").status_code == 404
    assert api.get(f"/build/{NOT_HEX_ID}").status_code == 400
    assert api.get("/build/short").status_code == 404  # not an id shape: unknown route
    assert api.get("/defconfig").status_code == 404
    assert "identity_key" not in build


def test_tokens(backend, anon, unique):
    reader = backend.client(backend.token(get=1))
    writer = backend.client(backend.token(post=1))
    assert anon.get("/build").status_code == 403
    assert reader.get("/build", params={"job": unique}).status_code == 200
    assert reader.post("/build", json=flat_body(f"tok-{unique}")).status_code == 403
    assert writer.post("/build", json=flat_body(f"tok-{unique}")).status_code == 202
    assert anon.post("/build", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 403
    assert anon.put("/build").status_code == 403
    assert writer.put("/build", json={}).json() == {"code": 501}
    assert writer.put(f"/build/{MISSING_ID}", json={}).status_code == 501
    assert writer.delete(f"/build/{MISSING_ID}").status_code == 403
    lab = backend.client(backend.token(delete=1, lab=1))
    assert lab.delete(f"/build/{MISSING_ID}").status_code == 403


def test_delete(api, backend, unique):
    job = f"del-{unique}"
    post(api, flat_body(job))
    post(api, flat_body(job, defconfig="other"))
    build_id = builds_of(api, job=job, defconfig="tinyconfig")[0]["_id"]["$oid"]
    deleter = backend.client(backend.token(delete=1))
    assert deleter.delete("/build").status_code == 400
    assert deleter.delete(f"/build/{NOT_HEX_ID}").status_code == 400
    assert deleter.delete(f"/build/{MISSING_ID}").status_code == 404
    r = deleter.delete(f"/builds/{build_id}")
    assert r.status_code == 200 and r.json()["code"] == 200 and r.json()["reason"]
    assert api.get(f"/build/{build_id}").status_code == 404
    assert deleter.delete(f"/build/{build_id}").status_code == 404
    assert [b["defconfig"] for b in builds_of(api, job=job)] == ["other"]
    assert api.get("/job", params={"job": job}).json()["count"] == 1  # the job stays


def test_distinct(api, anon, three_builds):
    job = three_builds
    r = api.get("/build/distinct/arch", params={"job": job})
    assert r.status_code == 200
    assert r.json() == {"code": 200, "count": 3, "result": ["arm", "arm64", "x86_64"]}
    r = api.get("/builds/distinct/build_environment/", params={"job": job, "kernel": "k1"})
    assert r.json()["result"] == ["clang-11", "gcc-8"]
    # A stored null is a distinct value too (distinct.md §3), listed first.
    assert api.get("/build/distinct/kernel_version", params={"job": job}).json()["result"] == [None, "5.12-rc1"]
    assert api.get("/build/distinct/compiler_version_ext", params={"job": job}).status_code == 200
    for field in ("status", "errors", "kconfig_fragments", "", "a.b"):
        assert api.get(f"/build/distinct/{field}").status_code == 400, field
    assert anon.get("/build/distinct/arch").status_code == 403
    for method in ("POST", "PUT", "DELETE"):
        r = anon.request(method, "/build/distinct/arch")
        assert r.status_code == 501 and r.json() == {"code": 501}


def test_count_sees_builds(api, three_builds):
    r = api.get("/count/build", params={"job": three_builds})
    assert r.status_code == 200 and r.json()["result"] == [{"collection": "build", "count": 3}]
