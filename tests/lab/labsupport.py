"""Small helpers shared by the lab tests."""

from __future__ import annotations

from typing import Any

import httpx

LAB_BITS = [0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
ADMIN_BITS = [1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def contact(unique: str, **extra: Any) -> dict:
    return {"name": "Ada", "surname": "Lovelace", "email": f"lab-{unique}@acme.example", **extra}


def new_lab(api: httpx.Client, name: str, unique: str, **extra: Any) -> dict:
    """POST a lab; returns {"_id", "name", "token", "response"}."""
    r = api.post("/lab", json={"name": name, "contact": contact(unique), **extra})
    assert r.status_code == 201, r.text
    result = r.json()["result"][0]
    return {"_id": result["_id"]["$oid"], "name": result["name"], "token": result["token"], "response": r}


def get_lab(api: httpx.Client, lab_id: str) -> dict:
    r = api.get(f"/lab/{lab_id}")
    assert r.status_code == 200, r.text
    return r.json()["result"][0]


def token_doc(api: httpx.Client, value: str) -> dict | None:
    """The token document for a value (through GET /token/<value>), None if gone."""
    r = api.get(f"/token/{value}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()["result"][0]


def token_by_id(api: httpx.Client, token_id: str) -> dict | None:
    r = api.get("/token", params={"_id": token_id})
    assert r.status_code == 200, r.text
    result = r.json()["result"]
    return result[0] if result else None
