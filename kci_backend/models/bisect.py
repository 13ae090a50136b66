"""`bisect`: a good/bad commit pair derived from stored results, and what a runner found (spec/bisect.md §2).

One table holds the three record types (`boot`, `build`, `test`); which keys
a type shows is `TYPE_KEYS` (§2.2), applied when documents are read out.

The commit dates are JSON columns: they hold `{"$date": ms}`, null, or the
empty string `""` of §4.4 (a boot whose build is unknown), which no date
column could store.

Records are a cache kept for `RETENTION` (§2.3). `cache_key` is a hidden
unique digest of what makes two records the same: the start id and
`compare_to` of an on-demand record (§8 D2), or the dedup keys of a record
made by a regression pipeline (§6). Inserting on it lets two concurrent
requests store one record only.
"""

from datetime import timedelta

from .base import Field, Kind, collection

BISECT_TYPES = ("boot", "build", "test")
# §2.3: the reference's TTL index (1 209 600 s).
RETENTION = timedelta(days=14)

COMMON_KEYS = (
    "_id", "type", "version", "created_on", "compare_to",
    "good_commit", "bad_commit", "good_commit_url", "bad_commit_url", "good_commit_date", "bad_commit_date",
    "job", "job_id", "kernel", "git_branch", "git_url", "arch", "defconfig", "defconfig_full",
    "compiler", "compiler_version", "build_environment", "build_id",
    "good_summary", "bad_summary", "found_summary", "log", "checks",
)
TYPE_KEYS = {
    "boot": ("bisect_data", "boot_id", "board", "lab_name", "device_type", "plan", "plan_variant"),
    "build": ("bisect_data", "plan", "plan_variant"),
    "test": ("test_case_path", "regression_id", "device_type", "lab_name", "plan_variant"),
}


def _text(name: str, doc: str = "") -> Field:
    return Field(name, Kind.TEXT, server=True, doc=doc)


def _id(name: str, doc: str = "") -> Field:
    return Field(name, Kind.OID, server=True, doc=doc)


BISECT = collection(
    "bisect",
    _text("type", "boot, build or test"),
    _text("version", "Always 1.0"),
    _text("compare_to", "Tree compared against, else null"),
    _text("good_commit"),
    _text("bad_commit"),
    _text("good_commit_url"),
    _text("bad_commit_url"),
    Field("good_commit_date", Kind.JSON, server=True, doc='{"$date": ms}, null or ""'),
    Field("bad_commit_date", Kind.JSON, server=True, doc='{"$date": ms}, null or ""'),
    _text("job"),
    _id("job_id"),
    _text("kernel"),
    _text("git_branch"),
    _text("git_url"),
    _text("arch"),
    _text("defconfig"),
    _text("defconfig_full"),
    _text("compiler"),
    _text("compiler_version"),
    _text("build_environment"),
    _id("build_id"),
    _text("good_summary", "Posted back by the runner"),
    _text("bad_summary", "Posted back by the runner"),
    _text("found_summary", "Posted back by the runner"),
    _text("log", "Posted back by the runner"),
    Field("checks", Kind.JSON, server=True, default={}, doc="Posted back by the runner"),
    Field("bisect_data", Kind.JSON, server=True, doc="boot and build records: the results walked"),
    _id("boot_id", "boot records: the failing boot"),
    _text("board"),
    _text("lab_name"),
    _text("device_type"),
    _text("plan"),
    _text("plan_variant"),
    _text("test_case_path", "test records"),
    _id("regression_id", "test records: the test_regression document"),
    Field("cache_key", Kind.TEXT, server=True, hidden=True, doc="Digest of the record's identity (§8 D2, §6)"),
    identity=("cache_key",),
    indexes=(
        # §4.1 / §5 cache lookups.
        ("boot_id", "compare_to"),
        ("build_id", "compare_to"),
        # §7 runner results match on these first.
        ("job", "kernel", "git_branch"),
    ),
)
