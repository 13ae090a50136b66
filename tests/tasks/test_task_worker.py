"""Durable tasks: claims by concurrent worker processes, leases, retries, failure.

The tests run `kci-backend worker` processes (with the probe task kinds of
probe_worker.py) on a database of each kind made for this module.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from kci_backend import models
from kci_backend.store.database import open_database
from kci_backend.store.documents import Documents
from kci_backend.store.migrate import upgrade
from kci_backend.tasks import enqueue

PROBE = Path(__file__).with_name("probe_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def run_db(database_url: str, action):
    async def go():
        db = open_database(database_url)
        await db.connect()
        try:
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(go())


def add_tasks(database_url: str, *tasks: tuple[str, dict]) -> list[str]:
    async def action(db):
        async with db.transaction() as tx:
            return [await enqueue(tx, kind, payload) for kind, payload in tasks]

    return run_db(database_url, action)


def task_rows(database_url: str) -> dict[str, dict]:
    async def action(db):
        return await Documents(db, models.get("task")).find([])

    return {row["_id"]: row for row in run_db(database_url, action)}


class Workers:
    def __init__(self, database_url: str, tmp: Path, **settings: str) -> None:
        self.out = tmp / "probe.out"
        self.env = {**os.environ, "KCI_DATABASE_URL": database_url, "PROBE_OUT": str(self.out),
                    "KCI_LOG_LEVEL": "info", "KCI_TASK_POLL_SECONDS": "0.05", "KCI_TASK_RETRY_SECONDS": "0.2",
                    "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **settings}
        self.tmp = tmp
        self.processes: list[subprocess.Popen] = []

    def start(self, concurrency: int = 2) -> subprocess.Popen:
        log = open(self.tmp / f"worker-{len(self.processes)}.log", "w")
        process = subprocess.Popen([sys.executable, str(PROBE), "--concurrency", str(concurrency)], env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        process.log_path = Path(log.name)
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while "started" not in process.log_path.read_text():
            assert process.poll() is None, process.log_path.read_text()
            assert time.monotonic() < deadline, "worker did not start"
            time.sleep(0.05)
        return process

    def lines(self) -> list[list[str]]:
        return [line.split() for line in self.out.read_text().splitlines()] if self.out.exists() else []

    def stop(self) -> list[int]:
        codes = []
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes.append(process.wait(timeout=30))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, servers):
    """One migrated database per kind for this module; each test looks only at its own tasks."""
    url = servers.new_database(request.param)
    upgrade(url)
    return url


@pytest.fixture
def workers(database_url, tmp_path):
    group = Workers(database_url, tmp_path, KCI_TASK_LEASE_SECONDS="1")
    group.database_url = database_url
    yield group
    group.stop()


def wait_until(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_worker_processes_never_run_the_same_task(workers):
    first, second = workers.start(), workers.start()
    ids = add_tasks(workers.database_url, *(("probe", {"n": n, "sleep": 0.02}) for n in range(80)))
    wait_until(lambda: all(task_rows(workers.database_url)[i]["state"] == "done" for i in ids))
    runs = [line for line in workers.lines() if line[0] == "probe"]
    assert Counter(int(n) for _, n, _ in runs) == Counter(range(80))  # each task ran exactly once
    assert {int(pid) for _, _, pid in runs} == {first.pid, second.pid}  # and both processes took part
    rows = task_rows(workers.database_url)
    assert {rows[i]["attempts"] for i in ids} == {1}
    assert workers.stop() == [0, 0]  # SIGTERM: a clean stop


def test_a_task_of_a_dead_worker_is_run_again_after_its_lease(workers, tmp_path):
    doomed = workers.start(concurrency=1)
    [task_id] = add_tasks(workers.database_url, ("crash", {"marker": str(tmp_path / "crashed")}))
    assert doomed.wait(timeout=30) == 3  # died inside the handler
    assert task_rows(workers.database_url)[task_id]["state"] == "running"
    survivor = workers.start(concurrency=1)
    wait_until(lambda: task_rows(workers.database_url)[task_id]["state"] == "done")
    assert workers.lines() == [["crash", str(survivor.pid)]]
    assert task_rows(workers.database_url)[task_id]["attempts"] == 2


def test_failures_are_retried_with_back_off_then_marked_failed(workers):
    workers.start()
    flaky_id, hopeless_id = add_tasks(workers.database_url, ("flaky", {"n": 1}), ("hopeless", {"n": 2}))
    wait_until(lambda: task_rows(workers.database_url)[flaky_id]["state"] == "failed")
    row = task_rows(workers.database_url)[flaky_id]
    assert row["attempts"] == 3 and "not yet" in row["last_error"]
    times = [float(t) for kind, _, t in (line for line in workers.lines() if line[0] == "flaky")]
    assert len(times) == 3
    first_gap, second_gap = times[1] - times[0], times[2] - times[1]
    assert first_gap >= 0.2 and second_gap >= 0.4 and second_gap > first_gap  # 0.2 s, then doubled
    hopeless = task_rows(workers.database_url)[hopeless_id]
    assert (hopeless["state"], hopeless["attempts"]) == ("failed", 1)  # Permanent: no retry
    assert "cannot ever work" in hopeless["last_error"]
    assert [line for line in workers.lines() if line[0] == "hopeless"] == [["hopeless", "2"]]


def test_future_tasks_wait_for_their_time(workers):
    workers.start()

    async def action(db):
        from kci_backend import wire
        from datetime import timedelta

        async with db.transaction() as tx:
            return await enqueue(tx, "probe", {"n": 7}, wire.utcnow() + timedelta(seconds=1.5))

    task_id = run_db(workers.database_url, action)
    started = time.monotonic()
    wait_until(lambda: task_rows(workers.database_url)[task_id]["state"] == "done")
    assert time.monotonic() - started >= 1.0
    assert [line[:2] for line in workers.lines()] == [["probe", "7"]]
