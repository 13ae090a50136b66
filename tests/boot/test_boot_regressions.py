"""Boot regression detection and its two GET routes (boot-regressions.md)."""

from __future__ import annotations

import pytest

from boot_helpers import boots_of, post_build, report

K1, K2, K3 = "next-20191210", "next-20191211", "next-20191212"


def post_boot(api, lab, unique, kernel, result, **overrides) -> str:
    """Post one boot report with the lab's token; its _id."""
    body = report(unique, lab_name=lab.name, kernel=kernel, boot_result=result,
                  **{"device_type": "beaglebone-black", **overrides})
    r = lab.post(body)
    assert r.status_code == 202, r.text
    found = boots_of(api, body["job"], kernel=kernel, lab_name=lab.name, board=body["board"])
    assert len(found) == 1
    return found[0]["_id"]["$oid"]


def regressions(api, unique, **filters) -> list[dict]:
    r = api.get("/boot/regressions", params={"job": f"next-{unique}", **filters})
    assert r.status_code == 200, r.text
    return r.json()["result"]


def filed(api, boot_id) -> list[str]:
    """Ids in the list that filed this boot (GET /boot/<id>/regressions)."""
    r = api.get(f"/boot/{boot_id}/regressions")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["result"])
    return [entry["_id"]["$oid"] for entry in body["result"]]


def key_path(lab_name: str, compiler: str = "none") -> list[str]:
    return [lab_name, "arm", "am335x-boneblack", "none", "multi_v7_defconfig", compiler]


def walk(document: dict, path: list[str]):
    node = document["regressions"]
    for segment in path:
        node = node[segment]
    return node


def test_first_boot_ever_files_nothing(api, lab, unique):
    boot = post_boot(api, lab, unique, K1, "FAIL")
    assert regressions(api, unique) == []
    assert filed(api, boot) == []


def test_pass_then_fail_is_a_new_regression(api, lab, unique):
    good = post_boot(api, lab, unique, K1, "PASS")
    bad = post_boot(api, lab, unique, K2, "FAIL")
    [document] = regressions(api, unique)
    assert (document["kernel"], document["git_branch"], document["job_id"]) == (K2, "master", None)
    bad_doc = boots_of(api, f"next-{unique}", kernel=K2)[0]
    assert document["created_on"] == bad_doc["created_on"]  # the failing boot's time, not "now"
    entries = walk(document, key_path(lab.name))
    assert [e["_id"]["$oid"] for e in entries] == [good, bad]
    assert [e["status"] for e in entries] == ["PASS", "FAIL"]
    assert entries[1] == bad_doc  # complete boot documents in their GET form
    assert filed(api, bad) == [good, bad]
    assert filed(api, good) == []  # only failing ends are indexed


def test_fail_fail_across_kernels_continues_the_regression(api, lab, unique):
    good = post_boot(api, lab, unique, K1, "PASS")
    first = post_boot(api, lab, unique, K2, "FAIL")
    second = post_boot(api, lab, unique, K3, "FAIL")
    by_kernel = {d["kernel"]: d for d in regressions(api, unique)}
    assert set(by_kernel) == {K2, K3}
    assert [e["_id"]["$oid"] for e in walk(by_kernel[K3], key_path(lab.name))] == [good, first, second]
    assert [e["_id"]["$oid"] for e in walk(by_kernel[K2], key_path(lab.name))] == [good, first]
    assert filed(api, second) == [good, first, second]


def test_failure_whose_start_was_never_seen_is_not_tracked(api, lab, unique):
    post_boot(api, lab, unique, K1, "FAIL")
    post_boot(api, lab, unique, K2, "FAIL")
    assert regressions(api, unique) == []


@pytest.mark.parametrize("status", ["OFFLINE", "UNTRIED", "UNKNOWN"])
def test_only_fail_starts_a_regression(api, lab, unique, status):
    post_boot(api, lab, unique, K1, "PASS")
    post_boot(api, lab, unique, K2, status)
    assert regressions(api, unique) == []


def test_previous_kernel_is_decided_by_arrival_not_by_name(api, lab, unique):
    # Results out of order: the newer kernel's PASS is stored first.
    good = post_boot(api, lab, unique, K3, "PASS")
    bad = post_boot(api, lab, unique, K1, "FAIL")
    [document] = regressions(api, unique)
    assert document["kernel"] == K1
    assert filed(api, bad) == [good, bad]


def test_fail_before_its_pass_arrives_files_nothing(api, lab, unique):
    post_boot(api, lab, unique, K2, "FAIL")
    post_boot(api, lab, unique, K1, "PASS")
    assert regressions(api, unique) == []


def test_another_lab_passing_clears_the_kernel(api, lab, other_lab, unique):
    good = post_boot(api, lab, unique, K1, "PASS")
    post_boot(api, lab, unique, K2, "FAIL")
    failing = post_boot(api, lab, unique, K3, "FAIL")
    assert {d["kernel"] for d in regressions(api, unique)} == {K2, K3}
    # A pass on another device type is no evidence about this one.
    post_boot(api, other_lab, unique, K3, "PASS", device_type="other-type")
    assert {d["kernel"] for d in regressions(api, unique)} == {K2, K3}
    post_boot(api, other_lab, unique, K3, "PASS", board="beaglebone-black")
    assert {d["kernel"] for d in regressions(api, unique)} == {K2}
    assert filed(api, failing) == []
    assert good  # the K2 document is untouched


def test_labs_disagreeing_pass_first_files_nothing(api, lab, other_lab, unique):
    post_boot(api, lab, unique, K1, "PASS")
    post_boot(api, other_lab, unique, K2, "PASS")
    post_boot(api, lab, unique, K2, "FAIL")
    assert regressions(api, unique) == []


def test_good_entry_is_the_latest_pass_of_the_previous_kernel(api, lab, other_lab, unique):
    post_boot(api, lab, unique, K1, "PASS", board="board-a")
    latest_pass = post_boot(api, other_lab, unique, K1, "PASS", board="board-b")
    post_boot(api, other_lab, unique, K1, "FAIL", board="board-c")  # L is a FAIL from another lab (D4)
    bad = post_boot(api, lab, unique, K2, "FAIL")
    assert filed(api, bad) == [latest_pass, bad]


def test_importing_the_same_boot_twice_creates_nothing_twice(backend, api, lab, unique):
    good = post_boot(api, lab, unique, K1, "PASS")
    bad = post_boot(api, lab, unique, K2, "FAIL")
    again = post_boot(api, lab, unique, K2, "FAIL")
    assert again == bad
    [document] = regressions(api, unique)
    assert [e["_id"]["$oid"] for e in walk(document, key_path(lab.name))] == [good, bad]
    later = post_boot(api, lab, unique, K3, "FAIL")
    post_boot(api, lab, unique, K3, "FAIL")
    assert filed(api, later) == [good, bad, later]
    assert len(regressions(api, unique)) == 2

    async def index_entries(db):
        from kci_backend import models
        from kci_backend.query.params import Condition
        from kci_backend.store.documents import Documents

        index = Documents(db, models.get("boot_regressions_by_boot_id"))
        return await index.find([Condition("boot_id", "in", (good, bad, later))])

    assert sorted(e["boot_id"] for e in backend.run(index_entries)) == sorted([bad, later])


def test_updating_a_filed_boot_to_pass_removes_its_regression(api, lab, unique):
    post_boot(api, lab, unique, K1, "PASS")
    bad = post_boot(api, lab, unique, K2, "FAIL")
    assert post_boot(api, lab, unique, K2, "PASS") == bad
    assert regressions(api, unique) == []


def test_second_board_joins_the_kernel_document(api, lab, unique):
    post_boot(api, lab, unique, K1, "PASS")
    post_boot(api, lab, unique, K1, "PASS", board="rk3288-veyron-jaq")
    post_boot(api, lab, unique, K2, "FAIL")
    post_boot(api, lab, unique, K2, "FAIL", board="rk3288-veyron-jaq")
    [document] = regressions(api, unique)
    assert set(document["regressions"][lab.name]["arm"]) == {"am335x-boneblack", "rk3288-veyron-jaq"}


def test_segments_are_sanitised_and_compiler_comes_from_the_build(api, lab, unique):
    for kernel in (K1, K2):
        post_build(api, unique, kernel, defconfig_full="multi_v7_defconfig+kselftest.config", compiler="gcc",
                   compiler_version="8.3.0", compiler_version_full="gcc 8.3.0")
    extra = {"defconfig_full": "multi_v7_defconfig+kselftest.config", "board_instance": "Rack 1.B"}
    post_boot(api, lab, unique, K1, "PASS", **extra)
    bad = post_boot(api, lab, unique, K2, "FAIL", **extra)
    [document] = regressions(api, unique)
    path = [lab.name, "arm", "am335x-boneblack", "rack1:b", "multi_v7_defconfig+kselftest:config", "gcc-8:3:0"]
    assert len(walk(document, path)) == 2
    assert len(filed(api, bad)) == 2


# -- the routes ------------------------------------------------------------------------------


def test_list_filters(api, lab, unique):
    post_boot(api, lab, unique, K1, "PASS")
    post_boot(api, lab, unique, K2, "FAIL")
    post_boot(api, lab, unique, K3, "FAIL")
    assert [d["kernel"] for d in regressions(api, unique, kernel=K3)] == [K3]
    assert len(regressions(api, unique, git_branch="no-such-branch")) == 2  # not a filter key
    [one] = regressions(api, unique, kernel=K2, field="kernel")
    assert set(one) == {"_id", "kernel"}
    r = api.get("/boots/regressions/", params={"_id": one["_id"]["$oid"]})
    assert [d["kernel"] for d in r.json()["result"]] == [K2]


def test_list_needs_get(backend, lab):
    assert lab.client.get("/boot/regressions").status_code == 403  # LAB tokens have no get bit
    assert backend.client(backend.token(get=1)).get("/boot/regressions").status_code == 200


def test_boot_regressions_of_a_boot_errors(api, unique):
    r = api.get("/boot/" + "z" * 24 + "/regressions")
    assert r.status_code == 400 and r.json()["reason"] == "Wrong ID value provided"
    missing = "0" * 24
    r = api.get(f"/boot/{missing}/regressions")
    assert r.status_code == 404 and r.json()["reason"] == f"Resource '{missing}' not found"


def test_regressions_are_read_only(backend, api):
    r = api.post("/boot/regressions", json={"job": "x"})
    assert r.status_code == 400 and r.json()["reason"] == "Provided JSON is not valid"
    assert api.put("/boot/regressions", json={}).status_code == 501
    r = api.delete("/boot/regressions")
    assert r.status_code == 400 and r.json()["reason"] == "No ID value specified"
    assert api.delete("/boot/" + "0" * 24 + "/regressions").status_code == 501
    reader = backend.client(backend.token(get=1))
    assert reader.post("/boot/regressions", json={}).status_code == 403
    lab_delete = backend.client(backend.token(delete=1, lab=1))
    assert lab_delete.delete("/boot/regressions").status_code == 403  # GENERAL: no DELETE with bit lab


def test_concurrent_imports_of_one_kernel_make_one_document(api, lab, unique):
    from concurrent.futures import ThreadPoolExecutor

    boards = [f"board-{i}" for i in range(6)]
    for board in boards:
        post_boot(api, lab, unique, K1, "PASS", board=board)
    bodies = [report(unique, lab_name=lab.name, kernel=K2, boot_result="FAIL", device_type="beaglebone-black",
                     board=board) for board in boards for _ in range(2)]
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        statuses = list(pool.map(lambda body: lab.post(body).status_code, bodies))
    assert statuses == [202] * len(bodies)
    assert len(boots_of(api, f"next-{unique}", kernel=K2)) == len(boards)  # one per identity
    [document] = regressions(api, unique)
    assert set(document["regressions"][lab.name]["arm"]) == set(boards)
    for board in boards:
        assert len(document["regressions"][lab.name]["arm"][board]["none"]["multi_v7_defconfig"]["none"]) == 2
