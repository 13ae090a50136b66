"""POST /lab (lab.md §2, §4): checks in order, token making and linking, uniqueness."""

from __future__ import annotations

import threading

import pytest
from labsupport import LAB_BITS, contact, get_lab, new_lab, token_by_id, token_doc

INVALID = "Provided JSON is not valid"
WRONG_VALUE = "Wrong field value or type in the JSON data"


def test_create_makes_a_lab_token(api, unique):
    name = f"lab-acme-{unique}"
    lab = new_lab(api, name, unique, address={"city": "Cambridge", "country": "UK"})
    r = lab["response"]
    assert r.headers["location"] == f"/lab/{lab['_id']}"
    body = r.json()
    assert body["code"] == 201 and "errors" not in body
    assert set(body["result"][0]) == {"_id", "name", "token"}
    assert lab["name"] == name and len(lab["token"]) == 36

    token = token_doc(api, lab["token"])
    assert token["properties"] == LAB_BITS
    assert token["email"] == f"lab-{unique}@acme.example"
    assert token["username"] is None and token["expires_on"] is None and token["expired"] is False
    assert token["ip_address"] is None and token["version"] == "1.0"

    stored = get_lab(api, lab["_id"])
    assert stored["token"] == {"$oid": token["_id"]["$oid"]}
    assert stored["address"] == {"city": "Cambridge", "country": "UK"}
    assert stored["private"] is False and stored["updated_on"] is None and stored["version"] == "1.0"
    assert set(stored["created_on"]) == {"$date"}
    assert stored["contact"] == contact(unique)


def test_lab_token_can_post_but_not_get(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    as_lab = backend.client(lab["token"])
    assert as_lab.get("/job").status_code == 403
    assert as_lab.get(f"/lab/{lab['_id']}").status_code == 403
    assert as_lab.post("/batch", json={"batch": [{"method": "GET", "resource": "job", "document": "x"}]}).status_code == 200


def test_create_on_plural_path_and_defaults(api, unique):
    r = api.post("/labs/", json={"name": f"lab-{unique}", "contact": contact(unique), "private": True,
                                 "version": "1.1"})
    assert r.status_code == 201, r.text
    lab_id = r.json()["result"][0]["_id"]["$oid"]
    assert r.headers["location"] == f"/labs/{lab_id}"
    stored = get_lab(api, lab_id)
    assert stored["private"] is True and stored["version"] == "1.1" and stored["address"] == {}


def test_unknown_keys_are_dropped_and_reported(api, unique):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": contact(unique), "color": "red"})
    assert r.status_code == 201
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: color"]
    assert "color" not in get_lab(api, r.json()["result"][0]["_id"]["$oid"])


def test_link_an_existing_token_by_value(backend, api, unique):
    value = backend.token(get=1, post=1)
    before = token_doc(api, value)
    lab = new_lab(api, f"lab-{unique}", unique, token=value)
    assert lab["token"] == value
    assert get_lab(api, lab["_id"])["token"] == before["_id"]
    # The token itself is not changed: no lab bit, same email.
    assert token_doc(api, value) == before


def test_unknown_token_value_still_creates_the_lab(api, unique):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": contact(unique), "token": "no-such-token"})
    assert r.status_code == 201
    body = r.json()
    assert body["result"][0]["token"] is None
    assert body["errors"] == ["Error saving or retrieving lab token: no token associated"]
    assert get_lab(api, body["result"][0]["_id"]["$oid"])["token"] is None


def test_duplicate_name_refused_without_orphan_token(api, unique):
    name = f"lab-{unique}"
    new_lab(api, name, unique)
    r = api.post("/lab", json={"name": name, "contact": contact(unique, email=f"second-{unique}@x.example")})
    assert r.status_code == 400
    assert r.json() == {"code": 400, "reason": f"Lab '{name}' already exists"}
    assert api.get("/token", params={"email": f"second-{unique}@x.example"}).json()["count"] == 0


def test_concurrent_creates_with_one_name_store_one_lab(backend, api, unique):
    name = f"lab-race-{unique}"
    statuses: list[int] = []

    def create(i: int) -> None:
        client = backend.client(backend.admin_token)
        body = {"name": name, "contact": contact(unique, email=f"race-{i}-{unique}@x.example")}
        statuses.append(client.post("/lab", json=body).status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [400] * 5
    assert api.get("/lab", params={"name": name}).json()["count"] == 1
    # Only the winner's token exists: the losers' tokens went with their transactions.
    made = [api.get("/token", params={"email": f"race-{i}-{unique}@x.example"}).json()["count"] for i in range(6)]
    assert sum(made) == 1


@pytest.mark.parametrize("headers,content,status,reason", [
    ({"Content-Type": "text/plain"}, b"{}", 415,
     "Wrong content type defined: Use application/json as the content type"),
    ({"Content-Type": "application/json"}, b"{not json", 422, "No JSON data found in the POST request"),
    ({"Content-Type": "application/json"}, b"", 422, "No JSON data found in the POST request"),
])
def test_content_checks(api, headers, content, status, reason):
    r = api.post("/lab", content=content, headers=headers)
    assert r.status_code == status
    assert r.json()["reason"] == reason


def test_token_check_comes_first(anon):
    r = anon.post("/lab", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 403 and r.json() == {"code": 403}


@pytest.mark.parametrize("body,errors", [
    ([1, 2], ["Provided data is not JSON"]),
    ({}, ["One or more mandatory keys are missing: ['name', 'contact']"]),
    ({"name": "lab-x"}, ["One or more mandatory keys are missing: ['contact']"]),
])
def test_body_shape(api, body, errors):
    r = api.post("/lab", json=body)
    assert r.status_code == 400
    assert r.json() == {"code": 400, "reason": INVALID, "errors": errors}


def test_post_with_an_id_is_refused(api, unique):
    r = api.post("/lab/5f0c6b2e9b1e8a3d4c2a1b99", json={"name": f"lab-{unique}", "contact": contact(unique)})
    assert r.status_code == 400 and r.json()["reason"] == "To update a lab, perform a PUT request"
    assert api.get("/lab", params={"name": f"lab-{unique}"}).json()["count"] == 0


@pytest.mark.parametrize("value", ["ada", [], {}, None])
def test_contact_must_be_a_non_empty_object(api, unique, value):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": value})
    assert r.status_code == 400
    assert r.json()["reason"] == "Provided 'contact' data structure is not a JSON object or is empty"


@pytest.mark.parametrize("value,missing", [
    ({"name": "Ada"}, "['surname', 'email']"),
    ({"name": "Ada", "surname": "L", "email": ""}, "['email']"),
    ({"name": 5, "surname": "L", "email": "a@b"}, "['name']"),
])
def test_contact_mandatory_keys(api, unique, value, missing):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": value})
    assert r.status_code == 400
    assert r.json()["reason"] == f"Missing mandatory keys for 'contact' JSON object: {missing}"
    assert api.get("/lab", params={"name": f"lab-{unique}"}).json()["count"] == 0


@pytest.mark.parametrize("extra", [
    {"name": ""}, {"name": 7}, {"address": "Cambridge"}, {"address": None}, {"private": "yes"},
    {"private": 1}, {"token": 12}, {"version": 1.0},
])
def test_field_types(api, unique, extra):
    body = {"name": f"lab-{unique}", "contact": contact(unique), **extra}
    r = api.post("/lab", json=body)
    assert r.status_code == 400
    assert r.json()["reason"] == WRONG_VALUE


def test_token_made_for_a_lab_is_found_by_its_id(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    linked = get_lab(api, lab["_id"])["token"]["$oid"]
    assert token_by_id(api, linked)["token_prefix"] == lab["token"][:8]
