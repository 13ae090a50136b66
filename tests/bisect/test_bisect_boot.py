"""On-demand boot bisection (bisect.md §4): history walk, entries, commits, cache, retention, compare_to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bisect_helpers import (BOARD, COMMON_KEYS, DEFCONFIG, bisect, bisect_ok, commit, count_records, make_tree, oid,
                            parallel)

K = [f"next-2019121{i}" for i in range(10)]
BOOT_KEYS = {"bisect_data", "boot_id", "board", "lab_name", "device_type", "plan", "plan_variant"}
ENTRY_KEYS = {"boot_id", "build_id", "job_id", "board", "job", "kernel", "lab_name", "defconfig", "defconfig_full",
              "boot_status", "boot_created_on", "boot_metadata", "build_status", "build_created_on", "build_arch",
              "git_branch", "git_commit", "git_describe", "git_url", "dirname"}
URL = "https://git.example.org/linux.git"


@pytest.fixture
def tree(backend, unique):
    return make_tree(backend, unique)


def boot_bisect(api, boot, **params):
    return bisect_ok(api, collection="boot", boot_id=oid(boot), **params)


def kernels(record) -> list[str]:
    return [entry["kernel"] for entry in record["bisect_data"]]


def test_first_result_ever_has_nothing_to_bisect(api, tree):
    build, boot = tree.build_and_boot(K[0], "FAIL")
    record = boot_bisect(api, boot)
    assert set(record) == COMMON_KEYS | BOOT_KEYS
    assert (record["type"], record["version"], record["compare_to"]) == ("boot", "1.0", None)
    assert record["boot_id"] == boot["_id"]
    assert (record["job"], record["job_id"], record["build_id"]) == (tree.job, boot["job_id"], build["_id"])
    assert record["job_id"] is not None and record["build_id"] is not None
    assert (record["board"], record["arch"], record["defconfig"], record["defconfig_full"]) == \
        (BOARD, "arm", DEFCONFIG, DEFCONFIG)
    assert kernels(record) == [K[0]]
    assert record["bad_commit"] == commit(K[0]) and record["bad_commit_url"] == URL
    assert record["bad_commit_date"] == build["created_on"]  # the build's date, not the boot's
    assert record["good_commit"] is record["good_commit_url"] is record["good_commit_date"] is None
    # Everything else of §2.1/§2.2 is null; checks is {} until a runner posts.
    for key in ("kernel", "git_branch", "git_url", "lab_name", "device_type", "plan", "plan_variant", "compiler",
                "compiler_version", "build_environment", "good_summary", "bad_summary", "found_summary", "log"):
        assert record[key] is None, key
    assert record["checks"] == {}
    assert set(record["created_on"]) == {"$date"} and set(record["_id"]) == {"$oid"}


def test_pass_then_fail(api, tree):
    good_build, good_boot = tree.build_and_boot(K[0], "PASS")
    bad_build, bad_boot = tree.build_and_boot(K[1], "FAIL")
    record = boot_bisect(api, bad_boot)
    assert kernels(record) == [K[1], K[0]]
    assert [e["boot_status"] for e in record["bisect_data"]] == ["FAIL", "PASS"]
    assert (record["bad_commit"], record["bad_commit_date"]) == (commit(K[1]), bad_build["created_on"])
    assert (record["good_commit"], record["good_commit_url"], record["good_commit_date"]) == \
        (commit(K[0]), URL, good_build["created_on"])
    assert record["bisect_data"][1]["boot_id"] == good_boot["_id"]


def test_fail_fail_walks_back_to_the_last_pass_only(api, tree):
    tree.build_and_boot(K[0], "PASS")
    tree.build_and_boot(K[1], "PASS")
    for kernel in K[2:4]:
        tree.build_and_boot(kernel, "FAIL")
    _, start = tree.build_and_boot(K[4], "FAIL")
    record = boot_bisect(api, start)
    assert kernels(record) == [K[4], K[3], K[2], K[1]]  # stops at the newest PASS
    assert record["good_commit"] == commit(K[1]) and record["bad_commit"] == commit(K[4])


def test_never_passed_keeps_the_whole_history(api, tree):
    for kernel in K[:3]:
        tree.build_and_boot(kernel, "FAIL")
    _, start = tree.build_and_boot(K[3], "OFFLINE")  # anything but PASS can be bisected
    record = boot_bisect(api, start)
    assert kernels(record) == [K[3], K[2], K[1], K[0]]
    assert record["good_commit"] is None and record["bad_commit"] == commit(K[3])


def test_a_passing_boot_cannot_be_bisected(backend, api, tree):
    _, boot = tree.build_and_boot(K[0], "PASS")
    for params in ({}, {"compare_to": "mainline"}):
        r = bisect(api, collection="boot", boot_id=oid(boot), **params)
        assert r.status_code == 400
        assert r.json()["reason"] == "Boot report cannot be bisected: is it failed?"
    assert count_records(backend, boot_id=oid(boot)) == 0


def test_results_arriving_out_of_order(api, tree):
    # The failing boot is stored first; the pass of an older kernel arrives later.
    _, failing = tree.build_and_boot(K[5], "FAIL")
    tree.build_and_boot(K[4], "PASS")
    record = boot_bisect(api, failing)
    assert kernels(record) == [K[5]] and record["good_commit"] is None  # history is by arrival
    # A later failure sees that pass as its last good result.
    _, later = tree.build_and_boot(K[6], "FAIL")
    record = boot_bisect(api, later)
    assert kernels(record) == [K[6], K[4]] and record["good_commit"] == commit(K[4])


def test_history_is_the_same_lab_board_config_tree_and_branch(backend, api, tree, unique):
    other = make_tree(backend, unique + "o")
    tree.build_and_boot(K[0], "PASS")
    # Not history: another lab, board, branch, arch, config or tree.
    other.boot(K[1], "PASS", job=tree.job)
    tree.boot(K[1], "PASS", board="other-board")
    tree.boot(K[1], "PASS", git_branch="stable")
    tree.boot(K[1], "PASS", arch="arm64")
    tree.boot(K[1], "PASS", defconfig_full=DEFCONFIG + "+kselftest")
    tree.boot(K[1], "PASS", job=tree.job + "-other")
    # History: another build environment (and kernel), not filtered.
    tree.build(K[2], build_environment="clang-9")
    tree.boot(K[2], "FAIL", build_environment="clang-9")
    _, start = tree.build_and_boot(K[3], "FAIL")
    record = boot_bisect(api, start)
    assert kernels(record) == [K[3], K[2], K[0]]
    assert record["good_commit"] == commit(K[0])


def test_entry_format(api, tree):
    build = tree.build(K[0], status="FAIL", git_describe="v5.4-next")
    # The boot's own git values differ from its build's: entries show the build's.
    boot = tree.boot(K[0], "FAIL", git_commit="b" * 40, metadata={"probe": [1, 2]})
    [entry] = boot_bisect(api, boot)["bisect_data"]
    assert set(entry) == ENTRY_KEYS
    assert entry == {
        "boot_id": boot["_id"], "build_id": build["_id"], "job_id": boot["job_id"], "board": BOARD,
        "job": tree.job, "kernel": K[0], "lab_name": tree.lab_name, "defconfig": DEFCONFIG,
        "defconfig_full": DEFCONFIG, "boot_status": "FAIL", "boot_created_on": boot["created_on"],
        "boot_metadata": {"probe": [1, 2]}, "build_status": "FAIL", "build_created_on": build["created_on"],
        "build_arch": "arm", "git_branch": "master", "git_commit": commit(K[0]), "git_describe": "v5.4-next",
        "git_url": URL, "dirname": build["dirname"],
    }


def test_boot_without_a_build_has_empty_build_values(api, tree):
    boot = tree.boot(K[0], "FAIL", git_commit="c" * 40)
    record = boot_bisect(api, boot)
    [entry] = record["bisect_data"]
    for key in ("build_status", "build_created_on", "build_arch", "git_branch", "git_commit", "git_describe",
                "git_url", "dirname"):
        assert entry[key] == "", key
    assert entry["build_id"] is None
    assert (record["bad_commit"], record["bad_commit_url"], record["bad_commit_date"]) == ("", "", "")


def test_build_posted_after_the_boot_is_found_by_its_config(api, tree):
    boot = tree.boot(K[0], "FAIL")
    build = tree.build(K[0], status="PASS")
    assert boot["build_id"] is None
    [entry] = boot_bisect(api, boot)["bisect_data"]
    assert entry["build_id"] is None  # the boot's own value
    assert (entry["git_commit"], entry["build_created_on"]) == (commit(K[0]), build["created_on"])


def test_stored_result_is_served_until_it_expires(backend, api, tree):
    tree.build_and_boot(K[0], "FAIL")
    _, start = tree.build_and_boot(K[1], "FAIL")
    first = boot_bisect(api, start)
    assert first["good_commit"] is None
    # A later pass of the same identity updates the older boot in place (same created_on)…
    tree.boot(K[0], "PASS")
    # …but the stored bisection is not recomputed, whatever other keys are sent (§8 D2).
    assert boot_bisect(api, start) == first
    assert boot_bisect(api, start, build_id=oid(start), lab_name="x", kernel="y") == first
    by_id = api.get(f"/bisect/{oid(first)}")
    assert by_id.status_code == 200 and by_id.json() == {"code": 200, "result": [first]}
    assert count_records(backend, boot_id=oid(start)) == 1


def _stored(backend, start_id: str, age: timedelta, **values) -> str:
    """A record stored `age` ago under the key the on-demand path uses (no endpoint backdates)."""
    from kci_backend import wire
    from kci_backend.services.bisect_store import cache_key

    [doc] = backend.insert("bisect", {
        "type": "boot", "version": "1.0", "boot_id": start_id, "created_on": wire.utcnow() - age, "checks": "{}",
        "cache_key": cache_key("on-demand", "boot", start_id, None), **values})
    return doc["_id"]


def test_expired_result_is_recomputed(backend, api, tree):
    tree.build_and_boot(K[0], "PASS")
    _, start = tree.build_and_boot(K[1], "FAIL")
    stale = _stored(backend, oid(start), timedelta(days=14, minutes=1), good_commit="stale")
    assert api.get(f"/bisect/{stale}").status_code == 404  # past retention: gone for readers
    record = boot_bisect(api, start)
    assert oid(record) != stale and record["good_commit"] == commit(K[0])
    assert count_records(backend, _id=stale) == 0  # and deleted by the write
    assert boot_bisect(api, start) == record


def test_result_within_retention_is_a_cache_hit(backend, api, tree):
    _, start = tree.build_and_boot(K[1], "FAIL")
    kept = _stored(backend, oid(start), timedelta(days=13, hours=23), good_commit="cached")
    record = boot_bisect(api, start)
    assert (oid(record), record["good_commit"]) == (kept, "cached")


def test_concurrent_requests_store_one_record(backend, tree):
    tree.build_and_boot(K[0], "PASS")
    _, start = tree.build_and_boot(K[1], "FAIL")

    def ask():
        with backend.client(backend.admin_token) as client:
            return boot_bisect(client, start)

    records = parallel(8, ask)
    assert len({oid(r) for r in records}) == 1
    assert count_records(backend, boot_id=oid(start)) == 1


def test_projection(api, tree):
    _, start = tree.build_and_boot(K[0], "FAIL")
    full = boot_bisect(api, start)
    assert boot_bisect(api, start, field="bad_commit") == {"_id": full["_id"], "bad_commit": full["bad_commit"]}
    # Keys of another record type are never shown, even when asked for.
    assert boot_bisect(api, start, field=["test_case_path", "board"]) == {"_id": full["_id"], "board": BOARD}
    assert boot_bisect(api, start, nfield="bisect_data") == {k: v for k, v in full.items() if k != "bisect_data"}
    by_id = api.get(f"/bisect/{oid(full)}", params={"field": "type", "collection": "build"})
    assert by_id.json()["result"] == [{"_id": full["_id"], "type": "boot"}]  # other keys ignored (§3)
    r = bisect(api, collection="boot", boot_id=oid(start), field="type", nfield="board")
    assert r.status_code == 400


def test_compare_to_without_an_earlier_bisection_lists_ten(api, tree):
    mainline = tree.job + "-mainline"
    for i in range(12):
        tree.boot(f"v5.{i}", "PASS" if i % 3 else "FAIL", job=mainline)
    tree.boot("v5.x", "PASS", job=mainline, git_branch="stable")  # S's branch only
    _, start = tree.build_and_boot(K[0], "FAIL")
    tree.boot("v5.late", "PASS", job=mainline)  # after S
    record = boot_bisect(api, start, compare_to=mainline)
    assert record["compare_to"] == mainline and record["boot_id"] == start["_id"] and record["job"] == tree.job
    assert kernels(record) == [f"v5.{i}" for i in range(11, 1, -1)]  # newest first, no stop at PASS
    for key in ("good_commit", "bad_commit", "good_commit_url", "bad_commit_url", "good_commit_date",
                "bad_commit_date", "kernel", "lab_name"):
        assert record[key] is None, key
    assert {e["job"] for e in record["bisect_data"]} == {mainline}
    assert record["bisect_data"][0]["git_commit"] == ""  # mainline boots without builds
    # Cached apart from the plain bisection, and served again as stored.
    plain = boot_bisect(api, start)
    assert oid(plain) != oid(record) and plain["compare_to"] is None
    assert boot_bisect(api, start, compare_to=mainline) == record


def test_compare_to_uses_the_window_of_the_plain_bisection(api, tree):
    mainline = tree.job + "-mainline"
    tree.boot("v5.0", "PASS", job=mainline)  # before the window
    tree.build(K[0])  # the last good build: its date opens the window
    tree.boot(K[0], "PASS")
    tree.boot("v5.1", "FAIL", job=mainline)
    tree.build_and_boot(K[1], "FAIL")
    for kernel in ("v5.2", "v5.3", "v5.4"):
        tree.boot(kernel, "PASS", job=mainline)
    _, start = tree.build_and_boot(K[2], "FAIL")
    plain = boot_bisect(api, start)
    assert kernels(plain) == [K[2], K[1], K[0]]
    compared = boot_bisect(api, start, compare_to=mainline)
    # From the good commit's date to S, at most as many entries as the plain bisection has.
    assert kernels(compared) == ["v5.4", "v5.3", "v5.2"]
