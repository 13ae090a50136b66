"""Build log parsing through POST /build, and the /build/logs and /job/logs endpoints
(spec build-logs.md §2, §3, §5-§8)."""

from __future__ import annotations

import json
import time

import pytest

from build_bodies import SAMPLE_LOG, flat_body, nested_body, publish_path, put_file

MISSING_ID = "0123456789abcdef01234567"
NOT_HEX_ID = "0123456789abcdef0123456z"

# build-logs.md §8.6, transcribed from the spec.
_FIXDEP = (": 1: /home/buildslave/workspace/kernel-single-defconfig-builder/defconfig/allmodconfig+CONFIG_OF=n/"
           "label/builder/build-x86/tools/objtool//fixdep: Permission denied")
SUMMARY_ERRORS = [
    [4, "kernel/time/tick-internal.h:114:5: error: dereferencing pointer to incomplete type"],
    [4, "kernel/time/tick-internal.h:114:23: error: 'tick_handle_periodic' undeclared (first use in this function)"],
    [1, "mm/migrate.c:1148:1: internal compiler error: in push_minipool_fix, at config/arm/arm.c:13101"],
    [1, "arch/mips/sgi-ip22/Platform:29: *** gcc doesn't support needed"],
    [1, ":(.text+0x171ab4): undefined reference to `qcom_smem_get'"],
    [1, ":(.text+0x171a40): undefined reference to `qcom_smem_alloc'"],
    [1, ":(.text+0x1719d8): undefined reference to `qcom_smem_get'"],
    [1, ":(.text+0x17197c): undefined reference to `qcom_smem_alloc'"],
    [1, ":(.text+0x171474): undefined reference to `qcom_smem_get'"],
    [1, ":(.text+0x170954): undefined reference to `qcom_smem_get'"],
    [1, ":(.text+0x1700d0): undefined reference to `qcom_smem_get'"],
    [1, ":(.text+0x17003c): undefined reference to `qcom_smem_alloc'"],
    [1, "/bin/zsh" + _FIXDEP],
    [1, "/bin/sh" + _FIXDEP],
    [1, "/bin/bash" + _FIXDEP],
    [1, '"mkimage" command not found - U-Boot images will not be built'],
]
SUMMARY_WARNINGS = [
    [1, "sound/soc/soc-dapm.c:3940:2: warning: 'w_param_text' may be used uninitialized in this function [-Wmaybe-uninitialized]"],
    [1, "kernel/acct.c:174:3: warning: value computed is not used [-Wunused-value]"],
    [1, "include/linux/dmapool.h:18:4: warning: 'struct device' declared inside parameter list [enabled by default]"],
    [1, "arch/arm64/boot/dts/rockchip/rk3328-evb.dtb: Warning (interrupts_property): interrupts size is (16), expected multiple of 12 in /tsadc@ff250000"],
    [1, "arch/arm64/boot/dts/nvidia/tegra186-p2771-0000.dtb: Warning (power_domains_property): Missing property '#power-domain-cells' in node /bpmp or bad phandle (referred from /gpu@17000000:power-domains[0])"],
    [1, "arch/arm64/boot/dts/mediatek/mt8173-evb.dtb: Warning (cooling_device_property): Missing property '#cooling-cells' in node /cpus/cpu@0 or bad phandle (referred from /thermal-zones/cpu_thermal/cooling-maps/map@0:cooling-device[0])"],
    [1, "arch/arm64/boot/dts/broadcom/bcm2837-rpi-3-b.dtb: Warning (phys_property): Missing property '#phy-cells' in node /phy or bad phandle (referred from /soc/usb@7e980000:phys[0])"],
    [1, "arch/arm64/boot/dts/altera/socfpga_stratix10_socdk.dtb: Warning (interrupts_property): Missing interrupt-parent for /pmu"],
]
# §8.2 list E in file order: the summary's texts, each repeated, in the order of the log.
ERRORS_IN_ORDER = [SUMMARY_ERRORS[i][1] for i in (0, 1, 0, 1, 0, 1, 0, 1, 2, 11, 10, 9, 8, 7, 6, 5, 4, 3, 15, 13,
                                                   14, 12)]
WARNINGS_IN_ORDER = [SUMMARY_WARNINGS[i][1] for i in (1, 2, 7, 6, 5, 3, 4, 0)]


def sample_build(backend, tree: str, describe: str = "next-20210304", *, defconfig_full: str = "defconfig+kselftest",
                 with_modules_log: bool = False) -> dict:
    """A nested build whose only log is the §8 sample, stored where the spec puts it."""
    base = backend.storage_dir / publish_path(tree, describe, defconfig_full=defconfig_full)
    put_file(base, "logs/kernel.log", SAMPLE_LOG.read_bytes())
    return nested_body(tree, describe, defconfig_full=defconfig_full, with_modules_log=with_modules_log)


def import_build(api, body) -> dict:
    r = api.post("/build", json=body)
    assert r.status_code == 202, r.text
    job = body["bmeta"]["revision"]["tree"] if "bmeta" in body else body["job"]
    builds = api.get("/build", params={"job": job}).json()["result"]
    return next(b for b in builds if b["defconfig_full"] == (
        body["bmeta"]["kernel"]["defconfig_full"] if "bmeta" in body else b["defconfig_full"]))


def test_worked_example_through_http(api, backend, unique):
    tree = f"log-{unique}"
    build = import_build(api, sample_build(backend, tree))
    assert (build["errors"], build["warnings"], build["mismatches"]) == (22, 8, 0)
    build_id, job_id = build["_id"]["$oid"], build["job_id"]["$oid"]

    r = api.get(f"/build/{build_id}/logs")
    assert r.status_code == 200, r.text
    [doc] = r.json()["result"]
    assert doc["build_id"] == {"$oid": build_id} and doc["job_id"] == {"$oid": job_id}
    assert doc["_id"] != doc["build_id"] and set(doc["created_on"]) == {"$date"}
    assert (doc["errors_count"], doc["warnings_count"], doc["mismatches_count"]) == (22, 8, 0)
    assert doc["errors"] == ERRORS_IN_ORDER and doc["warnings"] == WARNINGS_IN_ORDER and doc["mismatches"] == []
    assert (doc["version"], doc["job"], doc["kernel"], doc["git_branch"], doc["arch"], doc["defconfig"],
            doc["defconfig_full"], doc["build_environment"], doc["status"], doc["compiler"],
            doc["file_server_resource"], doc["file_server_url"]) == (
        "1.1", tree, "next-20210304", "master", "arm64", "defconfig", "defconfig+kselftest", "gcc-8", "PASS", "gcc",
        build["file_server_resource"], None)

    r = api.get(f"/job/{job_id}/logs")
    assert r.status_code == 200, r.text
    [summary] = r.json()["result"]
    assert summary["job_id"] == {"$oid": job_id} and summary["version"] == "1.1"
    assert (summary["job"], summary["kernel"], summary["git_branch"]) == (tree, "next-20210304", "master")
    assert summary["errors"] == SUMMARY_ERRORS
    assert summary["warnings"] == SUMMARY_WARNINGS
    assert summary["mismatches"] == []

    # §5.3 side files, next to the parsed log.
    logs_dir = backend.storage_dir / build["file_server_resource"] / "logs"
    assert (logs_dir / "build-errors.log").read_text() == "".join(f"{t}\n" for t in ERRORS_IN_ORDER)
    assert (logs_dir / "build-warnings.log").read_text() == "".join(f"{t}\n" for t in WARNINGS_IN_ORDER)
    assert not (logs_dir / "build-mismatches.log").exists()


def test_second_build_doubles_counts_and_resubmission_does_not(api, backend, unique):
    tree = f"twice-{unique}"
    first = import_build(api, sample_build(backend, tree))
    job_id = first["job_id"]["$oid"]
    parsed_before = api.get(f"/build/{first['_id']['$oid']}/logs").json()["result"][0]
    time.sleep(0.01)
    import_build(api, sample_build(backend, tree))  # the same build again (L3)
    parsed_again = api.get(f"/build/{first['_id']['$oid']}/logs").json()["result"][0]
    assert parsed_again["_id"] == parsed_before["_id"]
    assert parsed_again["created_on"]["$date"] > parsed_before["created_on"]["$date"]  # time of the latest parse
    assert api.get(f"/job/{job_id}/logs").json()["result"][0]["errors"] == SUMMARY_ERRORS

    second = import_build(api, sample_build(backend, tree, defconfig_full="allmodconfig"))
    assert second["job_id"]["$oid"] == job_id
    summary = api.get(f"/job/{job_id}/logs").json()["result"][0]
    assert summary["errors"] == [[2 * count, text] for count, text in SUMMARY_ERRORS]
    assert summary["warnings"] == [[2 * count, text] for count, text in SUMMARY_WARNINGS]

    # DELETE /build/<id> removes its parsed logs and recounts the job (§3).
    deleter = backend.client(backend.token(delete=1))
    assert deleter.delete(f"/build/{second['_id']['$oid']}").status_code == 200
    assert api.get(f"/build/{second['_id']['$oid']}/logs").status_code == 404
    assert api.get(f"/job/{job_id}/logs").json()["result"][0]["errors"] == SUMMARY_ERRORS
    assert deleter.delete(f"/build/{first['_id']['$oid']}").status_code == 200
    assert api.get(f"/job/{job_id}/logs").status_code == 404  # nothing left to count (L8)
    assert api.get("/job", params={"job": tree}).json()["count"] == 1


def test_several_logs_are_read_in_order(api, backend, unique):
    tree = f"multi-{unique}"
    body = sample_build(backend, tree, with_modules_log=True)
    base = backend.storage_dir / body["bmeta"]["kernel"]["publish_path"]
    put_file(base, "logs/modules.log", "drivers/x.c:1:1: warning: one\r\nWARNING: modpost: Section mismatch in x\n"
                                       "ERROR: modpost: bad\rlast error: here\n")
    put_file(base, "logs/config.log", "config error: not parsed\n")
    build = import_build(api, body)
    assert (build["errors"], build["warnings"], build["mismatches"]) == (24, 9, 1)
    doc = api.get(f"/build/{build['_id']['$oid']}/logs").json()["result"][0]
    assert doc["errors"][-2:] == ["ERROR: modpost: bad", "last error: here"]
    assert doc["warnings"][-1] == "drivers/x.c:1:1: warning: one"
    assert doc["mismatches"] == ["WARNING: modpost: Section mismatch in x"] and doc["mismatches_count"] == 1
    assert (base / "logs/build-mismatches.log").read_text() == "WARNING: modpost: Section mismatch in x\n"


def test_stale_side_files_are_removed(api, backend, unique):
    tree = f"stale-{unique}"
    body = sample_build(backend, tree)
    logs_dir = backend.storage_dir / body["bmeta"]["kernel"]["publish_path"] / "logs"
    put_file(logs_dir, "build-mismatches.log", "old\n")
    import_build(api, body)
    assert not (logs_dir / "build-mismatches.log").exists()
    put_file(logs_dir, "kernel.log", "all fine\n")
    build = import_build(api, body)
    assert (build["errors"], build["warnings"]) == (0, 0)
    assert not (logs_dir / "build-errors.log").exists() and not (logs_dir / "build-warnings.log").exists()
    doc = api.get(f"/build/{build['_id']['$oid']}/logs").json()["result"][0]
    assert (doc["errors"], doc["errors_count"]) == ([], 0)  # written even when empty
    assert api.get(f"/job/{build['job_id']['$oid']}/logs").status_code == 404


def test_flat_build_parses_its_build_log(api, backend, unique):
    job = f"flatlog-{unique}"
    put_file(backend.storage_dir / job / "v1", "build.log", SAMPLE_LOG.read_bytes())
    r = api.post("/build", json=flat_body(job, kernel="v1", file_server_resource=f"{job}/v1", build_errors=99))
    assert r.status_code == 202
    build = api.get("/build", params={"job": job}).json()["result"][0]
    assert (build["errors"], build["warnings"]) == (22, 8)
    assert (backend.storage_dir / job / "v1" / "build-errors.log").exists()
    # build_log names another file (L10)
    put_file(backend.storage_dir / job / "v2", "my.log", "a: error: b\n")
    r = api.post("/build", json=flat_body(job, kernel="v2", file_server_resource=f"{job}/v2", build_log="my.log"))
    build = api.get("/build", params={"job": job, "kernel": "v2"}).json()["result"][0]
    assert build["errors"] == 1 and build["build_log_size"] == len("a: error: b\n")


def test_parsing_is_skipped_when_a_log_is_missing(api, backend, unique):
    tree = f"skip-{unique}"
    body = sample_build(backend, tree, with_modules_log=True)  # logs/modules.log does not exist
    build = import_build(api, body)
    assert (build["errors"], build["warnings"], build["mismatches"]) == (0, 0, 0)
    assert api.get(f"/build/{build['_id']['$oid']}/logs").status_code == 404
    assert api.get(f"/job/{build['job_id']['$oid']}/logs").status_code == 404
    job = f"flatskip-{unique}"
    assert api.post("/build", json=flat_body(job, file_server_resource=job, build_errors=7)).status_code == 202
    assert api.get("/build", params={"job": job}).json()["result"][0]["errors"] == 7


def test_build_without_log_artifacts_gets_an_empty_parse(api, unique):
    tree = f"nolog-{unique}"
    body = nested_body(tree)
    body["artifacts"] = {"kernel": [{"key": "image", "path": "kernel/Image", "type": "file"}]}
    build = import_build(api, body)
    doc = api.get(f"/build/{build['_id']['$oid']}/logs").json()["result"][0]
    assert (doc["errors_count"], doc["warnings_count"], doc["mismatches_count"]) == (0, 0, 0)


def test_log_outside_storage_is_not_read(api, backend, unique, tmp_path):
    tree = f"escape-{unique}"
    body = nested_body(tree, with_modules_log=False)
    secret = tmp_path / "secret.log"
    secret.write_text("x: error: secret\n")
    base = backend.storage_dir / body["bmeta"]["kernel"]["publish_path"]
    base.mkdir(parents=True)
    (base / "logs").symlink_to(tmp_path)
    body["artifacts"]["kernel"][2]["path"] = "logs/secret.log"
    build = import_build(api, body)
    assert api.get(f"/build/{build['_id']['$oid']}/logs").status_code == 404
    body["artifacts"]["kernel"][2]["path"] = "../../../../../../../../../" + str(secret)
    build = import_build(api, body)
    assert api.get(f"/build/{build['_id']['$oid']}/logs").status_code == 404


def test_build_logs_list_filters_and_aliases(api, backend, unique):
    tree = f"loglist-{unique}"
    import_build(api, sample_build(backend, tree))
    clean = nested_body(tree, defconfig_full="tinyconfig", with_modules_log=False)
    put_file(backend.storage_dir / clean["bmeta"]["kernel"]["publish_path"], "logs/kernel.log", "ok\n")
    import_build(api, clean)

    def listed(**params) -> list[dict]:
        r = api.get("/build/logs", params={"job": tree, **params})
        assert r.status_code == 200, r.text
        return r.json()["result"]

    assert len(listed()) == 2
    assert [d["defconfig_full"] for d in listed(errors="22")] == ["defconfig+kselftest"]
    assert [d["defconfig_full"] for d in listed(errors_count="0")] == ["tinyconfig"]
    assert [d["defconfig_full"] for d in listed(warnings="8", mismatches="0")] == ["defconfig+kselftest"]
    assert [d["defconfig_full"] for d in listed(gte="errors,1")] == ["defconfig+kselftest"]
    assert [d["defconfig_full"] for d in listed(lt="warnings_count,1")] == ["tinyconfig"]
    assert len(listed(errors="many")) == 2  # not an integer: ignored
    assert [d["defconfig_full"] for d in listed(defconfig_full="tinyconfig", status="PASS", arch="arm64",
                                                version="1.1")] == ["tinyconfig"]
    # field/sort use stored names: `errors` is the array of lines there.
    projected = listed(field=["errors_count", "errors"], nfield="_id", sort="errors_count", sort_order=1)
    assert projected == [{"errors_count": 0, "errors": []}, {"errors_count": 22, "errors": ERRORS_IN_ORDER}]
    build_id = listed(errors="22")[0]["build_id"]["$oid"]
    assert [d["build_id"]["$oid"] for d in listed(build_id=build_id)] == [build_id]
    r = api.get(f"/builds/{build_id}/logs/", params={"field": "errors_count"})
    assert r.json()["result"][0] == {"_id": r.json()["result"][0]["_id"], "errors_count": 22}


def test_job_logs_list_and_single(api, backend, unique):
    tree = f"joblogs-{unique}"
    build = import_build(api, sample_build(backend, tree))
    job_id = build["job_id"]["$oid"]
    r = api.get("/jobs/logs/", params={"job": tree})
    assert r.status_code == 200 and r.json()["count"] == 1
    assert api.get("/job/logs", params={"job_id": job_id}).json()["count"] == 1
    assert api.get("/job/logs", params={"job": tree, "kernel": "other"}).json()["count"] == 0
    r = api.get(f"/job/{job_id}/logs", params={"nfield": ["errors", "warnings"]})
    assert set(r.json()["result"][0]) == {"_id", "created_on", "version", "job_id", "job", "kernel", "git_branch",
                                          "mismatches"}
    assert api.get(f"/job/{MISSING_ID}/logs").status_code == 404
    assert api.get(f"/job/{NOT_HEX_ID}/logs").status_code == 400
    assert api.get(f"/build/{MISSING_ID}/logs").status_code == 404
    assert api.get(f"/build/{NOT_HEX_ID}/logs").status_code == 400
    # /job/<id>/logs is not /job/<id>, and /job/<id> still works.
    assert api.get(f"/job/{job_id}").json()["result"][0]["job"] == tree


@pytest.mark.parametrize("path", ["/build/logs", f"/build/{MISSING_ID}/logs", "/job/logs", f"/jobs/{MISSING_ID}/logs/"])
def test_log_endpoints_answer_501_without_a_token(anon, path):
    assert anon.get(path).status_code == 403
    for method in ("POST", "PUT", "DELETE"):
        r = anon.request(method, path)
        assert r.status_code == 501 and r.json() == {"code": 501}, (method, r.text)


def test_post_job_writes_the_summary_text_file(api, backend, unique):
    tree = f"sumfile-{unique}"
    import_build(api, sample_build(backend, tree))
    import_build(api, sample_build(backend, tree, defconfig_full="allmodconfig"))
    path = backend.storage_dir / tree / "master" / "next-20210304" / "build-logs-summary.txt"
    assert not path.exists()
    r = api.post("/job", json={"job": tree, "kernel": "next-20210304", "git_branch": "master", "status": "FAIL"})
    assert r.status_code == 200, r.text
    rows = path.read_text().splitlines()
    assert len(rows) == 24
    assert rows[0] == "   8 kernel/time/tick-internal.h:114:5: error: dereferencing pointer to incomplete type"
    assert rows[2] == "   2 mm/migrate.c:1148:1: internal compiler error: in push_minipool_fix, at config/arm/arm.c:13101"
    assert rows[16] == "   2 " + SUMMARY_WARNINGS[0][1]


def test_post_job_without_summary_writes_no_file(api, backend, unique):
    job = f"nosum-{unique}"
    assert api.post("/build", json=flat_body(job)).status_code == 202
    assert api.post("/job", json={"job": job, "kernel": "next-20140706", "git_branch": "master"}).status_code == 200
    assert not (backend.storage_dir / job).exists()


def test_delete_job_removes_its_parsed_logs(api, backend, unique):
    tree = f"deljob-{unique}"
    build = import_build(api, sample_build(backend, tree))
    job_id = build["job_id"]["$oid"]
    assert backend.client(backend.token(delete=1)).delete(f"/job/{job_id}").status_code == 200
    assert api.get(f"/build/{build['_id']['$oid']}/logs").status_code == 404
    assert api.get(f"/job/{job_id}/logs").status_code == 404
    assert api.get("/build/logs", params={"job": tree}).json()["count"] == 0


def test_summary_counts_survive_concurrent_imports(backend, unique):
    import concurrent.futures

    tree = f"parallel-{unique}"
    bodies = [sample_build(backend, tree, defconfig_full=f"config{i}") for i in range(6)]
    api = backend.client(backend.admin_token)

    def post(body) -> int:
        return backend.client(backend.admin_token).post("/build", json=body).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(post, bodies)) == [202] * 6
    [summary] = api.get("/job/logs", params={"job": tree}).json()["result"]
    assert summary["errors"] == [[6 * count, text] for count, text in SUMMARY_ERRORS]


def test_summary_json_is_valid(api, backend, unique):
    """Lines with quotes, backslashes and non-ASCII survive storage and output."""
    tree = f"chars-{unique}"
    body = nested_body(tree, with_modules_log=False)
    text = 'a.c:1: error: "quoted" \\ back ünïcödé \xff'
    put_file(backend.storage_dir / body["bmeta"]["kernel"]["publish_path"], "logs/kernel.log",
             text.encode("utf-8")[:-2] + b"\xff\n")
    build = import_build(api, body)
    doc = api.get(f"/build/{build['_id']['$oid']}/logs").json()["result"][0]
    assert doc["errors"] == [text[:-1] + "\ufffd"]
    summary = api.get(f"/job/{build['job_id']['$oid']}/logs").content
    assert json.loads(summary)["result"][0]["errors"] == [[1, text[:-1] + "\ufffd"]]


def test_nul_bytes_in_a_log_are_stored_as_replacement_characters(api, backend, unique):
    tree = f"nul-{unique}"
    body = nested_body(tree, with_modules_log=False)
    put_file(backend.storage_dir / body["bmeta"]["kernel"]["publish_path"], "logs/kernel.log",
             b"x.c:1: error: a\x00b\n")
    build = import_build(api, body)
    assert build["errors"] == 1
    doc = api.get(f"/build/{build['_id']['$oid']}/logs").json()["result"][0]
    assert doc["errors"] == ["x.c:1: error: a\ufffdb"]
