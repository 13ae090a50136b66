"""List queries on test groups and cases, /count and distinct values (test.md §5.1, §8.1, §9, §11)."""

from __future__ import annotations

import pytest

from results_support import group_body, oid


@pytest.fixture
def two_runs(api, unique) -> dict:
    """Two plans on two devices; returns the top-level group ids."""
    ids = {}
    for device, kernel in (("qemu_x86_64", "v1"), ("rpi-3", "v2")):
        body = group_body(unique, device_type=device, kernel=kernel, index=3, board_instance=f"{device}-1",
                          initrd_info={"rootfs": device})
        r = api.post("/test/group", json=body)
        assert r.status_code == 201
        ids[device] = oid(r.json()["result"][0]["_id"])
    return ids


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(d.get("test_case_path") or d["name"] for d in response.json()["result"])


def test_group_filters(api, unique, two_runs):
    job = {"job": f"job-{unique}"}
    assert names(api.get("/test/group", params={**job, "parent_id": "null"})) == ["baseline", "baseline"]
    assert names(api.get("/test/group", params={**job, "parent_id": two_runs["rpi-3"]})) == ["dmesg"]
    # device_type is not a group filter key: ignored.
    assert len(names(api.get("/test/group", params={**job, "device_type": "rpi-3"}))) == 4
    assert names(api.get("/test/group", params={**job, "board_instance": "rpi-3-1"})) == ["baseline"]
    assert names(api.get("/test/group", params={**job, "index": "3"})) == ["baseline", "baseline"]
    assert names(api.get("/test/group", params={**job, "index": "1"})) == ["dmesg", "dmesg"]
    assert names(api.get("/test/group", params=[*job.items(), ("kernel", "v1"), ("kernel", "v2"),
                                                ("name", "dmesg")])) == ["dmesg", "dmesg"]
    # _id is not a filter key of test groups or cases (query.md Appendix A).
    assert len(names(api.get("/test/group", params={**job, "_id": two_runs["rpi-3"]}))) == 4
    assert len(names(api.get("/test/case", params={**job, "gte": f"_id,{two_runs['rpi-3']}"}))) == 6
    # A malformed ObjectId drops its filter.
    assert len(names(api.get("/test/group", params={**job, "parent_id": "xyz"}))) == 4
    # time is compared as a string: it never matches.
    assert names(api.get("/test/group", params={**job, "time": "12.5"})) == []
    assert names(api.get("/test/group", params={**job, "gte": "time,1"})) == []
    r = api.get("/test/group", params={**job, "sort": "device_type", "sort_order": "1", "limit": "1",
                                       "field": "device_type"}).json()
    assert r["count"] == 1 and r["limit"] == 1 and r["result"][0]["device_type"] == "qemu_x86_64"
    assert set(r["result"][0]) == {"_id", "device_type"}


def test_case_filters(api, unique, two_runs):
    job = {"job": f"job-{unique}"}
    assert names(api.get("/test/case", params={**job, "status": "pass"})) == []  # stored upper-case
    assert names(api.get("/test/case", params={**job, "status": "FAIL", "regression_id": "null"})) == \
        ["baseline.dmesg.crit", "baseline.dmesg.crit"]
    assert names(api.get("/test/case", params={**job, "device_type": "rpi-3", "plan": "baseline",
                                               "name": "login"})) == ["baseline.login"]
    assert names(api.get("/test/case", params={"test_group_id": two_runs["qemu_x86_64"]})) == ["baseline.login"]
    assert names(api.get("/test/case", params={**job, "index": "2"})) == ["baseline.dmesg.crit"] * 2
    assert names(api.get("/test/case", params={**job, "time": "-1"})) == []
    assert names(api.get("/test/case", params={**job, "defconfig_full": "x86_64_defconfig", "kernel": "v2"})) == \
        ["baseline.dmesg.crit", "baseline.dmesg.emerg", "baseline.login"]
    # Not filter keys: ignored.
    assert len(names(api.get("/test/case", params={**job, "test_case_path": "baseline.login"}))) == 6
    # The dashboard's query, sorted by path.
    frontend = {**job, "kernel": "v1", "git_branch": "master", "plan": "baseline", "device_type": "qemu_x86_64",
                "lab_name": f"lab-{unique}", "build_environment": "gcc-8", "defconfig_full": "x86_64_defconfig",
                "arch": "x86_64", "sort": "test_case_path", "sort_order": "1"}
    r = api.get("/test/case", params=frontend).json()
    assert [c["test_case_path"] for c in r["result"]] == \
        ["baseline.dmesg.crit", "baseline.dmesg.emerg", "baseline.login"]


def test_counts(api, unique, two_runs):
    job = {"job": f"job-{unique}"}
    assert api.get("/count/test_group", params=job).json() == \
        {"code": 200, "result": [{"collection": "test_group", "count": 4}]}
    r = api.get("/count/test_case", params={**job, "plan": "baseline", "status": "FAIL"}).json()
    assert r["result"][0]["count"] == 2
    r = api.get("/count/test_case", params={**job, "test_group_id": two_runs["rpi-3"]}).json()
    assert r["result"][0]["count"] == 1
    r = api.get("/count/test_regression", params=job).json()
    assert r == {"code": 200, "result": [{"collection": "test_regression", "count": 0}]}
    # /count compares `time` as text with the stored number (count.md): no match, no error.
    r = api.get("/count/test_group", params={**job, "time": "12.5"})
    assert r.status_code == 200
    every = {item["collection"] for item in api.get("/count").json()["result"]}
    assert {"test_group", "test_case", "test_regression"} <= every


def test_distinct_values(api, unique, two_runs):
    job = {"job": f"job-{unique}"}
    r = api.get("/test/group/distinct/device_type", params=job).json()
    assert r == {"code": 200, "count": 2, "result": ["qemu_x86_64", "rpi-3"]}
    r = api.get("/test/group/distinct/kernel", params={**job, "board_instance": "rpi-3-1"}).json()
    assert r["result"] == ["v2"]
    r = api.get("/test/group/distinct/initrd_info", params={**job, "parent_id": "null"}).json()
    assert sorted(r["result"], key=str) == [{"rootfs": "qemu_x86_64"}, {"rootfs": "rpi-3"}]
    r = api.get("/test/group/count/distinct/device_type", params=job).json()
    assert r == {"code": 200, "result": [{"count": 2, "field": "device_type"}]}
    r = api.get("/test/case/distinct/device_type", params={**job, "status": "FAIL"}).json()
    assert r["result"] == ["qemu_x86_64", "rpi-3"]
    r = api.get("/test/case/count/distinct/test_group_id", params={**job, "plan": "baseline"}).json()
    assert r["result"] == [{"count": 4, "field": "test_group_id"}]
    # limit and friends have no effect on distinct.
    r = api.get("/test/group/distinct/name", params={**job, "limit": "1", "sort": "name"}).json()
    assert r["count"] == 2
