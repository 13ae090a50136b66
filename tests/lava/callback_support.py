"""Helpers of the LAVA callback HTTP tests: payloads, labs, and waiting for the import task."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

SAMPLES = Path(__file__).resolve().parents[3] / "shared/samples/lava"
TASK_KIND = "lava.callback"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
ACCEPTED = {"code": 202, "reason": "Request accepted and being processed"}


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


# ---------------------------------------------------------------------------
# Labs and tokens
# ---------------------------------------------------------------------------


def new_lab(api: httpx.Client, name: str, **extra: Any) -> dict[str, Any]:
    """POST /lab; returns the answer's result (`_id`, `name`, `token` value)."""
    contact = {"name": "Ada", "surname": "Lovelace", "email": f"{name}@lab.example"}
    r = api.post("/lab", json={"name": name, "contact": contact, **extra})
    assert r.status_code == 201, r.text
    return r.json()["result"][0]


def lab_token(backend, api: httpx.Client, name: str) -> str:
    """A working token for the lab `name`: made with the lab, or (when the lab
    already exists in this session's database) a fresh one linked to it."""
    r = api.post("/lab", json={"name": name, "contact": {"name": "A", "surname": "B", "email": "a@b.example"}})
    if r.status_code == 201:
        return r.json()["result"][0]["token"]
    assert "already exists" in r.text, r.text
    lab = api.get("/lab", params={"name": name}).json()["result"][0]
    value = backend.token(post=1, delete=1, lab=1)
    r = api.put(f"/lab/{lab['_id']['$oid']}", json={"token": value})
    assert r.status_code == 200, r.text
    return value


# ---------------------------------------------------------------------------
# Crafted payloads (the shapes LAVA sends, callback-lava.md §4)
# ---------------------------------------------------------------------------


def job_metadata(unique: str, **changes: Any) -> dict[str, Any]:
    """Definition metadata of a `test` job scoped by `unique`; a None value removes the key."""
    metadata = {
        "device.type": "qemu_x86_64",
        "git.branch": "master",
        "git.commit": COMMIT,
        "git.describe": f"v6.1-{unique}",
        "git.url": "https://git.example/linux.git",
        "job.arch": "x86_64",
        "job.build_environment": "gcc-10",
        "kernel.defconfig": "x86_64_defconfig",
        "kernel.defconfig_full": "x86_64_defconfig",
        "kernel.tree": f"tree-{unique}",
        "kernel.version": f"v6.1-{unique}",
        "platform.mach": "qemu",
        "test.plan": "baseline",
        "test.plan_variant": "baseline",
    }
    metadata.update(changes)
    return {key: value for key, value in metadata.items() if value is not None}


def definition(metadata: dict[str, Any]) -> str:
    return yaml.safe_dump({"job_name": "crafted", "device_type": metadata.get("device.type"),
                           "metadata": metadata}, sort_keys=False)


def entry(name: str, result: str, **fields: Any) -> dict[str, Any]:
    """One result entry as LAVA lists it (`log_end_line` and `measurement` as decimal strings)."""
    return {"name": name, "result": result, **fields}


def line(msg: Any, lvl: str = "target") -> dict[str, Any]:
    return {"dt": "2024-01-01T00:00:00.000000", "lvl": lvl, "msg": msg}


def payload(metadata: dict[str, Any], *, lava: list[dict] | None = None, suites: dict[str, list[dict]] | None = None,
            log: list[dict] | None = None, status: Any = 2, device: str = "qemu-01", **top: Any) -> dict[str, Any]:
    """A callback body: suites in the given order, entries newest first as LAVA sends them."""
    results = {"lava": yaml.safe_dump(lava if lava is not None else [entry("job", "pass")])}
    results.update({name: yaml.safe_dump(entries) for name, entries in (suites or {}).items()})
    body = {"id": 4242, "status": status, "status_string": "complete" if status == 2 else "incomplete",
            "definition": definition(metadata), "metadata": [], "results": results,
            "log": yaml.safe_dump(log or [], allow_unicode=True), "actual_device_id": device}
    body.update(top)
    return {key: value for key, value in body.items() if value is not None}


# ---------------------------------------------------------------------------
# Posting and waiting for the durable task
# ---------------------------------------------------------------------------


def task_rows(backend) -> dict[str, dict[str, Any]]:
    """The `lava.callback` tasks of this backend's database: id → state and last error."""
    from kci_backend import models
    from kci_backend.query.params import Condition
    from kci_backend.store.documents import Documents

    async def read(db):
        tasks = Documents(db, models.get("task"))
        return await tasks.find([Condition("kind", "eq", TASK_KIND)], ("_id", "state", "last_error", "attempts"))

    return {row["_id"]: row for row in backend.run(read)}


def post(client: httpx.Client, body: Any, lab_name: str | None, action: str = "test", **params: Any) -> httpx.Response:
    query = {**({"lab_name": lab_name} if lab_name is not None else {}), **params}
    return client.post(f"/callback/lava/{action}", json=body, params=query)


def wait_for_tasks(backend, before: set[str], timeout: float = 30, expected: int = 1) -> list[dict[str, Any]]:
    """The tasks added since `before` (at least `expected`), once each is finished (done or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        new = [row for task_id, row in task_rows(backend).items() if task_id not in before]
        if len(new) >= expected and all(row["state"] in ("done", "failed") for row in new):
            return new
        assert time.monotonic() < deadline, f"LAVA callback task not finished in {timeout}s: {new}"
        time.sleep(0.2)


def deliver(backend, client: httpx.Client, body: Any, lab_name: str, action: str = "test",
            **params: Any) -> dict[str, Any]:
    """POST a callback that must be accepted; returns its finished task."""
    [task] = deliver_all(backend, client, [body], lab_name, action, **params)
    return task


def deliver_all(backend, client: httpx.Client, bodies: list[Any], lab_name: str, action: str = "test",
                **params: Any) -> list[dict[str, Any]]:
    """POST several callbacks that must be accepted, then wait once for all their tasks."""
    before = set(task_rows(backend))
    for body in bodies:
        r = post(client, body, lab_name, action, **params)
        assert r.status_code == 202, r.text
        assert r.json() == ACCEPTED
    tasks = wait_for_tasks(backend, before, expected=len(bodies))
    assert len(tasks) == len(bodies), tasks
    return tasks


# ---------------------------------------------------------------------------
# Reading what was stored
# ---------------------------------------------------------------------------


def listed(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()["result"]


def oid(value: dict | None) -> str | None:
    return None if value is None else value["$oid"]


def plan_tree(client: httpx.Client, lab_name: str, **filters: Any) -> dict[str, Any]:
    """Every group of one lab (and filters) with its cases in stored order, keyed by group name.

    Each value: the group document plus `cases` (documents in `test_cases` order)."""
    groups = listed(client, "/test/group", lab_name=lab_name, **filters)
    tree = {}
    for group in groups:
        cases = {oid(c["_id"]): c for c in listed(client, "/test/case", test_group_id=oid(group["_id"]))}
        assert set(cases) == {oid(i) for i in group["test_cases"]}
        tree[group["name"]] = {**group, "cases": [cases[oid(i)] for i in group["test_cases"]]}
    assert len(tree) == len(groups), "group names repeat within one lab"
    return tree
