"""Boot reports (email-reports.md §4) from boots and boot regressions imported over HTTP."""

from __future__ import annotations

from kci_backend import models
from kci_backend.query.params import Condition
from kci_backend.store.documents import Documents

from mail_support import BASE_URL, lab_client, post_boot, send_body, wait_for_report


def _seed(backend, job: str, unique: str) -> tuple[str, str]:
    lab_a, lab_b = f"lab-a-{unique}", f"lab-b-{unique}"
    a, b = lab_client(backend, lab_a), lab_client(backend, lab_b)
    post_boot(a, lab_a, job, "k1", "board1", "PASS")
    post_boot(a, lab_a, job, "k2", "board1", "FAIL")  # regression: passed on k1
    post_boot(a, lab_a, job, "k2", "board2", "FAIL")  # conflict: lab b boots it
    post_boot(b, lab_b, job, "k2", "board2", "PASS")
    post_boot(b, lab_b, job, "k2", "board3", "OFFLINE")
    post_boot(b, lab_b, job, "k2", "board4", "PASS", mach="soc-x")
    post_boot(a, lab_a, job, "k2", "board5", "FAIL")
    return lab_a, lab_b


def test_boot_report_all_labs_and_one_lab(mail_backend, mail_api, mailbox, unique):
    job = f"boot-{unique}"
    lab_a, lab_b = _seed(mail_backend, job, unique)
    r = mail_api.post("/send", json=send_body(job, "k2", boot_report=1, format=["txt", "html"]))
    assert r.status_code == 202, r.text
    r = mail_api.post("/send", json=send_body(job, "k2", boot_report=1, lab_name=lab_a))
    assert r.status_code == 202, r.text
    mails = mailbox.wait_for(lambda m: m.header("X-Kernelci-Tree") == job, count=2)
    [every] = [m for m in mails if m.header("X-Kernelci-Lab-Name") is None]
    [one_lab] = [m for m in mails if m.header("X-Kernelci-Lab-Name") == lab_a]

    subject = f"{job}/master boot: 6 boots: 2 failed, 2 passed with 1 offline, 1 conflict (k2)"
    assert every.header("Subject") == subject
    assert every.header("X-Kernelci-Report-Type") == "boot"
    text = every.part("plain")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == subject
    assert f"Full Boot Summary: {BASE_URL}/boot/all/job/{job}/branch/master/kernel/k2/" in lines
    assert "Tested: 5 unique boards, 1 SoC family, 1 build out of 0" in lines
    assert "Boot Regressions Detected:" in lines
    assert f"{lab_a}: new failure (last pass: k1)" in lines
    assert "Boot Failures Detected:" in lines
    assert "board5: 1 failed lab" in lines
    assert "board1: 1 failed lab" in lines
    assert "Offline Platforms:" in lines and "board3: 1 offline lab" in lines
    conflict = next(line for line in lines if line.startswith("Conflicting Boot Failure Detected:"))
    assert "review" in conflict
    assert f"{lab_a}: FAIL (gcc-10)" in lines and f"{lab_b}: PASS (gcc-10)" in lines
    failures = text.split("Boot Failures Detected:")[1].split("Offline Platforms:")[0]
    assert "board2" not in failures  # a conflicting failure is listed as a conflict only
    html = every.part("html")
    assert f'href="{BASE_URL}/boot/board5/job/{job}/branch/master/kernel/k2/defconfig/multi_v7_defconfig/"' in html
    assert f'href="{BASE_URL}/boot/all/job/{job}/branch/master/kernel/k2/#regressions"' in html

    assert one_lab.header("Subject") == f"{job}/master boot: 3 boots: 3 failed, 0 passed (k2) - {lab_a}"
    assert one_lab.message.get_content_type() == "text/plain"
    assert "Conflicting" not in one_lab.message.get_content()


def test_boot_report_makes_bisection_records_even_without_email(mail_backend, mail_api, mailbox, unique):
    """Gathering a boot report files a bisection record per boot regression (bisect.md §6.1)."""
    job = f"bisrec-{unique}"
    lab = f"lab-{unique}"
    client = lab_client(mail_backend, lab)
    post_boot(client, lab, job, "k1", "board1", "PASS", git_commit="a" * 40)
    post_boot(client, lab, job, "k2", "board1", "FAIL", git_commit="b" * 40)
    # every recipient is refused: no email goes out, the records are still made
    r = mail_api.post("/send", json=send_body(job, "k2", boot_report=1, send_to="reject-me@example.org"))
    assert r.status_code == 202

    report = wait_for_report(mail_api, job, "boot")
    assert report["status"] == "ERROR"
    assert report["errors"][0][0] == 550 and "reject-me@example.org" in report["errors"][0][1]

    def records(db):
        return Documents(db, models.get("bisect")).find([Condition("job", "eq", job)])

    [record] = mail_backend.run(records)
    assert (record["type"], record["good_commit"], record["bad_commit"]) == ("boot", "a" * 40, "b" * 40)
    assert record["lab_name"] == lab
    assert not mailbox.find(lambda m: m.header("X-Kernelci-Tree") == job)
