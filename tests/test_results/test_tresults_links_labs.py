"""Linking groups to their job and build (test.md §3.6) and lab-bound tokens
(security-notes.md SEC-8, adopted: a lab or test-lab token submits only for its lab)."""

from __future__ import annotations

import pytest

from kci_backend import models
from results_support import group_body, lab_token, lava_import, new_token, oid, only, plan_body

needs_builds = pytest.mark.skipif("build" not in models.REGISTRY, reason="the build collection is not declared")
needs_labs = pytest.mark.skipif("lab" not in models.REGISTRY, reason="the lab collection is not declared")


def build_doc(unique: str, **overrides) -> dict:
    doc = {"job": f"job-{unique}", "kernel": "v5.9", "git_branch": "master", "arch": "x86_64",
           "defconfig": "x86_64_defconfig", "defconfig_full": "x86_64_defconfig", "build_environment": "gcc-8",
           "compiler": "gcc", "compiler_version": "8", "compiler_version_full": "gcc (Debian 8.3.0-6) 8.3.0",
           "cross_compile": "x86_64-linux-gnu-", "modules": "modules.tar.xz", "git_commit": "b" * 40,
           "git_describe": "v5.9-1-gb", "git_url": "https://git.example/linux.git", "status": "PASS"}
    doc.update(overrides)
    return doc


def groups_of(api, unique) -> list[dict]:
    return api.get("/test/group", params={"job": f"job-{unique}"}).json()["result"]


def test_job_link_on_every_group(api, backend, unique):
    job = backend.insert("job", {"job": f"job-{unique}", "kernel": "v5.9", "git_branch": "master"})[0]
    backend.insert("job", {"job": f"job-{unique}", "kernel": "v6.0", "git_branch": "master"})
    assert api.post("/test/group", json=group_body(unique)).status_code == 201
    groups = groups_of(api, unique)
    assert len(groups) == 2 and {oid(g["job_id"]) for g in groups} == {job["_id"]}
    assert all(g["build_id"] is None and g["compiler"] is None for g in groups)
    r = api.get("/test/group", params={"job_id": job["_id"]}).json()
    assert r["count"] == 2


def test_nothing_to_link(api, unique):
    assert api.post("/test/group", json=group_body(unique)).status_code == 201
    assert all(g["job_id"] is None and g["build_id"] is None for g in groups_of(api, unique))


@needs_builds
def test_build_link_copies_values(api, backend, unique):
    job = backend.insert("job", {"job": f"job-{unique}", "kernel": "v5.9", "git_branch": "master"})[0]
    build = backend.insert("build", build_doc(unique, job_id="5f5975bd9b4bd5f3a8e5a1b2"))[0]
    assert api.post("/test/group", json=group_body(unique)).status_code == 201
    for group in groups_of(api, unique):
        assert oid(group["build_id"]) == build["_id"] and oid(group["job_id"]) == job["_id"]
        assert (group["compiler"], group["compiler_version"], group["compiler_version_full"],
                group["cross_compile"], group["modules"]) == ("gcc", "8", "gcc (Debian 8.3.0-6) 8.3.0",
                                                              "x86_64-linux-gnu-", "modules.tar.xz")
        # git values fill only what the group left empty.
        assert group["git_commit"] == "0123456789abcdef0123456789abcdef01234567"
        assert group["git_describe"] == "v5.9-1-gb" and group["git_url"] == "https://git.example/linux.git"
    r = api.get("/test/group/distinct/build_id", params={"job": f"job-{unique}"}).json()
    assert r["result"] == [{"$oid": build["_id"]}]


@needs_builds
def test_build_gives_the_job_when_no_job_matches(api, backend, unique):
    build = backend.insert("build", build_doc(unique, job_id="5f5975bd9b4bd5f3a8e5a1b2"))[0]
    assert api.post("/test/group", json=group_body(unique)).status_code == 201
    group = groups_of(api, unique)[0]
    assert oid(group["build_id"]) == build["_id"] and oid(group["job_id"]) == "5f5975bd9b4bd5f3a8e5a1b2"


@needs_builds
def test_build_lookup_uses_the_effective_defconfig_full(api, backend, unique):
    backend.insert("build", build_doc(unique, defconfig_full="x86_64_defconfig+kselftest"))
    assert api.post("/test/group", json=group_body(unique)).status_code == 201  # omits defconfig_full
    assert all(g["build_id"] is None for g in groups_of(api, unique))
    # A build stored later is not linked retroactively.
    backend.insert("build", build_doc(unique))
    assert all(g["build_id"] is None for g in groups_of(api, unique))


@needs_builds
def test_regression_documents_carry_build_values(api, backend, unique):
    build = backend.insert("build", build_doc(unique, kernel="k1"))[0]
    backend.insert("build", build_doc(unique, kernel="k2"))
    lava_import(backend, plan_body(unique, "k1", {"t": "pass"}))
    created = lava_import(backend, plan_body(unique, "k2", {"t": "fail"}))["regression_ids"]
    doc = only(api.get(f"/test/regression/{created[0]}"))
    assert (doc["compiler"], doc["compiler_version"], doc["git_url"]) == ("gcc", "8", "https://git.example/linux.git")
    assert oid(doc["regressions"][0]["build_id"]) == build["_id"]


@needs_labs
def test_test_lab_token_submits_only_for_its_lab(backend, api, unique):
    own, other = f"lab-{unique}", f"other-{unique}"
    client = backend.client(lab_token(backend, own, test_lab=1))
    assert client.post("/test/group", json=group_body(unique)).status_code == 201
    for body in (group_body(unique, lab_name=other, kernel="v2"),
                 group_body(unique, kernel="v3", sub_groups=[{"name": "s", "lab_name": other}])):
        r = client.post("/test/group", json=body)
        assert r.status_code == 403
        assert r.json() == {"code": 403, "reason": f"Provided authentication token is not associated with lab "
                                                   f"'{other}' or is not valid"}
    assert api.get("/count/test_group", params={"job": f"job-{unique}"}).json()["result"][0]["count"] == 2
    assert api.get("/count/test_group", params={"lab_name": other}).json()["result"][0]["count"] == 0


@needs_labs
def test_lab_bits_without_a_lab_and_unbound_tokens(backend, unique):
    unlinked, _ = new_token(backend, test_lab=1)
    r = backend.client(unlinked).post("/test/group", json=group_body(unique))
    assert r.status_code == 403 and "reason" in r.json()
    both = lab_token(backend, f"lab-{unique}", test_lab=1, lab=1)
    assert backend.client(both).post("/test/group", json=group_body(unique)).status_code == 201
    other = group_body(unique, lab_name=f"elsewhere-{unique}")
    assert backend.client(both).post("/test/group", json=other).status_code == 403
    # Tokens without lab bits are not bound to a lab.
    for token in (backend.admin_token, backend.token(superuser=1)):
        assert backend.client(token).post("/test/group", json=other).status_code == 201
