"""Pure pieces of the report texts: git web links (email-reports.md §7), the test table (§5.3), subjects."""

from __future__ import annotations

import pytest

from kci_backend.reports import boot, build, links, test
from kci_backend.reports.trigger import ReportTrigger

SHA = "abc123"


@pytest.mark.parametrize("git_url, expected", [
    ("git://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git",
     f"https://git.kernel.org/cgit/linux/kernel/git/next/linux-next.git/commit/?id={SHA}"),
    ("https://git.linaro.org/people/a/linux.git", f"https://git.linaro.org/people/a/linux.git/commit/?id={SHA}"),
    ("https://android.googlesource.com/kernel/common", f"https://android.googlesource.com/kernel/common/+/{SHA}"),
    ("git://anongit.freedesktop.org/git/drm/drm-tip.git", f"https://cgit.freedesktop.org/drm/drm-tip/commit/?id={SHA}"),
    ("https://github.com/torvalds/linux.git", "https://github.com/torvalds/linux.git"),
])
def test_git_web_view(git_url, expected):
    assert links.git_commit_url(git_url, SHA) == expected


def test_segments_are_form_encoded():
    assert links.segment("linux-5.4.y/rc 1") == "linux-5.4.y%2Frc+1"


def test_test_table_cells_and_alignment():
    long = "a-very-long-device-type-name-for-a-board"
    lines = test.table([(long, "arm64", "lab", "gcc-10", "defconfig", "2")])
    assert lines[0].split(" | ")[0].strip() == "platform"
    cell = lines[2].split(" | ")[0]
    assert cell == long[:13] + "..." + long[-12:] and len(cell) == 28
    assert set(lines[1]) <= {"-", "+"} and lines[1].count("-+-") == 5
    assert len({line.index("|") for line in (lines[0], lines[2])}) == 1  # columns line up


def _trigger(**fields) -> ReportTrigger:
    return ReportTrigger("boot", "next", "next-20191201", "master", **fields)


def test_build_subject_plurals():
    t = _trigger()
    assert build.subject(t, 1, 0, 1, 0) == "next/master build: 1 build: 0 failed, 1 passed, 1 error (next-20191201)"
    assert build.subject(t, 180, 2, 3, 1) == (
        "next/master build: 180 builds: 2 failed, 178 passed, 3 errors, 1 warning (next-20191201)")


@pytest.mark.parametrize("counts, extra", [
    ((310, 4, 301, 3, 0, 2), " with 3 offline, 2 conflicts"),
    ((5, 0, 0, 5, 0, 0), ", 5 offline"),
    ((5, 0, 0, 0, 5, 0), ", 5 untried/unknown"),
    ((6, 1, 3, 0, 2, 1), " with 2 untried/unknown, 1 conflict"),
    ((3, 1, 2, 0, 0, 0), ""),
])
def test_boot_subject(counts, extra):
    total, failed, passed = counts[:3]
    expected = f"next/master boot: {total} boots: {failed} failed, {passed} passed{extra} (next-20191201)"
    assert boot.subject(_trigger(), *counts) == expected
    assert boot.subject(_trigger(lab_name="lab-x"), *counts) == expected + " - lab-x"
