"""Seeding results for the bisect tests through the real endpoints (POST /lab, /build, /boot)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

import httpx

BOARD = "am335x-boneblack"
DEFCONFIG = "multi_v7_defconfig"
# Keys every record shows (bisect.md §2.1).
COMMON_KEYS = {
    "_id", "type", "version", "created_on", "compare_to", "good_commit", "bad_commit", "good_commit_url",
    "bad_commit_url", "good_commit_date", "bad_commit_date", "job", "job_id", "kernel", "git_branch", "git_url",
    "arch", "defconfig", "defconfig_full", "compiler", "compiler_version", "build_environment", "build_id",
    "good_summary", "bad_summary", "found_summary", "log", "checks",
}


@dataclass
class Tree:
    """One test's results: a lab with its token, on a tree named after the test."""

    api: httpx.Client
    lab_name: str
    lab: httpx.Client
    job: str

    def build(self, kernel: str, status: str = "PASS", *, job: str | None = None, **extra: Any) -> dict:
        """POST /build (flat form) and return the stored build."""
        body = {"job": job or self.job, "kernel": kernel, "git_branch": "master", "arch": "arm",
                "defconfig": DEFCONFIG, "build_environment": "gcc-8", "status": status,
                "git_commit": commit(kernel), "git_url": "https://git.example.org/linux.git",
                "git_describe": kernel, **extra}
        r = self.api.post("/build", json=body)
        assert r.status_code == 202, r.text
        params = _identity(body, "job", "kernel", "git_branch", "arch", "defconfig", "build_environment")
        found = self.api.get("/build", params=params).json()["result"]
        assert len(found) == 1, found
        return found[0]

    def boot(self, kernel: str, result: str = "FAIL", *, job: str | None = None, **extra: Any) -> dict:
        """POST /boot with the lab's token and return the stored boot report."""
        body = {"version": "1.1", "lab_name": self.lab_name, "job": job or self.job, "kernel": kernel,
                "git_branch": "master", "arch": "arm", "defconfig": DEFCONFIG, "build_environment": "gcc-8",
                "board": BOARD, "boot_result": result, "boot_time": 10.5, "device_type": "beaglebone-black",
                **extra}
        r = self.lab.post("/boot", json=body)
        assert r.status_code == 202, r.text
        params = _identity(body, "job", "kernel", "lab_name", "board", "arch", "git_branch", "defconfig",
                           "build_environment")
        found = self.api.get("/boot", params=params).json()["result"]
        assert len(found) == 1, found
        return found[0]

    def build_and_boot(self, kernel: str, result: str, **extra: Any) -> tuple[dict, dict]:
        return self.build(kernel), self.boot(kernel, result, **extra)


def _identity(body: dict, *keys: str) -> dict:
    """Filters that find exactly the document a body made (defconfig_full defaults to defconfig)."""
    return {**{k: body[k] for k in keys}, "defconfig_full": body.get("defconfig_full", body["defconfig"])}


def commit(kernel: str) -> str:
    """A stable fake SHA per kernel name."""
    return hashlib.sha1(kernel.encode()).hexdigest()


def make_tree(backend, unique: str) -> Tree:
    api = backend.client(backend.admin_token)
    name = f"lab-bisect-{unique}"
    contact = {"name": "Ada", "surname": "Lovelace", "email": f"{name}@example.org"}
    r = api.post("/lab", json={"name": name, "contact": contact})
    assert r.status_code == 201, r.text
    token = r.json()["result"][0]["token"]
    return Tree(api, name, backend.client(token), f"tree-{unique}")


def oid(doc: dict, key: str = "_id") -> str:
    return doc[key]["$oid"]


def bisect(api: httpx.Client, **params: Any) -> httpx.Response:
    return api.get("/bisect", params=params)


def bisect_ok(api: httpx.Client, **params: Any) -> dict:
    r = bisect(api, **params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "result"} and body["code"] == 200  # no count (§4)
    [doc] = body["result"]
    return doc


def run_service(backend, work) -> Any:
    """Run `await work(state, tx)` in one transaction on the backend's database (§6 entry points,
    which the email report jobs call; no HTTP route triggers them)."""
    from kci_backend.app import State
    from kci_backend.settings import Settings

    async def go(db):
        state = State(Settings(database_url=backend.database_url), db, None)
        async with db.transaction() as tx:
            return await work(state, tx)

    return backend.run(go)


def count_records(backend, **equal: Any) -> int:
    """How many bisect rows (expired or not) have these values."""
    from kci_backend import models
    from kci_backend.query.params import Condition
    from kci_backend.store.documents import Documents

    async def go(db):
        return await Documents(db, models.get("bisect")).count([Condition(k, "eq", v) for k, v in equal.items()])

    return backend.run(go)


def parallel(count: int, call) -> list:
    """Run `call()` `count` times at once (threads: httpx clients are synchronous)."""

    async def go():
        return await asyncio.gather(*(asyncio.to_thread(call) for _ in range(count)))

    return asyncio.run(go())
