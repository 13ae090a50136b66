"""Build log parsing: sort compiler/make output lines into errors, warnings
and section mismatches, and summarise them per job.

Pure and streaming: nothing here touches the database or writes files, and a
log is consumed one line at a time so memory stays bounded by the longest
line plus the extracted lines. Rules: spec `build-logs.md` §4 (classification
and recorded text), §5.3 (side file contents), §6.2 (job summary ordering)
and §6.3 (job text summary).

"Any letter case" in the spec is applied to ASCII letters only (`re.ASCII`):
every phrase is plain ASCII, and this keeps look-alike Unicode characters
such as the Kelvin sign from matching `k`.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from os import PathLike
from typing import Protocol

_CASE_INSENSITIVE = re.IGNORECASE | re.ASCII

# Step 1, rules E1 and E2: spelled exactly as written, case matters.
_ERROR_EXACT_CASE = re.compile(r"error:|Error:|^ERROR")

# Step 1, rules E3-E7. E6 is listed separately in the spec although E7
# already covers `/bin/sh`; both are start-of-line prefix tests.
_ERROR_ANY_CASE = re.compile(
    r"undefined reference"
    r"|gcc doesn't support"
    r"|command not found"
    r"|^/bin/(?:bash|dash|(?:tc)?z?c?k?sh)",
    _CASE_INSENSITIVE,
)

_WARNING = re.compile(r"warning", _CASE_INSENSITIVE)

# Lines with any of these phrases are never warnings (they may still be
# errors or, for the first one, mismatches).
_WARNING_EXCLUSIONS = re.compile(
    r"Section mismatch"
    r"|TODO: return_address should use unwind tables"
    r"|NPTL on non MMU needs fixing"
    r"|Sparse checking disabled for this file",
    _CASE_INSENSITIVE,
)

_MISMATCH = re.compile(r"Section mismatch", _CASE_INSENSITIVE)

# The only line terminators of §4.1; str.splitlines() knows many more
# (form feed, U+2028, ...), which must stay part of the line.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_PARENT_DIR_PREFIX = "../"


class LineKind(StrEnum):
    """The category of a classified line; the value is the field name used
    for the category in parsed-log and summary documents."""

    ERROR = "errors"
    WARNING = "warnings"
    MISMATCH = "mismatches"


def classify_line(line: str) -> LineKind | None:
    """Apply the decision order of §4.2 to one line exactly as it appears
    in the file (without its terminator); None means the line is ignored."""
    if _ERROR_EXACT_CASE.search(line) or _ERROR_ANY_CASE.search(line):
        return LineKind.ERROR
    if _WARNING.search(line) and not _WARNING_EXCLUSIONS.search(line):
        return LineKind.WARNING
    if _MISMATCH.search(line):
        return LineKind.MISMATCH
    return None


def recorded_text(line: str) -> str:
    """The text stored for a classified line (§4.3): surrounding white space
    removed, then one leading `../` dropped."""
    return line.strip().removeprefix(_PARENT_DIR_PREFIX)


@dataclass
class ParsedBuildLog:
    """The result of parsing one build's logs (§4.4): recorded texts in file
    order, duplicates kept. Feed it more lines to cover several log files."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def add_line(self, line: str) -> None:
        kind = classify_line(line)
        if kind is not None:
            self.lines_of(kind).append(recorded_text(line))

    def lines_of(self, kind: LineKind) -> list[str]:
        return getattr(self, kind.value)

    @property
    def errors_count(self) -> int:
        return len(self.errors)

    @property
    def warnings_count(self) -> int:
        return len(self.warnings)

    @property
    def mismatches_count(self) -> int:
        return len(self.mismatches)


def split_log_lines(raw_lines: Iterable[bytes | str]) -> Iterator[str]:
    """Turn raw lines (bytes or str, terminator included or not) into lines
    without terminators.

    Bytes are decoded as UTF-8 with U+FFFD for invalid sequences. An item
    that holds several lines (for instance a lone `\\r` inside a line read
    from a binary file, which only splits at `\\n`) is split further.
    """
    for raw in raw_lines:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        # One terminator at the end closes this line; it does not start
        # an extra, empty one.
        text = _without_final_terminator(text)
        if "\n" in text or "\r" in text:
            yield from _LINE_BREAK.split(text)
        else:
            yield text


def _without_final_terminator(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def parse_log_lines(
    raw_lines: Iterable[bytes | str], into: ParsedBuildLog | None = None
) -> ParsedBuildLog:
    """Classify every line of one log; with `into`, append to an earlier
    result (the next log file of the same build)."""
    parsed = into if into is not None else ParsedBuildLog()
    for line in split_log_lines(raw_lines):
        parsed.add_line(line)
    return parsed


def read_log_file_lines(path: str | PathLike[str]) -> Iterator[str]:
    """Yield the lines of a log file, decoded and without terminators,
    reading a bounded chunk at a time."""
    # Universal newlines split at exactly `\n`, `\r\n` and a lone `\r`,
    # also across read-buffer boundaries, and end every line with a single
    # `\n`. Unlike iterating the binary file, a log whose progress output
    # uses only `\r` is still read a buffer at a time, not as one huge line.
    with (
        open(path, "rb") as binary,
        io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline=None) as text,
    ):
        for line in text:
            yield line.removesuffix("\n")


def parse_log_file(
    path: str | PathLike[str], into: ParsedBuildLog | None = None
) -> ParsedBuildLog:
    """Parse one log file without ever holding it whole in memory."""
    parsed = into if into is not None else ParsedBuildLog()
    for line in read_log_file_lines(path):
        parsed.add_line(line)
    return parsed


def parse_log_files(paths: Iterable[str | PathLike[str]]) -> ParsedBuildLog:
    """Parse a build's logs in `kernel_build_logs` order into one result.
    No file at all gives three empty lists (§2: empty `kernel_build_logs`)."""
    parsed = ParsedBuildLog()
    for path in paths:
        parse_log_file(path, into=parsed)
    return parsed


SIDE_FILE_NAMES: dict[LineKind, str] = {
    LineKind.ERROR: "build-errors.log",
    LineKind.WARNING: "build-warnings.log",
    LineKind.MISMATCH: "build-mismatches.log",
}


def side_file_contents(parsed: ParsedBuildLog) -> dict[LineKind, str | None]:
    """Contents of the per-build side files (§5.3): one recorded line per
    row, each ending in `\\n`. None means "do not write; remove any stale
    file of that name" (the list is empty)."""
    contents: dict[LineKind, str | None] = {}
    for kind in LineKind:
        lines = parsed.lines_of(kind)
        contents[kind] = "".join(f"{line}\n" for line in lines) if lines else None
    return contents


class HasLogLines(Protocol):
    """Anything carrying the three recorded-line lists of one build, such as
    a ParsedBuildLog rebuilt from a stored `error_logs` document."""

    @property
    def errors(self) -> Sequence[str]: ...

    @property
    def warnings(self) -> Sequence[str]: ...

    @property
    def mismatches(self) -> Sequence[str]: ...


LineCount = tuple[int, str]


@dataclass(frozen=True)
class JobLogSummary:
    """The three arrays of a job's `errors_summary` document (§6.1): one
    `(count, line)` pair per distinct recorded text, in summary order."""

    errors: list[LineCount] = field(default_factory=list)
    warnings: list[LineCount] = field(default_factory=list)
    mismatches: list[LineCount] = field(default_factory=list)

    def pairs_of(self, kind: LineKind) -> list[LineCount]:
        return getattr(self, kind.value)

    @property
    def is_empty(self) -> bool:
        """True when no summary document should exist for the job (§6.2)."""
        return not (self.errors or self.warnings or self.mismatches)


def count_lines(line_lists: Iterable[Sequence[str]]) -> list[LineCount]:
    """Count each distinct text over all lists and order the pairs as §6.2
    says: highest count first, equal counts by text in descending code-point
    order (Python compares str by code point)."""
    counts: Counter[str] = Counter()
    for lines in line_lists:
        counts.update(lines)
    ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return [(count, line) for line, count in ranked]


def summarize_job(builds: Iterable[HasLogLines]) -> JobLogSummary:
    """Recompute a job's summary from the parsed logs of all its builds."""
    builds = list(builds)
    return JobLogSummary(
        errors=count_lines(build.errors for build in builds),
        warnings=count_lines(build.warnings for build in builds),
        mismatches=count_lines(build.mismatches for build in builds),
    )


def job_summary_text(summary: JobLogSummary) -> str:
    """Content of `build-logs-summary.txt` (§6.3): errors, then warnings,
    then mismatches, each row the count right-aligned in at least four
    characters, a space, the text and `\\n`. Empty for an empty summary, in
    which case the file is not written."""
    return "".join(
        f"{count:>4} {line}\n"
        for kind in LineKind
        for count, line in summary.pairs_of(kind)
    )
