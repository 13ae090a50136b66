"""On-demand build bisection (bisect.md §5): peers, the last pass, raw build entries, cache, compare_to."""

from __future__ import annotations

import pytest

from bisect_helpers import COMMON_KEYS, DEFCONFIG, bisect, bisect_ok, commit, count_records, make_tree, oid

K = [f"next-2020010{i}" for i in range(10)]
ENTRY_KEYS = {"_id", "arch", "created_on", "defconfig", "defconfig_full", "git_branch", "git_commit", "git_describe",
              "git_url", "job", "job_id", "kernel", "status"}
URL = "https://git.example.org/linux.git"


@pytest.fixture
def tree(backend, unique):
    return make_tree(backend, unique)


def build_bisect(api, build, **params):
    return bisect_ok(api, collection="build", build_id=oid(build), **params)


def kernels(record) -> list[str]:
    return [entry["kernel"] for entry in record["bisect_data"]]


def test_first_build_ever_has_nothing_to_bisect(api, tree):
    start = tree.build(K[0], "FAIL")
    record = build_bisect(api, start)
    assert set(record) == COMMON_KEYS | {"bisect_data", "plan", "plan_variant"}
    assert (record["type"], record["version"], record["compare_to"]) == ("build", "1.0", None)
    assert (record["build_id"], record["job"], record["job_id"]) == (start["_id"], tree.job, start["job_id"])
    assert (record["arch"], record["defconfig"], record["defconfig_full"], record["git_branch"]) == \
        ("arm", DEFCONFIG, DEFCONFIG, "master")
    assert (record["bad_commit"], record["bad_commit_url"], record["bad_commit_date"]) == \
        (commit(K[0]), URL, start["created_on"])
    assert record["good_commit"] is record["good_commit_date"] is record["good_commit_url"] is None
    for key in ("kernel", "plan", "plan_variant", "git_url", "build_environment", "log"):
        assert record[key] is None, key
    assert record["checks"] == {}
    [entry] = record["bisect_data"]
    assert entry == {k: start[k] for k in ENTRY_KEYS}  # the raw build, restricted


def test_pass_then_fail(api, tree):
    good = tree.build(K[0], "PASS")
    bad = tree.build(K[1], "FAIL")
    record = build_bisect(api, bad)
    assert kernels(record) == [K[1], K[0]]
    assert (record["good_commit"], record["good_commit_url"], record["good_commit_date"]) == \
        (commit(K[0]), URL, good["created_on"])
    assert record["bisect_data"][1]["_id"] == good["_id"]


def test_fail_fail_stops_at_the_last_pass(api, tree):
    tree.build(K[0], "PASS")
    tree.build(K[1], "PASS")
    tree.build(K[2], "FAIL")
    tree.build(K[3], "UNKNOWN")
    start = tree.build(K[4], "FAIL")
    record = build_bisect(api, start)
    assert kernels(record) == [K[4], K[3], K[2], K[1]]
    assert [e["status"] for e in record["bisect_data"]] == ["FAIL", "UNKNOWN", "FAIL", "PASS"]
    assert record["good_commit"] == commit(K[1])


def test_never_passed_keeps_all(api, tree):
    for kernel in K[:3]:
        tree.build(kernel, "FAIL")
    start = tree.build(K[3], "FAIL")
    record = build_bisect(api, start)
    assert kernels(record) == [K[3], K[2], K[1], K[0]] and record["good_commit"] is None


def test_a_passing_build_cannot_be_bisected(backend, api, tree):
    start = tree.build(K[0], "PASS")
    for params in ({}, {"compare_to": "mainline"}):
        r = bisect(api, collection="build", build_id=oid(start), **params)
        assert r.status_code == 400
        assert r.json()["reason"] == "Defconfig cannot be bisected: is it failed?"
    assert count_records(backend, build_id=oid(start)) == 0


def test_peers_share_arch_config_tree_and_branch(api, tree):
    tree.build(K[0], "PASS")
    tree.build(K[1], "PASS", arch="arm64")
    tree.build(K[1], "PASS", defconfig_full=DEFCONFIG + "+kselftest")
    tree.build(K[1], "PASS", git_branch="stable")
    tree.build(K[1], "PASS", job=tree.job + "-other")
    tree.build(K[2], "FAIL", build_environment="clang-9")  # a peer: not filtered on toolchain
    start = tree.build(K[3], "FAIL")
    assert kernels(build_bisect(api, start)) == [K[3], K[2], K[0]]


def test_results_arriving_out_of_order(api, tree):
    failing = tree.build(K[5], "FAIL")
    tree.build(K[4], "PASS")  # stored after the failure: not its history
    record = build_bisect(api, failing)
    assert kernels(record) == [K[5]] and record["good_commit"] is None


def test_stored_result_is_not_recomputed(backend, api, tree):
    tree.build(K[0], "FAIL")
    start = tree.build(K[1], "FAIL")
    first = build_bisect(api, start)
    tree.build(K[0], "PASS")  # the older build re-submitted: replaced in place
    assert build_bisect(api, start) == first
    assert build_bisect(api, start, boot_id=oid(start), compare_to="") == first
    assert count_records(backend, build_id=oid(start), type="build") == 1


def test_boot_records_do_not_answer_build_requests(api, tree):
    build = tree.build(K[0], "FAIL")
    boot = tree.boot(K[0], "FAIL")
    boot_record = bisect_ok(api, collection="boot", boot_id=oid(boot))
    assert boot_record["build_id"] == build["_id"]
    record = build_bisect(api, build)
    assert record["type"] == "build" and oid(record) != oid(boot_record)


def test_compare_to_without_an_earlier_bisection(api, tree):
    mainline = tree.job + "-mainline"
    for i in range(12):
        tree.build(f"v5.{i}", "FAIL" if i % 4 else "PASS", job=mainline)
    tree.build("v5.x", "PASS", job=mainline, arch="arm64")
    start = tree.build(K[0], "FAIL")
    tree.build("v5.late", "PASS", job=mainline)
    record = build_bisect(api, start, compare_to=mainline)
    assert record["compare_to"] == mainline
    assert record["build_id"] == start["_id"]  # D4: the start build's id, so the cache works
    assert kernels(record) == [f"v5.{i}" for i in range(11, 1, -1)]
    assert set(record["bisect_data"][0]) == ENTRY_KEYS
    assert record["good_commit"] is record["bad_commit"] is None
    assert build_bisect(api, start, compare_to=mainline) == record
    assert oid(build_bisect(api, start)) != oid(record)


def test_compare_to_uses_the_window_of_the_plain_bisection(api, tree):
    mainline = tree.job + "-mainline"
    tree.build("v5.0", "PASS", job=mainline)
    tree.build(K[0], "PASS")
    tree.build("v5.1", "PASS", job=mainline)
    tree.build("v5.2", "FAIL", job=mainline)
    tree.build("v5.3", "PASS", job=mainline)
    start = tree.build(K[1], "FAIL")
    assert kernels(build_bisect(api, start)) == [K[1], K[0]]
    # Since the good commit's build, at most two (the plain bisection's length).
    assert kernels(build_bisect(api, start, compare_to=mainline)) == ["v5.3", "v5.2"]
