"""Test reports (email-reports.md §5): plan runs and their regressions.

Results go in the way the LAVA callback imports them (the import path that
detects regressions), against the server's database.
"""

from __future__ import annotations

import copy
import hashlib
import time

from mail_support import BASE_URL, send_body, wait_until_reported

LOG = [{"dt": f"2026-01-01T00:00:{i:02d}", "lvl": "target", "msg": f"line <{i}>"} for i in range(12)]


def commit(job: str, kernel: str) -> str:
    """A commit id of its own for each tree and kernel (bisection records are shared by commits)."""
    return hashlib.sha1(f"{job} {kernel}".encode()).hexdigest()


def run_body(job: str, kernel: str, lab: str, device: str, crit: str, **extra) -> dict:
    crit_case = {"name": "crit", "status": crit}
    if crit == "fail":
        crit_case.update(log_lines=LOG, measurements=[{"value": 3.0, "unit": "lines"}, {"value": 0.5, "unit": "s"}])
    return {
        "name": "baseline", "lab_name": lab, "arch": "arm64", "build_environment": "gcc-10",
        "defconfig": "defconfig", "device_type": device, "git_branch": "master", "git_commit": commit(job, kernel),
        "git_url": "https://git.example.org/linux.git", "job": job, "kernel": kernel,
        "boot_log": "baseline.txt", "boot_log_html": "baseline.html", "file_server_resource": f"{job}/{kernel}",
        "initrd": "https://storage.example.org/rootfs.cpio.gz",
        "test_cases": [{"name": "login", "status": "pass"}],
        "sub_groups": [{"name": "dmesg", "test_cases": [crit_case, {"name": "emerg", "status": "skip"}]}],
        **extra,
    }


def lava_import(backend, body: dict) -> None:
    """Import a plan as the LAVA callback does (with regression detection)."""
    from kci_backend.app import State
    from kci_backend.services import tests
    from kci_backend.settings import Settings

    async def go(db):
        state = State(Settings(database_url=backend.database_url, storage_dir=backend.storage_dir), db, None)
        await tests.import_lava_group(state, copy.deepcopy(body))

    backend.run(go)


def test_test_report_regressions(mail_backend, mail_api, mailbox, unique):
    job, lab = f"tests-{unique}", f"lab-{unique}"
    for kernel, crit in (("v1", "pass"), ("v2", "fail"), ("v3", "fail")):
        lava_import(mail_backend, run_body(job, kernel, lab, "rk3399-gru-kevin", crit))
        lava_import(mail_backend, run_body(job, kernel, lab, "qemu", "pass"))
        time.sleep(0.01)
    for kernel in ("v2", "v3"):
        r = mail_api.post("/send", json=send_body(job, kernel, report_type="test", plan="baseline",
                                                  format=["txt", "html"]))
        assert r.status_code == 202, r.text
    [v2] = mailbox.reports(job, "v2")
    [v3] = mailbox.reports(job, "v3")

    assert v3.header("Subject") == f"{job}/master baseline: 2 runs, 1 regressions (v3)"
    assert v3.header("X-Kernelci-Report-Type") == "test"
    assert v3.message.get_content_type() == "text/plain"  # test reports are plain text whatever `format` says
    text = v3.message.get_content()
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[0] == v3.header("Subject")
    assert "Regressions Summary" in lines
    header = next(line for line in lines if line.startswith("platform"))
    assert [c.strip() for c in header.split("|")] == ["platform", "arch", "lab", "compiler", "defconfig",
                                                      "regressions"]
    rows = [line for line in lines if line.startswith("rk3399-gru-kevin")]
    assert rows and all([c.strip() for c in row.split("|")][-1] == "1" for row in rows)
    assert not any(line.startswith("qemu ") for line in lines)  # a run without regressions has no row
    assert f"  Details:  {BASE_URL}/test/job/{job}/branch/master/kernel/v3/plan/baseline/" in lines
    assert "  Test:     baseline" in lines
    assert "  Results:     1 PASS, 1 FAIL, 1 SKIP" in lines
    assert "  Compiler:    gcc-10" in lines
    assert any(line.startswith("  Plain log:   ") and line.endswith(f"/{job}/v3/{lab}/baseline.txt") for line in lines)
    assert "  Rootfs:      https://storage.example.org/rootfs.cpio.gz" in lines
    [case_line] = [line for line in lines if line.startswith("  * baseline.dmesg.crit: ")]
    assert f"{BASE_URL}/test/case/id/" in case_line
    failing = lines[lines.index(case_line) + 1].strip()
    assert failing == "failing since 0 day (last pass: v1, first fail: v2)"
    assert "3 lines" in [line.strip() for line in lines] and "0.5 s" in [line.strip() for line in lines]
    assert any(line.strip() == "2026-01-01T00:00:09  line <9>" for line in lines)
    assert not any("line <10>" in line for line in lines)  # ten lines at most
    assert "... (2 lines more)" in [line.strip() for line in lines]

    assert v2.header("Subject") == f"{job}/master baseline: 2 runs, 1 regressions (v2)"
    assert "new failure (last pass: v1)" in [line.strip() for line in v2.message.get_content().splitlines()]


def test_no_regressions_no_email(mail_backend, mail_api, mailbox, unique):
    job, lab = f"clean-{unique}", f"lab-{unique}"
    lava_import(mail_backend, run_body(job, "v1", lab, "qemu", "pass"))
    lava_import(mail_backend, run_body(job, "v2", lab, "qemu", "fail"))  # a failure, but not a regression...
    for kernel, plan in (("v1", "baseline"), ("v2", "other-plan")):  # ...on v1, or for another plan
        assert mail_api.post("/send", json=send_body(job, kernel, report_type="test", plan=plan)).status_code == 202
    r = mail_api.post("/send", json=send_body(job, "v2", report_type="test", plan="baseline",
                                              template="v4l2-compliance-vivid", subject="Custom subject"))
    assert r.status_code == 202
    [mail] = mailbox.reports(job, "v2")
    assert mail.header("Subject") == "Custom subject"
    assert "V4L2" in mail.message.get_content() and "vivid" in mail.message.get_content()
    wait_until_reported(mail_backend, job, 3)
    assert mailbox.find(lambda m: m.header("X-Kernelci-Tree") == job) == [mail]
