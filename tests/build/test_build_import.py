"""POST /build over real HTTP: both body forms, derivations, the job, re-submission
(spec build.md §5-§7)."""

from __future__ import annotations

import concurrent.futures
import json

import pytest

from build_bodies import COMMIT, CPU, GCC, flat_body, nested_body, publish_path, put_file


def get_build(api, **filters) -> dict:
    r = api.get("/build", params=filters)
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 1, r.json()
    return r.json()["result"][0]


def get_job(api, job: str, kernel: str, branch: str = "master") -> dict:
    r = api.get("/job", params={"job": job, "kernel": kernel, "git_branch": branch})
    assert r.status_code == 200 and r.json()["count"] == 1, r.text
    return r.json()["result"][0]


# -- nested form (§5.1) ------------------------------------------------------------------


def test_nested_build_is_stored_as_in_the_spec_example(api, unique):
    tree = f"next-{unique}"
    r = api.post("/build", json=nested_body(tree))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["code"] == 202 and body["reason"] and "result" not in body and "errors" not in body

    build = get_build(api, job=tree)
    job = get_job(api, tree, "next-20210304")
    assert set(build["_id"]) == {"$oid"} and set(build["created_on"]) == {"$date"}
    assert build["job_id"] == job["_id"]
    expected = {
        "version": "1.1", "job": tree, "kernel": "next-20210304", "git_branch": "master",
        "arch": "arm64", "defconfig": "defconfig", "defconfig_full": "defconfig+kselftest",
        "build_environment": "gcc-8", "status": "PASS", "errors": 0, "warnings": 0, "mismatches": 0,
        "build_time": 315.772096157074, "build_type": "kernel",
        "build_platform": ["Linux", "3ddfd7c7bfde", "4.19.0-12-amd64", "#1 SMP Debian 4.19.152-1 (2020-10-18)",
                           "x86_64", CPU],
        "git_url": "https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git",
        "git_commit": COMMIT, "git_describe": "next-20210304", "git_describe_v": "v5.12-rc1-1897-gf5427c2460eb",
        "kernel_version": "5.12-rc1", "compiler": "gcc", "compiler_version": "8",
        "compiler_version_full": GCC, "compiler_version_ext": GCC, "cross_compile": "aarch64-linux-gnu-",
        "kconfig_fragments": ["config/kernelci.config"],
        "kernel_config": "config/kernel.config", "kernel_config_size": None,
        "kernel_image": "kernel/Image", "kernel_image_size": None,
        "system_map": "kernel/System.map", "system_map_size": None,
        "modules": "modules.tar.xz", "modules_size": None, "modules_dir": None,
        "dtb_dir": "dtbs", "dtb_dir_data": ["actions/s700-cubieboard7.dtb", "xilinx/zynqmp-zcu111-revA.dtb"],
        "build_log": "logs", "build_log_size": None,
        "kernel_build_logs": ["logs/kernel.log", "logs/modules.log"],
        "text_offset": "0x10000000", "vmlinux_bss_size": 11538800, "vmlinux_data_size": 4667528,
        "vmlinux_file_size": 573708760, "vmlinux_text_size": 19608792,
        "file_server_url": None, "file_server_resource": publish_path(tree, "next-20210304"),
        "metadata": {}, "dirname": None,
    }
    assert {k: v for k, v in build.items() if k not in ("_id", "created_on", "job_id")} == expected
    # The first build fills the job (job.md §2.1); the job is created in BUILD state.
    assert job["status"] == "BUILD" and job["private"] is False and job["version"] == "1.1"
    assert (job["git_commit"], job["git_describe_v"], job["kernel_version"], job["compiler_version_ext"],
            job["cross_compile"]) == (COMMIT, "v5.12-rc1-1897-gf5427c2460eb", "5.12-rc1", GCC,
                                      "aarch64-linux-gnu-")


def test_nested_sizes_come_from_storage_files(api, backend, unique):
    tree = f"sizes-{unique}"
    base = backend.storage_dir / publish_path(tree, "next-20210304")
    put_file(base, "config/kernel.config", b"c" * 11)
    put_file(base, "kernel/Image", b"i" * 1234)
    put_file(base, "modules.tar.xz", b"m" * 7)
    assert api.post("/build", json=nested_body(tree)).status_code == 202
    build = get_build(api, job=tree)
    assert (build["kernel_config_size"], build["kernel_image_size"], build["modules_size"],
            build["system_map_size"], build["build_log_size"]) == (11, 1234, 7, None, None)


def test_nested_platform_and_optional_parts(api, unique):
    tree = f"opt-{unique}"
    body = nested_body(tree)
    del body["bmeta"]["build"]["duration"]
    body["steps"][0]["cpus"] = {}
    body["artifacts"] = {"kernel": [{"path": "Image", "type": "file", "key": "image"}]}
    body["extra"] = {"ignored": True}
    assert api.post("/build", json=body).status_code == 202
    build = get_build(api, job=tree)
    assert build["build_time"] == 0
    assert build["build_platform"][5] == ""  # no CPU to fill in
    assert build["kconfig_fragments"] == [] and build["kernel_config"] is None
    assert build["dtb_dir"] is None and build["dtb_dir_data"] == []
    assert build["kernel_build_logs"] == [] and build["modules"] is None


NESTED_VIOLATIONS = [
    ("no steps", lambda b: b.pop("steps")),
    ("no artifacts", lambda b: b.pop("artifacts")),
    ("bmeta not an object", lambda b: b.update(bmeta=[1])),
    ("bmeta without revision", lambda b: b["bmeta"].pop("revision")),
    ("bad build status", lambda b: b["bmeta"]["build"].update(status="UNKNOWN")),
    ("negative duration", lambda b: b["bmeta"]["build"].update(duration=-1)),
    ("string duration", lambda b: b["bmeta"]["build"].update(duration="5")),
    ("environment without name", lambda b: b["bmeta"]["environment"].pop("name")),
    ("arch not a string", lambda b: b["bmeta"]["environment"].update(arch=64)),
    ("kernel without publish_path", lambda b: b["bmeta"]["kernel"].pop("publish_path")),
    ("short commit", lambda b: b["bmeta"]["revision"].update(commit="f5427c2460eb")),
    ("upper-case commit", lambda b: b["bmeta"]["revision"].update(commit=COMMIT.upper())),
    ("describe_verbose not a string", lambda b: b["bmeta"]["revision"].update(describe_verbose=1)),
    ("empty steps", lambda b: b.update(steps=[])),
    ("step without name", lambda b: b["steps"][1].pop("name")),
    ("step with bad status", lambda b: b["steps"][1].update(status="SKIP")),
    ("artifacts without kernel", lambda b: b["artifacts"].pop("kernel")),
    ("artifact list not an array", lambda b: b["artifacts"].update(config={"path": "x"})),
    ("artifact with bad type", lambda b: b["artifacts"]["kernel"][0].update(type="link")),
    ("artifact without path", lambda b: b["artifacts"]["kernel"][0].pop("path")),
    ("artifact key not a string", lambda b: b["artifacts"]["kernel"][0].update(key=3)),
    ("artifact contents not strings", lambda b: b["artifacts"]["dtbs"][0].update(contents=[1])),
    ("invalid tree name", lambda b: b["bmeta"]["revision"].update(tree="next-")),
    ("invalid describe", lambda b: b["bmeta"]["revision"].update(describe="a/b")),
    ("publish_path escapes", lambda b: b["bmeta"]["kernel"].update(publish_path="../../etc")),
    ("publish_path with backslash", lambda b: b["bmeta"]["kernel"].update(publish_path="a\\b")),
    ("vmlinux size not an integer", lambda b: b["bmeta"]["kernel"].update(vmlinux_bss_size=1.5)),
    ("vmlinux size beyond 64 bits", lambda b: b["bmeta"]["kernel"].update(vmlinux_bss_size=2**64 - 1)),
    ("compiler not a string", lambda b: b["bmeta"]["environment"].update(compiler=["gcc"])),
    ("NUL in a stored string", lambda b: b["bmeta"]["environment"].update(cross_compile="a\x00b")),
    ("over-long defconfig_full", lambda b: b["bmeta"]["kernel"].update(defconfig_full="x" * 600, publish_path="p")),
]


@pytest.mark.parametrize("case", NESTED_VIOLATIONS, ids=[c[0] for c in NESTED_VIOLATIONS])
def test_nested_violations_are_400_and_write_nothing(api, unique, case):
    tree = f"bad-{unique}"
    body = nested_body(tree)
    case[1](body)
    r = api.post("/build", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 400 and r.json()["reason"]
    assert api.get("/build", params={"job": tree}).json()["count"] == 0
    assert api.get("/job", params={"job": tree}).json()["count"] == 0


# -- flat form (§5.2) ------------------------------------------------------------------


def test_flat_minimal_body_uses_the_documented_defaults(api, unique):
    job = f"flat-{unique}"
    r = api.post("/build", json=flat_body(job))
    assert r.status_code == 202 and "errors" not in r.json(), r.text
    build = get_build(api, job=job)
    assert build["defconfig_full"] == "tinyconfig" and build["status"] == "UNKNOWN"
    assert build["build_environment"] is None
    assert (build["errors"], build["warnings"], build["mismatches"], build["build_time"]) == (0, 0, 0, 0)
    assert build["build_type"] == "kernel" and build["kernel_build_logs"] == [] and build["version"] == "1.1"
    assert build["build_platform"] == [] and build["dtb_dir_data"] == [] and build["metadata"] == {}
    assert build["kernel_version"] is None and build["file_server_resource"] is None
    assert api.get(f"/build/{build['_id']['$oid']}/logs").status_code == 404  # no parsed-log document


def test_flat_body_fields_and_derivations(api, unique):
    job = f"flatfull-{unique}"
    body = flat_body(job, build_environment="gcc-8", status="FAIL", build_result="PASS", build_errors=3,
                     build_warnings=4, build_time=12.5, git_describe="v4.4.4", git_describe_v=None,
                     compiler_version_full="gcc (GCC) 8", compiler_version_ext="client value",
                     kernel_version="9.9", kconfig_fragments="frag-CONFIG_TEST=y.config",
                     kernel_image_size=99, modules_size=5, version="1.0", build_platform=["Linux"],
                     dtb_dir="dtbs", dtb_dir_data=["a.dtb"], bogus=1, other="x")
    r = api.post("/build", json=body)
    assert r.status_code == 202, r.text
    errors = r.json()["errors"]
    assert len(errors) == 1 and "bogus" in errors[0] and "other" in errors[0]
    build = get_build(api, job=job)
    assert build["status"] == "FAIL"  # status wins over build_result (B4)
    assert (build["errors"], build["warnings"], build["build_time"]) == (3, 4, 12.5)
    assert build["defconfig_full"] == "tinyconfig+CONFIG_TEST=y"  # §7.1 rule 2
    assert build["kconfig_fragments"] == "frag-CONFIG_TEST=y.config"
    assert build["kernel_version"] == "4.4.4"
    assert build["compiler_version_ext"] == "gcc (GCC) 8"
    assert (build["kernel_image_size"], build["modules_size"]) == (99, 5)  # data fallback, no storage
    assert build["version"] == "1.0" and build["build_platform"] == ["Linux"]
    assert build["dtb_dir_data"] == ["a.dtb"]


def test_build_result_is_used_without_status(api, unique):
    job = f"result-{unique}"
    assert api.post("/build", json=flat_body(job, build_result="PASS")).status_code == 202
    assert get_build(api, job=job)["status"] == "PASS"


@pytest.mark.parametrize("describe_v,describe,expected", [
    ("v4.1.4-40-g123456", None, "4.1.4"), ("4.1.4-40-g123456", None, "4.1.4"), ("v4.1.4", None, "4.1.4"),
    (None, "4.4.4", "4.4.4"), ("4.4.4-rc-1234-g12345", None, "4.4.4-rc"), ("4.1-rc12-1234-g12345", None, "4.1-rc12"),
    ("v5.12-rc1-1897-gf5427c2460eb", "next-20210304", "5.12-rc1"), (None, "next-20210304", None),
    (None, None, None), ("v4.4-xrc1", None, "4.4"),
])
def test_kernel_version_table(api, unique, describe_v, describe, expected):
    job = f"kv-{unique}"
    extra = {k: v for k, v in (("git_describe_v", describe_v), ("git_describe", describe)) if v is not None}
    assert api.post("/build", json=flat_body(job, **extra)).status_code == 202
    assert get_build(api, job=job)["kernel_version"] == expected


def test_flat_storage_metadata_sizes_dtbs_and_log(api, backend, unique):
    job = f"bmeta-{unique}"
    resource = f"{job}/master/v5.4/arm/multi_v7_defconfig/gcc-8"
    base = backend.storage_dir / resource
    put_file(base, "bmeta.json", json.dumps({
        "status": "PASS", "git_commit": COMMIT, "git_describe": "v5.4", "compiler": "gcc",
        "kernel_image": "zImage", "kernel_image_size": 1, "kernel_config": "kernel.config",
        "system_map": "System.map", "modules": "modules.tar.xz", "modules_size": 3, "dtb_dir": "dtbs",
        "build_log": "build.log", "arch": "wrong-arch", "unknown_in_file": 1,
    }))
    put_file(base, "zImage", b"z" * 10)
    put_file(base, "kernel.config", b"k" * 20)
    put_file(base, "build.log", "make: ok\n")
    for name in ("dtbs/a-dtb.dtb", "dtbs/arm-dtb/arm.dtb", "dtbs/arm-dtb/.fake-file.dtb", "dtbs/.hidden/x.dtb"):
        put_file(base, name)
    (base / "dtbs/.fake-dtb-dir").mkdir()
    body = {"path": resource, "file_server_resource": resource, "job": job, "git_branch": "master",
            "kernel": "v5.4", "arch": "arm", "build_environment": "gcc-8", "defconfig": "multi_v7_defconfig",
            "defconfig_full": "multi_v7_defconfig"}
    r = api.post("/build", json=body)
    assert r.status_code == 202 and "errors" not in r.json(), r.text
    build = get_build(api, job=job)
    assert build["arch"] == "arm"  # the body wins over bmeta.json
    assert build["status"] == "PASS" and build["git_commit"] == COMMIT and build["compiler"] == "gcc"
    assert (build["kernel_image_size"], build["kernel_config_size"], build["build_log_size"]) == (10, 20, 9)
    assert build["system_map_size"] is None  # no such file
    assert build["modules_size"] == 3  # file missing: the data value stays
    assert build["dtb_dir_data"] == ["a-dtb.dtb", "arm-dtb/arm.dtb"]
    assert build["kernel_build_logs"] == ["build.log"] and build["kernel_version"] == "5.4"


@pytest.mark.parametrize("content", [b"[1, 2]", b"{}", b"not json", b'{"build_errors": "many"}'])
def test_bad_bmeta_json_is_400_and_nothing_is_imported(api, backend, unique, content):
    job = f"badmeta-{unique}"
    put_file(backend.storage_dir / job, "bmeta.json", content)
    r = api.post("/build", json=flat_body(job, file_server_resource=job))
    assert r.status_code == 400, r.text
    assert api.get("/build", params={"job": job}).json()["count"] == 0
    assert api.get("/job", params={"job": job}).json()["count"] == 0


def test_flat_path_alias_and_missing_directory(api, unique):
    job = f"alias-{unique}"
    assert api.post("/build", json=flat_body(job, path=f"{job}/nowhere")).status_code == 202
    build = get_build(api, job=job)
    assert build["file_server_resource"] == f"{job}/nowhere"
    assert build["kernel_build_logs"] == ["build.log"]


FLAT_VIOLATIONS = [
    ("missing job", lambda b: b.pop("job")),
    ("missing git_branch", lambda b: b.pop("git_branch")),
    ("null arch", lambda b: b.update(arch=None)),
    ("empty defconfig", lambda b: b.update(defconfig="")),
    ("kernel not a string", lambda b: b.update(kernel=20140706)),
    ("invalid job name", lambda b: b.update(job=".ajob")),
    ("job with slash", lambda b: b.update(job="job/x")),
    ("bad status", lambda b: b.update(status="DONE")),
    ("bad version", lambda b: b.update(version="2.0")),
    ("negative errors", lambda b: b.update(build_errors=-1)),
    ("boolean warnings", lambda b: b.update(build_warnings=True)),
    ("string build_time", lambda b: b.update(build_time="10")),
    ("dtb_dir_data not strings", lambda b: b.update(dtb_dir_data=[1])),
    ("build_platform not an array", lambda b: b.update(build_platform="Linux")),
    ("kconfig_fragments array", lambda b: b.update(kconfig_fragments=["a"])),
    ("size not an integer", lambda b: b.update(kernel_image_size="12")),
    ("file_server_resource escapes", lambda b: b.update(file_server_resource="a/../../b")),
    ("path escapes", lambda b: b.update(path="../x")),
    ("control character in path", lambda b: b.update(file_server_resource="a\x01b")),
    ("over-long path segment", lambda b: b.update(file_server_resource="a" * 256)),
    ("NUL in a string", lambda b: b.update(git_url="http://x\x00")),
    ("NUL inside build_platform", lambda b: b.update(build_platform=[{"k": "\x00"}])),
    ("over-long defconfig", lambda b: b.update(defconfig="d" * 513)),
    ("over-long branch", lambda b: b.update(git_branch="é" * 257)),
]


@pytest.mark.parametrize("case", FLAT_VIOLATIONS, ids=[c[0] for c in FLAT_VIOLATIONS])
def test_flat_violations_are_400_and_write_nothing(api, unique, case):
    job = f"flatbad-{unique}"
    body = flat_body(job)
    case[1](body)
    r = api.post("/build", json=body)
    assert r.status_code == 400, r.text
    assert api.get("/build", params={"job": job}).json()["count"] == 0
    assert api.get("/job", params={"job": job}).json()["count"] == 0


def test_symlink_out_of_storage_is_refused(api, backend, unique, tmp_path):
    job = f"link-{unique}"
    backend.storage_dir.mkdir(parents=True, exist_ok=True)
    (backend.storage_dir / job).symlink_to(tmp_path)
    r = api.post("/build", json=flat_body(job, file_server_resource=f"{job}/x"))
    assert r.status_code == 400
    assert api.get("/job", params={"job": job}).json()["count"] == 0


def test_large_and_malformed_bodies(api, unique):
    job = f"big-{unique}"
    assert api.post("/build", json=[flat_body(job)] * 10_000).status_code == 400
    many_keys = {f"k{i}": i for i in range(10_000)}
    assert api.post("/build", json=many_keys).status_code == 400
    long_steps = nested_body(job)
    long_steps["steps"] = [{"name": "x", "status": "PASS"}] * 9_999 + [{"name": 1}]
    assert api.post("/build", json=long_steps).status_code == 400
    deep = nested_body(job)
    deep["bmeta"]["environment"]["platform"]["uname"] = [[[[["\x00"]]]]] * 10_000
    assert api.post("/build", json=deep).status_code == 400
    assert api.post("/build", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 422
    assert api.post("/build", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert api.post("/build", json="a string").status_code == 400
    assert api.get("/build", params={"job": job}).json()["count"] == 0
    assert api.get("/job", params={"job": job}).json()["count"] == 0
    # A flat body with 10,000 extra keys is still a valid build; the keys are reported.
    r = api.post("/build", json={**flat_body(job), **many_keys})
    assert r.status_code == 202 and "k9999" in r.json()["errors"][0]


def test_large_lists_are_stored(api, unique):
    job = f"dtbs-{unique}"
    dtbs = [f"vendor/board-{i}.dtb" for i in range(10_000)]
    assert api.post("/build", json=flat_body(job, dtb_dir="dtbs", dtb_dir_data=dtbs)).status_code == 202
    assert get_build(api, job=job)["dtb_dir_data"] == dtbs


def test_post_with_an_id_in_the_path_imports_too(api, unique):
    job = f"withid-{unique}"
    assert api.post("/builds/0123456789abcdef01234567/", json=flat_body(job)).status_code == 202
    assert get_build(api, job=job)["job"] == job


# -- §6: job, identity and re-submission -----------------------------------------------------


def test_resubmission_replaces_the_build_keeping_id_and_created_on(api, unique):
    job = f"resub-{unique}"
    assert api.post("/build", json=flat_body(job, git_url="first", build_errors=5, text_offset="0x1")).status_code == 202
    first = get_build(api, job=job)
    assert api.post("/build", json=flat_body(job, git_url="second")).status_code == 202
    second = get_build(api, job=job)
    assert second["_id"] == first["_id"] and second["created_on"] == first["created_on"]
    assert second["git_url"] == "second"
    assert second["errors"] == 0 and second["text_offset"] is None  # fields not sent are gone
    # A different build environment is a different build; null only matches null.
    assert api.post("/build", json=flat_body(job, build_environment="gcc-8")).status_code == 202
    assert api.post("/build", json=flat_body(job, build_environment="")).status_code == 202
    assert api.post("/build", json=flat_body(job, build_environment="gcc-8")).status_code == 202
    assert api.get("/build", params={"job": job}).json()["count"] == 3
    assert api.get("/job", params={"job": job}).json()["count"] == 1


def test_resubmission_of_legacy_duplicates_replaces_the_oldest(api, backend, unique):
    from datetime import datetime, timezone

    job = f"legacy-{unique}"
    identity = dict(job=job, kernel="k1", git_branch="master", arch="x86", defconfig="tinyconfig",
                    defconfig_full="tinyconfig", build_environment=None)
    older, newer = backend.insert(
        "build", {**identity, "created_on": datetime(2019, 1, 1, tzinfo=timezone.utc), "git_url": "old"},
        {**identity, "created_on": datetime(2020, 1, 1, tzinfo=timezone.utc), "git_url": "new"})
    assert api.post("/build", json=flat_body(job, kernel="k1", git_url="posted")).status_code == 202
    stored = {b["_id"]["$oid"]: b["git_url"] for b in api.get("/build", params={"job": job}).json()["result"]}
    assert stored == {older["_id"]: "posted", newer["_id"]: "new"}
    assert api.post("/build", json=flat_body(job, kernel="k1", git_url="again")).status_code == 202
    stored = {b["_id"]["$oid"]: b["git_url"] for b in api.get("/build", params={"job": job}).json()["result"]}
    assert stored == {older["_id"]: "again", newer["_id"]: "new"}


def test_first_build_fills_the_job_and_later_ones_do_not(api, unique):
    job = f"copy-{unique}"
    first = flat_body(job, kernel="v5.4", git_commit="c1", git_describe="v5.4", compiler="gcc",
                      compiler_version_full="gcc 8", cross_compile="arm-")
    assert api.post("/build", json=first).status_code == 202
    second = flat_body(job, kernel="v5.4", defconfig="allnoconfig", git_commit="c2", compiler="clang")
    assert api.post("/build", json=second).status_code == 202
    record = get_job(api, job, "v5.4")
    assert (record["git_commit"], record["compiler"], record["compiler_version_ext"], record["kernel_version"],
            record["cross_compile"]) == ("c1", "gcc", "gcc 8", "5.4", "arm-")
    assert record["status"] == "BUILD"


def test_import_never_changes_the_job_status(api, unique):
    job = f"status-{unique}"
    assert api.post("/build", json=flat_body(job)).status_code == 202
    assert api.post("/job", json={"job": job, "kernel": "next-20140706", "git_branch": "master",
                                  "status": "PASS"}).status_code == 200
    assert api.post("/build", json=flat_body(job, defconfig="allnoconfig")).status_code == 202
    assert get_job(api, job, "next-20140706")["status"] == "PASS"


def test_job_without_copied_fields_gets_them_from_a_later_build(api, unique):
    job = f"late-{unique}"
    assert api.post("/build", json=flat_body(job)).status_code == 202  # nothing to copy
    assert api.post("/build", json=flat_body(job, defconfig="x", git_url="u", git_commit="c")).status_code == 202
    record = get_job(api, job, "next-20140706")
    assert (record["git_url"], record["git_commit"]) == ("u", "c")


def test_concurrent_imports_create_one_job_and_one_build_each(backend, unique):
    job = f"race-{unique}"
    token = backend.admin_token

    def post(index: int) -> int:
        client = backend.client(token)
        body = flat_body(job, defconfig=f"config{index % 4}", build_errors=index)
        return client.post("/build", json=body).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(16)))
    assert statuses == [202] * 16
    api = backend.client(token)
    assert api.get("/job", params={"job": job}).json()["count"] == 1
    builds = api.get("/build", params={"job": job}).json()
    assert builds["count"] == 4
    job_ids = {b["job_id"]["$oid"] for b in builds["result"]}
    assert len(job_ids) == 1
