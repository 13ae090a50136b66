"""Test regression detection and the read-only regression resource (spec/test-regressions.md).

Detection runs after LAVA imports only, so each run here is imported through
the service entry point the LAVA callback uses (`import_lava_group`); every
result is then read over HTTP.
"""

from __future__ import annotations

import time

from results_support import group_body, lava_import, oid, only, plan_body

REGRESSION_KEYS = {"_id", "created_on", "version", "job", "git_branch", "arch", "device_type", "lab_name",
                   "defconfig_full", "build_environment", "kernel", "compiler", "compiler_version", "git_url",
                   "mach", "hierarchy", "test_case_path", "plan", "regressions"}
ENTRY_KEYS = {"test_case_id", "created_on", "status", "kernel", "git_commit", "build_id", "lab_name",
              "plan_variant", "boot_log", "boot_log_html"}


def run(backend, body) -> dict:
    result = lava_import(backend, body)
    time.sleep(0.005)  # distinct created_on instants between runs
    return result


def regressions(api, unique, **params) -> list[dict]:
    r = api.get("/test/regression", params={"job": f"job-{unique}", **params})
    assert r.status_code == 200, r.text
    return r.json()["result"]


def by_path(docs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for doc in docs:
        out.setdefault(doc["test_case_path"], []).append(doc)
    return out


def case(api, unique, kernel, name, **params) -> dict:
    return only(api.get("/test/case", params={"job": f"job-{unique}", "kernel": kernel, "name": name, **params}))


def test_the_scenario_of_the_spec(backend, api, unique):
    revisions = [
        ("r1", {"001": "pass", "002": "pass", "003": "pass", "004": "fail"}, {}),
        ("r2", {"002": "fail", "003": "pass", "004": "fail"}, {"dummy.002": 2}),
        ("r3", {"001": "pass", "002": "fail", "003": "fail"}, {"dummy.002": 3, "dummy.003": 2}),
        ("r4", {"001": "pass", "002": "fail", "003": "pass", "004": "fail"}, {"dummy.002": 4}),
    ]
    for kernel, results, expected in revisions:
        created = run(backend, plan_body(unique, kernel, results))["regression_ids"]
        docs = regressions(api, unique, kernel=kernel)
        assert sorted(oid(d["_id"]) for d in docs) == sorted(created)
        assert {d["test_case_path"]: len(d["regressions"]) for d in docs} == expected, kernel
    history = by_path(regressions(api, unique))
    assert sorted(len(d["regressions"]) for d in history["dummy.002"]) == [2, 3, 4]
    latest = max(history["dummy.002"], key=lambda d: len(d["regressions"]))
    assert latest["kernel"] == "r4"
    assert [e["kernel"] for e in latest["regressions"]] == ["r1", "r2", "r3", "r4"]
    assert [e["status"] for e in latest["regressions"]] == ["PASS", "FAIL", "FAIL", "FAIL"]
    assert oid(latest["regressions"][-1]["test_case_id"]) == oid(case(api, unique, "r4", "002")["_id"])
    # The failing case points at its document; cases without one keep null.
    assert case(api, unique, "r4", "002")["regression_id"] == latest["_id"]
    assert case(api, unique, "r4", "004")["regression_id"] is None  # absent from r3
    assert case(api, unique, "r1", "004")["regression_id"] is None  # first run of the series
    r = api.get("/test/case", params={"job": f"job-{unique}", "regression_id": oid(latest["_id"])}).json()
    assert [c["kernel"] for c in r["result"]] == ["r4"]
    r = api.get("/count/test_regression", params={"job": f"job-{unique}"}).json()
    assert r["result"][0]["count"] == 4


def test_document_content(backend, api, unique):
    first = group_body(unique, kernel="k1", plan_variant="pv", dtb="x.dtb", boot_log="b.txt",
                       boot_log_html="b.html", sub_groups=[{"name": "dmesg", "mach": "qemu",
                                                            "git_url": "https://git.example/linux.git",
                                                            "test_cases": [{"name": "crit", "status": "pass"}]}])
    run(backend, first)
    second = group_body(unique, kernel="k2", git_commit="f" * 40, plan_variant="pv", boot_log="b.txt",
                        boot_log_html="b.html", sub_groups=[{"name": "dmesg", "mach": "qemu",
                                                             "git_url": "https://git.example/linux.git",
                                                             "test_cases": [{"name": "crit", "status": "FAIL"}]}])
    created = run(backend, second)["regression_ids"]
    doc = only(api.get(f"/test/regression/{created[0]}"))
    assert set(doc) == REGRESSION_KEYS
    assert doc["version"] is None and doc["kernel"] == "k2" and doc["plan"] == "baseline"
    assert doc["hierarchy"] == ["baseline", "dmesg", "crit"] and doc["test_case_path"] == "baseline.dmesg.crit"
    assert (doc["job"], doc["git_branch"], doc["arch"], doc["device_type"], doc["lab_name"], doc["defconfig_full"],
            doc["build_environment"]) == (f"job-{unique}", "master", "x86_64", "qemu_x86_64", f"lab-{unique}",
                                          "x86_64_defconfig", "gcc-8")
    assert doc["mach"] == "qemu" and doc["git_url"] == "https://git.example/linux.git"
    assert doc["compiler"] is None and doc["compiler_version"] is None
    old, new = doc["regressions"]
    assert set(old) == ENTRY_KEYS and set(new) == ENTRY_KEYS
    assert (old["status"], old["kernel"], new["status"], new["kernel"]) == ("PASS", "k1", "FAIL", "k2")
    assert new["git_commit"] == "f" * 40 and new["lab_name"] == f"lab-{unique}" and new["build_id"] is None
    assert (new["plan_variant"], new["boot_log"], new["boot_log_html"]) == ("pv", "b.txt", "b.html")
    crit_k1 = case(api, unique, "k1", "crit")
    assert old["test_case_id"] == crit_k1["_id"] and old["created_on"] == crit_k1["created_on"]
    assert new["created_on"]["$date"] >= old["created_on"]["$date"]
    # LAVA trees keep the top-level keys a POST would drop.
    top = only(api.get("/test/group", params={"job": f"job-{unique}", "kernel": "k1", "parent_id": "null"}))
    assert (top["dtb"], top["plan_variant"], top["boot_log_html"]) == ("x.dtb", "pv", "b.html")


def test_first_result_pass_fail_and_never_passed(backend, api, unique):
    assert run(backend, plan_body(unique, "k1", {"a": "fail", "b": "pass", "c": "fail"}))["regression_ids"] == []
    created = run(backend, plan_body(unique, "k2", {"a": "fail", "b": "fail", "c": "pass"}))["regression_ids"]
    docs = regressions(api, unique)
    assert [d["test_case_path"] for d in docs] == ["dummy.b"] and [oid(d["_id"]) for d in docs] == created
    # FAIL → PASS records nothing; a case that never passed has no regression.
    run(backend, plan_body(unique, "k3", {"a": "fail", "b": "pass", "c": "pass"}))
    assert len(regressions(api, unique)) == 1


def test_fail_skip_fail_loses_the_regression(backend, api, unique):
    for kernel, status in (("k1", "pass"), ("k2", "fail"), ("k3", "skip"), ("k4", "fail")):
        run(backend, plan_body(unique, kernel, {"t": status}))
    assert [d["kernel"] for d in regressions(api, unique)] == ["k2"]
    assert case(api, unique, "k4", "t")["regression_id"] is None


def test_fail_error_fail_continues_through_non_pass(backend, api, unique):
    """A continuing regression needs the previous kernel's document: FAIL → FAIL
    keeps it; any non-PASS previous status is 'continuing' but finds no document."""
    for kernel, status in (("k1", "pass"), ("k2", "fail"), ("k3", "fail"), ("k4", "error"), ("k5", "fail")):
        run(backend, plan_body(unique, kernel, {"t": status}))
    docs = {d["kernel"]: d for d in regressions(api, unique)}
    assert set(docs) == {"k2", "k3"}
    assert [e["kernel"] for e in docs["k3"]["regressions"]] == ["k1", "k2", "k3"]


def test_only_the_previous_run_counts(backend, api, unique):
    run(backend, plan_body(unique, "k1", {"t": "pass", "u": "pass"}))
    run(backend, plan_body(unique, "k2", {"u": "pass"}))  # t absent
    run(backend, plan_body(unique, "k3", {"t": "fail", "u": "pass"}))
    assert regressions(api, unique) == []


def test_out_of_order_arrival_uses_import_order(backend, api, unique):
    """The previous run is the one imported before (created_on), whatever the kernel names."""
    run(backend, plan_body(unique, "v3", {"t": "pass"}))
    run(backend, plan_body(unique, "v2", {"t": "fail"}))
    docs = regressions(api, unique)
    assert [(d["kernel"], [e["kernel"] for e in d["regressions"]]) for d in docs] == [("v2", ["v3", "v2"])]


def test_a_resent_old_result_keeps_its_place(backend, api, unique):
    run(backend, plan_body(unique, "k1", {"t": "pass"}))
    run(backend, plan_body(unique, "k2", {"t": "fail"}))
    run(backend, plan_body(unique, "k1", {"t": "pass"}))  # re-sent callback: created_on is kept
    run(backend, plan_body(unique, "k3", {"t": "fail"}))
    docs = {d["kernel"]: d for d in regressions(api, unique)}
    assert set(docs) == {"k2", "k3"}
    assert [e["kernel"] for e in docs["k3"]["regressions"]] == ["k1", "k2", "k3"]


def test_two_labs_disagreeing(backend, api, unique):
    for kernel, a, b in (("k1", "pass", "pass"), ("k2", "fail", "pass"), ("k3", "fail", "fail")):
        run(backend, plan_body(unique, kernel, {"t": a}, lab_name=f"lab-a-{unique}"))
        run(backend, plan_body(unique, kernel, {"t": b}, lab_name=f"lab-b-{unique}"))
    lab_a = regressions(api, unique, lab_name=f"lab-a-{unique}")
    lab_b = regressions(api, unique, lab_name=f"lab-b-{unique}")
    assert sorted((d["kernel"], len(d["regressions"])) for d in lab_a) == [("k2", 2), ("k3", 3)]
    assert [(d["kernel"], len(d["regressions"])) for d in lab_b] == [("k3", 2)]
    assert {e["lab_name"] for d in lab_a for e in d["regressions"]} == {f"lab-a-{unique}"}
    assert case(api, unique, "k2", "t", lab_name=f"lab-b-{unique}")["regression_id"] is None
    assert case(api, unique, "k2", "t", lab_name=f"lab-a-{unique}")["regression_id"] is not None


def test_reimport_is_idempotent(backend, api, unique):
    run(backend, plan_body(unique, "k1", {"t": "pass"}))
    first = run(backend, plan_body(unique, "k2", {"t": "fail"}))
    again = run(backend, plan_body(unique, "k2", {"t": "fail"}))
    assert first["group_id"] == again["group_id"] and first["regression_ids"] == again["regression_ids"]
    run(backend, plan_body(unique, "k3", {"t": "fail"}))
    third = run(backend, plan_body(unique, "k3", {"t": "fail"}))
    docs = {d["kernel"]: d for d in regressions(api, unique)}
    assert set(docs) == {"k2", "k3"} and len(docs["k3"]["regressions"]) == 3
    assert [oid(docs["k3"]["_id"])] == third["regression_ids"]
    assert case(api, unique, "k3", "t")["regression_id"] == docs["k3"]["_id"]
    # A plain POST re-import replaces the cases: regression_id back to null, documents stay.
    r = api.post("/test/group", json=plan_body(unique, "k3", {"t": "fail"}))
    assert r.status_code == 201 and oid(r.json()["result"][0]["_id"]) == third["group_id"]
    assert case(api, unique, "k3", "t")["regression_id"] is None
    assert len(regressions(api, unique)) == 2


def test_container_changes_break_a_continuing_regression(backend, api, unique):
    def body(kernel, status, mach):
        return group_body(unique, kernel=kernel, test_cases=[], sub_groups=[
            {"name": "suite", "mach": mach, "test_cases": [{"name": "t", "status": status}]}])

    run(backend, body("k1", "pass", "m1"))
    run(backend, body("k2", "fail", "m1"))
    run(backend, body("k3", "fail", "m2"))
    assert [d["kernel"] for d in regressions(api, unique)] == ["k2"]


def test_previous_run_is_a_top_level_group(backend, api, unique):
    """A sub-group named like its plan is never taken for the previous run."""
    def body(kernel, status):
        return group_body(unique, kernel=kernel, test_cases=[{"name": "login", "status": "pass"}], sub_groups=[
            {"name": "baseline", "test_cases": [{"name": "t", "status": status}]},
            {"name": "dmesg", "test_cases": [{"name": "crit", "status": status}]}])

    run(backend, body("k1", "pass"))
    run(backend, body("k2", "fail"))
    docs = by_path(regressions(api, unique))
    assert set(docs) == {"baseline.baseline.t", "baseline.dmesg.crit"}
    assert docs["baseline.baseline.t"][0]["hierarchy"] == ["baseline", "baseline", "t"]


def test_regression_list_filters(backend, api, unique):
    run(backend, plan_body(unique, "k1", {"t": "pass"}, plan="p1"))
    run(backend, plan_body(unique, "k2", {"t": "fail"}, plan="p1"))
    run(backend, plan_body(unique, "k1", {"t": "pass"}, plan="p2", device_type="rpi"))
    run(backend, plan_body(unique, "k2", {"t": "fail"}, plan="p2", device_type="rpi"))
    assert len(regressions(api, unique)) == 2
    for params, expected in (
        ({"plan": "p1"}, ["p1"]), ({"device_type": "rpi"}, ["p2"]), ({"kernel": "k1"}, []),
        ({"git_branch": "master", "build_environment": "gcc-8", "defconfig_full": "x86_64_defconfig",
          "lab_name": f"lab-{unique}", "kernel": "k2", "plan": "p2"}, ["p2"]),
        # Not filter keys: ignored.
        ({"arch": "arm", "test_case_path": "nope", "mach": "x", "_id": "5f5975bd9b4bd5f3a8e5a1b2"}, ["p1", "p2"]),
    ):
        assert sorted(d["plan"] for d in regressions(api, unique, **params)) == expected, params
    r = api.get("/tests/regressions", params={"job": f"job-{unique}", "limit": "1", "sort": "plan",
                                             "sort_order": "1", "field": "plan"}).json()
    assert r["count"] == 1 and r["limit"] == 1 and r["result"] == [{"_id": r["result"][0]["_id"], "plan": "p1"}]
    doc_id = oid(r["result"][0]["_id"])
    assert only(api.get(f"/test/regressions/{doc_id}/"))["plan"] == "p1"
