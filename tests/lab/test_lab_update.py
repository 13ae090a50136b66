"""PUT /lab/<id> (lab.md §5): partial updates, the token email, changing the token."""

from __future__ import annotations

import pytest
from labsupport import LAB_BITS, contact, get_lab, new_lab, token_doc

NOT_MODIFIED = "No new data to update, lab not modified"
UPDATED = "Lab document updated"


def test_contact_change_replaces_contact_and_syncs_token_email(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    new_contact = {"name": "Ada", "surname": "Lovelace", "email": f"ops-{unique}@acme.example"}
    r = api.put(f"/lab/{lab['_id']}", json={"contact": new_contact, "private": True})
    assert r.status_code == 200
    assert r.json() == {"code": 200, "reason": UPDATED}
    stored = get_lab(api, lab["_id"])
    assert stored["contact"] == new_contact  # replaced as a whole, not merged
    assert stored["private"] is True
    assert set(stored["updated_on"]) == {"$date"}
    assert token_doc(api, lab["token"])["email"] == f"ops-{unique}@acme.example"


def test_same_values_change_nothing(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    body = {"name": lab["name"], "contact": contact(unique), "private": False, "token": lab["token"]}
    r = api.put(f"/lab/{lab['_id']}", json=body)
    assert r.status_code == 200 and r.json() == {"code": 200, "reason": NOT_MODIFIED}
    stored = get_lab(api, lab["_id"])
    assert stored["updated_on"] is None
    assert token_doc(api, lab["token"])["expired"] is False


def test_integer_is_not_the_same_as_a_boolean(api, unique):
    # `1` equals `true` in Python but not in JSON: it is a change, and a wrong type.
    lab = new_lab(api, f"lab-{unique}", unique, private=True)
    r = api.put(f"/lab/{lab['_id']}", json={"private": 1})
    assert r.status_code == 400 and r.json()["reason"] == "Wrong field value or type in the JSON data"


def test_bad_contact_is_refused_before_anything_changes(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    r = api.put(f"/lab/{lab['_id']}", json={"contact": {"name": "Ada", "surname": "L"}})
    assert r.status_code == 400
    assert r.json()["reason"] == "Missing mandatory keys for 'contact' JSON object: ['email']"
    r = api.put(f"/lab/{lab['_id']}", json={"contact": {}})
    assert r.json()["reason"] == "Provided 'contact' data structure is not a JSON object or is empty"
    assert token_doc(api, lab["token"])["email"] == f"lab-{unique}@acme.example"
    assert get_lab(api, lab["_id"])["updated_on"] is None


@pytest.mark.parametrize("body", [{"name": ""}, {"address": []}, {"private": "no"}, {"token": 1},
                                  {"version": False}])
def test_types_are_checked(api, unique, body):
    lab = new_lab(api, f"lab-{unique}", unique)
    r = api.put(f"/lab/{lab['_id']}", json=body)
    assert r.status_code == 400 and r.json()["reason"] == "Wrong field value or type in the JSON data"


def test_rename_onto_an_existing_name_is_refused(api, unique):
    first = new_lab(api, f"lab-a-{unique}", unique)
    second = new_lab(api, f"lab-b-{unique}", unique)
    r = api.put(f"/lab/{second['_id']}", json={"name": first["name"]})
    assert r.status_code == 400 and r.json()["reason"] == f"Lab '{first['name']}' already exists"
    r = api.put(f"/lab/{second['_id']}", json={"name": f"lab-c-{unique}", "address": {"city": "Oslo"}})
    assert r.status_code == 200
    stored = get_lab(api, second["_id"])
    assert stored["name"] == f"lab-c-{unique}" and stored["address"] == {"city": "Oslo"}


def test_changing_the_token_expires_the_old_one(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    old = token_doc(api, lab["token"])
    new_value = backend.token(post=1, lab=1, email=f"other-{unique}@x.example")
    new_before = token_doc(api, new_value)
    r = api.put(f"/lab/{lab['_id']}", json={"token": new_value})
    assert r.status_code == 200 and r.json() == {"code": 200, "reason": UPDATED}
    assert get_lab(api, lab["_id"])["token"] == new_before["_id"]
    assert token_doc(api, lab["token"])["expired"] is True
    assert token_doc(api, lab["token"])["properties"] == old["properties"]  # expired, not deleted
    assert token_doc(api, new_value) == new_before  # the new token is not changed
    # The old value now fails everywhere.
    assert backend.client(lab["token"]).post("/batch", json={"batch": [{}]}).status_code == 403


def test_token_change_with_contact_syncs_the_new_token(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    new_value = backend.token(post=1, email=f"other-{unique}@x.example")
    body = {"token": new_value, "contact": contact(unique, email=f"new-{unique}@x.example")}
    assert api.put(f"/lab/{lab['_id']}", json=body).status_code == 200
    assert token_doc(api, new_value)["email"] == f"new-{unique}@x.example"
    assert token_doc(api, lab["token"])["email"] == f"lab-{unique}@acme.example"


def test_unknown_new_token_leaves_the_link(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    linked = get_lab(api, lab["_id"])["token"]
    r = api.put(f"/lab/{lab['_id']}", json={"token": "nope", "private": True})
    assert r.status_code == 200
    assert r.json() == {"code": 200, "reason": UPDATED,
                        "errors": ["New token specified not found, will not be updated"]}
    stored = get_lab(api, lab["_id"])
    assert stored["token"] == linked and stored["private"] is True

    r = api.put(f"/lab/{lab['_id']}", json={"token": "nope"})
    assert r.json() == {"code": 200, "reason": NOT_MODIFIED,
                        "errors": ["New token specified not found, will not be updated"]}
    assert get_lab(api, lab["_id"])["updated_on"] == stored["updated_on"]
    assert token_doc(api, lab["token"])["expired"] is False


def test_linking_a_token_to_a_lab_without_one(backend, api, unique):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": contact(unique), "token": "missing"})
    lab_id = r.json()["result"][0]["_id"]["$oid"]
    value = backend.token(post=1)
    r = api.put(f"/lab/{lab_id}", json={"token": value})
    assert r.status_code == 200
    assert r.json()["errors"] == ["Old lab token value not found, updating to new one"]
    assert get_lab(api, lab_id)["token"] == token_doc(api, value)["_id"]


def test_contact_change_without_a_linked_token(api, unique):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": contact(unique), "token": "missing"})
    lab_id = r.json()["result"][0]["_id"]["$oid"]
    r = api.put(f"/lab/{lab_id}", json={"contact": contact(unique, email=f"x-{unique}@y.example")})
    assert r.status_code == 200
    assert r.json()["errors"] == ["Error updating token with new email"]
    assert get_lab(api, lab_id)["contact"]["email"] == f"x-{unique}@y.example"


def test_unknown_keys_reported(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    r = api.put(f"/lab/{lab['_id']}", json={"private": True, "colour": "red"})
    assert r.status_code == 200
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: colour"]


def test_request_checks_in_order(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    r = api.put(f"/lab/{lab['_id']}", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["reason"] == "Wrong content type, must be 'application/json'"
    for path in ("/lab", "/lab/lab-acme-01", "/lab/zzzzzzzzzzzzzzzzzzzzzzzz"):
        r = api.put(path, content=b"{bad", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["reason"] == "Wrong or missing lab ID", path
    r = api.put(f"/lab/{lab['_id']}", content=b"{bad", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["reason"] == "No JSON data found in the PUT request"
    r = api.put(f"/lab/{lab['_id']}", json=["x"])
    assert r.status_code == 400 and r.json()["reason"] == "Provided JSON is not valid"
    r = api.put(f"/lab/{lab['_id']}", json={"colour": "red"})
    assert r.status_code == 400
    assert r.json()["errors"] == ["No valid or acceptable keys in the JSON data"]
    r = api.put("/lab/5f0c6b2e9b1e8a3d4c2a1b99", json={"private": True})
    assert r.status_code == 404 and r.json()["reason"] == "Provided lab ID does not exists"


def test_lab_token_bits_are_those_of_a_lab(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    assert token_doc(api, lab["token"])["properties"] == LAB_BITS
