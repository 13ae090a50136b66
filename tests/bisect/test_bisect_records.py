"""Records of the regression pipelines (bisect.md §6) and runner results posted back (§7).

The §6 entry points are called by the email report jobs, which no HTTP route
triggers synchronously; the tests call them in a transaction on the server's
database and read the outcome over HTTP. Boot regressions are made through
POST /build and POST /boot; test regressions only come from the LAVA
callback's detection, so they are stored directly.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bisect_helpers import COMMON_KEYS, bisect_ok, commit, count_records, make_tree, oid, run_service

from kci_backend import wire
from kci_backend.services import bisect as service
from kci_backend.services.bisect_store import cache_key

K0, K1, K2 = "next-20191210", "next-20191211", "next-20191212"
TEST_KEYS = {"test_case_path", "regression_id", "device_type", "lab_name", "plan_variant"}


@pytest.fixture
def tree(backend, unique):
    return make_tree(backend, unique)


def boot_regression(api, tree, between=lambda: None):
    """PASS on K0 then FAIL on K1: (good boot, bad boot, the boot regression document)."""
    tree.build(K0, compiler="gcc", compiler_version="8")
    good = tree.boot(K0, "PASS")
    between()
    tree.build(K1, compiler="gcc", compiler_version="8")
    bad = tree.boot(K1, "FAIL", plan="baseline")
    [document] = api.get("/boot/regressions", params={"job": tree.job}).json()["result"]
    return good, bad, document


def from_boot_regressions(backend, document, lab_name=None) -> list[str]:
    async def work(state, tx):
        return await service.records_from_boot_regressions(state, tx, document, lab_name)

    return [r["_id"] for r in run_service(backend, work)]


# ---------------------------------------------------------------------------
# §6.1
# ---------------------------------------------------------------------------


def test_boot_regression_makes_a_boot_record(backend, api, tree):
    good, bad, document = boot_regression(api, tree)
    [record_id] = from_boot_regressions(backend, document)
    # The failing boot's cache lookup finds it (§4.1).
    record = bisect_ok(api, collection="boot", boot_id=oid(bad))
    assert oid(record) == record_id
    assert (record["type"], record["version"], record["compare_to"], record["board"]) == ("boot", "1.0", None, None)
    assert record["boot_id"] == bad["_id"]
    for key in ("job", "job_id", "kernel", "git_branch", "git_url", "arch", "defconfig", "defconfig_full",
                "build_environment", "build_id", "lab_name", "device_type", "compiler", "compiler_version"):
        assert record[key] == bad[key], key
    assert (record["kernel"], record["compiler"], record["lab_name"]) == (K1, "gcc", tree.lab_name)
    assert (record["good_commit"], record["bad_commit"]) == (commit(K0), commit(K1))
    # The boots' own dates here (unlike §4.2).
    assert (record["good_commit_date"], record["bad_commit_date"]) == (good["created_on"], bad["created_on"])
    assert record["good_commit_url"] == good["git_url"] and record["bad_commit_url"] == bad["git_url"]
    assert record["bisect_data"] == [bad, good]  # whole boot documents
    assert record["checks"] == {} and record["log"] is None
    assert api.get(f"/bisect/{record_id}").json()["result"] == [record]


def test_boot_regression_record_is_reused(backend, api, tree):
    _, bad, document = boot_regression(api, tree)
    first = from_boot_regressions(backend, document)
    assert from_boot_regressions(backend, document) == first
    assert count_records(backend, boot_id=oid(bad)) == 1


def test_lab_report_uses_only_its_lab(backend, api, tree):
    _, _, document = boot_regression(api, tree)
    assert from_boot_regressions(backend, document, "another-lab") == []
    assert len(from_boot_regressions(backend, document, tree.lab_name)) == 1


def test_compared_bisection_takes_its_window_from_the_regression_record(backend, api, tree):
    mainline = tree.job + "-mainline"
    tree.boot("v5.0", "FAIL", job=mainline)  # before the good boot

    def mainline_boots():
        for kernel in ("v5.1", "v5.2", "v5.3"):
            tree.boot(kernel, "PASS", job=mainline)

    _, bad, document = boot_regression(api, tree, mainline_boots)
    from_boot_regressions(backend, document)
    # Window: from the good boot's date, at most the record's two entries.
    compared = bisect_ok(api, collection="boot", boot_id=oid(bad), compare_to=mainline)
    assert [e["kernel"] for e in compared["bisect_data"]] == ["v5.3", "v5.2"]


# ---------------------------------------------------------------------------
# §6.2
# ---------------------------------------------------------------------------


def _entry(kernel: str, status: str, unique: str, **extra) -> dict:
    # The dedup key of §6.2 has no tree in it: commits are made unique to the test.
    return {"test_case_id": {"$oid": wire.new_id()}, "created_on": wire.date(wire.utcnow()), "status": status,
            "kernel": kernel, "git_commit": commit(kernel + unique), "build_id": {"$oid": wire.new_id()},
            "lab_name": "lab-test", "plan_variant": "baseline-qemu", "boot_log": "boot.txt",
            "boot_log_html": "boot.html", **extra}


def store_regressions(backend, unique: str, count: int = 1, *, path: str = "baseline.dmesg.crit",
                      plan: str = "baseline", kernel: str = K2, entries=None) -> list[dict]:
    """test_regression documents as detection writes them (only the LAVA callback makes them)."""
    docs = []
    for i in range(count):
        docs.append({
            "version": None, "job": f"tree-{unique}", "git_branch": "master", "arch": "arm64",
            "device_type": f"rpi-{i}", "lab_name": "lab-test", "defconfig_full": "defconfig",
            "build_environment": "gcc-8", "kernel": kernel, "compiler": "gcc", "compiler_version": "8",
            "git_url": "https://git.example.org/linux.git", "mach": "broadcom", "hierarchy": path.split("."),
            "test_case_path": path, "plan": plan,
            "regressions": entries or [_entry(K0, "PASS", unique), _entry(K1, "FAIL", unique),
                                       _entry(kernel, "FAIL", unique)],
        })
    stored = backend.insert("test_regression", *docs)
    return [{**d, "regressions": d["regressions"]} for d in stored]


def for_test_report(backend, unique, *, plan="baseline", kernel=K2, trees=None, sample=None) -> list[dict]:
    async def work(state, tx):
        extra = {"sample": sample} if sample else {}
        return await service.records_for_test_report(state, tx, f"tree-{unique}", "master", kernel, plan,
                                                     trees, **extra)

    return run_service(backend, work)


def test_test_regression_makes_a_test_record(backend, api, unique):
    [regression] = store_regressions(backend, unique)
    [made] = for_test_report(backend, unique)
    [record] = api.get(f"/bisect/{made['_id']}").json()["result"]
    good, bad = regression["regressions"][0], regression["regressions"][-1]
    assert set(record) == COMMON_KEYS | TEST_KEYS  # no bisect_data, boot_id, board (§2.2)
    assert (record["type"], record["version"], record["regression_id"]) == ("test", "1.0", {"$oid": regression["_id"]})
    for key in ("test_case_path", "device_type", "job", "kernel", "git_branch", "git_url", "arch", "defconfig_full",
                "compiler", "compiler_version", "build_environment"):
        assert record[key] == regression[key], key
    assert (record["lab_name"], record["plan_variant"], record["build_id"]) == \
        (bad["lab_name"], bad["plan_variant"], bad["build_id"])
    assert (record["good_commit"], record["good_commit_date"]) == (commit(K0 + unique), good["created_on"])
    assert (record["bad_commit"], record["bad_commit_date"]) == (commit(K2 + unique), bad["created_on"])
    assert record["good_commit_url"] == record["bad_commit_url"] == regression["git_url"]
    assert (record["job_id"], record["defconfig"], record["compare_to"], record["checks"]) == (None, None, None, {})


def test_test_records_are_reused_and_limited_per_test_case(backend, unique):
    store_regressions(backend, unique, 5)
    store_regressions(backend, unique, 1, path="baseline.login")
    first = for_test_report(backend, unique, sample=lambda group, n: group[:n])
    by_path = {}
    for record in first:
        by_path.setdefault(record["test_case_path"], []).append(record["device_type"])
    assert sorted(by_path["baseline.dmesg.crit"]) == ["rpi-0", "rpi-1", "rpi-2"]  # at most 3 per case
    assert by_path["baseline.login"] == ["rpi-0"]
    again = for_test_report(backend, unique)  # random choice this time: records are reused where they exist
    assert len(again) == 4
    assert count_records(backend, job=f"tree-{unique}", type="test") <= 6


def test_test_report_selects_its_kernel_plan_and_allowed_trees(backend, unique):
    store_regressions(backend, unique, plan="ltp", path="ltp.syscalls.open")
    store_regressions(backend, unique, kernel="next-20191213")
    assert for_test_report(backend, unique) == []
    assert for_test_report(backend, unique, trees=["mainline"], kernel="next-20191213") == []
    assert len(for_test_report(backend, unique, trees=[f"tree-{unique}"], kernel="next-20191213")) == 1
    assert len(for_test_report(backend, unique, plan="ltp")) == 1


def test_regression_with_one_entry_makes_nothing(backend, unique):
    [regression] = store_regressions(backend, unique, entries=[_entry(K2, "FAIL", unique)])

    async def work(state, tx):
        return await service.record_from_test_regression(state, tx, regression)

    assert run_service(backend, work) is None


def test_expired_test_record_is_made_again(backend, api, unique):
    [regression] = store_regressions(backend, unique)
    key = cache_key("regression", "test", "baseline.dmesg.crit", "rpi-0", "arm64", "defconfig", commit(K0 + unique),
                    commit(K2 + unique))
    [stale] = backend.insert("bisect", {"type": "test", "version": "1.0", "checks": "{}", "cache_key": key,
                                        "created_on": wire.utcnow() - timedelta(days=15)})
    [made] = for_test_report(backend, unique)
    assert made["_id"] != stale["_id"] and made["regression_id"] == regression["_id"]
    assert count_records(backend, _id=stale["_id"]) == 0


# ---------------------------------------------------------------------------
# §7
# ---------------------------------------------------------------------------


def result_for(record: dict, **changes) -> dict:
    keys = ("type", "arch", "defconfig_full", "build_environment", "job", "kernel", "git_branch", "lab_name",
            "device_type", "good_commit", "bad_commit")
    if record["type"] == "test":
        keys += ("test_case_path",)
    body = {k: record[k] for k in keys}
    body.update(good_summary="good: v1", bad_summary="bad: v2", found_summary="abc123 fix", log="bisect.json",
                checks={"verify": "PASS", "revert": "PASS"})
    body.update(changes)
    return body


def test_runner_result_updates_a_test_record(backend, api, unique):
    store_regressions(backend, unique)
    [made] = for_test_report(backend, unique)
    [record] = api.get(f"/bisect/{made['_id']}").json()["result"]
    r = api.post("/bisect", json=result_for(record, colour="blue"))
    assert r.status_code == 202
    assert r.json() == {"code": 202, "reason": "Request accepted and being imported",
                        "errors": ["Found non recognizable keys, they will not be considered: colour"]}
    [updated] = api.get(f"/bisect/{made['_id']}").json()["result"]
    assert {k: updated[k] for k in ("good_summary", "bad_summary", "found_summary", "log", "checks")} == {
        "good_summary": "good: v1", "bad_summary": "bad: v2", "found_summary": "abc123 fix", "log": "bisect.json",
        "checks": {"verify": "PASS", "revert": "PASS"}}
    assert {k: v for k, v in updated.items() if k not in ("good_summary", "bad_summary", "found_summary", "log",
                                                          "checks")} == \
        {k: v for k, v in record.items() if k not in ("good_summary", "bad_summary", "found_summary", "log", "checks")}
    # Posted again: overwritten with the new values.
    assert api.post("/bisect", json=result_for(record, checks={"verify": "FAIL"})).status_code == 202
    assert api.get(f"/bisect/{made['_id']}").json()["result"][0]["checks"] == {"verify": "FAIL"}


def test_runner_result_updates_a_boot_record(backend, api, tree):
    _, bad, document = boot_regression(api, tree)
    from_boot_regressions(backend, document)
    record = bisect_ok(api, collection="boot", boot_id=oid(bad))
    poster = backend.client(backend.token(post=1))
    assert poster.post("/bisect", json=result_for(record)).status_code == 202
    updated = bisect_ok(api, collection="boot", boot_id=oid(bad))
    assert updated["found_summary"] == "abc123 fix" and updated["checks"] == {"verify": "PASS", "revert": "PASS"}


def test_result_matching_nothing_changes_nothing(backend, api, unique, tree):
    store_regressions(backend, unique)
    [made] = for_test_report(backend, unique)
    [record] = api.get(f"/bisect/{made['_id']}").json()["result"]
    for changes in ({"bad_commit": "f" * 40}, {"type": "boot"}, {"test_case_path": "baseline.login"},
                    {"build_environment": None}):
        r = api.post("/bisect", json=result_for(record, **changes))
        assert r.status_code == 202, changes
    assert api.get(f"/bisect/{made['_id']}").json()["result"] == [record]
    # An on-demand record has null kernel, branch, lab…: a result never updates it.
    _, start = tree.build_and_boot(K0, "FAIL")
    on_demand = bisect_ok(api, collection="boot", boot_id=oid(start))
    assert api.post("/bisect", json=result_for(on_demand)).status_code == 202
    assert bisect_ok(api, collection="boot", boot_id=oid(start)) == on_demand


@pytest.mark.parametrize("changes, reason", [
    ({"type": ...}, "Missing 'type' key"),
    ({"type": "build"}, "Unknown bisection type: build"),
    ({"type": "test_case"}, "Unknown bisection type: test_case"),
    ({"type": {"a": 1}}, "Unknown bisection type: {'a': 1}"),
    ({"kernel": ...}, "Missing mandatory key(s): kernel"),
    ({"checks": ..., "log": ...}, "Missing mandatory key(s): log, checks"),
    ({"test_case_path": ...}, "Missing mandatory key(s): test_case_path"),
    ({"arch": 64}, "Key 'arch' must be a string or null"),
    ({"found_summary": ["x"]}, "Key 'found_summary' must be a string or null"),
    ({"kernel": "v5\u0000"}, "Key 'kernel' must not contain NUL characters"),
    ({"checks": {"verify": ["PASS\u0000"]}}, "Key 'checks' must not contain NUL characters"),
    ({"checks": {"a\u0000": 1}}, "Key 'checks' must not contain NUL characters"),
])
def test_invalid_results_are_refused(api, changes, reason):
    body = result_for({"type": "test", **dict.fromkeys(
        ("arch", "defconfig_full", "build_environment", "job", "kernel", "git_branch", "lab_name", "device_type",
         "good_commit", "bad_commit", "test_case_path"), "x")}, **changes)
    body = {k: v for k, v in body.items() if v is not ...}
    r = api.post("/bisect", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == reason


def test_boot_result_needs_no_test_case_path(api):
    body = result_for({"type": "boot", **dict.fromkeys(
        ("arch", "defconfig_full", "build_environment", "job", "kernel", "git_branch", "lab_name", "device_type",
         "good_commit", "bad_commit"), "nothing-matches")})
    assert api.post("/bisect", json=body).status_code == 202
