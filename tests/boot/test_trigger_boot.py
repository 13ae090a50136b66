"""GET /trigger/boot: builds a lab could boot-test (boot.md §9)."""

from __future__ import annotations

import time

import pytest

from boot_helpers import make_token, post_build, report


def with_get_bit(api, lab):
    """LAB tokens have no get bit (token.md §3.4); /trigger/boot needs it."""
    assert api.put(f"/token/{lab.token_id}", json={"get": 1}).status_code == 200
    time.sleep(1.1)  # token lookups are cached for a second in tests
    return lab


@pytest.fixture
def builds(api, unique) -> dict[str, dict]:
    return {arch: post_build(api, unique, arch=arch) for arch in ("arm", "arm64", "x86")}


def trigger(client, unique, **params):
    return client.get("/trigger/boot", params={"job": f"next-{unique}", **params})


def test_admin_lists_builds_like_a_build_query(api, unique, builds):
    r = trigger(api, unique, arch=["arm", "x86"], field="arch", sort="arch", sort_order=1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "count", "limit", "result"}  # no skip
    assert [b["arch"] for b in body["result"]] == ["arm", "x86"] and body["count"] == 2
    assert trigger(api, unique, compared="0").json()["count"] == 3
    assert trigger(api, unique, build_environment="nope").json()["count"] == 3  # not a trigger filter


def test_compared_leaves_out_builds_booted_by_other_labs(api, lab, other_lab, unique, builds):
    lab = with_get_bit(api, lab)
    assert other_lab.post(report(unique, lab_name=other_lab.name, arch="arm64")).status_code == 202
    assert lab.post(report(unique, lab_name=lab.name, arch="x86")).status_code == 202
    r = trigger(lab.client, unique, compared=1)
    assert r.status_code == 200, r.text
    assert sorted(b["arch"] for b in r.json()["result"]) == ["arm", "x86"]  # its own boots do not count
    r = trigger(lab.client, unique, compared=1, limit=1, sort="arch", sort_order=1)
    assert [b["arch"] for b in r.json()["result"]] == ["arm"] and r.json()["limit"] == 1
    assert trigger(lab.client, unique).json()["count"] == 3


def test_compared_needs_a_lab(api, unique, builds):
    r = trigger(api, unique, compared="1")
    assert r.status_code == 400 and r.json()["reason"] == (
        "Missing lab name to perform a comparison: was a lab token used?")


def test_token_rules(backend, api, lab, unique):
    assert trigger(lab.client, unique).status_code == 403  # no get bit
    reader, _ = make_token(backend, get=1)
    assert trigger(backend.client(reader), unique).json() == {"code": 403}
    unlinked, _ = make_token(backend, get=1, lab=1)
    r = trigger(backend.client(unlinked), unique)
    assert r.status_code == 400 and r.json()["reason"] == "Provided token is not associated with a lab"
    superuser, _ = make_token(backend, superuser=1)
    assert trigger(backend.client(superuser), unique).status_code == 200
    assert backend.client().post("/trigger/boot", json={}).status_code == 501  # no token check
    assert api.delete("/trigger/boots/").status_code == 501
