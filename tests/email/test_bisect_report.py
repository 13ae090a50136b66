"""Bisection reports (email-reports.md §6): a test bisection record, the runner's
result posted to /bisect, and the bisection log uploaded to storage."""

from __future__ import annotations

import json

from mail_support import put_file, send_body, wait_for_report, wait_until_reported
from test_test_report import commit, lava_import, run_body

SHOW = "commit 0123abcd\nAuthor: Jane Dev <jane@example.org>\n\n    mm: break <everything>\n"
BISECT_LOG = ["git bisect start", "# good: [aaaa] v1", "# bad: [bbbb] v2", "git bisect good cccc"]


def make_bisection(backend, api, job: str, lab: str) -> dict:
    """The §6.2 record of the regression between v1 and v2, then the runner's result (§7)."""
    from kci_backend.app import State
    from kci_backend.services import bisect_records
    from kci_backend.settings import Settings

    lava_import(backend, run_body(job, "v1", lab, "kevin", "pass"))
    lava_import(backend, run_body(job, "v2", lab, "kevin", "fail"))

    async def records(db):
        state = State(Settings(database_url=backend.database_url, storage_dir=backend.storage_dir), db, None)
        async with db.transaction() as tx:
            return await bisect_records.records_for_test_report(state, tx, job, "master", "v2", "baseline")

    assert len(backend.run(records)) == 1
    keys = {"type": "test", "arch": "arm64", "defconfig_full": "defconfig", "build_environment": "gcc-10",
            "job": job, "kernel": "v2", "git_branch": "master", "lab_name": lab, "device_type": "kevin",
            "test_case_path": "baseline.dmesg.crit", "good_commit": commit(job, "v1"), "bad_commit": commit(job, "v2")}
    result = {"good_summary": "v1 is fine", "bad_summary": "v2: crit messages",
              "found_summary": "0123abcd mm: break everything", "log": "bisect.log",
              "checks": {"verify": "PASS", "revert": "PASS"}}
    r = api.post("/bisect", json={**keys, **result})
    assert r.status_code == 202, r.text
    return keys


def trigger(keys: dict, **fields) -> dict:
    bisection = {k: v for k, v in keys.items() if k not in ("job", "kernel", "git_branch")}
    fields = {"report_type": "bisect", "log": "bisect-result.json", "send_to": ["Jane Dev <jane@example.org>"],
              "subject": f"{keys['job']}/master bisection: baseline.dmesg.crit on kevin",
              "send_cc": "list@example.org", **bisection, **fields}
    return send_body(keys["job"], keys["kernel"], **fields)


def test_bisection_report(mail_backend, mail_api, mailbox, unique):
    job, lab = f"bisect-{unique}", f"lab-{unique}"
    keys = make_bisection(mail_backend, mail_api, job, lab)
    directory = f"{job}/master/v2/arm64/defconfig/gcc-10/{lab}"
    put_file(mail_backend.storage_dir / directory, "bisect-result.json", json.dumps({"show": SHOW, "log": BISECT_LOG}))
    r = mail_api.post("/send", json=trigger(keys, delay="0"))
    assert r.status_code == 202, r.text
    assert r.json()["result"][0]["lab_name"] == lab
    [mail] = mailbox.reports(job)
    assert mail.header("Subject") == f"{job}/master bisection: baseline.dmesg.crit on kevin"
    assert mail.header("X-Kernelci-Report-Type") == "bisect"
    assert mail.header("X-Kernelci-Lab-Name") == lab
    assert mail.header("To") == "Jane Dev <jane@example.org>"
    assert mail.rcpt_tos == ["jane@example.org", "list@example.org"]  # display names do not reach the envelope
    assert mail.message.get_content_type() == "text/plain"
    text = mail.message.get_content()
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0].startswith("* * *") and len(text.splitlines()[0]) == 79
    assert 'Reported-by: "kernelci.org bot" <bot@kernelci.org>' in text
    assert "Start:      v2: crit messages" in lines
    assert "Result:     0123abcd mm: break everything" in lines
    assert any(line.startswith("Plain log:") and line.endswith(f"/{directory}/baseline.txt") for line in lines)
    assert any(line.startswith("HTML log:") and line.endswith(f"/{directory}/baseline.html") for line in lines)
    checks = lines[lines.index("Checks:") + 1:lines.index("Checks:") + 3]
    assert checks == ["revert:     PASS", "verify:     PASS"]  # sorted by name, padded to 11
    for expected in ("Tree:       " + job, "Branch:     master", "Target:     kevin", "CPU arch:   arm64",
                     "Lab:        " + lab, "Config:     defconfig", "Test case:  baseline.dmesg.crit"):
        assert expected in lines
    assert "mm: break <everything>" in lines and "git bisect good cccc" in lines
    assert text.count("-" * 79) == 4
    assert wait_for_report(mail_api, job, "bisect")["status"] == "SENT"

    # the same result is not reported twice within 24 h, even for another trigger
    r = mail_api.post("/send", json=trigger(keys, subject="Another subject"))
    assert r.status_code == 202
    assert [t["state"] for t in wait_until_reported(mail_backend, job, 2)] == ["done", "done"]
    assert len(mailbox.find(lambda m: m.header("X-Kernelci-Tree") == job)) == 1
    assert wait_for_report(mail_api, job, "bisect")["updated_on"] is None  # not written again


def test_no_matching_bisection_no_email(mail_backend, mail_api, mailbox, unique):
    job, lab = f"nobisect-{unique}", f"lab-{unique}"
    keys = make_bisection(mail_backend, mail_api, job, lab)
    for changed in ({"bad_commit": "f" * 40}, {"type": "boot"}):
        assert mail_api.post("/send", json=trigger({**keys, **changed})).status_code == 202
    # found, but its log was never uploaded, or is named outside the storage root
    for log in ("missing.json", "../../../../../../../../../etc/hostname"):
        assert mail_api.post("/send", json=trigger(keys, log=log, subject=log)).status_code == 202
    tasks = wait_until_reported(mail_backend, job, 4)
    assert sorted(t["state"] for t in tasks) == ["done", "done", "failed", "failed"]
    assert all("bisection log" in t["last_error"] for t in tasks if t["state"] == "failed")
    assert not mailbox.find(lambda m: m.header("X-Kernelci-Tree") == job)
    assert mail_api.get("/report", params={"job": job}).json()["count"] == 0
