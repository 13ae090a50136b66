"""POST /callback/lava/<action> over real HTTP on both databases (callback-lava.md).

The callback answers 202 once its durable task is committed; each test that
expects an import waits for that task to finish, then reads what was stored
through GET /test/group, /test/case, /test/regression and /boot.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from callback_support import (
    ACCEPTED,
    COMMIT,
    deliver,
    deliver_all,
    entry,
    job_metadata,
    lab_token,
    line,
    listed,
    load_sample,
    new_lab,
    oid,
    payload,
    plan_tree,
    post,
    task_rows,
    wait_for_tasks,
)

INVALID = "Provided JSON is not valid"
# Fields every stored group has besides the ones the worked examples list.
NO_BUILD = {"job_id": None, "build_id": None, "compiler": None, "compiler_version": None,
            "compiler_version_full": None, "cross_compile": None, "modules": None}
GROUP_SERVER_KEYS = {"_id", "created_on", "parent_id", "test_cases", "sub_groups"}
CASE_SERVER_KEYS = {"_id", "created_on", "test_group_id"}


def not_associated(lab_name: str) -> dict:
    return {"code": 403,
            "reason": f"Provided authentication token is not associated with lab '{lab_name}' or is not valid"}


def assert_group(group: dict, expected: dict) -> None:
    """The stored group holds exactly these values (plus its ids and links)."""
    assert set(group) == set(expected) | GROUP_SERVER_KEYS | {"cases"}
    assert {key: group[key] for key in expected} == expected


def case_rows(group: dict) -> list[tuple]:
    return [(c["index"], c["name"], c["status"], c["test_case_path"], c["measurements"], len(c["log_lines"]))
            for c in group["cases"]]


def assert_cases_copy(group: dict, plan: str) -> None:
    """test.md §3.3: every case carries the common values and its group's fields."""
    for case in group["cases"]:
        assert set(case) == CASE_SERVER_KEYS | {
            "version", "name", "status", "time", "index", "plan", "test_case_path", "regression_id",
            "measurements", "log_lines", "arch", "build_environment", "defconfig_full", "device_type",
            "git_branch", "git_commit", "job", "kernel", "lab_name", "mach"}
        assert (case["version"], case["time"], case["regression_id"], case["plan"]) == ("1.0", 0.0, None, plan)
        assert oid(case["test_group_id"]) == oid(group["_id"])
        for key in ("arch", "build_environment", "defconfig_full", "device_type", "git_branch", "git_commit",
                    "job", "kernel", "lab_name", "mach"):
            assert case[key] == group[key], key
        for stored in case["log_lines"]:
            assert set(stored) == {"dt", "lvl", "msg"} and stored["lvl"] == "target"
            assert not stored["msg"].startswith("<LAVA_")


def artefact_dir(backend, *pieces: str):
    return backend.storage_dir.joinpath(*pieces)


# ---------------------------------------------------------------------------
# §10 worked examples: the two shipped payloads
# ---------------------------------------------------------------------------

JETSON_GROUP = {
    "version": "1.1", "name": "ltp-ipc", "lab_name": "lab-collabora", "time": 0.0, "index": None,
    "arch": "arm", "board_instance": "elroy",
    "boot_log": "ltp-ipc-jetson-tk1.txt", "boot_log_html": "ltp-ipc-jetson-tk1.html",
    "boot_result_description": None, "build_environment": "clang-10",
    "defconfig": "multi_v7_defconfig", "defconfig_full": "multi_v7_defconfig", "device_type": "jetson-tk1",
    "dtb": "dtbs/tegra124-jetson-tk1.dtb", "endian": "little",
    "file_server_resource": "kernelci/staging-stable/staging-stable-20201104.1/arm/multi_v7_defconfig/clang-10",
    "git_branch": "staging-stable", "git_commit": "9c8afc6dc0d85342b95a75265dda1ce9c135c099",
    "git_describe": "staging-stable-20201104.1", "git_url": "https://github.com/kernelci/linux.git",
    "initrd": "http://storage.kernelci.org/images/rootfs/debian/buster-ltp/20201029.0/armhf/initrd.cpio.gz",
    "initrd_info": None, "job": "kernelci", "kernel": "staging-stable-20201104.1", "kernel_image": "zImage",
    "mach": "tegra", "plan_variant": "ltp-ipc", "warnings": 0, **NO_BUILD,
}
JETSON_CASES = [
    (1, "login", "PASS", "ltp-ipc.login", [], 0),
    (2, "pipeio_1", "PASS", "ltp-ipc.pipeio_1", [], 296),
    (3, "pipeio_3", "PASS", "ltp-ipc.pipeio_3", [], 0),
    (4, "pipeio_4", "PASS", "ltp-ipc.pipeio_4", [], 0),
    (5, "pipeio_5", "PASS", "ltp-ipc.pipeio_5", [], 0),
    (6, "pipeio_6", "PASS", "ltp-ipc.pipeio_6", [], 0),
    (7, "pipeio_8", "PASS", "ltp-ipc.pipeio_8", [], 0),
    (8, "sem01", "PASS", "ltp-ipc.sem01", [], 0),
    (9, "sem02", "PASS", "ltp-ipc.sem02", [], 0),
]

BASELINE_COMMON = {
    "version": "1.1", "lab_name": "lab-baylibre", "time": 0.0, "arch": "arm64",
    "board_instance": "bcm2837-rpi-3-b-sea",
    "boot_log": "baseline-bcm2837-rpi-3-b.txt", "boot_log_html": "baseline-bcm2837-rpi-3-b.html",
    "boot_result_description": None, "build_environment": "gcc-8", "defconfig": "defconfig",
    "defconfig_full": "defconfig", "device_type": "bcm2837-rpi-3-b", "dtb": "dtbs/broadcom/bcm2837-rpi-3-b.dtb",
    "endian": "little", "file_server_resource": "kernelci/staging.kernelci.org/staging-20200910.0/arm64/defconfig/gcc-8",
    "git_branch": "staging.kernelci.org", "git_commit": "1df0e5937f3c554bdde7959978c342fa93ab772d",
    "git_describe": "staging-20200910.0", "git_url": "https://github.com/kernelci/linux.git",
    "initrd": "http://storage.kernelci.org/images/rootfs/buildroot/kci-2020.05/arm64/baseline/rootfs.cpio.gz",
    "initrd_info": None, "job": "kernelci", "kernel": "staging-20200910.0", "kernel_image": "Image",
    "mach": "broadcom", "plan_variant": "baseline", "warnings": 0, **NO_BUILD,
}


@pytest.fixture
def collabora(backend, api) -> str:
    return lab_token(backend, api, "lab-collabora")


@pytest.fixture
def baylibre(backend, api) -> str:
    return lab_token(backend, api, "lab-baylibre")


def test_jetson_sample_is_the_worked_example(backend, api, collabora):
    """§10.1: one plan group (the single suite is the plan), 9 cases, three artefact files."""
    task = deliver(backend, backend.client(collabora), load_sample("lava-json-jetson-tk1.json"), "lab-collabora")
    assert task["state"] == "done", task
    tree = plan_tree(api, "lab-collabora", kernel="staging-stable-20201104.1")
    assert list(tree) == ["ltp-ipc"]
    group = tree["ltp-ipc"]
    assert_group(group, JETSON_GROUP)
    assert (group["parent_id"], group["sub_groups"]) == (None, [])
    assert case_rows(group) == JETSON_CASES
    assert_cases_copy(group, "ltp-ipc")
    assert listed(api, "/test/regression", lab_name="lab-collabora", kernel="staging-stable-20201104.1") == []

    directory = artefact_dir(backend, *JETSON_GROUP["file_server_resource"].split("/"), "lab-collabora")
    assert sorted(p.name for p in directory.iterdir()) == [
        "lava-json-jetson-tk1.json", "ltp-ipc-jetson-tk1.html", "ltp-ipc-jetson-tk1.txt"]
    kept = json.loads((directory / "lava-json-jetson-tk1.json").read_text())
    assert (kept["lab_name"], kept["version"], kept["boot_log_html"]) == (
        "lab-collabora", "1.1", "ltp-ipc-jetson-tk1.html")
    assert "token" not in kept and kept["status"] == 2
    # The text log is the target lines only: LAVA's own messages are not in it.
    text = (directory / "ltp-ipc-jetson-tk1.txt").read_text()
    pipeio_1 = group["cases"][1]["log_lines"]
    assert all(stored["msg"] + "\n" in text for stored in pipeio_1)
    assert "auto-login-action" not in text
    assert "<html" in (directory / "ltp-ipc-jetson-tk1.html").read_text()


def test_baseline_sample_is_the_worked_example(backend, api, baylibre):
    """§10.2: a new plan group with the suites bootrr and dmesg as sub-groups, 5 cases."""
    task = deliver(backend, backend.client(baylibre), load_sample("login-action.json"), "lab-baylibre")
    assert task["state"] == "done", task
    tree = plan_tree(api, "lab-baylibre", kernel="staging-20200910.0")
    assert sorted(tree) == ["baseline", "bootrr", "dmesg"]
    baseline, bootrr, dmesg = tree["baseline"], tree["bootrr"], tree["dmesg"]
    assert_group(baseline, {**BASELINE_COMMON, "name": "baseline", "index": None})
    assert_group(bootrr, {**BASELINE_COMMON, "name": "bootrr", "index": 1})
    assert_group(dmesg, {**BASELINE_COMMON, "name": "dmesg", "index": 2})
    assert baseline["parent_id"] is None
    assert baseline["sub_groups"] == [bootrr["_id"], dmesg["_id"]]
    assert oid(bootrr["parent_id"]) == oid(dmesg["parent_id"]) == oid(baseline["_id"])
    assert bootrr["sub_groups"] == dmesg["sub_groups"] == []

    assert case_rows(baseline) == [(1, "login", "PASS", "baseline.login", [], 0)]
    assert case_rows(bootrr) == [
        (1, "deferred-probe-empty", "PASS", "baseline.bootrr.deferred-probe-empty", [], 22)]
    assert case_rows(dmesg) == [
        (1, "crit", "FAIL", "baseline.dmesg.crit", [{"value": 1.0, "unit": "lines"}], 19),
        (2, "alert", "PASS", "baseline.dmesg.alert", [{"value": 0.0, "unit": "lines"}], 0),
        (3, "emerg", "PASS", "baseline.dmesg.emerg", [{"value": 0.0, "unit": "lines"}], 0),
    ]
    for group in (baseline, bootrr, dmesg):
        assert_cases_copy(group, "baseline")
    assert dmesg["cases"][0]["log_lines"][-1]["msg"].endswith("kern  :crit  : hwmon hwmon1: Undervoltage detected!")
    assert bootrr["cases"][0]["log_lines"][-1]["msg"] == "[   29.828096] <LAVA_SIGNAL_ENDRUN 1_bootrr 81842_1.5.2.4.5>"
    assert listed(api, "/test/regression", lab_name="lab-baylibre", kernel="staging-20200910.0") == []

    directory = artefact_dir(backend, *BASELINE_COMMON["file_server_resource"].split("/"), "lab-baylibre")
    assert sorted(p.name for p in directory.iterdir()) == [
        "baseline-bcm2837-rpi-3-b.html", "baseline-bcm2837-rpi-3-b.txt", "lava-json-bcm2837-rpi-3-b.json"]


def test_resending_a_callback_replaces_the_same_documents(backend, api, baylibre):
    """§6.3: the same identities are re-imported, keeping their ids."""
    client, sample = backend.client(baylibre), load_sample("login-action.json")
    deliver(backend, client, sample, "lab-baylibre")
    first = plan_tree(api, "lab-baylibre", kernel="staging-20200910.0")
    assert deliver(backend, client, sample, "lab-baylibre")["state"] == "done"
    again = plan_tree(api, "lab-baylibre", kernel="staging-20200910.0")
    assert {name: oid(g["_id"]) for name, g in again.items()} == {name: oid(g["_id"]) for name, g in first.items()}
    assert {name: [oid(c["_id"]) for c in g["cases"]] for name, g in again.items()} == {
        name: [oid(c["_id"]) for c in g["cases"]] for name, g in first.items()}


# ---------------------------------------------------------------------------
# Other real shapes
# ---------------------------------------------------------------------------


@pytest.fixture
def lab(api, unique) -> dict:
    """A lab of this test with the token POST /lab made for it."""
    return new_lab(api, f"lab-{unique}")


def lab_client(backend, lab: dict):
    return backend.client(lab["token"])


def dmesg_suite(crit: str = "fail", shift: int = 0) -> list[dict]:
    """LAVA lists results newest first: crit ran last. `shift`: log lines before `dmesg_log()`."""
    return [entry("crit", crit, log_end_line=str(5 + shift), measurement="1.0000000000", unit="lines"),
            entry("emerg", "pass", log_end_line=str(3 + shift), measurement="0E-10", unit="lines")]


def dmesg_log() -> list[dict]:
    return [
        line("end: 2.4.4.1 login-action (duration 00:00:10)", "info"),   # 0: S
        line("kern  :emerg : nothing"),                                 # 1
        line("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=emerg RESULT=pass>"),  # 2
        line("Received signal: <TESTCASE> TEST_CASE_ID=emerg RESULT=pass", "debug"),  # 3
        line("kern  :crit  : thermal shutdown"),                         # 4
        line("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=crit RESULT=fail>"),   # 5
    ]


def test_another_device_type_with_test_sets(backend, api, lab, unique):
    """A single suite named like the plan is the plan; `metadata.set` makes test-set sub-groups."""
    metadata = job_metadata(unique, **{"device.type": "rk3399-gru-kevin", "job.arch": "arm64",
                                       "test.plan": "kselftest", "test.plan_variant": "kselftest-cpufreq"})
    suite = [entry("rtc.basic", "skip", metadata={"set": "rtc"}),
             entry("cpufreq-b", "fail", metadata={"set": "cpu.freq"}),
             entry("cpufreq-a", "pass", metadata={"set": "cpu.freq"}),
             entry("shardeps", "pass")]
    body = payload(metadata, lava=[entry("auto-login-action", "pass"), entry("job", "pass")],
                   suites={"1_kselftest": suite}, device="kevin-7")
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    tree = plan_tree(api, lab["name"])
    assert sorted(tree) == ["cpu_freq", "kselftest", "rtc"]
    plan = tree["kselftest"]
    assert (plan["device_type"], plan["arch"], plan["board_instance"], plan["version"]) == (
        "rk3399-gru-kevin", "arm64", "kevin-7", "1.1")
    assert (plan["boot_log"], plan["plan_variant"]) == ("kselftest-rk3399-gru-kevin.txt", "kselftest-cpufreq")
    assert case_rows(plan) == [(1, "login", "PASS", "kselftest.login", [], 0),
                               (2, "shardeps", "PASS", "kselftest.shardeps", [], 0)]
    assert plan["sub_groups"] == [tree["cpu_freq"]["_id"], tree["rtc"]["_id"]]
    cpu = tree["cpu_freq"]
    assert case_rows(cpu) == [(1, "cpufreq-a", "PASS", "kselftest.cpu_freq.cpufreq-a", [], 0),
                              (2, "cpufreq-b", "FAIL", "kselftest.cpu_freq.cpufreq-b", [], 0)]
    assert case_rows(tree["rtc"]) == [(1, "rtc_basic", "SKIP", "kselftest.rtc.rtc_basic", [], 0)]
    # test.md §6.4: a test set inherits the build values, not the board instance or version.
    assert (cpu["version"], cpu["board_instance"], cpu["mach"], cpu["index"]) == ("1.0", None, None, 1)
    assert (cpu["device_type"], cpu["kernel"], cpu["boot_log"]) == ("rk3399-gru-kevin", f"v6.1-{unique}",
                                                                    "kselftest-rk3399-gru-kevin.txt")
    directory = artefact_dir(backend, f"tree-{unique}", "master", f"v6.1-{unique}", "arm64", "x86_64_defconfig",
                             "gcc-10", lab["name"])
    assert sorted(p.name for p in directory.iterdir()) == [
        "kselftest-rk3399-gru-kevin.html", "kselftest-rk3399-gru-kevin.txt", "lava-json-rk3399-gru-kevin.json"]


def test_failed_login_is_the_only_result(backend, api, lab, unique):
    """An incomplete job that never logged in: one plan group with `login` FAIL."""
    lava = [entry("job", "fail", metadata={"error_type": "Bug", "error_msg": "login timed out"}),
            entry("login-action", "fail", metadata={"duration": "120.0"}),
            entry("bootloader-overlay", "pass", metadata={"extra": [{"kernel_addr": "0x80000"}]})]
    log = [line("U-Boot 2020.07"), line("Starting kernel ..."), line("auto-login-action timed out", "error")]
    body = payload(job_metadata(unique), lava=lava, log=log, status=3)
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    tree = plan_tree(api, lab["name"])
    assert list(tree) == ["baseline"]
    assert case_rows(tree["baseline"]) == [(1, "login", "FAIL", "baseline.login", [], 0)]
    assert tree["baseline"]["sub_groups"] == [] and tree["baseline"]["warnings"] == 0
    directory = artefact_dir(backend, f"tree-{unique}", "master", f"v6.1-{unique}", "x86_64", "x86_64_defconfig",
                             "gcc-10", lab["name"])
    assert (directory / "baseline-qemu_x86_64.txt").read_text() == "U-Boot 2020.07\nStarting kernel ...\n"


def test_kernel_fault_during_login_counts_warnings(backend, api, lab, unique):
    """Kernel oopses LAVA flagged while logging in become `warnings` of every group."""
    extra = [{"fail": [{"message": "kernel-oops", "kind": "BUG"}, {"message": "kernel-warning"}, {"other": 1}]},
             {"fail": "kernel-panic"}, {"ok": "no fail here"}]
    lava = [entry("job", "pass"), entry("login-action", "pass", metadata={"duration": "9.1", "extra": extra})]
    log = [line("[    1.0] BUG: unable to handle page fault"), *dmesg_log()]
    body = payload(job_metadata(unique), lava=lava, suites={"0_dmesg": dmesg_suite(shift=1)}, log=log)
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    tree = plan_tree(api, lab["name"])
    assert sorted(tree) == ["baseline", "dmesg"]
    assert tree["baseline"]["warnings"] == tree["dmesg"]["warnings"] == 3
    assert case_rows(tree["baseline"]) == [(1, "login", "PASS", "baseline.login", [], 0)]
    assert case_rows(tree["dmesg"]) == [
        (1, "emerg", "PASS", "baseline.dmesg.emerg", [{"value": 0.0, "unit": "lines"}], 1),
        (2, "crit", "FAIL", "baseline.dmesg.crit", [{"value": 1.0, "unit": "lines"}], 1)]
    assert tree["dmesg"]["cases"][1]["log_lines"][0]["msg"] == "kern  :crit  : thermal shutdown"


def test_no_test_suite_reports_the_job_result_as_login(backend, api, lab, unique):
    """§6.3 step 3: a passed login with nothing after it is replaced by the job's own result."""
    lava = [entry("job", "fail", metadata={"error_type": "Test"}), entry("auto-login-action", "pass")]
    body = payload(job_metadata(unique, **{"test.plan": "sleep"}), lava=lava, status=3)
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    tree = plan_tree(api, lab["name"])
    assert list(tree) == ["sleep"]
    assert case_rows(tree["sleep"]) == [(1, "login", "FAIL", "sleep.login", [], 0)]


def test_regressions_are_detected_after_the_import(backend, api, lab, unique):
    """test-regressions.md §2.1: a case that passed for the previous kernel and now fails."""
    client = lab_client(backend, lab)
    for kernel, crit in ((f"v1-{unique}", "pass"), (f"v2-{unique}", "fail")):
        body = payload(job_metadata(unique, **{"kernel.version": kernel}), suites={"0_dmesg": dmesg_suite(crit)},
                       log=dmesg_log())
        assert deliver(backend, client, body, lab["name"])["state"] == "done"
    [regression] = listed(api, "/test/regression", lab_name=lab["name"])
    assert (regression["kernel"], regression["hierarchy"], regression["test_case_path"]) == (
        f"v2-{unique}", ["baseline", "dmesg", "crit"], "baseline.dmesg.crit")
    assert [(r["kernel"], r["status"]) for r in regression["regressions"]] == [
        (f"v1-{unique}", "PASS"), (f"v2-{unique}", "FAIL")]
    crit = listed(api, "/test/case", lab_name=lab["name"], kernel=f"v2-{unique}", name="crit")
    assert [oid(c["regression_id"]) for c in crit] == [oid(regression["_id"])]


def test_initrd_info_comes_from_local_storage(backend, api, lab, unique):
    """§6.1: the rootfs build_info.json next to an initrd served from our storage URL."""
    info = {"arch": "x86_64", "rootfs": "buildroot", "packages": ["busybox"], "nested": {"depth": [1, 2]}}
    r = api.put(f"/upload/images/rootfs/{unique}/build_info.json", content=json.dumps(info).encode())
    assert r.status_code in (200, 201), r.text
    initrd = f"{backend.url}/storage/images/rootfs/{unique}/rootfs.cpio.gz"
    body = payload(job_metadata(unique, **{"job.initrd_url": initrd}), suites={"0_dmesg": dmesg_suite()},
                   log=dmesg_log())
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    tree = plan_tree(api, lab["name"])
    assert tree["baseline"]["initrd"] == initrd
    assert tree["baseline"]["initrd_info"] == tree["dmesg"]["initrd_info"] == info


def test_unreadable_initrd_info_is_null(backend, api, lab, unique):
    """Any failure reading build_info.json gives null, and the import goes on."""
    r = api.put(f"/upload/images/rootfs/{unique}/build_info.json", content=b"{not json")
    assert r.status_code in (200, 201), r.text
    initrd = f"{backend.url}/storage/images/rootfs/{unique}/rootfs.cpio.gz"
    body = payload(job_metadata(unique, **{"job.initrd_url": initrd}), suites={"0_dmesg": dmesg_suite()},
                   log=dmesg_log())
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    assert plan_tree(api, lab["name"])["baseline"]["initrd_info"] is None


def test_file_server_resource_chooses_the_artefact_directory(backend, api, lab, unique):
    body = payload(job_metadata(unique, **{"job.file_server_resource": f"files/{unique}/x86"}),
                   suites={"0_dmesg": dmesg_suite()}, log=dmesg_log(), token="secret-lava-token")
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    directory = artefact_dir(backend, "files", unique, "x86", lab["name"])
    kept = json.loads((directory / "lava-json-qemu_x86_64.json").read_text())
    assert "token" not in kept and "secret-lava-token" not in json.dumps(kept)
    assert plan_tree(api, lab["name"])["baseline"]["file_server_resource"] == f"files/{unique}/x86"


def test_nul_characters_in_the_body_are_accepted_and_queued(backend, api, lab, unique):
    """JSON text may carry U+0000 (jsonb cannot): the task keeps the body intact."""
    body = payload(job_metadata(unique), suites={"0_dmesg": dmesg_suite()}, log=dmesg_log(),
                   description="nul \u0000 inside", failure_comment="\u0000")
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    directory = artefact_dir(backend, f"tree-{unique}", "master", f"v6.1-{unique}", "x86_64", "x86_64_defconfig",
                             "gcc-10", lab["name"])
    assert json.loads((directory / "lava-json-qemu_x86_64.json").read_text())["description"] == "nul \u0000 inside"


# ---------------------------------------------------------------------------
# Accepted, but nothing to store
# ---------------------------------------------------------------------------


def assert_nothing_stored(backend, api, lab_name: str, unique: str) -> None:
    assert listed(api, "/test/group", lab_name=lab_name) == []
    assert listed(api, "/test/case", lab_name=lab_name) == []
    assert listed(api, "/boot", lab_name=lab_name) == []
    assert not artefact_dir(backend, f"tree-{unique}").exists()


def test_only_complete_and_incomplete_jobs_are_imported(backend, api, lab, unique):
    """§4: any LAVA status but 2 or 3 (or none) is acknowledged and stores nothing."""
    statuses = [0, 1, 4, 5, None, "2", True]
    bodies = [payload(job_metadata(unique), suites={"0_dmesg": dmesg_suite()}, log=dmesg_log(), status=status)
              for status in statuses]
    tasks = deliver_all(backend, lab_client(backend, lab), bodies, lab["name"])
    assert [t["state"] for t in tasks] == ["done"] * len(statuses)
    assert_nothing_stored(backend, api, lab["name"], unique)


def not_importable(unique: str, case: str) -> dict:
    metadata, suites, lava = job_metadata(unique), {"0_dmesg": dmesg_suite()}, None
    if case == "unknown result":
        suites = {"0_dmesg": [entry("crit", "exploded")]}
    elif case == "no kernel.version":
        metadata = job_metadata(unique, **{"kernel.version": None})
    elif case == "suite without _":
        suites = {"dmesg": dmesg_suite()}
    elif case == "no suites and no login":
        suites, lava = {}, [entry("job", "pass")]
    body = payload(metadata, lava=lava, suites=suites, log=dmesg_log())
    if case == "results not YAML":
        body["results"]["0_dmesg"] = "- name: [unclosed"
    return body


# Case → what the failed task records (None: nothing to import, the task simply ends).
NOT_IMPORTED = {
    "unknown result": "unknown LAVA result 'exploded'",
    "no kernel.version": "kernel (kernel.version) is missing",
    "suite without _": "empty name",
    "results not YAML": "results of suite '0_dmesg' is not valid YAML",
    "no suites and no login": None,
}


def test_data_that_cannot_be_imported_stores_nothing(backend, api, lab, unique):
    """§6.3 step 6, §6.4, §6.5: checked before any file or document is written; logged on the task."""
    cases = list(NOT_IMPORTED)
    bodies = [{**not_importable(unique, case), "id": 9000 + i} for i, case in enumerate(cases)]
    tasks = deliver_all(backend, lab_client(backend, lab), bodies, lab["name"])
    assert all(task["attempts"] == 1 for task in tasks), tasks  # never retried: trying again cannot help
    failed = {task["last_error"] for task in tasks if task["state"] == "failed"}
    assert [t["state"] for t in tasks].count("done") == 1
    for i, case in enumerate(cases):
        reason = NOT_IMPORTED[case]
        if reason is not None:
            assert any(f"LAVA job {9000 + i} " in error and reason in error for error in failed), (case, failed)
    assert_nothing_stored(backend, api, lab["name"], unique)


# ---------------------------------------------------------------------------
# Action `boot` (§9)
# ---------------------------------------------------------------------------


def boot_metadata(unique: str, **changes: Any) -> dict[str, Any]:
    metadata = {
        "git.branch": "master", "kernel.tree": f"tree-{unique}", "kernel.version": f"v6.1-{unique}",
        "platform.name": "rk3288-veyron-jaq", "job.build_environment": "gcc-10", "job.arch": "arm",
        "kernel.defconfig_base": "multi_v7_defconfig", "kernel.defconfig": "multi_v7_defconfig+debug",
        "device.type": "rk3288-veyron-jaq", "git.commit": COMMIT, "platform.mach": "rockchip",
        "platform.dtb": "dtbs/rk3288-veyron-jaq.dtb", "test.plan": "boot", "test.plan_variant": "boot-nfs",
    }
    metadata.update(changes)
    return {key: value for key, value in metadata.items() if value is not None}


def boot_lava(job_error: str | None = None) -> list[dict]:
    job_facts = {"error_type": job_error} if job_error else {}
    return [entry("job", "pass", metadata=job_facts),
            entry("auto-login-action", "pass", metadata={"duration": "9.1", "extra": [{"fail": "oops"}]}),
            entry("bootloader-overlay", "pass", metadata={"extra": [
                {"kernel_addr": "0x02000000", "dtb_addr": "0x01f00000", "ramdisk_addr": "0x02100000"}]})]


def test_boot_action_stores_one_boot_document(backend, api, lab, unique):
    body = payload(boot_metadata(unique), lava=boot_lava(), log=[line("Booting Linux on physical CPU 0x500")],
                   device="jaq-03")
    assert deliver(backend, lab_client(backend, lab), body, lab["name"], action="boot")["state"] == "done"
    [boot] = listed(api, "/boot", lab_name=lab["name"])
    expected = {
        "version": "1.1", "lab_name": lab["name"], "job": f"tree-{unique}", "kernel": f"v6.1-{unique}",
        "git_branch": "master", "git_commit": COMMIT, "arch": "arm", "defconfig": "multi_v7_defconfig",
        "defconfig_full": "multi_v7_defconfig+debug", "build_environment": "gcc-10", "board": "rk3288-veyron-jaq",
        "board_instance": "jaq-03", "device_type": "rk3288-veyron-jaq", "status": "PASS", "mach": "rockchip",
        "dtb": "dtbs/rk3288-veyron-jaq.dtb", "time": {"$date": 9100}, "warnings": 1,
        "load_addr": "0x02000000", "dtb_addr": "0x01f00000", "initrd_addr": "0x02100000",
        "boot_log": "boot-rk3288-veyron-jaq.txt", "boot_log_html": "boot-rk3288-veyron-jaq.html",
        "plan": "boot", "plan_variant": "boot-nfs",
    }
    assert {key: boot[key] for key in expected} == expected
    # §9: no test groups for a boot callback.
    assert listed(api, "/test/group", lab_name=lab["name"]) == []
    directory = artefact_dir(backend, f"tree-{unique}", "master", f"v6.1-{unique}", "arm", "multi_v7_defconfig+debug",
                             "gcc-10", lab["name"])
    assert sorted(p.name for p in directory.iterdir()) == [
        "boot-rk3288-veyron-jaq.html", "boot-rk3288-veyron-jaq.txt", "lava-json-rk3288-veyron-jaq.json"]
    assert (directory / "boot-rk3288-veyron-jaq.txt").read_text() == "Booting Linux on physical CPU 0x500\n"


def test_boot_action_infrastructure_error_is_unknown(backend, api, lab, unique):
    body = payload(boot_metadata(unique), lava=boot_lava(job_error="Infrastructure"), status=3)
    assert deliver(backend, lab_client(backend, lab), body, lab["name"], action="boot")["state"] == "done"
    assert [b["status"] for b in listed(api, "/boot", lab_name=lab["name"])] == ["UNKNOWN"]


def test_boot_report_that_boot_import_refuses_stores_nothing(backend, api, lab, unique):
    """§9: a report failing boot.md §4.2 (no kernel.defconfig_base) is discarded."""
    body = payload(boot_metadata(unique, **{"kernel.defconfig_base": None}), lava=boot_lava())
    task = deliver(backend, lab_client(backend, lab), body, lab["name"], action="boot")
    assert task["state"] == "failed" and "kernel.defconfig_base" in task["last_error"]
    assert_nothing_stored(backend, api, lab["name"], unique)


def test_boot_metadata_rules_differ_from_test(backend, lab, unique):
    """`kernel.defconfig_full` is not accepted for boot; `platform.name` is mandatory."""
    client = lab_client(backend, lab)
    r = post(client, payload(boot_metadata(unique, **{"kernel.defconfig_full": "x"})), lab["name"], "boot")
    assert r.json() == {"code": 400, "reason": INVALID, "errors": ["invalid LAVA metadata: kernel.defconfig_full"]}
    r = post(client, payload(boot_metadata(unique, **{"platform.name": None})), lab["name"], "boot")
    assert r.json() == {"code": 400, "reason": INVALID, "errors": ["missing mandatory LAVA metadata: platform.name"]}


# ---------------------------------------------------------------------------
# Authentication and authorisation (§2, token.md §4.3)
# ---------------------------------------------------------------------------


def valid_body(unique: str) -> dict:
    return payload(job_metadata(unique), suites={"0_dmesg": dmesg_suite()}, log=dmesg_log())


def refused(backend, client, body, lab_name, action: str = "test", **params):
    """POST that must be refused: returns the answer after checking no task was recorded."""
    before = set(task_rows(backend))
    r = post(client, body, lab_name, action, **params)
    assert r.status_code != 202, r.text
    assert set(task_rows(backend)) == before, "a refused callback recorded a task"
    return r


def test_token_check_comes_first(backend, anon, lab, unique):
    """Step A (BOOT rule): no token, the master key, a test-lab or a read token → 403 {"code":403}."""
    for client in (anon, backend.client("not-a-token"), backend.client(backend.env["KCI_MASTER_KEY"]),
                   backend.client(backend.token(test_lab=1)), backend.client(backend.token(get=1))):
        r = refused(backend, client, valid_body(unique), lab["name"])
        assert (r.status_code, r.json()) == (403, {"code": 403})
    # Even an invalid body gets the bare 403 first.
    r = refused(backend, anon, [], None)
    assert (r.status_code, r.json()) == (403, {"code": 403})


def test_missing_lab_name_is_400(backend, lab, unique):
    client = lab_client(backend, lab)
    for lab_name in (None, "", "  "):  # absent, empty, blank (values are trimmed)
        r = refused(backend, client, valid_body(unique), lab_name)
        assert (r.status_code, r.json()) == (400, {"code": 400, "reason": "Missing lab name in query string"})


def test_token_of_another_lab_is_refused_with_a_reason(backend, api, lab, unique):
    other = new_lab(api, f"lab-other-{unique}")
    r = refused(backend, backend.client(other["token"]), valid_body(unique), lab["name"])
    assert (r.status_code, r.json()) == (403, not_associated(lab["name"]))
    assert listed(api, "/test/group", lab_name=lab["name"]) == []


def test_unknown_lab_is_refused_even_for_admins(backend, api, unique):
    r = refused(backend, api, valid_body(unique), f"lab-missing-{unique}")
    assert (r.status_code, r.json()) == (403, not_associated(f"lab-missing-{unique}"))


def test_superuser_and_plain_post_tokens_are_not_the_lab_token(backend, lab, unique):
    for flags in ({"superuser": 1}, {"post": 1}, {"post": 1, "lab": 1}):
        r = refused(backend, backend.client(backend.token(**flags)), valid_body(unique), lab["name"])
        assert (r.status_code, r.json()) == (403, not_associated(lab["name"])), flags


def test_admin_token_passes_for_any_existing_lab(backend, api, lab, unique):
    assert deliver(backend, api, valid_body(unique), lab["name"])["state"] == "done"
    assert sorted(plan_tree(api, lab["name"])) == ["baseline", "dmesg"]


def test_whatever_token_the_lab_links_to_is_accepted(backend, api, unique):
    """token.md §4.3: bit `lab` is not checked; a lab linked to an RW token accepts it."""
    value = backend.token(post=1, get=1)
    new_lab(api, f"lab-rw-{unique}", token=value)
    assert deliver(backend, backend.client(value), valid_body(unique), f"lab-rw-{unique}")["state"] == "done"


def test_replaced_lab_token_no_longer_works(backend, api, lab, unique):
    """lab.md §5.4: changing the lab token expires the old one."""
    replacement = backend.token(post=1, delete=1, lab=1)
    assert api.put(f"/lab/{lab['_id']['$oid']}", json={"token": replacement}).status_code == 200
    r = refused(backend, lab_client(backend, lab), valid_body(unique), lab["name"])
    assert (r.status_code, r.json()) == (403, {"code": 403})
    assert deliver(backend, backend.client(replacement), valid_body(unique), lab["name"])["state"] == "done"


def test_lab_with_a_dangling_token_link_accepts_only_admins(backend, api, unique):
    value = backend.token(post=1, delete=1, lab=1)
    created = new_lab(api, f"lab-dangling-{unique}", token=value)
    token_id = api.get(f"/token/{value}").json()["result"][0]["_id"]["$oid"]
    assert api.delete(f"/token/{token_id}").status_code == 200
    other = backend.token(post=1, delete=1, lab=1)
    r = refused(backend, backend.client(other), valid_body(unique), created["name"])
    assert (r.status_code, r.json()) == (403, not_associated(created["name"]))
    assert deliver(backend, api, valid_body(unique), created["name"])["state"] == "done"


# ---------------------------------------------------------------------------
# Methods, paths and the action (§1, §3 row 10)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_501_without_a_token(anon, method):
    r = anon.request(method, "/callback/lava/test", params={"lab_name": "x"})
    assert (r.status_code, r.json()) == (501, {"code": 501})


def test_options_head_and_patch(anon):
    assert anon.options("/callback/lava/test").json() == {"code": 200}
    assert anon.head("/callback/lava/test").status_code == 405
    assert anon.patch("/callback/lava/test").status_code == 405


def test_trailing_slash_and_ignored_query_parameters(backend, api, lab, unique):
    before = set(task_rows(backend))
    r = lab_client(backend, lab).post("/callback/lava/test/", json=valid_body(unique),
                                      params={"lab_name": lab["name"], "status": "2", "status_string": "complete"})
    assert (r.status_code, r.json()) == (202, ACCEPTED)
    assert [t["state"] for t in wait_for_tasks(backend, before)] == ["done"]
    assert sorted(plan_tree(api, lab["name"])) == ["baseline", "dmesg"]


def test_unknown_paths_are_404(anon):
    for path in ("/callback/lava", "/callback/lava/", "/callback/lava/te-st", "/callback/lava/test/x",
                 "/callback/other/test"):
        assert anon.post(path, json={}).status_code == 404, path


def test_unsupported_action_is_404_after_the_lab_checks(backend, api, lab, unique):
    """Rows 6–7b are skipped for an unknown action; rows 8–9 still apply, then 404."""
    client = lab_client(backend, lab)
    body = payload(job_metadata(unique, **{"platform.name": "not-for-test"}))
    r = refused(backend, client, body, lab["name"], "notify")
    assert (r.status_code, r.json()) == (404, {"code": 404, "reason": "Unsupported LAVA action: notify"})
    r = refused(backend, client, body, None, "notify")
    assert (r.status_code, r.json()) == (400, {"code": 400, "reason": "Missing lab name in query string"})
    r = refused(backend, client, body, f"lab-missing-{unique}", "notify")
    assert (r.status_code, r.json()) == (403, not_associated(f"lab-missing-{unique}"))
    r = refused(backend, client, {"status": 2}, lab["name"], "notify")  # row 5 still applies
    assert r.status_code == 400 and r.json()["errors"] == ["definition missing from LAVA callback data"]


# ---------------------------------------------------------------------------
# Bad payloads (§3 rows 2–8): a 400 and nothing recorded or stored
# ---------------------------------------------------------------------------


def test_content_type_and_json_checks(backend, lab, unique):
    client = lab_client(backend, lab)
    params = {"lab_name": lab["name"]}
    r = client.post("/callback/lava/test", params=params, content=json.dumps(valid_body(unique)),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.json()) == (415, {
        "code": 415, "reason": "Wrong content type defined: Use application/json as the content type"})
    r = client.post("/callback/lava/test", params=params, content=b"{definition: nope",
                    headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (422, {"code": 422, "reason": "No JSON data found in the POST request"})


def without(metadata: dict, *keys: str) -> dict:
    return {key: value for key, value in metadata.items() if key not in keys}


BAD_BODIES = {
    "array": (lambda u: [valid_body(u)], "Provided data is not JSON"),
    "string": (lambda u: "definition", "Provided data is not JSON"),
    "only unknown keys": (lambda u: {"lab_name": "x", "version": "1.1"}, "No valid or acceptable keys in the JSON data"),
    "empty object": (lambda u: {}, "No valid or acceptable keys in the JSON data"),
    "no definition": (lambda u: {"status": 2, "results": {}}, "definition missing from LAVA callback data"),
    "definition not text": (lambda u: {"definition": {"metadata": job_metadata(u)}}, "definition"),
    "definition not YAML": (lambda u: {"definition": "metadata: [unclosed"}, "definition"),
    "definition a list": (lambda u: {"definition": "- a\n- b\n"}, "metadata missing from LAVA job definition"),
    "no metadata": (lambda u: {"definition": "job_name: x\n"}, "metadata missing from LAVA job definition"),
    "empty metadata": (lambda u: {"definition": "metadata: {}\n"}, "metadata missing from LAVA job definition"),
    "platform.name": (lambda u: payload(job_metadata(u, **{"platform.name": "x"})),
                      "invalid LAVA metadata: platform.name"),
    "kernel.defconfig_base": (lambda u: payload(job_metadata(u, **{"kernel.defconfig_base": "x"})),
                              "invalid LAVA metadata: kernel.defconfig_base"),
    "missing git.commit": (lambda u: payload(without(job_metadata(u), "git.commit")),
                           "missing mandatory LAVA metadata: git.commit"),
    "first missing in list order": (lambda u: payload(without(job_metadata(u), "test.plan", "device.type")),
                                    "missing mandatory LAVA metadata: device.type"),
    "unknown before missing": (lambda u: payload({**without(job_metadata(u), "device.type"), "board": "x"}),
                               "invalid LAVA metadata: board"),
    "kernel.tree climbs": (lambda u: payload(job_metadata(u, **{"kernel.tree": ".."})),
                           "invalid LAVA metadata: kernel.tree"),
    "git.branch with slash": (lambda u: payload(job_metadata(u, **{"git.branch": "a/../../etc"})),
                              "invalid LAVA metadata: git.branch"),
    "device.type not text": (lambda u: payload(job_metadata(u, **{"device.type": ["x"]})),
                             "invalid LAVA metadata: device.type"),
    "test.plan backslash": (lambda u: payload(job_metadata(u, **{"test.plan": "a\\b"})),
                            "invalid LAVA metadata: test.plan"),
    "absolute file server resource": (lambda u: payload(job_metadata(u, **{"job.file_server_resource": "/etc"})),
                                      "invalid LAVA metadata: job.file_server_resource"),
    "file server resource climbs": (
        lambda u: payload(job_metadata(u, **{"job.file_server_resource": "a/../../b"})),
        "invalid LAVA metadata: job.file_server_resource"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_payloads_are_400_and_store_nothing(backend, api, lab, unique, case):
    make, error = BAD_BODIES[case]
    r = refused(backend, lab_client(backend, lab), make(unique), lab["name"])
    assert r.status_code == 400, r.text
    answer = r.json()
    assert (answer["code"], answer["reason"], len(answer["errors"])) == (400, INVALID, 1)
    assert error in answer["errors"][0]
    assert_nothing_stored(backend, api, lab["name"], unique)


def test_unsafe_lab_name_is_refused_before_the_lab_lookup(backend, lab, unique):
    for name in ("..", "a/b", "a\\b"):
        r = refused(backend, lab_client(backend, lab), valid_body(unique), name)
        assert r.json() == {"code": 400, "reason": INVALID, "errors": ["invalid lab_name"]}, name


def test_body_is_checked_before_the_lab(backend, api, unique):
    """Rows 4–7b come before row 8 (lab_name) and row 9 (association)."""
    other = new_lab(api, f"lab-other-{unique}")
    body = payload(job_metadata(unique, **{"platform.name": "x"}))
    for client, lab_name in ((backend.client(other["token"]), f"lab-missing-{unique}"),
                             (backend.client(other["token"]), None)):
        r = refused(backend, client, body, lab_name)
        assert r.json() == {"code": 400, "reason": INVALID, "errors": ["invalid LAVA metadata: platform.name"]}


# ---------------------------------------------------------------------------
# SEC-1: YAML is only ever parsed safely
# ---------------------------------------------------------------------------


def test_python_yaml_tags_are_never_executed(backend, api, lab, unique, tmp_path):
    marker = tmp_path / "pwned"
    attack = f'!!python/object/apply:os.system ["touch {marker}"]'
    metadata_text = "\n".join(f"  {key}: {value}" for key, value in job_metadata(unique).items())
    definition_text = f"job_name: {attack}\nmetadata:\n{metadata_text}\n  job.name: {attack}\n"
    results = {"lava": f"- name: job\n  result: pass\n  metadata: {{extra: {attack}}}\n",
               "0_dmesg": ("- name: crit\n  result: fail\n  measurement: !!python/object/apply:decimal.Decimal ['1']\n"
                           f"- name: emerg\n  result: pass\n  metadata: {{reference: {attack}}}\n")}
    log = (f"- {{dt: '2024-01-01T00:00:00', lvl: results, msg: {{case: x, extra: {attack}}}}}\n"
           f"- {{dt: '2024-01-01T00:00:01', lvl: target, msg: {attack}}}\n")
    body = {"status": 2, "definition": definition_text, "results": results, "log": log}
    assert deliver(backend, lab_client(backend, lab), body, lab["name"])["state"] == "done"
    assert not marker.exists()
    tree = plan_tree(api, lab["name"])
    assert [(c["name"], c["status"], c["measurements"]) for c in tree["dmesg"]["cases"]] == [
        ("emerg", "PASS", []), ("crit", "FAIL", [])]
    # A whole definition that is a Python object is just data, without a metadata mapping.
    r = refused(backend, lab_client(backend, lab), {"definition": attack}, lab["name"])
    assert r.json() == {"code": 400, "reason": INVALID, "errors": ["metadata missing from LAVA job definition"]}
    assert not marker.exists()
