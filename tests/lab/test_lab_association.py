"""The lab link as other resources use it: `lab_token_matches`, `labs_of_token`
(token.md §4.3, lab.md §8), run against each backend's real database."""

from __future__ import annotations

from labsupport import contact, get_lab, new_lab

from kci_backend.app import State
from kci_backend.http.auth import Authenticator
from kci_backend.services.labs import lab_token_matches, labs_of_token
from kci_backend.settings import Settings


def check(backend, lab_name: str, token_value: str | None) -> bool:
    async def go(db):
        auth = Authenticator(db, "", [], 0)
        state = State(Settings(database_url=backend.database_url), db, auth)
        token = await auth.lookup(token_value) if token_value else None
        return await lab_token_matches(state, lab_name, token)

    return backend.run(go)


def names_of(backend, token_id: str) -> list[str]:
    async def go(db):
        state = State(Settings(database_url=backend.database_url), db, Authenticator(db, "", [], 0))
        return await labs_of_token(state, token_id)

    return backend.run(go)


def test_own_token_and_admins_pass(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    other = new_lab(api, f"lab-other-{unique}", unique)
    assert check(backend, lab["name"], lab["token"])
    assert check(backend, lab["name"], backend.admin_token)
    assert not check(backend, lab["name"], other["token"])
    assert not check(backend, lab["name"], backend.token(superuser=1))
    assert not check(backend, lab["name"], None)


def test_no_lab_no_pass_even_for_admins(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    assert not check(backend, f"lab-missing-{unique}", backend.admin_token)
    api.delete(f"/lab/{lab['_id']}")
    assert not check(backend, lab["name"], backend.admin_token)
    assert not check(backend, lab["name"], lab["token"])


def test_unlinked_lab_accepts_only_admins(backend, api, unique):
    r = api.post("/lab", json={"name": f"lab-{unique}", "contact": contact(unique), "token": "missing"})
    name = r.json()["result"][0]["name"]
    assert check(backend, name, backend.admin_token)
    assert not check(backend, name, backend.token(post=1, lab=1))


def test_replaced_token_no_longer_passes(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    replacement = backend.token(post=1)  # any token the lab links to is accepted, lab bit or not
    api.put(f"/lab/{lab['_id']}", json={"token": replacement})
    assert not check(backend, lab["name"], lab["token"])
    assert check(backend, lab["name"], replacement)


def test_expired_linked_token_fails(backend, api, unique):
    lab = new_lab(api, f"lab-{unique}", unique)
    token_id = get_lab(api, lab["_id"])["token"]["$oid"]
    api.put(f"/token/{token_id}", json={"expired": True})
    assert not check(backend, lab["name"], lab["token"])


def test_labs_of_token(backend, api, unique):
    shared = backend.token(post=1, lab=1)
    a = new_lab(api, f"lab-b-{unique}", unique, token=shared)
    b = new_lab(api, f"lab-a-{unique}", unique, token=shared)
    token_id = get_lab(api, a["_id"])["token"]["$oid"]
    assert names_of(backend, token_id) == sorted([a["name"], b["name"]])
    assert names_of(backend, "5f0c6b2e9b1e8a3d4c2a1b99") == []
    assert names_of(backend, "not-an-id") == []
