"""Build log parser: spec build-logs.md §4 (rules), §5.3, §6.2, §6.3 and the
worked example of §8 on the shared sample log."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from kci_backend.services.build_log_parser import (
    JobLogSummary,
    LineKind,
    ParsedBuildLog,
    classify_line,
    count_lines,
    job_summary_text,
    parse_log_file,
    parse_log_files,
    parse_log_lines,
    read_log_file_lines,
    recorded_text,
    side_file_contents,
    summarize_job,
)

SAMPLE_LOG = Path(__file__).resolve().parents[3] / "shared/samples/logs/build_log_0.log"

ERROR = LineKind.ERROR
WARNING = LineKind.WARNING
MISMATCH = LineKind.MISMATCH

# §8.2 and §8.3, transcribed from the spec: (line number, recorded text).
_TICK_5 = "kernel/time/tick-internal.h:114:5: error: dereferencing pointer to incomplete type"
_TICK_23 = (
    "kernel/time/tick-internal.h:114:23: error: 'tick_handle_periodic' undeclared"
    " (first use in this function)"
)
_FIXDEP = (
    ": 1: /home/buildslave/workspace/kernel-single-defconfig-builder/defconfig/"
    "allmodconfig+CONFIG_OF=n/label/builder/build-x86/tools/objtool//fixdep: Permission denied"
)
SAMPLE_ERRORS = [
    (12, _TICK_5),
    (13, _TICK_23),
    (18, _TICK_5),
    (19, _TICK_23),
    (24, _TICK_5),
    (25, _TICK_23),
    (30, _TICK_5),
    (31, _TICK_23),
    (49, "mm/migrate.c:1148:1: internal compiler error: in push_minipool_fix, at config/arm/arm.c:13101"),
    (54, ":(.text+0x17003c): undefined reference to `qcom_smem_alloc'"),
    (55, ":(.text+0x1700d0): undefined reference to `qcom_smem_get'"),
    (56, ":(.text+0x170954): undefined reference to `qcom_smem_get'"),
    (57, ":(.text+0x171474): undefined reference to `qcom_smem_get'"),
    (58, ":(.text+0x17197c): undefined reference to `qcom_smem_alloc'"),
    (59, ":(.text+0x1719d8): undefined reference to `qcom_smem_get'"),
    (60, ":(.text+0x171a40): undefined reference to `qcom_smem_alloc'"),
    (61, ":(.text+0x171ab4): undefined reference to `qcom_smem_get'"),
    (62, "arch/mips/sgi-ip22/Platform:29: *** gcc doesn't support needed"),
    (64, '"mkimage" command not found - U-Boot images will not be built'),
    (65, "/bin/sh" + _FIXDEP),
    (66, "/bin/bash" + _FIXDEP),
    (67, "/bin/zsh" + _FIXDEP),
]
SAMPLE_WARNINGS = [
    (37, "kernel/acct.c:174:3: warning: value computed is not used [-Wunused-value]"),
    (47, "include/linux/dmapool.h:18:4: warning: 'struct device' declared inside parameter list [enabled by default]"),
    (68, "arch/arm64/boot/dts/altera/socfpga_stratix10_socdk.dtb: Warning (interrupts_property): Missing interrupt-parent for /pmu"),
    (69, "arch/arm64/boot/dts/broadcom/bcm2837-rpi-3-b.dtb: Warning (phys_property): Missing property '#phy-cells' in node /phy or bad phandle (referred from /soc/usb@7e980000:phys[0])"),
    (70, "arch/arm64/boot/dts/mediatek/mt8173-evb.dtb: Warning (cooling_device_property): Missing property '#cooling-cells' in node /cpus/cpu@0 or bad phandle (referred from /thermal-zones/cpu_thermal/cooling-maps/map@0:cooling-device[0])"),
    (71, "arch/arm64/boot/dts/rockchip/rk3328-evb.dtb: Warning (interrupts_property): interrupts size is (16), expected multiple of 12 in /tsadc@ff250000"),
    (72, "arch/arm64/boot/dts/nvidia/tegra186-p2771-0000.dtb: Warning (power_domains_property): Missing property '#power-domain-cells' in node /bpmp or bad phandle (referred from /gpu@17000000:power-domains[0])"),
    (73, "sound/soc/soc-dapm.c:3940:2: warning: 'w_param_text' may be used uninitialized in this function [-Wmaybe-uninitialized]"),
]
# §8.4: lines that look relevant but are ignored.
SAMPLE_IGNORED_LINE_NUMBERS = [
    15, 21, 27, 33, 35, 39, 41, 43, 45,  # "Error 1" without a colon
    34, 38, 40, 42, 44,  # "not remade because of errors."
    50, 53,  # warnings with an excluded phrase
    14, 20, 26, 32,  # notes
    63,  # continuation of the wrapped "gcc doesn't support" message
]


def _texts(numbered: list[tuple[int, str]]) -> list[str]:
    return [text for _, text in numbered]


def _parse(*lines: str) -> ParsedBuildLog:
    return parse_log_lines(lines)


# --- §8: the sample log ------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> ParsedBuildLog:
    return parse_log_file(SAMPLE_LOG)


def test_sample_counts(sample: ParsedBuildLog) -> None:
    assert (sample.errors_count, sample.warnings_count, sample.mismatches_count) == (22, 8, 0)


def test_sample_lines_in_order(sample: ParsedBuildLog) -> None:
    assert sample.errors == _texts(SAMPLE_ERRORS)
    assert sample.warnings == _texts(SAMPLE_WARNINGS)
    assert sample.mismatches == []


def test_sample_classified_line_numbers() -> None:
    lines = list(read_log_file_lines(SAMPLE_LOG))
    assert len(lines) == 73
    found = {
        number: kind
        for number, line in enumerate(lines, start=1)
        if (kind := classify_line(line)) is not None
    }
    expected = {number: ERROR for number, _ in SAMPLE_ERRORS}
    expected |= {number: WARNING for number, _ in SAMPLE_WARNINGS}
    assert found == expected
    for number in SAMPLE_IGNORED_LINE_NUMBERS:
        assert classify_line(lines[number - 1]) is None, lines[number - 1]


def test_sample_from_binary_line_iterable_matches_file_parse(sample: ParsedBuildLog) -> None:
    with SAMPLE_LOG.open("rb") as log:
        assert parse_log_lines(log) == sample


def test_sample_job_summary(sample: ParsedBuildLog) -> None:
    summary = summarize_job([sample])
    assert summary.errors == [
        (4, _TICK_5),
        (4, _TICK_23),
        (1, "mm/migrate.c:1148:1: internal compiler error: in push_minipool_fix, at config/arm/arm.c:13101"),
        (1, "arch/mips/sgi-ip22/Platform:29: *** gcc doesn't support needed"),
        (1, ":(.text+0x171ab4): undefined reference to `qcom_smem_get'"),
        (1, ":(.text+0x171a40): undefined reference to `qcom_smem_alloc'"),
        (1, ":(.text+0x1719d8): undefined reference to `qcom_smem_get'"),
        (1, ":(.text+0x17197c): undefined reference to `qcom_smem_alloc'"),
        (1, ":(.text+0x171474): undefined reference to `qcom_smem_get'"),
        (1, ":(.text+0x170954): undefined reference to `qcom_smem_get'"),
        (1, ":(.text+0x1700d0): undefined reference to `qcom_smem_get'"),
        (1, ":(.text+0x17003c): undefined reference to `qcom_smem_alloc'"),
        (1, "/bin/zsh" + _FIXDEP),
        (1, "/bin/sh" + _FIXDEP),
        (1, "/bin/bash" + _FIXDEP),
        (1, '"mkimage" command not found - U-Boot images will not be built'),
    ]
    warnings_by_line = dict(SAMPLE_WARNINGS)
    assert summary.warnings == [(1, warnings_by_line[n]) for n in (73, 37, 47, 71, 72, 70, 69, 68)]
    assert summary.mismatches == []
    assert not summary.is_empty


def test_sample_twice_doubles_counts_and_keeps_order(sample: ParsedBuildLog) -> None:
    once = summarize_job([sample])
    twice = summarize_job([sample, parse_log_file(SAMPLE_LOG)])
    assert twice.errors == [(2 * count, line) for count, line in once.errors]
    assert twice.warnings == [(2 * count, line) for count, line in once.warnings]
    assert twice.errors[0] == (8, _TICK_5)


def test_sample_job_summary_text(sample: ParsedBuildLog) -> None:
    rows = job_summary_text(summarize_job([sample])).splitlines(keepends=True)
    assert len(rows) == 24
    assert rows[:3] == [
        f"   4 {_TICK_5}\n",
        f"   4 {_TICK_23}\n",
        "   1 mm/migrate.c:1148:1: internal compiler error: in push_minipool_fix, at config/arm/arm.c:13101\n",
    ]
    assert rows[15] == '   1 "mkimage" command not found - U-Boot images will not be built\n'
    assert rows[16].startswith("   1 sound/soc/soc-dapm.c:3940:2: warning:")


def test_sample_side_files(sample: ParsedBuildLog) -> None:
    contents = side_file_contents(sample)
    assert contents[ERROR] == "".join(f"{text}\n" for text in _texts(SAMPLE_ERRORS))
    assert contents[WARNING] == "".join(f"{text}\n" for text in _texts(SAMPLE_WARNINGS))
    assert contents[MISMATCH] is None


# --- §4.2 step 1: errors -----------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "foo.c:1:2: error: boom",  # E1
        "Error: something",  # E1
        "  indented error: still E1",  # E1 is not anchored
        "ERROR",  # E2
        "ERROR (no colon needed) at column 1",  # E2
        "ERROR: modpost: missing",  # E2 and the E1-like spelling
        "ld: foo.o: undefined reference to `bar'",  # E3
        "ld: foo.o: UNDEFINED Reference to `bar'",  # E3, any case
        "Platform:29: *** GCC Doesn't Support needed",  # E4, any case
        "bash: mkimage: Command Not Found",  # E5, any case
        "/bin/sh: 1: fixdep: Permission denied",  # E6
        "/BIN/BASH: line 1: oops",  # E6, any case
        "/bin/dash: 1: oops",  # E6
        "/bin/shell-script: not a shell but a prefix",  # E6/E7 are prefix tests
        "/bin/csh: oops",  # E7
        "/bin/ksh: oops",  # E7
        "/bin/zsh: oops",  # E7
        "/bin/tcsh: oops",  # E7
        "/Bin/TcZcKsh: every optional part",  # E7, any case
    ],
)
def test_error_rules(line: str) -> None:
    assert classify_line(line) is ERROR


@pytest.mark.parametrize(
    "line",
    [
        "make[3]: *** [kernel/time/hrtimer.o] Error 1",  # no colon after Error
        "foo ERROR: upper case is not E1 unless at column 1",
        "  ERROR indented",  # E2 needs column 1
        "error at column 1 but lower case",  # E2 is upper case only
        "eRRor: odd case",  # E1 is case-sensitive
        "Target `__build' not remade because of errors.",
        "undefined  reference with two spaces",
        "gcc doesn\u2019t support (typographic apostrophe)",
        " /bin/sh: indented",  # E6/E7 need column 1
        "/usr/bin/sh: not /bin/",
        "/bin/tsh: t without c",
        "/bin/fish: not a listed shell",
        "/bin/bas: truncated",
        "",
    ],
)
def test_lines_that_are_not_errors(line: str) -> None:
    assert classify_line(line) is not ERROR


def test_unicode_look_alikes_do_not_match_any_case_rules() -> None:
    # "Any letter case" is applied to ASCII letters; the Kelvin sign is not a "k".
    assert classify_line("/bin/\u212Ash: kelvin") is None
    assert classify_line("sparse chec\u212Aing disabled for this file warning") is WARNING


# --- §4.2 step 2: warnings ---------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "foo.c:1:2: warning: unused variable",
        "foo.dtb: Warning (reg_format): bad",
        "WARNING: modpost: something",
        "2 warnings generated.",
        "cc1: note: -Wno-warning given",
        "   indented warning",
    ],
)
def test_warning_rule(line: str) -> None:
    assert classify_line(line) is WARNING


@pytest.mark.parametrize(
    "phrase",
    [
        "TODO: return_address should use unwind tables",
        "NPTL on non MMU needs fixing",
        "Sparse checking disabled for this file",
    ],
)
def test_excluded_phrases_suppress_warning_in_any_case(phrase: str) -> None:
    assert classify_line(f"x.c:1:2: warning: #warning \"{phrase}\" [-Wcpp]") is None
    assert classify_line(f"x.c:1:2: WARNING: {phrase.upper()}") is None
    assert classify_line(f"x.c:1:2: Warning: {phrase.lower()}") is None


@pytest.mark.parametrize(
    "phrase",
    [
        "Section mismatch",
        "TODO: return_address should use unwind tables",
        "NPTL on non MMU needs fixing",
        "Sparse checking disabled for this file",
    ],
)
def test_excluded_phrases_do_not_suppress_errors(phrase: str) -> None:
    assert classify_line(f"x.c:1:2: error: {phrase} warning") is ERROR


def test_error_and_warning_counts_only_as_error() -> None:
    parsed = _parse("x.c:1: warning: something error: else")
    assert (parsed.errors, parsed.warnings) == (["x.c:1: warning: something error: else"], [])


# --- §4.2 step 3: mismatches -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "WARNING: vmlinux.o(.text+0x1): Section mismatch in reference from foo to bar",
        "WARNING: modpost: Found 2 section mismatch(es).",
        "SECTION MISMATCH without the warning word",
    ],
)
def test_mismatch_rule(line: str) -> None:
    assert classify_line(line) is MISMATCH


def test_not_a_mismatch_without_the_phrase() -> None:
    assert classify_line("Section  mismatch with two spaces") is None
    assert classify_line("section-mismatch") is None


def test_mismatches_are_collected_and_counted() -> None:
    parsed = _parse(
        "../WARNING: Section mismatch in a\n",
        "plain line\n",
        "Section mismatch in b\n",
    )
    assert parsed.mismatches == ["WARNING: Section mismatch in a", "Section mismatch in b"]
    assert parsed.mismatches_count == 2
    assert (parsed.errors, parsed.warnings) == ([], [])


# --- §4.3 recorded text ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "recorded"),
    [
        ("../foo.c:1: error: x", "foo.c:1: error: x"),
        ("../../foo.c:1: error: x", "../foo.c:1: error: x"),  # once only
        ("  \t../foo.c: error: x \t ", "foo.c: error: x"),  # strip, then prefix
        ("./foo.c: error: x", "./foo.c: error: x"),
        ("a/../foo.c: error: x", "a/../foo.c: error: x"),
        (".. /foo.c: error: x", ".. /foo.c: error: x"),
    ],
)
def test_recorded_text(line: str, recorded: str) -> None:
    assert recorded_text(line) == recorded
    assert _parse(line).errors == [recorded]


def test_matching_uses_the_line_before_trimming() -> None:
    # Leading spaces defeat E2 and E6, but the line is still a warning and is
    # recorded trimmed.
    parsed = _parse("  ERROR warning here", "  /bin/sh: warning")
    assert parsed.errors == []
    assert parsed.warnings == ["ERROR warning here", "/bin/sh: warning"]


# --- §4.1 reading ------------------------------------------------------------


def test_all_three_terminators_split_lines() -> None:
    parsed = parse_log_lines([b"a error: 1\rb error: 2\r\nc error: 3\nwarning 4"])
    assert parsed.errors == ["a error: 1", "b error: 2", "c error: 3"]
    assert parsed.warnings == ["warning 4"]


def test_other_unicode_line_breaks_do_not_split() -> None:
    line = "x error: a\x0cb\x1cc\u2028d\x85e warning"
    assert parse_log_lines([line + "\n"]).errors == [line]


def test_str_lines_without_terminators() -> None:
    parsed = parse_log_lines(["a error: 1", "warning 2", "nothing"])
    assert (parsed.errors, parsed.warnings) == (["a error: 1"], ["warning 2"])


def test_invalid_utf8_is_replaced(tmp_path: Path) -> None:
    raw = b"\xff\xfe foo.c: error: bad \xc3\n../ok warning \xe2\x9c\x93\n"
    expected_errors = ["\ufffd\ufffd foo.c: error: bad \ufffd"]
    expected_warnings = ["ok warning \u2713"]
    from_lines = parse_log_lines(raw.splitlines(keepends=True))
    log = tmp_path / "build.log"
    log.write_bytes(raw)
    for parsed in (from_lines, parse_log_file(log)):
        assert parsed.errors == expected_errors
        assert parsed.warnings == expected_warnings


def test_file_lines_split_at_each_terminator(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    log.write_bytes(b"one\rtwo\r\nthree\n\nfive\r\rseven")
    assert list(read_log_file_lines(log)) == ["one", "two", "three", "", "five", "", "seven"]


def test_crlf_across_a_read_boundary_is_one_terminator(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    # "\r" is the last byte of an 8 KiB (then a 64 KiB) read, "\n" the first
    # of the next: the pair must still end only one line.
    y_count = 65536 - 8193 - 1
    log.write_bytes(b"x" * 8191 + b"\r\n" + b"y" * y_count + b"\r\n" + b"z error: last")
    lines = list(read_log_file_lines(log))
    assert [len(line) for line in lines] == [8191, y_count, len("z error: last")]


def test_several_files_are_concatenated_in_order(tmp_path: Path) -> None:
    kernel = tmp_path / "kernel.log"
    modules = tmp_path / "modules.log"
    kernel.write_text("k.c: error: one\nk.c: warning: two\n")
    modules.write_text("m.c: error: three\nk.c: error: one\n")
    parsed = parse_log_files([kernel, modules])
    assert parsed.errors == ["k.c: error: one", "m.c: error: three", "k.c: error: one"]
    assert parsed.warnings == ["k.c: warning: two"]


def test_no_log_files_gives_empty_lists() -> None:
    assert parse_log_files([]) == ParsedBuildLog()


# --- §5.3 side files ---------------------------------------------------------


def test_side_files_only_for_non_empty_lists() -> None:
    contents = side_file_contents(_parse("a: error: 1", "b: error: 1", "Section mismatch"))
    assert contents == {ERROR: "a: error: 1\nb: error: 1\n", WARNING: None, MISMATCH: "Section mismatch\n"}


# --- §6.2 job summary ordering -----------------------------------------------


def test_summary_ordering_example_of_the_spec() -> None:
    counts = {"foo": 4, "bar": 2, "baz": 1, "bazfoo": 1, "foobar": 3}
    lines = [line for line, count in counts.items() for _ in range(count)]
    assert count_lines([lines]) == [(4, "foo"), (3, "foobar"), (2, "bar"), (1, "bazfoo"), (1, "baz")]


def test_summary_ties_use_descending_code_points() -> None:
    # "a" (U+0061) > "Z" (U+005A) > "B" (U+0042); "é" (U+00E9) > "z".
    assert count_lines([["B", "a", "z", "\u00e9", "Z"]]) == [
        (1, "\u00e9"),
        (1, "z"),
        (1, "a"),
        (1, "Z"),
        (1, "B"),
    ]


def test_summary_counts_duplicates_within_and_across_builds() -> None:
    first = ParsedBuildLog(errors=["e1", "e1", "e2"], warnings=["w1"])
    second = ParsedBuildLog(errors=["e2", "e2"], warnings=["w1", "w2"], mismatches=["m1"])
    summary = summarize_job([first, second])
    assert summary.errors == [(3, "e2"), (2, "e1")]
    assert summary.warnings == [(2, "w1"), (1, "w2")]
    assert summary.mismatches == [(1, "m1")]


def test_summary_categories_are_independent() -> None:
    summary = summarize_job([ParsedBuildLog(errors=["same"], warnings=["same", "same"])])
    assert summary.errors == [(1, "same")]
    assert summary.warnings == [(2, "same")]


def test_summary_is_empty_only_when_all_three_are_empty() -> None:
    assert summarize_job([]).is_empty
    assert summarize_job([ParsedBuildLog(), ParsedBuildLog()]).is_empty
    assert not summarize_job([ParsedBuildLog(mismatches=["m"])]).is_empty


# --- §6.3 job text summary ---------------------------------------------------


def test_job_summary_text_rows_and_widths() -> None:
    summary = JobLogSummary(
        errors=[(12345, "wide count"), (4, "e")],
        warnings=[(1, "w")],
        mismatches=[(1000, "m")],
    )
    assert job_summary_text(summary) == "12345 wide count\n   4 e\n   1 w\n1000 m\n"


def test_job_summary_text_of_empty_summary_is_empty() -> None:
    assert job_summary_text(JobLogSummary()) == ""


# --- streaming: a 50 MB log in bounded memory -------------------------------


def _write_big_log(path: Path, target_bytes: int) -> tuple[int, int]:
    """Write a mostly-noise log with all three terminators; return the
    number of error and warning lines it holds."""
    noise = [f"  CC [M]  drivers/gpu/drm/vendor/file_{n:05d}.o" for n in range(3000)]
    terminators = ("\n", "\r\n", "\r")
    body = "".join(line + terminators[n % 3] for n, line in enumerate(noise))
    block = (body + "../drivers/x.c:1:2: error: boom\r\n" + "drivers/y.c:3:4: warning: hmm\r").encode()
    blocks = target_bytes // len(block) + 1
    with path.open("wb") as log:
        for _ in range(blocks):
            log.write(block)
    return blocks, blocks


def test_large_log_is_parsed_with_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    errors, warnings = _write_big_log(log, 50 * 1024 * 1024)
    assert log.stat().st_size >= 50 * 1024 * 1024

    started = time.perf_counter()
    tracemalloc.start()
    try:
        parsed = parse_log_file(log)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started

    assert parsed.errors_count == errors
    assert parsed.warnings_count == warnings
    assert set(parsed.errors) == {"drivers/x.c:1:2: error: boom"}
    assert parsed.mismatches == []
    assert peak < 3 * 1024 * 1024, f"peak {peak} bytes"
    assert elapsed < 120
