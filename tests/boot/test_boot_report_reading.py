"""`read_report` for trusted producers (the LAVA callback, boot.md §10) and `boot_duration` edges."""

from datetime import datetime, timezone

from kci_backend import wire
from kci_backend.services.boot_reports import boot_duration, read_report

BODY = {"version": "1.1", "lab_name": "lab-01", "job": "next", "kernel": "k", "git_branch": "master",
        "defconfig": "d", "arch": "arm", "board": "b"}


def test_producer_may_set_plan_and_is_not_warned():
    report = read_report({**BODY, "plan": "baseline", "plan_variant": "baseline-nfs", "extra": 1}, trusted=True)
    assert report.document["plan"] == "baseline" and report.document["plan_variant"] == "baseline-nfs"
    assert "extra" not in report.document and report.warnings == []


def test_clients_cannot_set_plan():
    report = read_report({**BODY, "plan": "baseline"})
    assert "plan" not in report.document
    assert report.warnings == ["Found non recognizable keys, they will not be considered: plan"]


def test_boot_duration_edges():
    assert boot_duration(0.0015) == wire.from_millis(1)
    assert boot_duration(" 7 ") == wire.from_millis(7000)
    assert boot_duration("1e3") == wire.EPOCH  # a string must be a plain decimal number
    assert boot_duration(1e3) == wire.from_millis(1_000_000)
    assert boot_duration(253402300799.999) == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    assert boot_duration(253402300800) == wire.EPOCH  # past the last representable date
