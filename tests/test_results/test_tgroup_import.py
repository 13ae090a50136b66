"""POST /test/group: what an import stores (spec/test.md §3, §6.4–§6.7)."""

from __future__ import annotations

import time
from pathlib import Path

from results_support import group_body, oid, only

GROUP_KEYS = {
    "_id", "name", "lab_name", "version", "created_on", "time", "parent_id", "index", "test_cases", "sub_groups",
    "arch", "build_environment", "defconfig", "defconfig_full", "device_type", "git_branch", "git_commit",
    "git_describe", "git_url", "job", "kernel", "board_instance", "boot_log", "boot_log_html",
    "boot_result_description", "dtb", "endian", "file_server_resource", "initrd", "initrd_info", "kernel_image",
    "mach", "plan_variant", "warnings", "job_id", "build_id", "compiler", "compiler_version",
    "compiler_version_full", "cross_compile", "modules",
}
CASE_KEYS = {
    "_id", "name", "status", "time", "index", "version", "created_on", "test_group_id", "plan", "test_case_path",
    "regression_id", "measurements", "log_lines", "arch", "build_environment", "defconfig_full", "device_type",
    "git_branch", "git_commit", "job", "kernel", "lab_name", "mach",
}


def post(api, body, path="/test/group"):
    r = api.post(path, json=body)
    assert r.status_code == 201, r.text
    return r


def cases_of(api, unique, **params):
    r = api.get("/test/case", params={"job": f"job-{unique}", **params})
    assert r.status_code == 200
    return {c["test_case_path"]: c for c in r.json()["result"]}


def test_worked_example_of_the_spec(api, unique):
    r = post(api, group_body(unique))
    body = r.json()
    gid = oid(body["result"][0]["_id"])
    assert body == {"code": 201, "reason": "Test group 'baseline' created", "result": [{"_id": {"$oid": gid}}]}
    assert r.headers["location"] == f"/test/group/{gid}"

    top = only(api.get(f"/test/group/{gid}"))
    assert set(top) == GROUP_KEYS
    assert top["parent_id"] is None and top["index"] is None and top["time"] == 12.5
    assert top["version"] == "1.0" and top["warnings"] == 0
    assert top["defconfig_full"] == "x86_64_defconfig"  # defaults to defconfig
    assert len(top["test_cases"]) == 1 and len(top["sub_groups"]) == 1

    sub = only(api.get(f"/test/group/{oid(top['sub_groups'][0])}"))
    assert sub["name"] == "dmesg" and oid(sub["parent_id"]) == gid and sub["index"] == 1
    assert sub["time"] == 12.5  # inherited
    assert sub["created_on"]["$date"] >= top["created_on"]["$date"]

    cases = cases_of(api, unique)
    assert set(cases) == {"baseline.login", "baseline.dmesg.emerg", "baseline.dmesg.crit"}
    assert [cases[p]["status"] for p in ("baseline.login", "baseline.dmesg.emerg", "baseline.dmesg.crit")] == \
        ["PASS", "PASS", "FAIL"]
    for case in cases.values():
        assert set(case) == CASE_KEYS
        assert case["plan"] == "baseline" and case["regression_id"] is None and case["version"] == "1.0"
        assert case["created_on"]["$date"] >= top["created_on"]["$date"]
    assert oid(cases["baseline.login"]["test_group_id"]) == gid
    assert oid(cases["baseline.dmesg.crit"]["test_group_id"]) == oid(sub["_id"])
    assert [oid(i) for i in sub["test_cases"]] == [oid(cases["baseline.dmesg.emerg"]["_id"]),
                                                  oid(cases["baseline.dmesg.crit"]["_id"])]
    assert cases["baseline.dmesg.emerg"]["measurements"] == [{"value": 0.0, "unit": "lines"}]
    assert cases["baseline.dmesg.crit"]["index"] == 2


def test_group_fields_defaults_and_dropped_keys(api, unique):
    body = group_body(unique, index=7, time="3.25", version="1.2", board_instance="rpi-3", endian="little",
                      file_server_resource="some/path", initrd="http://x/rootfs.cpio.gz", mach="qemu",
                      initrd_info={"arch": "x86_64"}, defconfig_full="x86_64_defconfig+kselftest",
                      job_id="5f5975bd9b4bd5f3a8e5a1b2", build_id="zzz", created_on="yesterday",
                      boot_log="sneaky.txt", dtb="x.dtb", board="b", plan_variant="pv", mach_alias="alias",
                      boot_warnings=3)
    body["test_cases"] = [{"name": "a", "status": "Skip", "time": "1.5", "index": 99, "version": "9",
                           "test_group_id": "5f5975bd9b4bd5f3a8e5a1b2", "log_lines": [{"msg": "hi"}],
                           "attachments": [{"path": "x"}], "parameters": {"a": 1}},
                          {"name": "b"}]
    r = post(api, body)
    errors = r.json()["errors"]
    assert len(errors) == 1 and errors[0].startswith("Found non recognizable keys, they will not be considered: ")
    for key in ("boot_log", "dtb", "board", "plan_variant", "mach_alias", "boot_warnings"):
        assert key in errors[0]
    top = only(api.get(f"/test/group/{oid(r.json()['result'][0]['_id'])}"))
    assert top["index"] == 7 and top["time"] == 3.25 and top["version"] == "1.2"
    assert top["board_instance"] == "rpi-3" and top["endian"] == "little" and top["mach"] == "qemu"
    assert top["initrd_info"] == {"arch": "x86_64"} and top["defconfig_full"] == "x86_64_defconfig+kselftest"
    assert top["job_id"] is None and top["build_id"] is None
    assert top["boot_log"] is None and top["dtb"] is None and top["plan_variant"] is None and top["warnings"] == 0
    assert top["created_on"]["$date"] > 1_600_000_000_000
    cases = cases_of(api, unique)
    a, b = cases["baseline.a"], cases["baseline.b"]
    assert a["status"] == "SKIP" and a["time"] == 1.5 and a["index"] == 1 and a["version"] == "1.0"
    assert oid(a["test_group_id"]) == top["_id"]["$oid"] and a["log_lines"] == [{"msg": "hi"}]
    assert "attachments" not in a and "parameters" not in a
    assert b["status"] == "PASS" and b["time"] == -1 and b["measurements"] == [] and b["log_lines"] == []
    assert a["defconfig_full"] == "x86_64_defconfig+kselftest"


def test_sub_groups_inherit_from_the_stored_parent(api, unique):
    body = group_body(unique, mach="parent-mach", board_instance="parent-board", sub_groups=[
        {"name": "one", "arch": "arm64", "kernel": "other", "time": 99, "index": 42, "mach": "own-mach",
         "git_describe": "v5.9-1-gabc", "boot_result_description": "fine", "boot_warnings": 2, "version": "1.1",
         "sub_groups": [{"name": "deep", "mach_alias": "alias", "mach": "ignored",
                         "test_cases": [{"name": "leaf", "status": "error"}]}]},
        {"name": "two", "test_cases": [{"name": "x", "status": "UNKNOWN"}]}])
    top_id = oid(post(api, body).json()["result"][0]["_id"])
    top = only(api.get(f"/test/group/{top_id}"))
    one, two = (only(api.get(f"/test/group/{oid(i)}")) for i in top["sub_groups"])
    assert (one["index"], two["index"]) == (1, 2)
    assert one["arch"] == "x86_64" and one["kernel"] == "v5.9" and one["time"] == 12.5  # parent's values win
    assert one["mach"] == "own-mach" and one["board_instance"] is None  # not inherited
    assert two["mach"] is None
    assert one["git_describe"] == "v5.9-1-gabc" and one["boot_result_description"] == "fine"
    assert one["warnings"] == 2 and one["version"] == "1.1"
    deep = only(api.get(f"/test/group/{oid(one['sub_groups'][0])}"))
    assert oid(deep["parent_id"]) == oid(one["_id"]) and deep["mach"] == "alias" and deep["index"] == 1
    cases = cases_of(api, unique)
    leaf = cases["baseline.one.deep.leaf"]
    assert leaf["status"] == "ERROR" and leaf["mach"] == "alias" and leaf["plan"] == "baseline"
    assert leaf["arch"] == "x86_64" and leaf["kernel"] == "v5.9" and leaf["lab_name"] == f"lab-{unique}"
    assert cases["baseline.two.x"]["status"] == "UNKNOWN"


def test_a_group_without_cases_and_the_tests_alias(api, unique):
    body = group_body(unique)
    del body["test_cases"], body["sub_groups"]
    for path in ("/test", "/tests/", "/tests/groups", "/test/groups/"):
        r = post(api, {**body, "name": f"plan-{path.strip('/').replace('/', '-')}"}, path)
        group = only(api.get(r.headers["location"]))
        assert group["test_cases"] == [] and group["sub_groups"] == []
    listed = api.get("/test", params={"job": f"job-{unique}"}).json()
    assert listed["count"] == 4


def test_same_identity_replaces_keeping_ids(api, unique):
    first = post(api, group_body(unique)).json()["result"][0]["_id"]
    before = only(api.get(f"/test/group/{oid(first)}"))
    old_cases = cases_of(api, unique)
    time.sleep(0.01)
    again = group_body(unique, time=1, test_cases=[{"name": "login", "status": "fail"}, {"name": "new"}],
                       sub_groups=[{"name": "dmesg", "test_cases": [{"name": "crit", "status": "pass"}]}])
    r = post(api, again)
    assert r.json()["result"][0]["_id"] == first and r.json()["reason"] == "Test group 'baseline' created"
    after = only(api.get(f"/test/group/{oid(first)}"))
    assert after["created_on"] == before["created_on"] and after["time"] == 1
    assert after["sub_groups"] == before["sub_groups"]
    assert after["test_cases"][0] == before["test_cases"][0] and len(after["test_cases"]) == 2
    cases = cases_of(api, unique)
    assert cases["baseline.login"]["_id"] == old_cases["baseline.login"]["_id"]
    assert cases["baseline.login"]["status"] == "FAIL"
    assert cases["baseline.login"]["created_on"] == old_cases["baseline.login"]["created_on"]
    assert cases["baseline.dmesg.crit"]["_id"] == old_cases["baseline.dmesg.crit"]["_id"]
    sub = only(api.get(f"/test/group/{oid(after['sub_groups'][0])}"))
    assert sub["test_cases"] == [cases["baseline.dmesg.crit"]["_id"]]
    # The unmatched case of the earlier version stays, no longer listed.
    assert cases["baseline.dmesg.emerg"]["_id"] == old_cases["baseline.dmesg.emerg"]["_id"]
    assert api.get("/count/test_group", params={"job": f"job-{unique}"}).json()["result"][0]["count"] == 2


def test_identity_members_make_new_groups(api, unique):
    post(api, group_body(unique))
    post(api, group_body(unique, kernel="v5.10"))
    post(api, group_body(unique, initrd="http://x/other"))
    post(api, group_body(unique, defconfig_full="x86_64_defconfig"))  # the effective value: same group
    tops = api.get("/test/group", params={"job": f"job-{unique}", "parent_id": "null"}).json()
    assert tops["count"] == 3


def test_duplicate_case_names_collapse(api, unique):
    body = group_body(unique, sub_groups=[], test_cases=[{"name": "dup", "status": "pass"}, {"name": "other"},
                                                         {"name": "dup", "status": "fail"}])
    gid = oid(post(api, body).json()["result"][0]["_id"])
    group = only(api.get(f"/test/group/{gid}"))
    cases = cases_of(api, unique)
    assert set(cases) == {"baseline.dup", "baseline.other"}
    dup = cases["baseline.dup"]
    assert dup["status"] == "FAIL" and dup["index"] == 3
    assert group["test_cases"] == [dup["_id"], cases["baseline.other"]["_id"], dup["_id"]]


def test_log_is_written_to_storage(api, unique, backend):
    text = "line one\nligne deux é\n"
    r = post(api, group_body(unique, log=text, defconfig_full="defconfig+frag"))
    top = only(api.get(r.headers["location"]))
    assert top["boot_log"] == "baseline-qemu_x86_64.txt" and top["boot_log_html"] is None
    sub = only(api.get(f"/test/group/{oid(top['sub_groups'][0])}"))
    assert sub["boot_log"] == "baseline-qemu_x86_64.txt"
    path = Path(backend.storage_dir, f"job-{unique}", "master", "v5.9", "x86_64", "defconfig+frag", "gcc-8",
                f"lab-{unique}", "baseline-qemu_x86_64.txt")
    assert path.read_text(encoding="utf-8") == text
    post(api, group_body(unique, log="replaced", defconfig_full="defconfig+frag"))
    assert path.read_text() == "replaced"


def test_post_does_not_detect_regressions(api, unique):
    post(api, group_body(unique, kernel="v1", sub_groups=[], test_cases=[{"name": "t", "status": "pass"}]))
    time.sleep(0.01)
    post(api, group_body(unique, kernel="v2", sub_groups=[], test_cases=[{"name": "t", "status": "fail"}]))
    assert api.get("/test/regression", params={"job": f"job-{unique}"}).json()["count"] == 0
    assert cases_of(api, unique, kernel="v2")["baseline.t"]["regression_id"] is None


def test_deeply_nested_tree(api, unique):
    depth = 150
    node: dict = {"name": "level150", "test_cases": [{"name": "leaf", "status": "fail"}]}
    for level in range(depth - 1, 0, -1):
        node = {"name": f"level{level}", "sub_groups": [node]}
    r = post(api, group_body(unique, sub_groups=[node], test_cases=[]))
    leaf = only(api.get("/test/case", params={"job": f"job-{unique}", "name": "leaf"}))
    assert leaf["test_case_path"].count(".") == depth + 1
    assert api.get("/count/test_group", params={"job": f"job-{unique}"}).json()["result"][0]["count"] == depth + 1
    assert r.json()["result"][0]["_id"]


def test_ten_thousand_nested_cases(api, unique, backend):
    suites = [{"name": f"suite{s}", "test_cases": [
        {"name": f"case{c}", "status": "fail" if c % 10 == 0 else "pass",
         "measurements": [{"value": c * 1.0, "unit": "ms"}]} for c in range(100)]} for s in range(100)]
    body = group_body(unique, sub_groups=suites, test_cases=[])
    start = time.perf_counter()
    r = post(api, body)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = post(api, body)  # the replacement path
    second = time.perf_counter() - start
    assert again.json()["result"] == r.json()["result"]
    count = api.get("/count/test_case", params={"job": f"job-{unique}"}).json()["result"][0]["count"]
    assert count == 10_000
    failing = api.get("/count/test_case", params={"job": f"job-{unique}", "status": "FAIL"}).json()
    assert failing["result"][0]["count"] == 1000
    # Generous bounds (a loaded CI machine); typical figures are well under a second.
    assert first < 10 and second < 10, (backend.kind, first, second)
    print(f"\n{backend.kind}: 10,000 cases imported in {first:.2f}s, re-imported in {second:.2f}s")


def test_commit_shape_is_free(api, unique):
    # git_commit is mandatory but not validated beyond being a non-empty string.
    r = post(api, group_body(unique, git_commit="not-a-sha"))
    assert only(api.get(r.headers["location"]))["git_commit"] == "not-a-sha"


def test_concurrent_posts_of_one_identity(api, unique):
    """Re-sent results racing each other still make one group with consistent cases."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [group_body(unique, time=i) for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda b: api.post("/test/group", json=b), bodies))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["result"][0]["_id"]["$oid"] for r in answers}) == 1
    counts = [api.get(f"/count/{c}", params={"job": f"job-{unique}"}).json()["result"][0]["count"]
              for c in ("test_group", "test_case")]
    assert counts == [2, 3]
    top = only(api.get(answers[0].headers["location"]))
    listed = {oid(i) for i in top["test_cases"]}
    cases = cases_of(api, unique)
    assert listed == {oid(cases["baseline.login"]["_id"])}
    assert oid(cases["baseline.login"]["test_group_id"]) == oid(top["_id"])
