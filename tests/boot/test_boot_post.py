"""POST /boot: the stored document, identity updates, linkage, and refusals (boot.md §2–§4)."""

from __future__ import annotations

import pytest

from boot_helpers import boots_of, make_token, post_build, report


def test_post_stores_every_key_with_defaults(api, lab, unique):
    body = report(unique, lab_name=lab.name, boot_warnings=1, endian="little", boot_log="boot.txt",
                  loadaddr="0x80200000", mach_alias="omap", mach="ti", metadata={"a": [1, 2]})
    r = lab.post(body)
    assert r.status_code == 202, r.text
    assert r.json() == {"code": 202, "reason": "Request accepted and being imported"}
    [doc] = boots_of(api, body["job"])
    assert set(doc["_id"]) == {"$oid"} and set(doc["created_on"]) == {"$date"}
    assert doc["status"] == "PASS"
    assert doc["time"] == {"$date": 10400}
    assert doc["warnings"] == 1 and doc["retries"] == 0
    assert doc["load_addr"] == "0x80200000"
    assert doc["mach"] == "omap"  # mach_alias wins (D2)
    assert doc["defconfig_full"] == "multi_v7_defconfig"  # defaults to defconfig
    assert doc["metadata"] == {"a": [1, 2]}
    assert doc["fastboot"] is False and doc["dtb_append"] is False  # D6
    # Every key of boot.md §2.1 is present, unset ones as null.
    for key in ("board_instance", "device_type", "boot_result_description", "dtb", "initrd", "qemu", "plan",
                "plan_variant", "job_id", "build_id", "compiler", "kernel_image_size", "boot_log_html"):
        assert key in doc and doc[key] is None, key
    assert "identity_key" not in doc
    assert len(doc) == 59


def test_optional_values_are_stored_as_sent(api, lab, unique):
    body = report(unique, lab_name=lab.name, boot_time="12.5", boot_warnings=None, fastboot="yes",
                  boot_log=7, dtb_append=None, boot_job_id=4242)
    assert lab.post(body).status_code == 202
    [doc] = boots_of(api, body["job"])
    assert doc["time"] == {"$date": 12500}  # a numeric string counts
    assert doc["warnings"] is None  # null stays null; the default is only for absent keys
    assert doc["fastboot"] == "yes" and doc["boot_log"] == 7 and doc["dtb_append"] is None
    assert doc["boot_job_id"] == "4242"
    assert [d["_id"] for d in boots_of(api, body["job"], boot_job_id="4242")] == [doc["_id"]]


@pytest.mark.parametrize("boot_time", [-1, "abc", "nan", "1e400", 1e300, True, None, [1]])
def test_unusable_boot_time_is_epoch(api, lab, unique, boot_time):
    body = report(unique, lab_name=lab.name, boot_time=boot_time)
    assert lab.post(body).status_code == 202
    assert boots_of(api, body["job"])[0]["time"] == {"$date": 0}


def test_status_defaults_to_unknown_and_unknown_keys_are_reported(api, lab, unique):
    body = report(unique, lab_name=lab.name, boot_result=..., colour="blue", status="PASS", compiler="x")
    r = lab.post(body)
    assert r.status_code == 202
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: colour"]
    [doc] = boots_of(api, body["job"])
    assert doc["status"] == "UNKNOWN" and doc["compiler"] is None and "colour" not in doc


def test_same_identity_updates_in_place(api, lab, unique):
    first = report(unique, lab_name=lab.name, boot_result="FAIL", dtb="a.dtb", board_instance="one")
    assert lab.post(first).status_code == 202
    [before] = boots_of(api, first["job"])
    second = report(unique, lab_name=lab.name, boot_result="PASS", board_instance="two")
    assert lab.post(second).status_code == 202
    [after] = boots_of(api, first["job"])
    assert after["_id"] == before["_id"] and after["created_on"] == before["created_on"]
    assert after["status"] == "PASS" and after["board_instance"] == "two"
    assert after["dtb"] is None  # replaced as a whole: absent keys fall back to defaults


def test_null_build_environment_matches_null(api, lab, unique):
    for result in ("FAIL", "PASS"):
        assert lab.post(report(unique, lab_name=lab.name, build_environment=None, boot_result=result)).status_code == 202
    assert [d["status"] for d in boots_of(api, f"next-{unique}")] == ["PASS"]
    assert lab.post(report(unique, lab_name=lab.name, build_environment="clang-9")).status_code == 202
    assert len(boots_of(api, f"next-{unique}")) == 2


def test_identity_is_case_sensitive_and_ignores_board_instance(api, lab, unique):
    assert lab.post(report(unique, lab_name=lab.name, board_instance="a")).status_code == 202
    assert lab.post(report(unique, lab_name=lab.name, board_instance="b")).status_code == 202
    assert len(boots_of(api, f"next-{unique}")) == 1
    assert lab.post(report(unique, lab_name=lab.name, board="AM335X-boneblack")).status_code == 202
    assert len(boots_of(api, f"next-{unique}")) == 2


def test_links_to_job_and_build(api, lab, unique):
    job = f"next-{unique}"
    build = post_build(api, unique, compiler="gcc", compiler_version="8.3.0",
                       compiler_version_full="gcc (Debian 8.3.0-2) 8.3.0", cross_compile="arm-linux-gnueabihf-",
                       kernel_image_size=1234, git_commit="abc", git_describe="next-20191210",
                       git_url="https://example.org/linux.git")
    job_id = build["job_id"]["$oid"]
    body = report(unique, lab_name=lab.name, git_commit="posted", compiler_version="9", kernel_image_size=1)
    assert lab.post(body).status_code == 202
    [doc] = boots_of(api, job)
    assert doc["job_id"] == {"$oid": job_id} and doc["build_id"] == build["_id"]
    assert doc["git_commit"] == "posted"  # the report's own value wins
    assert doc["git_describe"] == "next-20191210" and doc["git_url"] == "https://example.org/linux.git"
    assert (doc["compiler"], doc["compiler_version"], doc["kernel_image_size"]) == ("gcc", "8.3.0", 1234)
    assert doc["cross_compile"] == "arm-linux-gnueabihf-"
    assert doc["compiler_version_full"] == doc["compiler_version_ext"] == "gcc (Debian 8.3.0-2) 8.3.0"
    # A boot of another build environment does not link.
    assert lab.post(report(unique, lab_name=lab.name, build_environment="clang-9")).status_code == 202
    [other] = boots_of(api, job, build_environment="clang-9")
    assert other["build_id"] is None and other["job_id"] == {"$oid": job_id}


def test_boot_without_job_or_build_is_stored_unlinked(api, lab, unique):
    assert lab.post(report(unique, lab_name=lab.name)).status_code == 202
    [doc] = boots_of(api, f"next-{unique}")
    assert doc["job_id"] is None and doc["build_id"] is None
    build = post_build(api, unique)
    assert boots_of(api, f"next-{unique}")[0]["build_id"] is None  # not re-linked when the build arrives
    assert lab.post(report(unique, lab_name=lab.name)).status_code == 202
    assert boots_of(api, f"next-{unique}")[0]["build_id"] == build["_id"]  # but on the lab's re-POST


# -- refusals: 4xx and nothing written --------------------------------------------------------

BAD_BODIES = [
    ({"board": ...}, "One or more mandatory keys are missing: ['board']"),
    ({"kernel": ""}, "Key 'kernel' must be a non-empty string and not null"),
    ({"job": "None"}, "Key 'job' must be a non-empty string and not null"),
    ({"defconfig": "NULL"}, "Key 'defconfig' must be a non-empty string and not null"),
    ({"arch": 5}, "Key 'arch' must be a non-empty string and not null"),
    ({"version": "2.0"}, "Key 'version' must be one of: 1.0, 1.1"),
    ({"boot_result": "pass"}, "Key 'boot_result' must be one of: PASS, FAIL, OFFLINE, UNTRIED, UNKNOWN"),
    ({"boot_warnings": "many"}, "Key 'boot_warnings' must be an integer or null"),
    ({"boot_retries": 2 ** 63}, "Key 'boot_retries' must be an integer or null"),
    ({"build_environment": 8}, "Key 'build_environment' must be a string or null"),
    ({"device_type": ["x"]}, "Key 'device_type' must be a string or null"),
    ({"dtb": "a\u0000b"}, "Key 'dtb' contains a NUL character"),
]


@pytest.mark.parametrize("change,error", BAD_BODIES)
def test_bad_report_is_400_and_nothing_written(api, lab, unique, change, error):
    r = lab.post(report(unique, lab_name=lab.name, **change))
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == "Provided JSON is not valid"
    assert error in r.json()["errors"]
    assert boots_of(api, f"next-{unique}") == []


def test_content_and_shape_checks(lab, unique):
    r = lab.client.post("/boot", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = lab.client.post("/boot", content=b"{not json", headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 422 and r.json()["reason"] == "No JSON data found in the POST request"
    r = lab.client.post("/boot", json=[report(unique, lab_name=lab.name)])
    assert r.status_code == 400 and r.json()["errors"] == ["Provided data is not JSON"]


def test_validation_comes_after_the_token_check(backend, unique):
    reader = backend.client(backend.token(get=1))
    assert reader.post("/boot", content=b"{bad", headers={"Content-Type": "application/json"}).status_code == 403
    assert backend.client().post("/boot", json={}).json() == {"code": 403}


# -- lab authorisation (boot.md §4.3, SEC-8) ---------------------------------------------------


def test_lab_token_for_another_lab_is_403_and_nothing_written(api, lab, other_lab, unique):
    r = other_lab.post(report(unique, lab_name=lab.name))
    assert r.status_code == 403
    assert r.json()["reason"] == (f"Provided authentication token is not associated with lab '{lab.name}' "
                                  "or is not valid")
    assert boots_of(api, f"next-{unique}") == []


def test_unknown_lab_is_403_even_for_admin(api, unique):
    r = api.post("/boot", json=report(unique, lab_name=f"lab-missing-{unique}"))
    assert r.status_code == 403 and "is not associated with lab" in r.json()["reason"]


def test_admin_may_post_with_a_warning(api, lab, unique):
    r = api.post("/boot", json=report(unique, lab_name=lab.name))
    assert r.status_code == 202
    assert r.json()["errors"] == ["Using an admin token to send boot reports: use the lab token"]
    assert len(boots_of(api, f"next-{unique}")) == 1


@pytest.mark.parametrize("flags", [{"superuser": 1}, {"get": 1, "post": 1, "delete": 1}])
def test_other_tokens_with_post_are_refused(backend, api, lab, unique, flags):
    value, _ = make_token(backend, **flags)
    r = backend.client(value).post("/boot", json=report(unique, lab_name=lab.name))
    assert r.status_code == 403
    assert boots_of(api, f"next-{unique}") == []


def test_expired_lab_token_is_refused(backend, api, lab, unique):
    r = api.put(f"/token/{lab.token_id}", json={"expired": True})
    assert r.status_code == 200, r.text
    import time

    time.sleep(1.1)  # the server caches token lookups for a second in tests
    assert lab.post(report(unique, lab_name=lab.name)).json() == {"code": 403}


def test_admin_with_lab_bit_posts_only_for_its_own_lab(backend, api, lab, unique):
    value, token_id = make_token(backend, admin=1, lab=1)
    r = backend.client(value).post("/boot", json=report(unique, lab_name=lab.name))
    assert r.status_code == 403  # SEC-8: a lab token submits only for its linked lab


def test_put_is_501_after_the_token_check(backend, lab):
    assert lab.client.put("/boot", json={}).status_code == 501
    assert lab.client.put("/boot/" + "a" * 24, json={}).status_code == 501
    reader = backend.client(backend.token(get=1))
    assert reader.put("/boot", json={}).status_code == 403
