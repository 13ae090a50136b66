"""/statistics: 40-key snapshots, cumulative cut-offs, on-demand runs (spec/statistics.md)."""

from datetime import datetime, timedelta, timezone

from kci_backend.models.daily_stats import COUNTERS


def _latest(api, **params):
    r = api.get("/statistics", params={"sort": "created_on", "sort_order": -1, "limit": 1, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_snapshot_has_all_40_keys_and_cumulative_cutoffs(backend, api, unique):
    now = datetime.now(timezone.utc)
    before = _latest(api)
    backend.insert(
        "job",
        {"job": f"t-{unique}", "kernel": "k-old", "git_branch": "b", "created_on": now - timedelta(days=10)},
        {"job": f"t-{unique}", "kernel": "k-week", "git_branch": "b", "created_on": now - timedelta(days=3)},
        {"job": f"u-{unique}", "kernel": "k-new", "git_branch": "b", "created_on": now - timedelta(hours=1)},
    )
    run = backend.cli("statistics")
    assert run.returncode == 0, run.stderr
    body = _latest(api)
    assert body["count"] == 1 and body["limit"] == 1
    snap = body["result"][0]
    assert set(snap) == {"_id", "created_on", "start_date", "version", *COUNTERS}
    assert len(snap) == 40 and snap["version"] == "1.0"
    assert all(isinstance(snap[k], int) for k in COUNTERS)
    assert "slot" not in snap
    old = before["result"][0] if before["result"] else {k: 0 for k in COUNTERS}
    # Three new jobs in total; the cumulative "before cut-off" figures grow by what is older.
    assert snap["total_jobs"] - old["total_jobs"] >= 3
    assert snap["daily_total_jobs"] >= snap["weekly_total_jobs"] >= snap["biweekly_total_jobs"]
    assert snap["total_jobs"] - snap["daily_total_jobs"] >= 1  # k-new is within the last day
    assert snap["total_boots"] >= 0 and snap["start_date"]["$date"] <= snap["created_on"]["$date"]


def test_filter_by_id_and_no_id_route(backend, api):
    backend.cli("statistics")
    snap = _latest(api)["result"][0]
    r = api.get("/statistics", params={"_id": snap["_id"]["$oid"]})
    assert [d["_id"] for d in r.json()["result"]] == [snap["_id"]]
    assert api.get(f"/statistics/{snap['_id']['$oid']}").json() == {"code": 404, "message": "Resource not found"}


def test_methods_and_tokens(backend, api, anon):
    assert anon.get("/statistics").status_code == 403
    assert api.post("/statistics", json={}).status_code == 501
    assert api.put("/statistics", json={}).status_code == 501
    assert api.delete("/statistics").status_code == 501
    assert backend.client(backend.token(get=1)).post("/statistics", json={}).status_code == 403


def test_schedule_is_daily_at_12_01_utc():
    from kci_backend.services.statistics import next_run

    t = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    assert next_run(t) == datetime(2026, 12, 3, 12, 1, tzinfo=timezone.utc)
    assert next_run(datetime(2026, 12, 3, 12, 1, tzinfo=timezone.utc)) == datetime(2026, 12, 4, 12, 1, tzinfo=timezone.utc)


def test_one_snapshot_per_slot(backend):
    from kci_backend.app import State
    from kci_backend.services import statistics
    from kci_backend.settings import Settings

    now = datetime.now(timezone.utc)
    slot = f"test-slot-{now.timestamp()}"

    async def twice(db):
        state = State(Settings(database_url=backend.database_url), db, auth=None)
        return [await statistics.run(state, now, slot=slot) is not None for _ in range(2)]

    assert backend.run(twice) == [True, False]
