"""GET and DELETE /lab, who may call them, other methods (lab.md §1, §2, §6, §7, §9)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from labsupport import ADMIN_BITS, contact, get_lab, new_lab, token_by_id, token_doc


def test_list_filters(backend, api, unique):
    a = new_lab(api, f"lab-a-{unique}", unique, private=True)
    b = new_lab(api, f"lab-b-{unique}", unique)
    r = api.get("/lab", params={"name": a["name"]})
    body = r.json()
    assert r.status_code == 200
    assert body["count"] == 1 and body["limit"] == 0 and body["skip"] == 0
    assert body["result"][0]["_id"] == {"$oid": a["_id"]}

    both = [("name", a["name"]), ("name", b["name"])]
    assert api.get("/lab", params=both + [("private", "true")]).json()["result"][0]["name"] == a["name"]
    assert api.get("/lab", params=both + [("private", "0")]).json()["result"][0]["name"] == b["name"]

    token_id = get_lab(api, b["_id"])["token"]["$oid"]
    found = api.get("/lab", params={"token": token_id}).json()
    assert [d["name"] for d in found["result"]] == [b["name"]]
    # An invalid ObjectId drops the token filter (query.md §5).
    assert api.get("/lab", params=both + [("token", "xyz")]).json()["count"] == 2
    # Object fields never equal a string.
    assert api.get("/lab", params=both + [("contact", "Ada")]).json()["count"] == 0
    assert api.get("/lab", params=both + [("address", "x")]).json()["count"] == 0
    page = api.get("/lab", params=both + [("limit", "1"), ("sort", "name"), ("sort_order", "1")]).json()
    assert page["count"] == 1 and page["limit"] == 1 and page["result"][0]["name"] == a["name"]
    assert api.get("/lab", params={"name": f"lab-none-{unique}"}).json() == {
        "code": 200, "count": 0, "limit": 0, "skip": 0, "result": []}


def test_updated_on_is_a_day_filter(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    api.put(f"/lab/{lab['_id']}", json={"private": True})
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    r = api.get("/lab", params={"name": lab["name"], "updated_on": today})
    assert r.json()["count"] == 1
    assert api.get("/lab", params={"name": lab["name"], "updated_on": "2001-01-01"}).json()["count"] == 0
    assert api.get("/lab", params={"name": lab["name"], "updated_on": "null"}).json()["count"] == 0


def test_get_one(api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    r = api.get(f"/labs/{lab['_id']}/", params={"field": "name"})
    assert r.status_code == 200
    assert r.json() == {"code": 200, "result": [{"_id": {"$oid": lab["_id"]}, "name": lab["name"]}]}
    r = api.get(f"/lab/{lab['_id']}", params={"nfield": "contact"})
    assert "contact" not in r.json()["result"][0] and "token" in r.json()["result"][0]


@pytest.mark.parametrize("path,status,reason", [
    ("/lab/lab-acme-01", 400, "Wrong ID value provided"),
    ("/lab/5f0c6b2e9b1e8a3d4c2a1b99", 404, "Resource '5f0c6b2e9b1e8a3d4c2a1b99' not found"),
])
def test_get_one_errors(api, path, status, reason):
    r = api.get(path)
    assert r.status_code == status and r.json()["reason"] == reason


def test_who_may_call(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    su = backend.client(backend.token(superuser=1))
    assert su.get("/lab", params={"name": lab["name"]}).json()["count"] == 1
    assert su.get(f"/lab/{lab['_id']}").status_code == 200
    assert su.post("/lab", json={"name": f"lab-su-{unique}", "contact": contact(unique)}).status_code == 403
    assert su.put(f"/lab/{lab['_id']}", json={"private": True}).status_code == 403
    assert su.delete(f"/lab/{lab['_id']}").status_code == 403
    others = [backend.token(get=1, post=1, delete=1), lab["token"], backend.env["KCI_MASTER_KEY"], None]
    for value in others:
        client = backend.client(value)
        for method in ("GET", "POST", "PUT", "DELETE"):
            r = client.request(method, f"/lab/{lab['_id']}", json={"private": True})
            assert r.status_code == 403 and r.json() == {"code": 403}, (value, method)
    assert get_lab(api, lab["_id"])["private"] is False


def test_delete_removes_lab_and_token(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    token_id = get_lab(api, lab["_id"])["token"]["$oid"]
    r = api.delete(f"/lab/{lab['_id']}", params={"private": "true", "token": token_id})
    assert r.status_code == 200
    assert r.json() == {"code": 200, "reason": f"Resource '{lab['_id']}' deleted"}
    assert api.get(f"/lab/{lab['_id']}").status_code == 404
    assert token_by_id(api, token_id) is None
    assert api.delete(f"/lab/{lab['_id']}").status_code == 404


def test_delete_keeps_an_admin_token(backend, api, unique):
    value = backend.token(admin=1, email=f"adm-{unique}@x.example")
    lab = new_lab(api, f"lab-{unique}", unique, token=value)
    r = api.delete(f"/lab/{lab['_id']}")
    assert r.status_code == 200
    assert r.json()["errors"] == ["Associated token not deleted: it is an admin or superuser token"]
    assert token_doc(api, value)["properties"] == ADMIN_BITS
    assert backend.client(value).get("/lab", params={"name": lab["name"]}).json()["count"] == 0


def test_delete_keeps_a_superuser_token(backend, api, unique):
    value = backend.token(superuser=1)
    lab = new_lab(api, f"lab-{unique}", unique, token=value)
    assert api.delete(f"/lab/{lab['_id']}").json()["errors"]
    assert token_doc(api, value) is not None


def test_delete_a_lab_without_token(api, unique):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": contact(unique), "token": "missing"})
    lab_id = r.json()["result"][0]["_id"]["$oid"]
    r = api.delete(f"/lab/{lab_id}")
    assert r.status_code == 200 and "errors" not in r.json()


@pytest.mark.parametrize("path", ["/lab", "/lab/lab-acme-01", "/labs/zzzzzzzzzzzzzzzzzzzzzzzz"])
def test_delete_needs_a_valid_id(api, path):
    r = api.delete(path)
    assert r.status_code == 400 and r.json()["reason"] == "Wrong or missing lab ID"


def test_other_methods(anon):
    assert anon.options("/lab").json() == {"code": 200}
    for method in ("PATCH", "HEAD"):
        r = anon.request(method, "/lab/5f0c6b2e9b1e8a3d4c2a1b99")
        assert r.status_code == 405
    assert anon.patch("/labs").json() == {"code": 405, "reason": "Operation not allowed"}
