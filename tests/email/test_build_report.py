"""Build reports (email-reports.md §3) built from builds imported over HTTP, received over SMTP."""

from __future__ import annotations

from mail_support import BASE_URL, INFO_EMAIL, SENDER, SENDER_DESC, post_build, send_body


GIT_URL = "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git"
SHA = "1111222233334444555566667777888899990000"


def _seed(api, storage, job, kernel):
    post_build(api, storage, job, kernel, arch="arm64", defconfig="defconfig", status="PASS", git_url=GIT_URL,
               git_commit=SHA,
               log="drivers/a.c:1:2: warning: unused variable 'x'\n")
    post_build(api, storage, job, kernel, arch="mips", defconfig="malta_defconfig", status="FAIL",
               log="arch/mips/foo.c:12:3: error: 'bar' undeclared\narch/mips/foo.c:13:3: error: 'baz' <undeclared>\n")
    post_build(api, storage, job, kernel, arch="x86_64", defconfig="tinyconfig", environment="clang-13",
               status="PASS")
    api.post("/job", json={"job": job, "kernel": kernel, "git_branch": "master", "status": "PASS"})


def test_build_report_text_and_html(mail_backend, mail_api, mailbox, unique):
    job, kernel = f"mail-{unique}", f"v6.1-{unique}"
    _seed(mail_api, mail_backend.storage_dir, job, kernel)
    r = mail_api.post("/send", json=send_body(job, kernel, build_report=1, format=["txt", "html"],
                                              send_cc="Lists <list@example.org>", send_bcc=["hidden@example.org"],
                                              in_reply_to="<thread-1@example.org>"))
    assert r.status_code == 202, r.text
    [mail] = mailbox.reports(job, kernel)
    subject = f"{job}/master build: 3 builds: 1 failed, 2 passed, 2 errors, 1 warning ({kernel})"
    assert mail.header("Subject") == subject
    assert mail.header("X-Kernelci-Report-Type") == "build"
    assert mail.header("X-Kernelci-Tree") == job
    assert mail.header("X-Kernelci-Branch") == "master"
    assert mail.header("X-Kernelci-Lab-Name") is None
    assert mail.header("From") == f"{SENDER_DESC} <{SENDER}>"
    assert mail.header("To") == "dev@example.org"
    assert mail.header("Cc") == "Lists <list@example.org>"
    assert mail.header("Bcc") is None
    assert mail.header("In-Reply-To") == mail.header("References") == "<thread-1@example.org>"
    assert mail.header("Date") and mail.header("Message-ID").endswith("@example.org>")
    assert mail.mail_from == SENDER
    assert mail.rcpt_tos == ["dev@example.org", "list@example.org", "hidden@example.org"]
    assert mail.message.get_content_type() == "multipart/alternative"
    text = mail.part("plain")
    lines = text.splitlines()
    assert lines[0] == subject
    assert f"Full Build Summary: {BASE_URL}/build/{job}/branch/master/kernel/{kernel}/" in lines
    assert "Built: 3 unique architectures" in lines
    assert f"Git Commit: {SHA}" in lines and f"Git URL: {GIT_URL}" in lines
    assert "Build Failure Detected:" in lines
    assert "    malta_defconfig: (gcc-10) FAIL" in lines
    assert "Errors and Warnings Detected:" in lines
    assert "    defconfig (gcc-10): 1 warning" in lines
    assert "    malta_defconfig (gcc-10): 2 errors" in lines
    assert f"For more info write to <{INFO_EMAIL}>" in lines
    html = mail.part("html")
    assert f"<title>{subject}</title>" in html
    assert "&lt;undeclared&gt;" in html and "<undeclared>" not in html  # data is escaped
    assert 'style="color: #d9534f;"' in html
    web_view = f"https://git.kernel.org/cgit/linux/kernel/git/torvalds/linux.git/commit/?id={SHA}"
    assert f'<a href="{web_view}">{GIT_URL}</a>' in html
