"""POST /upload (upload.md §3): multipart uploads of several files into a directory."""

from __future__ import annotations

import os
import stat

import pytest

from upload_support import field, file, multipart, post_form

# Every byte value, CR LF pairs and something that looks like a boundary: content must survive as is.
BINARY = bytes(range(256)) * 4 + b"\r\n--kci-test-boundary-7f3a9\r\n--kci-test-boundary-7f3a" + bytes(range(255, -1, -1))


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_files_with_folders_land_below_path(backend, uploader, unique):
    base = f"mainline-{unique}/master/v5.10-rc3/arm64/defconfig/gcc-10"
    r = post_form(uploader, field("path", base), file("./bmeta.json", b'{"a": 1}', "file0"),
                  file("dtbs/arm/board-a.dtb", BINARY, "file1"))
    assert entries(r) == [
        {"filename": "./bmeta.json", "status": 201, "bytes": 8, "error": None},
        {"filename": "dtbs/arm/board-a.dtb", "status": 201, "bytes": len(BINARY), "error": None},
    ]
    root = backend.storage_dir / base
    assert (root / "bmeta.json").read_bytes() == b'{"a": 1}'
    assert (root / "dtbs/arm/board-a.dtb").read_bytes() == BINARY


def test_existing_file_is_replaced_and_later_part_wins(backend, uploader, unique):
    base = f"replace-{unique}"
    assert entries(post_form(uploader, field("path", base), file("a.txt", b"old")))[0]["status"] == 201
    result = entries(post_form(uploader, field("path", base), file("a.txt", b"newer", "f1"),
                               file("./a.txt", b"newest", "f2"), file("b.txt", b"b", "f3")))
    assert [(e["filename"], e["status"], e["bytes"]) for e in result] == [
        ("a.txt", 200, 5), ("./a.txt", 200, 6), ("b.txt", 201, 1)]
    assert (backend.storage_dir / base / "a.txt").read_bytes() == b"newest"


def test_every_file_part_is_saved_whatever_its_field_name(backend, uploader, unique):
    base = f"fields-{unique}"
    r = post_form(uploader, field("path", base), file("one", b"1", "file"), file("two", b"2", "file"),
                  file("three", b"3", "other"))
    assert [e["status"] for e in entries(r)] == [201, 201, 201]
    assert sorted(os.listdir(backend.storage_dir / base)) == ["one", "three", "two"]


def test_parts_without_file_name_are_fields_and_part_type_is_ignored(backend, uploader, unique):
    base = f"kinds-{unique}"
    body, content_type = multipart(field("path", base), field("notes", "not a file"),
                                   (b'form-data; name="x"; filename=""', b"no name: a field"),
                                   file("data.json", b"[1]"))
    body = body.replace(b"Content-Type: application/octet-stream", b"Content-Type: text/x-whatever")
    r = uploader.post("/upload", content=body, headers={"Content-Type": content_type})
    assert [e["filename"] for e in entries(r)] == ["data.json"]
    assert os.listdir(backend.storage_dir / base) == ["data.json"]


def test_rfc2231_file_name(backend, uploader, unique):
    base = f"rfc2231-{unique}"
    part = (b'form-data; name="f"; filename*=UTF-8\'\'d%C3%A9j%C3%A0%20vu.txt', b"x")
    result = entries(post_form(uploader, field("path", base), part))
    assert result[0]["filename"] == "déjà vu.txt" and result[0]["status"] == 201
    assert (backend.storage_dir / base / "déjà vu.txt").read_bytes() == b"x"


def test_documented_layout_when_path_is_absent(backend, uploader, unique):
    layout = [field("job", f"next-{unique}"), field("git_branch", "master"), field("kernel", "next-20200115"),
              field("arch", "arm64"), field("defconfig", "defconfig")]
    entries(post_form(uploader, *layout, file("a.txt", b"a")))
    assert (backend.storage_dir / f"next-{unique}/master/next-20200115/arm64/defconfig/a.txt").is_file()
    entries(post_form(uploader, *layout, field("defconfig_full", "defconfig+kselftest"),
                      field("lab_name", "lab-a"), file("b.txt", b"b")))
    assert (backend.storage_dir / f"next-{unique}/master/next-20200115/arm64/defconfig+kselftest/lab-a/b.txt"
            ).is_file()


def test_missing_layout_argument_is_named_in_table_order(backend, uploader, unique):
    r = post_form(uploader, field("job", f"j-{unique}"), field("arch", "x86"), file("a.txt", b"a"))
    assert r.status_code == 400 and r.json()["reason"] == "Missing argument git_branch"
    r = post_form(uploader, file("a.txt", b"a"))
    assert r.status_code == 400 and r.json()["reason"] == "Missing argument job"
    assert not (backend.storage_dir / f"j-{unique}").exists()


def test_query_string_values_and_form_values_win(backend, uploader, unique):
    r = post_form(uploader, file("q.txt", b"q"), url="/upload", params={"path": f"query-{unique}"})
    entries(r)
    assert (backend.storage_dir / f"query-{unique}/q.txt").is_file()
    r = post_form(uploader, field("path", f"form-{unique}"), file("f.txt", b"f"),
                  params={"path": f"lost-{unique}"})
    entries(r)
    assert (backend.storage_dir / f"form-{unique}/f.txt").is_file()
    assert not (backend.storage_dir / f"lost-{unique}").exists()


@pytest.mark.parametrize("path_value", ["", "/", "//", "."])
def test_empty_or_slash_path_means_the_root(backend, uploader, unique, path_value):
    name = f"root-file-{unique}.txt"
    entries(post_form(uploader, field("path", path_value), file(name, b"r")))
    assert (backend.storage_dir / name).read_bytes() == b"r"


def test_url_suffix_is_ignored_for_post(backend, uploader, unique):
    entries(post_form(uploader, field("path", f"suffix-{unique}"), file("s.txt", b"s"), url="/upload/elsewhere/x"))
    assert (backend.storage_dir / f"suffix-{unique}/s.txt").is_file()
    assert not (backend.storage_dir / "elsewhere").exists()


def test_no_file_part_is_refused_without_side_effects(backend, uploader, unique):
    r = post_form(uploader, field("path", f"nofiles-{unique}/deep"), field("job", "x"))
    assert r.status_code == 400 and r.json()["reason"] == "No files provided"
    assert not (backend.storage_dir / f"nofiles-{unique}").exists()


def test_one_bad_name_refuses_the_whole_request(backend, uploader, unique):
    base = f"allornothing-{unique}"
    r = post_form(uploader, field("path", base), file("good.txt", b"g", "f0"), file("../bad.txt", b"b", "f1"))
    assert r.status_code == 400 and "../bad.txt" in r.json()["reason"]
    assert not (backend.storage_dir / base).exists()
    assert not (backend.storage_dir / "bad.txt").exists()


def test_directory_component_that_is_a_file_is_a_conflict(backend, uploader, unique):
    entries(post_form(uploader, field("path", f"clash-{unique}"), file("plain", b"p")))
    r = post_form(uploader, field("path", f"clash-{unique}/plain/below"), file("x.txt", b"x"))
    assert r.status_code == 409 and r.json()["reason"] == "Provided path is not a directory"
    assert (backend.storage_dir / f"clash-{unique}/plain").read_bytes() == b"p"


def test_per_file_failures_keep_http_200(backend, uploader, unique):
    base = f"partial-{unique}"
    (backend.storage_dir / base / "adir").mkdir(parents=True)
    (backend.storage_dir / base / "afile").write_bytes(b"f")
    result = entries(post_form(uploader, field("path", base), file("adir", b"1", "f0"),
                               file("afile/sub.txt", b"2", "f1"), file("ok.txt", b"3", "f2")))
    assert result[0] == {"filename": "adir", "status": 409, "bytes": 0, "error": "Target 'adir' is a directory"}
    assert result[1]["status"] == 409 and result[1]["bytes"] == 0 and "afile" in result[1]["error"]
    assert result[2] == {"filename": "ok.txt", "status": 201, "bytes": 1, "error": None}
    assert (backend.storage_dir / base / "adir").is_dir()
    assert (backend.storage_dir / base / "afile").read_bytes() == b"f"


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain", "multipart/form-data",
                                          "multipart/mixed; boundary=x", "multipart/form-dataX; boundary=x"])
def test_not_multipart_form_data_is_415(uploader, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    r = uploader.post("/upload", content=b"--x--\r\n", headers=headers)
    assert r.status_code == 415
    assert r.json()["reason"] == "Wrong content type defined: Use multipart/form-data as the content type"


def test_media_type_is_compared_case_insensitively(backend, uploader, unique):
    body, content_type = multipart(field("path", f"case-{unique}"), file("c.txt", b"c"))
    r = uploader.post("/upload", content=body,
                      headers={"Content-Type": content_type.replace("multipart/form-data", "Multipart/Form-Data")})
    assert entries(r)[0]["status"] == 201


def test_malformed_body_is_400_and_writes_nothing(backend, uploader, unique):
    body, content_type = multipart(field("path", f"broken-{unique}"), file("x.txt", b"x" * 100))
    r = uploader.post("/upload", content=body[:-40], headers={"Content-Type": content_type})
    assert r.status_code == 400
    assert not (backend.storage_dir / f"broken-{unique}").exists()


def test_modes_and_no_temporary_leftovers(backend, uploader, unique):
    base = f"modes-{unique}"
    entries(post_form(uploader, field("path", f"{base}/d"), file("sub/f.bin", BINARY)))
    umask = os.umask(0)
    os.umask(umask)  # the server inherits the test's umask
    assert stat.S_IMODE((backend.storage_dir / base / "d/sub/f.bin").stat().st_mode) == 0o644 & ~umask
    for directory in (base, f"{base}/d", f"{base}/d/sub"):
        assert stat.S_IMODE((backend.storage_dir / directory).stat().st_mode) == 0o775 & ~umask
    assert os.listdir(backend.storage_dir / base / "d/sub") == ["f.bin"]
    assert os.listdir(backend.storage_dir / ".kci-staging") == []


@pytest.mark.parametrize("boundary", ["b" * 80, "short"])
def test_body_not_matching_a_valid_boundary_is_400(uploader, unique, boundary):
    # An over-long boundary (RFC 2046 caps it at 70) or a body framed with another one.
    body, _ = multipart(field("path", f"boundary-{unique}"), file("x.txt", b"x"))
    r = uploader.post("/upload", content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 400
