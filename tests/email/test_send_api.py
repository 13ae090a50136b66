"""POST /send (send.md): validation, defaults, warnings, duplicates and the 202 answer."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mail_support import ERROR_EMAIL

MAX_DELAY = 18000


def body(unique: str, **fields) -> dict:
    """A valid build trigger; nothing is ever reported for this made-up kernel."""
    return {"job": f"send-{unique}", "kernel": "v1", "git_branch": "master", "build_report": 1,
            "send_to": ["dev@example.org"], "delay": 600, **fields}


def test_methods_other_than_post(mail_backend, mail_api, unique):
    reader = mail_backend.client(mail_backend.token(get=1))
    assert reader.get("/send").status_code == 501
    assert mail_backend.client().get("/send").status_code == 403
    assert mail_api.put("/send", json=body(unique)).status_code == 501
    assert mail_api.delete("/send").status_code == 501
    assert mail_backend.client(mail_backend.token(post=1, lab=1)).delete("/send").status_code == 403
    assert mail_api.post("/send/anything", json=body(unique)).status_code == 404
    assert mail_api.post("/send/", json=body(unique)).status_code == 202


@pytest.mark.parametrize("flags", [{"post": 1, "lab": 1}, {"post": 1, "test_lab": 1}, {"get": 1}])
def test_lab_and_read_tokens_cannot_send(mail_backend, unique, flags):
    client = mail_backend.client(mail_backend.token(**flags))
    r = client.post("/send", json=body(unique))
    assert r.status_code == 403


def test_post_token_can_send(mail_backend, unique):
    client = mail_backend.client(mail_backend.token(post=1))
    assert client.post("/send", json=body(unique)).status_code == 202


def test_envelope_errors(mail_api, unique):
    r = mail_api.post("/send", content=b'{"job": "x"}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = mail_api.post("/send", content=b"{not json", headers={"Content-Type": "application/json; charset=utf-8"})
    assert (r.status_code, r.json()["reason"]) == (422, "No JSON data found in the POST request")
    r = mail_api.post("/send", json=[body(unique)])
    assert r.status_code == 400 and r.json()["errors"] == ["Provided data is not JSON"]


def test_mandatory_keys(mail_api, unique):
    r = mail_api.post("/send", json={"kernel": "v1", "build_report": 1, "send_to": "a@example.org"})
    assert r.status_code == 400
    assert r.json()["reason"] == "Provided JSON is not valid"
    assert any("mandatory keys are missing" in e and "job" in e and "git_branch" in e for e in r.json()["errors"])
    for key, value in (("job", ""), ("kernel", 7), ("git_branch", None)):
        r = mail_api.post("/send", json=body(unique, **{key: value}))
        assert r.status_code == 400, (key, r.text)
        assert key in " ".join(r.json()["errors"])


def test_202_answer(mail_api, unique):
    before = time.time()
    r = mail_api.post("/send", json=body(unique, foo=1, bar=2, delay=60, format=["txt", "html"]))
    after = time.time()
    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["code"] == 202
    assert answer["errors"] == ["Found non recognizable keys, they will not be considered: foo, bar"]
    [entry] = answer["result"]
    assert entry["report_type"] == "build" and entry["job"] == f"send-{unique}"
    assert (entry["kernel"], entry["git_branch"], entry["delay"]) == ("v1", "master", 60)
    assert entry["format"] == ["txt", "html"]
    assert (entry["to"], entry["cc"], entry["bcc"]) == (["dev@example.org"], [], [])
    send_at = entry["send_at"]["$date"] / 1000
    assert before + 60 - 1 <= send_at <= after + 60 + 1
    assert answer["reason"].startswith("build email report scheduled to be sent at '")
    assert answer["reason"].endswith("+00:00' UTC")


def test_default_delay_and_its_limits(mail_api, unique):
    def delay_of(**fields):
        r = mail_api.post("/send", json=body(f"{unique}-{len(fields)}-{list(fields.values())!r}", **fields))
        assert r.status_code == 202, r.text
        return r.json()["result"][0]["delay"], r.json().get("errors", [])

    assert delay_of(delay=None) == (3600, [])
    assert delay_of(delay="60") == (60, [])
    assert delay_of(delay=" 75 ") == (75, [])
    assert delay_of(delay=12.9) == (12, [])
    assert delay_of(delay=0) == (0, [])
    seconds, warnings = delay_of(delay=-30)
    assert seconds == 30 and len(warnings) == 1
    seconds, warnings = delay_of(delay=99999)
    assert seconds == MAX_DELAY and "99999" in warnings[0] and str(MAX_DELAY) in warnings[0]
    for bad in (True, "soon", "1.5", [], {"s": 1}):
        r = mail_api.post("/send", json=body(unique, delay=bad))
        assert r.status_code == 400, bad
        assert r.json()["reason"].startswith("Wrong value specified for 'delay'")


def test_report_kinds(mail_api, unique):
    r = mail_api.post("/send", json=body(unique, build_report=None, report_type="foo"))
    assert r.status_code == 400 and "Invalid report type: foo" in r.json()["reason"]
    r = mail_api.post("/send", json=body(unique, build_report=0))
    assert r.status_code == 400 and "Invalid report type: None" in r.json()["reason"]
    r = mail_api.post("/send", json=body(unique, build_report="maybe"))
    assert r.status_code == 400
    r = mail_api.post("/send", json=body(unique, build_report="TRUE", boot_report="1", report_type="build"))
    assert r.status_code == 202
    assert [e["report_type"] for e in r.json()["result"]] == ["build", "boot"]
    assert r.json()["reason"].count("scheduled to be sent") == 2


def test_format_normalisation(mail_api, unique):
    def formats(value, n):
        r = mail_api.post("/send", json=body(f"{unique}-{n}", format=value))
        assert r.status_code == 202, r.text
        return r.json()["result"][0]["format"], r.json().get("errors", [])

    assert formats(None, 1) == (["txt"], [])
    assert formats("", 2) == (["txt"], [])
    assert formats("html", 3) == (["html"], [])
    assert formats(["html", "pdf", "txt", "html"], 4) == (["html", "txt"],
                                                         ["Invalid email format 'pdf' specified, will be ignored"])
    chosen, warnings = formats(["pdf"], 5)
    assert chosen == ["txt"] and len(warnings) == 2


def test_kind_specific_fields(mail_api, unique):
    r = mail_api.post("/send", json=body(unique, build_report=None, report_type="test"))
    assert r.status_code == 400
    assert r.json()["errors"] == ["Missing keys for test report: plan"]
    r = mail_api.post("/send", json=body(unique, build_report=None, report_type="bisect", lab_name="lab",
                                         type="test", arch="arm64"))
    assert r.status_code == 400
    [error] = r.json()["errors"]
    assert error.startswith("Missing keys for bisect report:")
    for key in ("defconfig_full", "good_commit", "bad_commit", "log", "subject"):
        assert key in error
    assert "arch" not in error.split(":", 1)[1].split(", ")
    r = mail_api.post("/send", json=body(unique, build_report=None, report_type="test", plan="baseline",
                                         template="v4l2-compliance-uvc", lab_name="ignored"))
    assert r.status_code == 202
    [entry] = r.json()["result"]
    assert (entry["plan"], entry["template"]) == ("baseline", "v4l2-compliance-uvc")
    assert "lab_name" not in entry
    r = mail_api.post("/send", json=body(unique, subject=["not", "text"]))
    assert r.status_code == 400


def test_recipients(mail_api, unique):
    r = mail_api.post("/send", json=body(unique, send_to=None, send_cc=["cc@example.org"]))
    assert r.status_code == 400
    assert r.json()["reason"] == "No build email reports scheduled to be sent"
    assert r.json()["errors"] == ["No email addresses provided to send build report to"]
    assert mail_api.post("/send", json=body(unique, send_to=["a@example.org", 3])).status_code == 400
    assert mail_api.post("/send", json=body(unique, send_to=[""])).status_code == 400
    r = mail_api.post("/send", json={
        "job": f"kinds-{unique}", "kernel": "v1", "git_branch": "master", "lab_name": "lab-a", "boot_report": 1,
        "build_report": 1, "send_to": "all@example.net", "build_send_cc": ["builds@example.net"],
        "boot_send_to": ["boots@example.net", "all@example.net"], "send_bcc": "b@example.net, c@example.net"})
    assert r.status_code == 202, r.text
    build, boot = r.json()["result"]
    assert (build["report_type"], build["to"], build["cc"]) == ("build", ["all@example.net"], ["builds@example.net"])
    assert (boot["report_type"], boot["to"], boot["cc"]) == ("boot", ["boots@example.net", "all@example.net"], [])
    assert build["bcc"] == boot["bcc"] == ["b@example.net, c@example.net"]  # a string is never split
    assert boot["lab_name"] == "lab-a" and "lab_name" not in build


def test_duplicates(mail_api, mailbox, unique):
    first = body(unique)
    assert mail_api.post("/send", json=first).status_code == 202
    r = mail_api.post("/send", json={**first, "delay": 5})  # another delay is still the same trigger
    assert r.status_code == 409
    assert r.json() == {"code": 409, "reason": "Email request already registered"}
    r = mail_api.post("/send", json={**first, "boot_report": 1})
    assert r.status_code == 202
    assert [e["report_type"] for e in r.json()["result"]] == ["boot"]
    assert r.json()["errors"] == ["build email report already registered, ignored"]
    # another recipient list, subject or format is another trigger
    assert mail_api.post("/send", json={**first, "send_cc": "x@example.org"}).status_code == 202
    assert mail_api.post("/send", json={**first, "format": "html"}).status_code == 202
    # each refused duplicate is reported to error_email
    notices = mailbox.wait_for(lambda m: m.header("Subject") == (
        f"Duplicate email trigger received for send-{unique} - master - v1"), count=2)
    notice = notices[0]
    assert notice.rcpt_tos == [ERROR_EMAIL]
    assert notice.header("X-Kernelci-Report-Type") is None
    assert notice.message.get_content_type() == "text/plain"
    assert "dev@example.org" in notice.message.get_content()


def test_rejected_trigger_is_not_recorded(mail_api, unique):
    incomplete = body(unique, send_to=None)
    assert mail_api.post("/send", json=incomplete).status_code == 400
    assert mail_api.post("/send", json={**incomplete, "send_to": "dev@example.org"}).status_code == 202


def test_identical_concurrent_triggers_are_accepted_once(mail_backend, unique):
    trigger = body(unique)

    def post(_):
        return mail_backend.client(mail_backend.admin_token).post("/send", json=trigger).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(post, range(12)))
    assert statuses == [202] + [409] * 11
