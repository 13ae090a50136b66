"""Helpers for the boot tests: labs with their tokens, boot reports, listing boots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Lab:
    name: str
    token: str
    token_id: str
    client: httpx.Client

    def post(self, report: dict[str, Any]) -> httpx.Response:
        return self.client.post("/boot", json=report)


def make_token(backend, **flags: Any) -> tuple[str, str]:
    """(value, _id) of a new token made through POST /token."""
    r = backend.client(backend.admin_token).post("/token", json={"email": "lab@example.org", **flags})
    assert r.status_code == 201, r.text
    shown = r.json()["result"][0]
    return shown["token"], shown["_id"]["$oid"]


def make_lab(backend, name: str) -> Lab:
    """A lab and the LAB-kind token it links to (token.md §3.4: post, delete, lab)."""
    api = backend.client(backend.admin_token)
    contact = {"name": "Ada", "surname": "Lovelace", "email": f"{name}@example.org"}
    if _lab_resource_exists(api):
        r = api.post("/lab", json={"name": name, "contact": contact})
        assert r.status_code == 201, r.text
        lab_id = r.json()["result"][0]["_id"]["$oid"]
        lab = api.get(f"/lab/{lab_id}").json()["result"][0]
        token_id = lab["token"]["$oid"]
        value = r.json()["result"][0]["token"]
    else:
        value, token_id = make_token(backend, post=1, delete=1, lab=1)
        backend.insert("lab", {"name": name, "contact": contact, "token": token_id})
    return Lab(name, value, token_id, backend.client(value))


def _lab_resource_exists(api: httpx.Client) -> bool:
    return api.get("/lab", params={"limit": 1}).status_code == 200


def report(unique: str, **overrides: Any) -> dict[str, Any]:
    """A valid POST /boot body; `lab_name` must be given (or overridden) by the caller."""
    body = {
        "version": "1.1", "job": f"next-{unique}", "kernel": "next-20191210", "git_branch": "master",
        "arch": "arm", "defconfig": "multi_v7_defconfig", "build_environment": "gcc-8",
        "board": "am335x-boneblack", "boot_result": "PASS", "boot_time": 10.4,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def boots_of(api: httpx.Client, job: str, **filters: Any) -> list[dict]:
    r = api.get("/boot", params={"job": job, **filters})
    assert r.status_code == 200, r.text
    return r.json()["result"]


def post_build(api: httpx.Client, unique: str, kernel: str = "next-20191210", **extra: Any) -> dict:
    """A build made through POST /build (flat form) that `report(unique, kernel=...)` links to."""
    body = {"job": f"next-{unique}", "kernel": kernel, "git_branch": "master", "arch": "arm",
            "defconfig": "multi_v7_defconfig", "build_environment": "gcc-8", **extra}
    r = api.post("/build", json=body)
    assert r.status_code == 202, r.text
    params = {k: body[k] for k in ("job", "kernel", "arch", "defconfig", "build_environment")}
    found = api.get("/build", params=params).json()["result"]
    assert len(found) == 1
    return found[0]
