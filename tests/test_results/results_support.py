"""Shared helpers of the test-results tests: request bodies and the LAVA import path."""

from __future__ import annotations

import copy
from typing import Any

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def group_body(unique: str, **overrides: Any) -> dict:
    """A valid POST /test/group body scoped by `unique` (the example of test.md §6.7)."""
    body = {
        "name": "baseline", "lab_name": f"lab-{unique}", "arch": "x86_64", "build_environment": "gcc-8",
        "defconfig": "x86_64_defconfig", "device_type": "qemu_x86_64", "git_branch": "master",
        "git_commit": COMMIT, "job": f"job-{unique}", "kernel": "v5.9", "time": 12.5,
        "test_cases": [{"name": "login", "status": "pass"}],
        "sub_groups": [{"name": "dmesg", "test_cases": [
            {"name": "emerg", "status": "PASS", "measurements": [{"value": 0.0, "unit": "lines"}]},
            {"name": "crit", "status": "fail"}]}],
    }
    body.update(overrides)
    return copy.deepcopy(body)


def plan_body(unique: str, kernel: str, results: dict[str, str], *, plan: str = "dummy", **overrides: Any) -> dict:
    """A one-level plan with the given {case name: status} results (test-regressions.md scenario)."""
    body = group_body(unique, name=plan, kernel=kernel, test_cases=[{"name": n, "status": s}
                                                                    for n, s in results.items()])
    body.pop("sub_groups")
    body.update(overrides)
    return body


def lava_import(backend, body: dict, token_value: str | None = None) -> dict:
    """Import a tree the way the LAVA callback does (with regression detection),
    through the service, against the backend's database; returns the result."""
    from kci_backend.app import State
    from kci_backend.services import tests
    from kci_backend.settings import Settings

    async def go(db):
        state = State(Settings(database_url=backend.database_url, storage_dir=backend.storage_dir), db, None)
        result = await tests.import_lava_group(state, copy.deepcopy(body))
        return {"group_id": result.group_id, "groups": result.groups, "cases": result.cases,
                "regression_ids": result.regression_ids}

    return backend.run(go)


def only(response) -> dict:
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert len(result) == 1, result
    return result[0]


def oid(value: dict | None) -> str | None:
    return None if value is None else value["$oid"]


def new_token(backend, **flags: Any) -> tuple[str, str]:
    """(value, _id) of a new token with these flags."""
    r = backend.client(backend.admin_token).post("/token", json={"email": "lab@example.org", **flags})
    assert r.status_code == 201, r.text
    result = r.json()["result"][0]
    return result["token"], result["_id"]["$oid"]


def lab_token(backend, lab_name: str, **flags: Any) -> str:
    """A token linked to a lab named `lab_name` (the lab row is stored directly
    until POST /lab exists; SEC-8 is only enforced when the lab collection is)."""
    from kci_backend import models

    value, token_id = new_token(backend, **flags)
    if "lab" in models.REGISTRY:
        backend.insert("lab", {"name": lab_name, "token": token_id,
                               "contact": {"name": "n", "surname": "s", "email": "lab@example.org"}})
    return value
