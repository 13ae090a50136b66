"""POST /test/group checks, in order, and "nothing written" on bad input (test.md §6.5 steps 1–9, §6.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from results_support import group_body, lab_token


def counts(api, unique) -> tuple[int, int]:
    """Groups and cases stored for this test's job or lab (a bad body may change either)."""
    totals = [0, 0]
    for params in ({"job": f"job-{unique}"}, {"lab_name": f"lab-{unique}"}):
        for i, collection in enumerate(("test_group", "test_case")):
            totals[i] += api.get(f"/count/{collection}", params=params).json()["result"][0]["count"]
    return totals[0], totals[1]


def refused(api, unique, body, status=400, path="/test/group") -> dict:
    r = api.post(path, json=body)
    assert r.status_code == status, r.text
    assert counts(api, unique) == (0, 0)
    return r.json()


def test_token_rule_comes_first(backend, unique):
    body = group_body(unique)
    for flags in ({"get": 1, "post": 1, "delete": 1}, {"get": 1}, {"lab": 1}, {"upload": 1}):
        r = backend.client(backend.token(**flags)).post("/test/group", json=body)
        assert (r.status_code, r.json()) == (403, {"code": 403}), flags
    r = backend.client().post("/test/group", content=b"not json")
    assert (r.status_code, r.json()) == (403, {"code": 403})
    tlab = lab_token(backend, f"lab-{unique}", test_lab=1)
    for token in (tlab, backend.token(superuser=1)):
        r = backend.client(token).post("/test/group", json=body)
        assert r.status_code == 201, r.text


def test_content_type_json_and_object_checks(api, unique):
    r = api.post("/test/group", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.json() == {"code": 415, "reason": "Wrong content type defined: Use application/json as the content type"}
    r = api.post("/test/group", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.json() == {"code": 422, "reason": "No JSON data found in the POST request"}
    r = api.post("/test/group", json=[group_body(unique)])
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid", "errors": ["Provided data is not JSON"]}
    assert counts(api, unique) == (0, 0)


def test_mandatory_keys_are_checked_by_presence(api, unique):
    body = group_body(unique)
    del body["device_type"], body["git_commit"]
    answer = refused(api, unique, body)
    assert answer["reason"] == "Provided JSON is not valid"
    assert len(answer["errors"]) == 1
    assert answer["errors"][0].startswith("One or more mandatory keys are missing:")
    assert "device_type" in answer["errors"][0] and "git_commit" in answer["errors"][0]


def test_an_id_in_the_url_is_refused_after_the_key_check(api, unique):
    answer = refused(api, unique, group_body(unique), path="/test/group/5f5975bd9b4bd5f3a8e5a1b2")
    assert answer == {"code": 400, "reason": "To update a test group, use a PUT request"}
    answer = refused(api, unique, group_body(unique), path="/tests/groups/whatever/")
    assert answer["reason"] == "To update a test group, use a PUT request"
    answer = refused(api, unique, {"name": "x"}, path="/test/group/5f5975bd9b4bd5f3a8e5a1b2")
    assert answer["errors"][0].startswith("One or more mandatory keys are missing:")


@pytest.mark.parametrize("name", ["LSK test group", "-foo", "foo_", "", 5, None, "a/b"])
def test_top_level_name_rule(api, unique, name):
    answer = refused(api, unique, group_body(unique, name=name))
    assert answer == {"code": 400, "reason": "Test group name not valid"}


@pytest.mark.parametrize("name", ["baseline", "ltp-ipc", "v4l2.compliance", "a", "x+y"])
def test_valid_top_level_names(api, unique, name):
    assert api.post("/test/group", json=group_body(unique, name=name)).status_code == 201


def _nested(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def _deep_case(**case):
    return {"sub_groups": [{"name": "s", "sub_groups": [{"name": "t", "test_cases": [
        {"name": "ok"}, {"name": "ok2", "status": "pass"}, case]}]}]}


BAD_TREES = {
    "kernel null": {"kernel": None},
    "kernel empty": {"kernel": ""},
    "kernel null word": {"kernel": "None"},
    "arch not a string": {"arch": 5},
    "lab_name null word": {"lab_name": "NULL"},
    "top time text": {"time": "soon"},
    "top time bool": {"time": True},
    "top time infinite": {"time": "1e400"},
    "top time nan": {"time": "nan"},
    "index text": {"index": "1"},
    "index float": {"index": 1.5},
    "index too big": {"index": 2**63},
    "test_cases object": {"test_cases": {"name": "x"}},
    "test_cases null": {"test_cases": None},
    "test_cases of strings": {"test_cases": ["x"]},
    "sub_groups of numbers": {"sub_groups": [1]},
    "sub-group without name": {"sub_groups": [{"test_cases": []}]},
    "sub-group empty name": {"sub_groups": [{"name": ""}]},
    "sub-group time text": {"sub_groups": [{"name": "s", "time": "x"}]},
    "sub-group mach not text": {"sub_groups": [{"name": "s", "mach": ["m"]}]},
    "sub-group warnings text": {"sub_groups": [{"name": "s", "boot_warnings": "3"}]},
    "nested sub_groups not array": {"sub_groups": [{"name": "s", "sub_groups": {"name": "t"}}]},
    "deep case without name": _deep_case(status="pass"),
    "deep case name not text": _deep_case(name=7),
    "deep case empty name": _deep_case(name=""),
    "deep case status null": _deep_case(name="c", status=None),
    "deep case status empty": _deep_case(name="c", status=""),
    "deep case status null word": _deep_case(name="c", status="null"),
    "deep case status unknown word": _deep_case(name="c", status="passed"),
    "deep case status number": _deep_case(name="c", status=1),
    "deep case time": _deep_case(name="c", time="later"),
    "deep case measurements object": _deep_case(name="c", measurements={"value": 1}),
    "deep case log_lines text": _deep_case(name="c", log_lines="x"),
    "deep case NUL": _deep_case(name="c\x00"),
    "NUL in measurements": _deep_case(name="c", measurements=[{"unit": "a\x00"}]),
    "name too long": _deep_case(name="c" * 600),
    "NUL in a group key": {"mach": "m\x00"},
    "measurements too deep": _deep_case(name="c", measurements=_nested(150)),
    "initrd_info too deep": {"initrd_info": _nested(150)},
    "board_instance not text": {"board_instance": 3},
    "version not text": {"version": 1.2},
    "log not text": {"log": ["x"]},
    "log with unsafe job": {"log": "text", "job": ".."},
    "log with unsafe lab": {"log": "text", "lab_name": "a/b"},
    "log with unsafe device": {"log": "text", "device_type": "x\\y"},
    "log with unsafe defconfig_full": {"log": "text", "defconfig_full": "."},
}


@pytest.mark.parametrize("case", sorted(BAD_TREES))
def test_bad_input_anywhere_in_the_tree_writes_nothing(api, unique, case):
    overrides = BAD_TREES[case]
    body = group_body(unique, **overrides)
    answer = api.post("/test/group", json=body)
    assert answer.status_code == 400, answer.text
    answer = answer.json()
    assert answer["reason"] == "Provided JSON is not valid", answer
    assert len(answer["errors"]) == 1 and answer["errors"][0]
    assert counts(api, unique) == (0, 0)


def test_error_message_names_the_place(api, unique):
    answer = refused(api, unique, group_body(unique, **_deep_case(name="c", status="maybe")))
    assert "sub_groups[0].sub_groups[0].test_cases[2]" in answer["errors"][0]
    assert "status" in answer["errors"][0]


def test_last_of_ten_thousand_cases_bad_writes_nothing(api, unique, backend):
    cases = [{"name": f"c{i}", "status": "pass"} for i in range(10_000)]
    cases[-1]["status"] = "bogus"
    body = group_body(unique, log="some log", sub_groups=[{"name": "big", "test_cases": cases}])
    answer = refused(api, unique, body)
    assert "test_cases[9999]" in answer["errors"][0]
    assert not Path(backend.storage_dir, f"job-{unique}").exists()  # the log is not written either


def test_lenient_values_that_are_valid(api, unique):
    body = group_body(unique, time=" 7 ", index=None, test_cases=[{"name": "a", "status": "FaIl", "time": 0},
                                                                  {"name": "weird name_", "time": "-2.5e1"}])
    r = api.post("/test/group", json=body)
    assert r.status_code == 201, r.text
    cases = {c["name"]: c for c in api.get("/test/case", params={"job": f"job-{unique}"}).json()["result"]}
    assert cases["a"]["status"] == "FAIL" and cases["weird name_"]["time"] == -25.0


def test_nul_in_log_lines_is_replaced(api, unique):
    lines = [{"dt": "2020-01-01T00:00:00", "lvl": "target", "msg": "bad\x00byte"}]
    body = group_body(unique, test_cases=[{"name": "a", "log_lines": lines, "measurements": _nested(20)}])
    assert api.post("/test/group", json=body).status_code == 201
    stored = api.get("/test/case", params={"job": f"job-{unique}", "name": "a"}).json()["result"][0]
    assert stored["log_lines"][0]["msg"] == "bad\ufffdbyte"
    assert stored["measurements"] == _nested(20)
