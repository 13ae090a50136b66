"""LAVA callback payload → documents (callback-lava.md §3–§10), without HTTP or storage."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from kci_backend.lava.artefacts import boot_artefacts, plan_artefacts
from kci_backend.lava.boot import build_boot_report
from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.job import parse_job
from kci_backend.lava.logs import case_end_line, keep_line, login_end_index, parse_log
from kci_backend.lava.paths import initrd_build_info_path
from kci_backend.lava.payload import (
    AcceptedCallback,
    CallbackRejection,
    check_callback,
    unsupported_action_body,
)
from kci_backend.lava.results import build_test_plan
from kci_backend.lava.yamlsafe import LIBYAML_DEPTH_LIMIT, as_text, load_yaml, nesting_bound

SAMPLES = Path(__file__).resolve().parents[3] / "shared/samples/lava"
INVALID = "Provided JSON is not valid"


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def accept(body: Any, lab_name: str = "lab-test", action: str = "test", **options: Any) -> AcceptedCallback:
    checked = check_callback(body, action, lab_name, **options)
    assert isinstance(checked, AcceptedCallback), checked
    return checked


def plan_of(body: dict[str, Any], lab_name: str = "lab-test") -> dict[str, Any] | None:
    job = parse_job(accept(body, lab_name).body, lab_name)
    assert job is not None
    return build_test_plan(job)


def case_rows(group: dict[str, Any]) -> list[tuple[str, str, list, int]]:
    return [
        (case["name"], case["status"], case["measurements"], len(case["log_lines"]))
        for case in group["test_cases"]
    ]


def all_cases(group: dict[str, Any]) -> list[dict[str, Any]]:
    cases = list(group["test_cases"])
    for sub_group in group.get("sub_groups", []):
        cases += all_cases(sub_group)
    return cases


# ---------------------------------------------------------------------------
# Worked example §10.1: lava-json-jetson-tk1.json

JETSON_GROUP = {
    "name": "ltp-ipc",
    "lab_name": "lab-collabora",
    "version": "1.1",
    "time": 0.0,
    "arch": "arm",
    "board_instance": "elroy",
    "boot_log": "ltp-ipc-jetson-tk1.txt",
    "boot_log_html": "ltp-ipc-jetson-tk1.html",
    "build_environment": "clang-10",
    "defconfig": "multi_v7_defconfig",
    "defconfig_full": "multi_v7_defconfig",
    "device_type": "jetson-tk1",
    "dtb": "dtbs/tegra124-jetson-tk1.dtb",
    "endian": "little",
    "file_server_resource": "kernelci/staging-stable/staging-stable-20201104.1/arm/multi_v7_defconfig/clang-10",
    "git_branch": "staging-stable",
    "git_commit": "9c8afc6dc0d85342b95a75265dda1ce9c135c099",
    "git_describe": "staging-stable-20201104.1",
    "git_url": "https://github.com/kernelci/linux.git",
    "initrd": "http://storage.kernelci.org/images/rootfs/debian/buster-ltp/20201029.0/armhf/initrd.cpio.gz",
    "initrd_info": None,
    "job": "kernelci",
    "kernel": "staging-stable-20201104.1",
    "kernel_image": "zImage",
    "mach": "tegra",
    "plan_variant": "ltp-ipc",
    "boot_warnings": 0,
}


@pytest.fixture(scope="module")
def jetson() -> dict[str, Any]:
    return load_sample("lava-json-jetson-tk1.json")


def test_jetson_is_accepted_and_unknown_top_level_keys_are_dropped(jetson):
    accepted = accept(jetson, "lab-collabora")
    assert accepted.action_supported
    assert {"lab_name", "version", "boot_log_html"}.isdisjoint(accepted.body)
    assert accepted.body["status"] == 2
    assert accepted.metadata["test.plan"] == "ltp-ipc"


def test_jetson_single_suite_named_like_the_plan_is_the_top_level_group(jetson):
    plan = plan_of(jetson, "lab-collabora")
    assert {key: plan[key] for key in JETSON_GROUP} == JETSON_GROUP
    assert plan["sub_groups"] == []
    assert "index" not in plan  # top-level index stays null
    assert case_rows(plan) == [
        ("login", "PASS", [], 0),
        ("pipeio_1", "PASS", [], 296),
        ("pipeio_3", "PASS", [], 0),
        ("pipeio_4", "PASS", [], 0),
        ("pipeio_5", "PASS", [], 0),
        ("pipeio_6", "PASS", [], 0),
        ("pipeio_8", "PASS", [], 0),
        ("sem01", "PASS", [], 0),
        ("sem02", "PASS", [], 0),
    ]
    assert all(case["time"] == 0.0 for case in plan["test_cases"])
    assert Counter(case["status"] for case in plan["test_cases"]) == {"PASS": 9}


def test_jetson_log_fragment_check_values(jetson):
    log = parse_log(jetson["log"])
    assert len(log) == 1394
    assert login_end_index(log) == 1011
    assert log[1011]["msg"].startswith("end: 2.4.4 auto-login-action")
    assert case_end_line(log, 1336) == 1336  # pipeio_1's own signal comes after it
    assert case_end_line(log, 1349) == 1348  # pipeio_6
    pipeio_1 = plan_of(jetson, "lab-collabora")["test_cases"][1]
    assert all(set(line) == {"dt", "lvl", "msg"} and line["lvl"] == "target" for line in pipeio_1["log_lines"])
    assert pipeio_1["log_lines"][0] == next(
        line for line in log[1011:1336] if line["lvl"] == "target" and not line["msg"].startswith("<LAVA_")
    )


def test_jetson_artefacts(jetson):
    job = parse_job(accept(jetson, "lab-collabora").body, "lab-collabora")
    artefacts = plan_artefacts(job)
    assert artefacts.directory == (
        "kernelci/staging-stable/staging-stable-20201104.1/arm/multi_v7_defconfig/clang-10/lab-collabora"
    )
    assert sorted(artefacts.files) == [
        "lava-json-jetson-tk1.json", "ltp-ipc-jetson-tk1.html", "ltp-ipc-jetson-tk1.txt",
    ]
    target_lines = [line["msg"] for line in job.log if line["lvl"] == "target"]
    assert artefacts.files["ltp-ipc-jetson-tk1.txt"].decode().splitlines() == target_lines
    stored = json.loads(artefacts.files["lava-json-jetson-tk1.json"])
    assert stored["lab_name"] == "lab-collabora"
    assert stored["version"] == "1.1"
    assert stored["boot_log_html"] == "ltp-ipc-jetson-tk1.html"
    assert stored["definition"] == jetson["definition"]
    assert "Boot result: PASS" in artefacts.files["ltp-ipc-jetson-tk1.html"].decode()


# ---------------------------------------------------------------------------
# Worked example §10.2: login-action.json

BASELINE_VALUES = {
    "lab_name": "lab-baylibre",
    "version": "1.1",
    "time": 0.0,
    "arch": "arm64",
    "board_instance": "bcm2837-rpi-3-b-sea",
    "boot_log": "baseline-bcm2837-rpi-3-b.txt",
    "boot_log_html": "baseline-bcm2837-rpi-3-b.html",
    "build_environment": "gcc-8",
    "defconfig": "defconfig",
    "defconfig_full": "defconfig",
    "device_type": "bcm2837-rpi-3-b",
    "dtb": "dtbs/broadcom/bcm2837-rpi-3-b.dtb",
    "endian": "little",
    "file_server_resource": "kernelci/staging.kernelci.org/staging-20200910.0/arm64/defconfig/gcc-8",
    "git_branch": "staging.kernelci.org",
    "git_commit": "1df0e5937f3c554bdde7959978c342fa93ab772d",
    "git_describe": "staging-20200910.0",
    "git_url": "https://github.com/kernelci/linux.git",
    "initrd": "http://storage.kernelci.org/images/rootfs/buildroot/kci-2020.05/arm64/baseline/rootfs.cpio.gz",
    "initrd_info": None,
    "job": "kernelci",
    "kernel": "staging-20200910.0",
    "kernel_image": "Image",
    "mach": "broadcom",
    "plan_variant": "baseline",
    "boot_warnings": 0,
}


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    return load_sample("login-action.json")


def test_baseline_two_suites_get_a_new_plan_group(baseline):
    accepted = accept(baseline, "lab-baylibre")
    assert accepted.metadata["job.nfsrootfs_url"] == "None"
    plan = plan_of(baseline, "lab-baylibre")
    assert plan["name"] == "baseline"
    assert [group["name"] for group in plan["sub_groups"]] == ["bootrr", "dmesg"]
    for group in (plan, *plan["sub_groups"]):
        assert {key: group[key] for key in BASELINE_VALUES} == BASELINE_VALUES
    assert [group["sub_groups"] for group in plan["sub_groups"]] == [[], []]
    bootrr, dmesg = plan["sub_groups"]
    assert case_rows(plan) == [("login", "PASS", [], 0)]
    assert case_rows(bootrr) == [("deferred-probe-empty", "PASS", [], 22)]
    assert case_rows(dmesg) == [
        ("crit", "FAIL", [{"value": 1.0, "unit": "lines"}], 19),
        ("alert", "PASS", [{"value": 0.0, "unit": "lines"}], 0),
        ("emerg", "PASS", [{"value": 0.0, "unit": "lines"}], 0),
    ]
    statuses = Counter(case["status"] for case in all_cases(plan))
    assert statuses == {"PASS": 4, "FAIL": 1}


def test_baseline_log_fragment_check_values(baseline):
    log = parse_log(baseline["log"])
    assert len(log) == 857
    assert login_end_index(log) == 715
    assert log[715]["msg"].startswith("end: 2.4.4.1 login-action")
    assert (case_end_line(log, 767), case_end_line(log, 770), case_end_line(log, 776)) == (763, 769, 772)
    assert case_end_line(log, 825) == 825  # id read as "deferred": no earlier own signal
    plan = plan_of(baseline, "lab-baylibre")
    bootrr, dmesg = plan["sub_groups"]
    crit_lines = dmesg["test_cases"][0]["log_lines"]
    assert crit_lines[-1]["msg"] == "kern  :crit  : hwmon hwmon1: Undervoltage detected!"
    probe_lines = bootrr["test_cases"][0]["log_lines"]
    assert probe_lines[-1]["msg"] == "[   29.828096] <LAVA_SIGNAL_ENDRUN 1_bootrr 81842_1.5.2.4.5>"
    assert all(keep_line(line) for line in crit_lines + probe_lines)


def test_baseline_decimal_tags_in_log_load_as_plain_lists(baseline):
    raw_lines = load_yaml(baseline["log"])
    crit_result = next(
        line["msg"] for line in raw_lines
        if line["lvl"] == "results" and isinstance(line["msg"], dict) and line["msg"].get("case") == "crit"
    )
    assert crit_result["measurement"] == ["1"]


def test_baseline_artefacts(baseline):
    job = parse_job(accept(baseline, "lab-baylibre").body, "lab-baylibre")
    artefacts = plan_artefacts(job)
    assert artefacts.directory == "kernelci/staging.kernelci.org/staging-20200910.0/arm64/defconfig/gcc-8/lab-baylibre"
    assert sorted(artefacts.files) == [
        "baseline-bcm2837-rpi-3-b.html", "baseline-bcm2837-rpi-3-b.txt", "lava-json-bcm2837-rpi-3-b.json",
    ]


def test_samples_are_not_boot_callbacks(baseline):
    # `kernel.defconfig_full` is not accepted for `boot` (§9).
    checked = check_callback(baseline, "boot", "lab-baylibre", boot_supported=True)
    assert checked == CallbackRejection(400, INVALID, ["invalid LAVA metadata: kernel.defconfig_full"])


# ---------------------------------------------------------------------------
# Small payloads of other realistic shapes

QEMU_METADATA = {
    "device.type": "qemu",
    "git.branch": "master",
    "git.commit": "30a0b95b1335e12efef89dd78518ed3e4a71a763",
    "git.describe": "v6.1-rc3",
    "git.url": "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git",
    "job.arch": "x86_64",
    "job.build_environment": "gcc-10",
    "job.kernel_image": "bzImage",
    "kernel.defconfig": "x86_64_defconfig",
    "kernel.defconfig_full": "x86_64_defconfig+x86-chromebook",
    "kernel.endian": "little",
    "kernel.tree": "mainline",
    "kernel.version": "v6.1-rc3",
    "test.plan": "baseline",
    "test.plan_variant": "baseline-qemu",
}


def definition_text(metadata: dict[str, Any]) -> str:
    return yaml.safe_dump({"device_type": "qemu", "job_name": "kci-test", "metadata": metadata}, sort_keys=False)


def entry(name: str, result: str = "pass", log_end_line: Any = "", measurement: Any = "None",
          unit: str = "", **metadata: Any) -> dict[str, Any]:
    return {
        "name": name, "result": result, "log_end_line": log_end_line,
        "measurement": measurement, "unit": unit, "metadata": {"case": name, **metadata},
    }


def newest_first(*entries: dict[str, Any]) -> str:
    return yaml.safe_dump(list(reversed(entries)), sort_keys=False)


def log_text(*lines: tuple[str, str]) -> str:
    return yaml.safe_dump(
        [{"dt": f"2022-11-01T10:00:{i:02d}.000000", "lvl": lvl, "msg": msg} for i, (lvl, msg) in enumerate(lines)],
        sort_keys=False,
    )


def payload(metadata: dict[str, Any] = QEMU_METADATA, status: int = 2, **fields: Any) -> dict[str, Any]:
    body = {"id": 4242, "status": status, "status_string": "complete" if status == 2 else "incomplete",
            "definition": definition_text(metadata), "actual_device_id": "qemu-lab-01",
            "token": "secret-value", "metadata": []}
    body.update(fields)
    return body


LAVA_PASS = newest_first(
    entry("job"),
    entry("auto-login-action", measurement="9.1200000000", unit="seconds", duration="9.12",
          extra=[{"success": "/ #"}]),
)

QEMU_LOG = log_text(
    ("info", "start: 1 deploy"),                                        # 0
    ("target", "Booting Linux on physical CPU 0x0"),                    # 1
    ("info", "end: 2.4.4 auto-login-action (duration 00:00:09) [common]"),  # 2 = S
    ("target", "/ # cd /lava-4242"),                                    # 3
    ("target", "<LAVA_SIGNAL_STARTRUN 0_baseline 4242_1.2>"),           # 4
    ("debug", "Received signal: <STARTRUN> 0_baseline 4242_1.2"),       # 5
    ("target", "dmesg emerg: 0 lines"),                                 # 6
    ("target", "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=dmesg_emerg RESULT=pass>"),  # 7
    ("debug", "Received signal: <TESTCASE> TEST_CASE_ID=dmesg_emerg RESULT=pass"),  # 8
    ("target", "kern  :crit  : ata1: failed to resume link"),           # 9
    ("target", "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=dmesg_crit RESULT=fail>"),  # 10
    ("debug", "Received signal: <TESTCASE> TEST_CASE_ID=dmesg_crit RESULT=fail"),  # 11
    ("target", "[   12.500000] e1000 0000:00:03.0 eth0: link up"),     # 12
    ("target", "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=net RESULT=unknown>"),  # 13
    ("debug", "Received signal: <TESTCASE> TEST_CASE_ID=net RESULT=unknown"),  # 14
    ("target", "<LAVA_SIGNAL_ENDRUN 0_baseline 4242_1.2>"),             # 15
)

QEMU_SUITE = newest_first(
    entry("dmesg_emerg", log_end_line="8", measurement="0E-10", unit="lines", set="dmesg"),
    entry("dmesg_crit", "fail", log_end_line="11", measurement="2.0000000000", unit="lines", set="dmesg"),
    entry("probe.ok", "skip"),
    entry("net", "unknown", log_end_line="14"),
)


def test_other_device_type_with_test_sets_and_sanitised_names():
    body = payload(results={"lava": LAVA_PASS, "0_baseline": QEMU_SUITE}, log=QEMU_LOG)
    plan = plan_of(body)
    assert plan["name"] == "baseline"  # the only suite is named like the plan
    assert plan["device_type"] == "qemu"
    assert plan["board_instance"] == "qemu-lab-01"
    assert plan["mach"] is None and plan["dtb"] is None and plan["file_server_resource"] is None
    assert plan["defconfig_full"] == "x86_64_defconfig+x86-chromebook"
    assert plan["boot_log"] == "baseline-qemu.txt"
    assert case_rows(plan) == [
        ("login", "PASS", [], 0),
        ("probe_ok", "SKIP", [], 0),
        ("net", "UNKNOWN", [], 1),
    ]
    [dmesg] = plan["sub_groups"]
    assert set(dmesg) == {"name", "test_cases"}  # test sets inherit the rest on import
    assert case_rows(dmesg) == [
        ("dmesg_emerg", "PASS", [{"value": 0.0, "unit": "lines"}], 2),
        ("dmesg_crit", "FAIL", [{"value": 2.0, "unit": "lines"}], 1),
    ]
    assert [line["msg"] for line in dmesg["test_cases"][0]["log_lines"]] == ["/ # cd /lava-4242", "dmesg emerg: 0 lines"]
    assert dmesg["test_cases"][1]["log_lines"][0]["msg"] == "kern  :crit  : ata1: failed to resume link"
    job = parse_job(accept(body).body, "lab-test")
    artefacts = plan_artefacts(job)
    assert artefacts.directory == "mainline/master/v6.1-rc3/x86_64/x86_64_defconfig+x86-chromebook/gcc-10/lab-test"
    assert "token" not in json.loads(artefacts.files["lava-json-qemu.json"])


def test_failed_login_gives_a_failed_login_case_only():
    lava = newest_first(
        entry("job", "fail", error_type="Bootloader"),
        entry("login-action", "fail", duration="300.01",
              extra=[{"fail": [{"kind": "panic", "message": "Kernel panic - not syncing: VFS"}]}]),
    )
    log = log_text(("target", "Kernel panic - not syncing: VFS: Unable to mount root fs"))
    job = parse_job(accept(payload(status=3, results={"lava": lava}, log=log)).body, "lab-test")
    assert job.lava.boot_result == "FAIL"
    assert job.lava.boot_warnings == 1
    plan = build_test_plan(job)
    assert plan["name"] == "baseline"
    assert plan["sub_groups"] == []
    assert case_rows(plan) == [("login", "FAIL", [], 0)]
    assert plan["boot_warnings"] == 1


def test_kernel_fault_in_the_log_is_counted_and_kept():
    fault = "Unable to handle kernel NULL pointer dereference at virtual address 00000000"
    lava = newest_first(
        entry("job"),
        entry("login-action", duration="15.50", extra=[
            {"fail": [{"kind": "oops", "message": fault}, {"kind": "bug", "message": "BUG: scheduling while atomic"},
                      {"kind": "empty", "message": ""}]},
            {"fail": "kernel warning seen"},
            {"fail": False},
            {"success": "/ #"},
        ]),
    )
    log = log_text(
        ("target", f"[    3.100000] {fault}"),
        ("target", "[    3.100100] Internal error: Oops: 96000005 [#1] PREEMPT SMP"),
        ("info", "end: 2.4.4.1 login-action (duration 00:00:15) [common]"),
        ("target", "[   20.000000] Call trace: smp_call_function+0x20/0x40"),
        ("target", "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=oops RESULT=fail>"),
        ("debug", "Received signal: <TESTCASE> TEST_CASE_ID=oops RESULT=fail"),
    )
    suite = newest_first(entry("oops", "fail", log_end_line=5))
    body = payload(results={"lava": lava, "0_dmesg": suite}, log=log)
    job = parse_job(accept(body).body, "lab-test")
    assert job.lava.boot_warnings == 3  # two messages in a list + one string
    plan = build_test_plan(job)
    assert [group["name"] for group in plan["sub_groups"]] == ["dmesg"]
    assert plan["boot_warnings"] == 3 and plan["sub_groups"][0]["boot_warnings"] == 3
    oops = plan["sub_groups"][0]["test_cases"][0]
    assert [line["msg"] for line in oops["log_lines"]] == ["[   20.000000] Call trace: smp_call_function+0x20/0x40"]
    text = plan_artefacts(job).files["baseline-qemu.txt"].decode()
    assert fault in text and "Internal error: Oops" in text and "end: 2.4.4.1" not in text


def test_passed_login_without_test_suites_reports_the_job_result():
    lava = newest_first(entry("job", "fail"), entry("auto-login-action"))
    plan = plan_of(payload(status=3, results={"lava": lava}))
    assert case_rows(plan) == [("login", "FAIL", [], 0)]
    assert plan["sub_groups"] == []


def test_job_without_login_or_test_suites_stores_nothing():
    lava = newest_first(entry("job", "fail", error_type="Infrastructure"), entry("tftp-deploy", "fail"))
    job = parse_job(accept(payload(status=3, results={"lava": lava})).body, "lab-test")
    assert job.lava.boot_result == "UNKNOWN"
    assert build_test_plan(job) is None


def test_missing_results_and_log_count_as_empty():
    job = parse_job(accept(payload()).body, "lab-test")
    assert job.results == {} and job.log == []
    assert build_test_plan(job) is None


@pytest.mark.parametrize("status", [0, 1, 4, 5, None, "2", True])
def test_only_complete_and_incomplete_jobs_are_imported(status):
    body = payload(results={"lava": LAVA_PASS, "0_baseline": QEMU_SUITE})
    body["status"] = status
    assert parse_job(accept(body).body, "lab-test") is None


@pytest.mark.parametrize("measurement", ["None", "", "n/a", "nan", "inf", None, ["1"]])
def test_unusable_measurements_are_left_out(measurement):
    suite = newest_first(entry("value", measurement=measurement, unit="ms"))
    plan = plan_of(payload(results={"0_perf": suite}))
    assert plan["sub_groups"][0]["test_cases"][0]["measurements"] == []


def test_unknown_result_value_rejects_the_whole_import():
    suite = newest_first(entry("ok"), entry("weird", "incomplete"))
    job = parse_job(accept(payload(results={"0_baseline": suite})).body, "lab-test")
    with pytest.raises(LavaDataError, match="unknown LAVA result 'incomplete'"):
        build_test_plan(job)


def test_missing_kernel_version_rejects_the_import():
    metadata = {key: value for key, value in QEMU_METADATA.items() if key != "kernel.version"}
    job = parse_job(accept(payload(metadata, results={"0_baseline": QEMU_SUITE})).body, "lab-test")
    with pytest.raises(LavaDataError, match=r"kernel \(kernel.version\)"):
        build_test_plan(job)


def test_null_like_device_type_rejects_the_import_and_its_artefacts():
    body = payload({**QEMU_METADATA, "device.type": "None"}, results={"0_baseline": QEMU_SUITE})
    job = parse_job(accept(body).body, "lab-test")
    with pytest.raises(LavaDataError, match="device.type is missing or null"):
        build_test_plan(job)
    with pytest.raises(LavaDataError, match="device.type"):
        plan_artefacts(job)


def test_suite_key_without_underscore_rejects_the_import():
    job = parse_job(accept(payload(results={"smoke": QEMU_SUITE})).body, "lab-test")
    with pytest.raises(LavaDataError, match="empty name"):
        build_test_plan(job)


@pytest.mark.parametrize("field, value, message", [
    ("results", {"0_baseline": "- name: [unclosed"}, "results of suite '0_baseline' is not valid YAML"),
    ("results", {"0_baseline": "name: not-a-list"}, "not a list of result entries"),
    ("results", ["not", "a", "map"], "results is not an object"),
    ("log", "- {dt: x, lvl: target, msg: 'unterminated", "log is not valid YAML"),
    ("log", "lvl: target", "log is not a list"),
])
def test_unreadable_results_or_log_raise_a_clear_data_error(field, value, message):
    body = accept(payload(**{field: value})).body
    with pytest.raises(LavaDataError, match=message):
        parse_job(body, "lab-test")


def test_lava_filters():
    def line(msg: str, lvl: str = "target") -> dict[str, str]:
        return {"dt": "", "lvl": lvl, "msg": msg}
    assert not keep_line(line("<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=crit RESULT=fail>"))
    assert not keep_line(line("<LAVA_TEST_RUNNER EXIT>"))
    assert keep_line(line("[   29.8] <LAVA_SIGNAL_ENDRUN 0_dmesg 1_1>"))
    assert keep_line(line("<LAVA_>"))  # needs a character and a later ">"
    assert keep_line(line("<LAVA_SIGNAL without end"))
    assert not keep_line(line("Booting Linux", "info"))


# ---------------------------------------------------------------------------
# Synchronous checks (§3 rows 4–8)

def rejection(body: Any, action: str = "test", lab_name: str | None = "lab-test", **options: Any) -> CallbackRejection:
    checked = check_callback(body, action, lab_name, **options)
    assert isinstance(checked, CallbackRejection), checked
    return checked


@pytest.mark.parametrize("body, error", [
    ([], "Provided data is not JSON"),
    ("text", "Provided data is not JSON"),
    (None, "Provided data is not JSON"),
    ({"lab_name": "x", "version": "1.1"}, "No valid or acceptable keys in the JSON data"),
])
def test_row_4_body_shape(body, error):
    assert rejection(body).response_body() == {"code": 400, "reason": INVALID, "errors": [error]}


@pytest.mark.parametrize("definition, error", [
    (None, "definition missing from LAVA callback data"),
    (42, "definition in LAVA callback data is not a string"),
    ("metadata: {device.type: [unclosed", "definition in LAVA callback data is not valid YAML"),
    ("\t- : : :\n  bad", "definition in LAVA callback data is not valid YAML"),
    ("just a string", "metadata missing from LAVA job definition"),
    ("actions: []", "metadata missing from LAVA job definition"),
    ("metadata: {}", "metadata missing from LAVA job definition"),
    ("metadata: [a, b]", "metadata missing from LAVA job definition"),
])
def test_row_5_bad_definitions_give_an_error_reason(definition, error):
    body = {"status": 2}
    if definition is not None:
        body["definition"] = definition
    found = rejection(body)
    assert found.reason == INVALID
    assert found.errors[0].startswith(error)


def test_row_6_metadata_keys_checked_in_metadata_order():
    metadata = {"platform.name": "rpi", **QEMU_METADATA, "kernel.defconfig_base": "defconfig"}
    assert rejection(payload(metadata)).errors == ["invalid LAVA metadata: platform.name"]


def test_row_7_mandatory_keys_checked_in_list_order():
    metadata = {key: value for key, value in QEMU_METADATA.items() if key not in ("git.commit", "test.plan")}
    assert rejection(payload(metadata)).errors == ["missing mandatory LAVA metadata: git.commit"]


@pytest.mark.parametrize("key, value", [
    ("kernel.tree", ".."),
    ("git.branch", "a/b"),
    ("kernel.version", "v6.1\\x"),
    ("device.type", "qemu\0"),
    ("test.plan", ""),
    ("kernel.defconfig_full", 5),
    ("job.file_server_resource", "/etc"),
    ("job.file_server_resource", "mainline/../../etc"),
    ("job.file_server_resource", "mainline//x"),
])
def test_row_7b_unsafe_path_values(key, value):
    assert rejection(payload({**QEMU_METADATA, key: value})).errors == [f"invalid LAVA metadata: {key}"]


@pytest.mark.parametrize("lab_name", ["../lab", "lab/x", ".."])
def test_row_7b_unsafe_lab_name(lab_name):
    assert rejection(payload(), lab_name=lab_name).errors == ["invalid lab_name"]


@pytest.mark.parametrize("lab_name", [None, ""])
def test_row_8_missing_lab_name(lab_name):
    assert rejection(payload(), lab_name=lab_name).response_body() == {
        "code": 400, "reason": "Missing lab name in query string",
    }


def test_unsupported_action_skips_metadata_rules_but_not_the_definition():
    body = payload({"platform.name": "rpi"})
    accepted = accept(body, action="boot")  # no /boot resource in this deployment
    assert not accepted.action_supported
    assert unsupported_action_body("boot/") == {"code": 404, "reason": "Unsupported LAVA action: boot"}
    assert not accept(body, action="foo").action_supported
    assert rejection({"status": 2}, action="foo").errors[0].startswith("definition missing")
    assert rejection(body, action="foo", lab_name=None).reason == "Missing lab name in query string"


def test_trailing_slash_on_the_action_is_ignored():
    assert accept(payload(), action="test/").action == "test"


# ---------------------------------------------------------------------------
# YAML safety (SEC-1)

def test_unsafe_tags_in_the_definition_do_not_execute(tmp_path):
    marker = tmp_path / "pwned"
    definition = (
        "metadata:\n"
        + "".join(f"  {key}: {json.dumps(value)}\n" for key, value in QEMU_METADATA.items())
        + f"  job.name: !!python/object/apply:os.system [\"touch {marker}\"]\n"
        + "  job.original: !!python/name:os.system ''\n"
        + f"  image.url: !!python/object/new:subprocess.Popen [[\"touch\", \"{marker}\"]]\n"
    )
    accepted = accept({"status": 2, "definition": definition})
    assert not marker.exists()
    assert accepted.metadata["job.name"] == [f"touch {marker}"]
    assert accepted.metadata["job.original"] == ""
    assert accepted.metadata["image.url"] == [["touch", str(marker)]]


def test_unsafe_tags_in_results_and_log_do_not_execute(tmp_path):
    marker = tmp_path / "pwned"
    suite = f"- name: !!python/object/apply:os.system ['touch {marker}']\n  result: pass\n"
    log = f"- {{dt: x, lvl: target, msg: !!python/object/apply:os.system ['touch {marker}']}}\n"
    job = parse_job(accept(payload(results={"0_smoke": suite}, log=log)).body, "lab-test")
    plan = build_test_plan(job)
    assert not marker.exists()
    # The tagged node loads as the plain list ["touch …"], then is sanitised as a name.
    assert plan["sub_groups"][0]["test_cases"][0]["name"].startswith("__touch__")
    assert job.log[0]["msg"] == f'["touch {marker}"]'


def test_yaml_alias_bombs_do_not_blow_up_text_conversion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
    )
    started = time.monotonic()
    text = as_text(load_yaml(bomb))
    assert len(text) == 64 * 1024
    assert time.monotonic() - started < 2


def test_deeply_nested_yaml_is_refused_without_crashing_the_process():
    # libyaml alone would overflow the C stack (segfault) on this input.
    body = payload(log="[" * 60000 + "]" * 60000)
    started = time.monotonic()
    with pytest.raises(LavaDataError, match="log is not valid YAML: nested too deeply"):
        parse_job(accept(body).body, "lab-test")
    assert time.monotonic() - started < 5


def test_nesting_bound_is_above_the_real_depth_of_the_samples(baseline, jetson):
    for body in (baseline, jetson):
        assert nesting_bound(body["log"]) <= LIBYAML_DEPTH_LIMIT  # the fast loader is used
    assert nesting_bound("- - - - x") >= 4
    assert nesting_bound("a:\n  b:\n    c: [[1]]") >= 5


# ---------------------------------------------------------------------------
# Action `boot` (§9)

BOOT_METADATA = {
    "platform.name": "rk3399-gru-kevin",
    "device.type": "rk3399-gru-kevin",
    "git.branch": "master",
    "git.commit": "6cf8298daad041cd9e1f1a1f1cd2b4a4c1b0e1a2",
    "git.describe": "next-20191211",
    "git.url": "https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git",
    "kernel.tree": "next",
    "kernel.version": "next-20191211",
    "job.arch": "arm64",
    "job.build_environment": "gcc-8",
    "kernel.defconfig_base": "defconfig",
    "kernel.defconfig": "defconfig+CONFIG_RANDOMIZE_BASE=y",
    "kernel.endian": "little",
    "platform.dtb": "dtbs/rockchip/rk3399-gru-kevin.dtb",
    "platform.mach": "rockchip",
    "platform.fastboot": False,
    "image.type": "kernel-ci",
    "test.plan": "boot",
}

BOOT_LAVA = newest_first(
    entry("bootloader-overlay", extra=[{"dtb_addr": "0x01f00000"}, {"kernel_addr": "0x02080000"},
                                       {"ramdisk_addr": "0x04000000"}]),
    entry("auto-login-action", duration="12.34", extra=[{"success": "/ #"}]),
    entry("job"),
)


def boot_job(metadata: dict[str, Any] = BOOT_METADATA, **fields: Any):
    body = payload(metadata, **{"results": {"lava": BOOT_LAVA}, **fields})
    job = parse_job(accept(body, "lab-collabora", "boot", boot_supported=True).body, "lab-collabora")
    assert job is not None
    return job


def test_boot_report_from_a_2019_boot_job():
    job = boot_job(actual_device_id="rk3399-gru-kevin-cbg-0")
    report = build_boot_report(job)
    assert report == {
        "version": "1.1",
        "lab_name": "lab-collabora",
        "boot_result": "PASS",
        "board_instance": "rk3399-gru-kevin-cbg-0",
        "board": "rk3399-gru-kevin",
        "device_type": "rk3399-gru-kevin",
        "job": "next",
        "kernel": "next-20191211",
        "git_branch": "master",
        "git_commit": "6cf8298daad041cd9e1f1a1f1cd2b4a4c1b0e1a2",
        "git_describe": "next-20191211",
        "git_url": "https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git",
        "arch": "arm64",
        "defconfig": "defconfig",
        "defconfig_full": "defconfig+CONFIG_RANDOMIZE_BASE=y",
        "build_environment": "gcc-8",
        "endian": "little",
        "dtb": "dtbs/rockchip/rk3399-gru-kevin.dtb",
        "mach": "rockchip",
        "fastboot": False,
        "plan": "boot",
        "boot_time": "12.34",
        "initrd_addr": "0x04000000",
        "loadaddr": "0x02080000",
        "dtb_addr": "0x01f00000",
        "boot_log": "boot-rk3399-gru-kevin.txt",
        "boot_log_html": "boot-rk3399-gru-kevin.html",
    }
    artefacts = boot_artefacts(job, report)
    assert artefacts.directory == "next/master/next-20191211/arm64/defconfig+CONFIG_RANDOMIZE_BASE=y/gcc-8/lab-collabora"
    assert sorted(artefacts.files) == [
        "boot-rk3399-gru-kevin.html", "boot-rk3399-gru-kevin.txt", "lava-json-rk3399-gru-kevin.json",
    ]


def test_boot_report_infrastructure_error_and_warnings():
    lava = newest_first(
        entry("login-action", "fail", extra=[{"fail": "kernel BUG at mm/slub.c:123"}]),
        entry("job", "fail", error_type="Infrastructure"),
    )
    report = build_boot_report(boot_job(status=3, results={"lava": lava}))
    assert report["boot_result"] == "UNKNOWN"
    assert report["boot_warnings"] == 1
    assert report["boot_time"] == "0.0"
    assert {"initrd_addr", "loadaddr", "dtb_addr"}.isdisjoint(report)


def test_boot_report_incomplete_job_fails_and_missing_arch_is_discarded():
    assert build_boot_report(boot_job(status=3))["boot_result"] == "FAIL"
    without_arch = {key: value for key, value in BOOT_METADATA.items() if key != "job.arch"}
    with pytest.raises(LavaDataError, match=r"arch \(job.arch\)"):
        build_boot_report(boot_job(without_arch))


def test_boot_rules_refuse_test_only_keys_and_need_platform_name():
    assert rejection(payload(QEMU_METADATA), "boot", boot_supported=True).errors == [
        "invalid LAVA metadata: kernel.defconfig_full"
    ]
    without_board = {key: value for key, value in BOOT_METADATA.items() if key != "platform.name"}
    assert rejection(payload(without_board), "boot", boot_supported=True).errors == [
        "missing mandatory LAVA metadata: platform.name"
    ]


def test_boot_artefacts_refuse_an_unsafe_defconfig():
    # Row 7b does not list `kernel.defconfig`, which names a boot artefact directory.
    job = boot_job({**BOOT_METADATA, "kernel.defconfig": ".."})
    with pytest.raises(LavaDataError, match="unsafe artefact directory"):
        boot_artefacts(job, build_boot_report(job))


# ---------------------------------------------------------------------------
# initrd build_info.json location (§6.1)

@pytest.mark.parametrize("initrd, expected", [
    ("http://storage.kernelci.org/images/rootfs/debian/buster-ltp/20201029.0/armhf/initrd.cpio.gz",
     "images/rootfs/debian/buster-ltp/20201029.0/armhf/build_info.json"),
    ("https://storage.kernelci.org.example.net/images/rootfs/x/initrd.cpio.gz", "images/rootfs/x/build_info.json"),
    ("http://other.example.org/images/rootfs/initrd.cpio.gz", None),
    ("http://storage.kernelci.org/images/../../etc/initrd.cpio.gz", None),
    ("None", None),
    (None, None),
])
def test_initrd_build_info_path(initrd, expected):
    assert initrd_build_info_path(initrd, "https://storage.kernelci.org/") == expected
